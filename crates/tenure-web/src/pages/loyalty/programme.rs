//! `GET /loyalty`: the programme at a glance for analysts and admins — what it owes (the value of
//! the outstanding points, the points outstanding, pending and owed back), members per tier, the
//! rewards catalogue, the members with the largest balances (paged), the latest coupons and the
//! coupons' CSV export (`GET /loyalty/coupons.csv`, every cell safe for spreadsheets), and how many
//! referrals wait for a reviewer (linking to them). Without a programme the page says how to start
//! one.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::loyalty::messages::describe;
use tenure_app::loyalty::view::{Liability, liability};
use tenure_app::loyalty::{ActiveProgramme, active_programme};
use tenure_domain::Timestamp;
use tenure_store::{Coupon, Member, MemberQuery};

use super::super::Layout;
use super::super::params::{optional, parsed};
use crate::format::{count, money};
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// Members per page of the top list.
const MEMBERS_PER_PAGE: usize = 50;

/// Latest coupons shown.
const RECENT_COUPONS: usize = 20;

#[derive(Template)]
#[template(path = "loyalty/programme.html")]
struct ProgrammePage {
    layout: Layout,
    programme: Option<ProgrammeView>,
}

/// What the page shows of a running programme.
struct ProgrammeView {
    version: i64,
    liability: String,
    liability_minor: String,
    rate: String,
    outstanding: String,
    outstanding_raw: i64,
    pending: String,
    owed: String,
    members: String,
    coupons_issued: String,
    coupons_used: String,
    tiers: Vec<(String, String)>,
    rewards: Vec<RewardLine>,
    top: Vec<MemberLine>,
    page: usize,
    more: bool,
    first_rank: usize,
    coupons: Vec<CouponLine>,
    held_referrals: String,
}

struct RewardLine {
    id: String,
    name: String,
    cost: String,
    gives: String,
}

struct MemberLine {
    customer: i64,
    name: String,
    email: String,
    balance: String,
    available: String,
    tier: String,
}

struct CouponLine {
    code: String,
    customer: i64,
    reward: String,
    points: String,
    issued: String,
    used: String,
}

/// `?page=N` of the top members (from 1).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProgrammeQuery {
    #[serde(default, deserialize_with = "optional")]
    page: Option<usize>,
}

/// What the page reads, in one trip to the store.
struct Loaded {
    programme: ActiveProgramme,
    liability: Liability,
    members: Vec<Member>,
    coupons: Vec<Coupon>,
}

/// `GET /loyalty?page=N`.
pub(crate) async fn loyalty_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<ProgrammeQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let page = parsed(query)?.page.unwrap_or(1).max(1);
    let loaded = state.pool().run(move |store| load(store, page)).await?;
    let layout = Layout::new(&signed_in, "Loyalty", "/loyalty");
    Ok(render(&ProgrammePage { layout, programme: loaded.map(|loaded| view(&loaded, page)) }))
}

fn load(store: &mut dyn tenure_store::Store, page: usize) -> Result<Option<Loaded>, AppError> {
    let Some(programme) = active_programme(store)? else { return Ok(None) };
    let Some(liability) = liability(store)? else { return Ok(None) };
    let query = MemberQuery {
        tier: None,
        by_balance: true,
        // One more than a page: whether there is a next page.
        limit: MEMBERS_PER_PAGE + 1,
        offset: (page - 1).saturating_mul(MEMBERS_PER_PAGE),
    };
    let members = store.members(&query)?;
    let coupons = store.coupons(None, None, RECENT_COUPONS)?;
    Ok(Some(Loaded { programme, liability, members, coupons }))
}

fn view(loaded: &Loaded, page: usize) -> ProgrammeView {
    let rules = &loaded.programme.rules;
    let currency = rules.currency;
    let totals = &loaded.liability.totals;
    let points = |n: i64| signed(n);
    ProgrammeView {
        version: loaded.liability.version,
        liability: loaded.liability.value.map_or_else(|| "—".to_string(), |v| money(v.minor, Some(currency))),
        liability_minor: loaded.liability.value.map_or_else(String::new, |v| v.minor.to_string()),
        rate: loaded.liability.rate.map_or_else(
            || "The catalogue has no amount-off reward to value points by.".to_string(),
            |rate| format!("{} points = {}", points(rate.points), money(rate.minor, Some(currency))),
        ),
        outstanding: points(totals.outstanding),
        outstanding_raw: totals.outstanding,
        pending: points(totals.pending),
        owed: points(totals.owed),
        members: points(totals.members),
        coupons_issued: points(totals.coupons_issued),
        coupons_used: points(totals.coupons_used),
        tiers: totals
            .tiers
            .iter()
            .map(|(tier, n)| (tier.clone().unwrap_or_else(|| "(none yet)".to_string()), points(*n)))
            .collect(),
        rewards: rules
            .rewards
            .iter()
            .map(|r| RewardLine {
                id: r.id.clone(),
                name: r.name.clone(),
                cost: points(r.cost),
                gives: describe(&r.kind, currency.code(), currency.exponent()),
            })
            .collect(),
        top: loaded.members.iter().take(MEMBERS_PER_PAGE).map(member_line).collect(),
        page,
        more: loaded.members.len() > MEMBERS_PER_PAGE,
        first_rank: (page - 1) * MEMBERS_PER_PAGE + 1,
        coupons: loaded.coupons.iter().map(coupon_line).collect(),
        held_referrals: count(totals.held_referrals.unsigned_abs()),
    }
}

/// Points with separators and a sign.
pub(crate) fn signed(points: i64) -> String {
    let sign = if points < 0 { "-" } else { "" };
    format!("{sign}{}", count(points.unsigned_abs()))
}

fn member_line(member: &Member) -> MemberLine {
    let summary = &member.account.summary;
    MemberLine {
        customer: member.account.customer_id.0,
        name: member.name.clone().unwrap_or_default(),
        email: member.email.clone().unwrap_or_default(),
        balance: signed(summary.balance),
        available: signed(summary.available),
        tier: summary.tier.as_ref().map_or_else(String::new, |t| t.tier.clone()),
    }
}

fn day(at: Timestamp) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn coupon_line(coupon: &Coupon) -> CouponLine {
    CouponLine {
        code: coupon.coupon.code.clone(),
        customer: coupon.customer_id.0,
        reward: coupon.coupon.reward_name.clone(),
        points: signed(coupon.coupon.points),
        issued: day(coupon.issued_at),
        used: coupon.used_at.map_or_else(String::new, day),
    }
}

/// `GET /loyalty/coupons.csv`: every coupon issued, newest first.
pub(crate) async fn coupons_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    uri: Uri,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let actor =
        crate::audit::allow_page_export(&state, &signed_in, &extensions, "/loyalty/coupons.csv").await?;
    let coupons = state.pool().run(|store| Ok(store.coupons(None, None, usize::MAX >> 1)?)).await?;
    let body = coupons_csv_text(&coupons)?;
    crate::audit::exported(&state, actor, "/loyalty/coupons.csv", coupons.len() as u64).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tenure-coupons.csv\""),
    );
    Ok(response)
}

/// `coupons` as the shop's CSV (the CLI's export writes the same).
pub(crate) fn coupons_csv_text(coupons: &[Coupon]) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    tenure_app::loyalty::coupons::write_coupons(coupons, &mut bytes)?;
    String::from_utf8(bytes).map_err(|e| AppError::Invalid(format!("writing the CSV: {e}")))
}

/// The programme's liability as the overview shows it: its value in money, or its points where
/// the catalogue gives no rate to value them by.
pub(crate) fn liability_figure(liability: &Liability) -> String {
    match liability.value {
        Some(value) => money(value.minor, Some(value.currency)),
        None => format!("{} points", signed(liability.totals.outstanding)),
    }
}
