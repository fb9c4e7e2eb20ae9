//! `GET /customers/{id}`: one customer — profile, contact dates and cadence settings, the timeline
//! with the forms that log an interaction and plan a follow-up (`customer_calendar.rs`),
//! identities per source and merges (with how to undo one), the orders, and the stored model
//! scores with a plain account of the purchases behind them. An unknown id is a 404 page.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::models::{PurchaseHistory, purchase_history};
use tenure_app::reports::{Date, ShopTimeZone};
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_store::{CustomerDetail, CustomerScore, StoreError};

use super::Layout;
use super::customer_calendar::{self, CalendarSection, Forms};
use super::params::parsed;
use crate::format::{count, money, percent};
use crate::html::{PageError, render};
use crate::routes::STAFF;
use crate::session::SignedIn;
use crate::{AppState, session};

/// The customer page.
#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    layout: Layout,
    detail: CustomerDetail,
    consent: &'static str,
    created: String,
    identities: Vec<IdentityLine>,
    merges: Vec<MergeLine>,
    orders: Vec<OrderLine>,
    score: Option<ScoreView>,
    surveys: Vec<SurveyLine>,
    calendar: CalendarSection,
    /// Whether the customer has a loyalty account (the page links to it).
    member: bool,
}

/// A submitted survey response as shown.
struct SurveyLine {
    survey: String,
    submitted: String,
    answers: Vec<(String, String)>,
}

/// An identity as shown.
struct IdentityLine {
    source: String,
    external_id: String,
    email: String,
    consent: &'static str,
    created: String,
}

/// A merge as shown.
struct MergeLine {
    id: i64,
    source: String,
    external_id: String,
    reason: String,
    merged: String,
    undone: Option<String>,
}

/// An order as shown.
struct OrderLine {
    day: String,
    source: String,
    external_id: String,
    status: &'static str,
    total: String,
    refunded: String,
}

/// The stored scores and why they are what they are.
struct ScoreView {
    as_of: String,
    model: String,
    probability_alive: String,
    probability_raw: f64,
    low: bool,
    expected_purchases: String,
    horizon_days: u32,
    expected_spend: String,
    clv: String,
    why: Vec<String>,
}

/// `?logged=ID&planned=ID&deleted=ID&done=ID&cancelled=ID&saved=1&erased=1`: what the last form did.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CustomerQuery {
    logged: Option<i64>,
    planned: Option<i64>,
    deleted: Option<i64>,
    done: Option<i64>,
    cancelled: Option<i64>,
    saved: Option<String>,
    erased: Option<String>,
}

impl CustomerQuery {
    fn notice(&self) -> Option<String> {
        let said = [
            self.logged.map(|id| format!("Interaction {id} is on the timeline.")),
            self.planned.map(|id| format!("Follow-up {id} is planned.")),
            self.deleted.map(|id| format!("Interaction {id} is deleted.")),
            self.done.map(|id| format!("Follow-up {id} is done.")),
            self.cancelled.map(|id| format!("Follow-up {id} is cancelled.")),
            self.saved.as_ref().map(|_| "The contact settings are saved.".to_string()),
            self.erased
                .as_ref()
                .map(|_| "Personal data erased. Orders' dates and amounts stay for reports.".to_string()),
        ];
        said.into_iter().flatten().next()
    }
}

/// `GET /customers/{id}`.
pub(crate) async fn customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    uri: Uri,
    Path(id): Path<String>,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let id = customer_id(&id)?;
    let viewed = tenure_app::audit::Action::done("customer.view").on(format!("customer:{}", id.0));
    crate::audit::record(&state, crate::audit::user(&signed_in, &extensions), viewed).await?;
    let notice = parsed(query)?.notice();
    let forms = Forms::fresh(&signed_in, state.time_zone(), chrono::Utc::now());
    show(&state, &signed_in, id, forms, notice).await
}

/// The customer id of a path; one that is no id names no customer: the same 404 as an unknown id.
pub(crate) fn customer_id(id: &str) -> Result<CustomerId, PageError> {
    id.parse::<i64>()
        .map(CustomerId)
        .map_err(|_| PageError::App(AppError::Store(StoreError::NotFound(format!("customer {id}")))))
}

/// Customer `id`'s page for `signed_in`, its calendar forms as `forms` hold them (422 when one of
/// them was refused).
pub(crate) async fn show(
    state: &AppState,
    signed_in: &SignedIn,
    id: CustomerId,
    forms: Forms,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let time_zone = state.time_zone();
    let (detail, score, history, answered, calendar, member) = state
        .pool()
        .run(move |store| {
            let detail = store.customer(id)?;
            let answered = tenure_app::surveys::customer_answers(store, id)?;
            let score = store.scores_of(&[id])?.into_iter().next();
            let history = match &score {
                Some(score) => purchase_history(&detail, &score.currency, time_zone, day(score.as_of)?)?,
                None => None,
            };
            let calendar = customer_calendar::load(store, id)?;
            let member = store.loyalty_account(id)?.is_some();
            Ok((detail, score, history, answered, calendar, member))
        })
        .await?;
    let title = detail.name.clone().unwrap_or_else(|| format!("Customer {}", detail.id));
    let layout = Layout::new(signed_in, title, "/customers");
    let calendar = customer_calendar::section(calendar, forms, notice, time_zone);
    let mut shown = page(layout, detail, score, history, time_zone, calendar);
    shown.member = member;
    shown.surveys = answered
        .into_iter()
        .map(|a| SurveyLine { survey: a.survey, submitted: when(a.submitted_at), answers: a.answers })
        .collect();
    let mut response = render(&shown);
    if shown.calendar.has_problem() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// A stored calendar day as a report day.
fn day(date: chrono::NaiveDate) -> Result<Date, AppError> {
    use chrono::Datelike;
    Date::from_ymd(date.year(), date.month(), date.day())
        .ok_or_else(|| AppError::Invalid(format!("{date} is outside the calendar")))
}

fn consent(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not stated",
    }
}

fn when(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn page(
    layout: Layout,
    detail: CustomerDetail,
    score: Option<CustomerScore>,
    history: Option<PurchaseHistory>,
    time_zone: ShopTimeZone,
    calendar: CalendarSection,
) -> CustomerPage {
    let identities = detail
        .identities
        .iter()
        .map(|i| IdentityLine {
            source: i.source.clone(),
            external_id: i.external_id.clone(),
            email: i.email.clone().unwrap_or_default(),
            consent: consent(i.marketing_consent),
            created: when(i.created_at),
        })
        .collect();
    let merges = detail
        .merges
        .iter()
        .map(|m| MergeLine {
            id: m.id,
            source: m.source.clone(),
            external_id: m.external_id.clone(),
            reason: m.reason.clone(),
            merged: when(m.merged_at),
            undone: m.undone_at.map(|at| match m.split_customer_id {
                Some(split) => format!("{} (now customer {split})", when(at)),
                None => when(at),
            }),
        })
        .collect();
    let orders = detail.orders.iter().map(|o| order_line(o, time_zone)).collect();
    CustomerPage {
        layout,
        consent: consent(detail.marketing_consent),
        created: when(detail.created_at),
        identities,
        merges,
        orders,
        score: score.map(|s| score_view(&s, history.as_ref())),
        surveys: Vec::new(),
        calendar,
        member: false,
        detail,
    }
}

fn order_line(order: &tenure_store::OrderView, time_zone: ShopTimeZone) -> OrderLine {
    let currency = Currency::parse(&order.currency).ok();
    OrderLine {
        // The shop's calendar day, as every report counts it.
        day: time_zone.day_of(order.placed_at).map_or_else(|_| when(order.placed_at), |d| d.to_string()),
        source: order.source.clone(),
        external_id: order.external_id.clone(),
        status: order.status.as_str(),
        total: money(order.total_minor, currency),
        refunded: if order.refunded_minor == 0 {
            String::new()
        } else {
            money(order.refunded_minor, currency)
        },
    }
}

fn score_view(score: &CustomerScore, history: Option<&PurchaseHistory>) -> ScoreView {
    let currency = Currency::parse(&score.currency).ok();
    ScoreView {
        as_of: score.as_of.to_string(),
        model: score.model.clone(),
        probability_alive: percent(Some(score.probability_alive * 100.0)),
        probability_raw: score.probability_alive,
        low: score.probability_alive < tenure_app::reports::AT_RISK_BELOW,
        expected_purchases: format!("{:.2}", score.expected_purchases),
        horizon_days: score.horizon_days,
        expected_spend: money(score.expected_spend_minor, currency),
        clv: money(score.clv_minor, currency),
        why: why(score, history),
    }
}

/// A plain account of the numbers behind a score: how many purchase days, how far apart, how
/// long ago — only what the purchases and the score say, nothing made up.
pub(crate) fn why(score: &CustomerScore, history: Option<&PurchaseHistory>) -> Vec<String> {
    let chance = percent(Some(score.probability_alive * 100.0));
    let Some(h) = history else {
        return vec![format!("No purchases in {} up to {}.", score.currency, score.as_of)];
    };
    let ago = count(h.days_since_last.max(0) as u64);
    let Some(gap) = h.mean_days_between else {
        return vec![
            format!("One purchase day, {}, {ago} days before {}.", h.last, score.as_of),
            format!(
                "With a single purchase the model can only weigh how long ago it was against how often \
                 customers like this one come back: it puts the chance they still buy at {chance}."
            ),
        ];
    };
    let ratio = f64::from(h.days_since_last) / gap.max(1.0);
    let mut sentences = vec![format!(
        "{} purchase days from {} to {}, about every {gap:.0} days; the last was {ago} days before {}, {ratio:.1} times that gap.",
        count(u64::from(h.purchase_days)),
        h.first,
        h.last,
        score.as_of
    )];
    sentences.push(if score.probability_alive < tenure_app::reports::AT_RISK_BELOW && ratio > 1.0 {
        format!(
            "Customers who buy every ~{gap:.0} days and then stop this long are usually gone: the model \
             puts the chance this one still buys at {chance}."
        )
    } else if ratio <= 1.0 {
        format!("That is within their usual rhythm: the model puts the chance they still buy at {chance}.")
    } else {
        format!("The model puts the chance this customer still buys at {chance}.")
    });
    sentences
}
