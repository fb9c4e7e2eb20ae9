//! `GET /loyalty/members/{id}`: a member's account for staff (agents too) — what the member sees,
//! and the latest ledger rows with their causes — with the form that adjusts their points by hand
//! (`POST /loyalty/members/{id}/adjust`: points, a reason, the signed-in user as who made it).
//! The form is CSRF-checked and carries a one-time key, the adjustment's idempotency key, so
//! sending it twice changes the points once. A refused adjustment (more taken than available,
//! a missing reason) shows the page again with the reason and the fields as sent.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::loyalty::active_programme;
use tenure_app::loyalty::redeem::{Adjustment, adjust};
use tenure_app::loyalty::view::{MemberView, member_view};
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_store::{LedgerRow, Store, StoreError};

use super::super::Layout;
use super::super::calendar_fields::{is_form_key, new_form_key};
use super::super::customer::customer_id;
use super::super::params::parsed;
use super::account::{AccountView, Dates, account_view};
use super::programme::signed;
use super::words::{ENGLISH, Words};
use crate::AppState;
use crate::html::{PageError, render};
use crate::loyalty::MailingParts;
use crate::routes::STAFF;
use crate::session::{self, CsrfForm, SignedIn};

/// Ledger rows shown.
const RECENT_ROWS: usize = 50;

#[derive(Template)]
#[template(path = "loyalty/staff_member.html")]
struct StaffMemberPage {
    layout: Layout,
    customer: i64,
    has_programme: bool,
    account: Option<AccountView>,
    w: &'static Words,
    redeem_action: Option<String>,
    form_key: String,
    recent: Vec<LedgerLine>,
    adjust: AdjustFields,
    problem: Option<String>,
    notice: Option<String>,
}

/// A ledger row as listed.
struct LedgerLine {
    at: String,
    cause: String,
    points: String,
    detail: String,
}

/// The adjust form (also the page's copy of it).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AdjustFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

impl CsrfForm for AdjustFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `?adjusted=1`: the form just went through.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StaffMemberQuery {
    adjusted: Option<String>,
}

/// What the page reads.
struct Loaded {
    currency: Option<Currency>,
    view: Option<MemberView>,
}

/// `GET /loyalty/members/{id}`.
pub(crate) async fn staff_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<Query<StaffMemberQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let customer = customer_id(&id)?;
    let notice = parsed(query)?.adjusted.map(|_| "The adjustment is on the ledger.".to_string());
    let form = AdjustFields { key: new_form_key(), ..AdjustFields::default() };
    show(&state, &signed_in, customer, form, None, notice).await
}

/// `POST /loyalty/members/{id}/adjust`.
pub(crate) async fn adjust_points(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<AdjustFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, mut form) = session::require_form(&state, &headers, STAFF, form).await?;
    let customer = customer_id(&id)?;
    let by = signed_in.session.user.email.clone();
    let problem = match read_form(&form) {
        Ok(points) => {
            let (parts, now) = (MailingParts::of(&state), chrono::Utc::now());
            let (key, reason) = (form.key.clone(), form.reason.trim().to_string());
            let adjusted = state
                .pool()
                .run(move |store| {
                    let mailing = parts.mailing(store)?;
                    let adjustment = Adjustment { customer, points, reason: &reason, by: &by, key: &key };
                    adjust(store, &mailing, &adjustment, now)
                })
                .await;
            match adjusted {
                Ok(_) => {
                    let back = format!("/loyalty/members/{customer}?adjusted=1");
                    return Ok(Redirect::to(&back).into_response());
                }
                Err(AppError::Store(StoreError::Conflict(problem))) => (problem, StatusCode::CONFLICT),
                Err(AppError::Invalid(problem)) => (problem, StatusCode::UNPROCESSABLE_ENTITY),
                Err(other) => return Err(other.into()),
            }
        }
        Err(problem) => (problem, StatusCode::UNPROCESSABLE_ENTITY),
    };
    if !is_form_key(&form.key) {
        form.key = new_form_key();
    }
    show(&state, &signed_in, customer, form, Some(problem), None).await
}

/// The points the form asks for, or what is wrong with it.
fn read_form(form: &AdjustFields) -> Result<i64, String> {
    if !is_form_key(&form.key) {
        return Err("The form lacks its key: reload the page and send it again.".into());
    }
    let points: i64 = form.points.trim().parse().map_err(|_| {
        format!("Points: `{}` is not a whole number (negative to take points)", form.points.trim())
    })?;
    if points == 0 {
        return Err("Points: an adjustment adds or takes at least one point.".into());
    }
    if form.reason.trim().is_empty() {
        return Err("Reason: say why, for the member's ledger.".into());
    }
    Ok(points)
}

/// The page for `customer`, the adjust form as `form` holds it, with the status of its refusal.
async fn show(
    state: &AppState,
    signed_in: &SignedIn,
    customer: CustomerId,
    form: AdjustFields,
    refused: Option<(String, StatusCode)>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let now = chrono::Utc::now();
    let loaded = state.pool().run(move |store| load(store, customer, now)).await?;
    let dates = Dates { words: &ENGLISH, zone: state.time_zone() };
    let title = match loaded.view.as_ref().and_then(|v| v.name.clone()) {
        Some(name) => format!("Points of {name}"),
        None => format!("Points of customer {customer}"),
    };
    let (problem, status) = match refused {
        Some((problem, status)) => (Some(problem), status),
        None => (None, StatusCode::OK),
    };
    let page = StaffMemberPage {
        layout: Layout::new(signed_in, title, "/loyalty"),
        customer: customer.0,
        has_programme: loaded.currency.is_some(),
        account: loaded
            .view
            .as_ref()
            .zip(loaded.currency)
            .map(|(view, currency)| account_view(view, currency, dates, state.public_url(), None)),
        w: &ENGLISH,
        redeem_action: None,
        form_key: String::new(),
        recent: loaded.view.as_ref().map_or_else(Vec::new, |v| {
            v.recent.iter().take(RECENT_ROWS).map(|row| ledger_line(row, dates)).collect()
        }),
        adjust: form,
        problem,
        notice,
    };
    let mut response = render(&page);
    *response.status_mut() = status;
    Ok(response)
}

/// The customer (404 when there is none), the programme's currency and their account.
fn load(store: &mut dyn Store, customer: CustomerId, now: Timestamp) -> Result<Loaded, AppError> {
    store.customer(customer)?;
    let Some(programme) = active_programme(store)? else { return Ok(Loaded { currency: None, view: None }) };
    let view = member_view(store, customer, now)?;
    Ok(Loaded { currency: Some(programme.rules.currency), view })
}

fn ledger_line(row: &LedgerRow, dates: Dates) -> LedgerLine {
    LedgerLine {
        at: format!("{} {}", dates.of(row.at), row.at.format("%H:%M UTC")),
        cause: row.cause_kind.clone(),
        points: signed(row.points),
        detail: cause_detail(&row.cause),
    }
}

/// The readable parts of a cause's JSON (who, why, which order or reward), in a line.
fn cause_detail(cause: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(cause) else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(name, _)| name.as_str() != "kind")
        .filter_map(|(name, value)| match value {
            serde_json::Value::String(text) => Some(format!("{name}: {text}")),
            serde_json::Value::Number(n) => Some(format!("{name}: {n}")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
