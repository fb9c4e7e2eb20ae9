//! `GET /loyalty/referrals`: referrals for staff — by default those the fraud checks held for a
//! person to review — each with both customers, when the code was used, the reasons in plain
//! words and who decided when; and for a held one the two CSRF-checked buttons of
//! `POST /loyalty/referrals/{id}/review` (`decision=approve`: pay both sides; `refuse`: never
//! pay), recorded with the signed-in user's e-mail. A referral no longer held (decided before, or
//! by someone else meanwhile) shows the page again with what became of it (409).
//!
//! Agents may review as well as admins and analysts: the member pages already let agents give
//! and take points by hand (`/loyalty/members/{id}/adjust`), and approving a referral is no more
//! than that — it pays the programme's fixed points, on the ledger with the reviewer's name.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use tenure_app::AppError;
use tenure_app::loyalty::active_programme;
use tenure_domain::{Currency, Timestamp};
use tenure_store::{Contact, Referral, ReferralStatus, StoreError};

use super::super::Layout;
use super::super::params::parsed;
use super::account::Dates;
use super::words::{ENGLISH, Words};
use crate::AppState;
use crate::format::money;
use crate::html::{PageError, render};
use crate::loyalty::{MailingParts, Reviewed, review_held};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm, SignedIn};

/// Referrals listed at most, newest first.
const SHOWN: usize = 200;

/// The filters, as `?status=` and as the page labels them; the first is the default.
const FILTERS: [(&str, &str); 5] = [
    ("held", "Held for review"),
    ("waiting", "Waiting"),
    ("paid", "Paid"),
    ("refused", "Refused"),
    ("all", "All"),
];

#[derive(Template)]
#[template(path = "loyalty/referrals.html")]
struct ReferralsPage {
    layout: Layout,
    filters: Vec<FilterLink>,
    filter_label: &'static str,
    lines: Vec<Line>,
    shown: usize,
    has_programme: bool,
    notice: Option<String>,
    problem: Option<String>,
}

struct FilterLink {
    value: &'static str,
    label: &'static str,
    current: bool,
}

/// A referral as listed.
struct Line {
    id: i64,
    referrer: Person,
    referred: Person,
    used: String,
    status: &'static str,
    held: bool,
    reasons: Vec<String>,
    decided: String,
}

struct Person {
    id: i64,
    name: String,
    email: String,
}

/// `?status=held|waiting|paid|refused|all`, and `approved=ID` / `refused=ID` after a review.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReferralsQuery {
    status: Option<String>,
    approved: Option<i64>,
    refused: Option<i64>,
}

/// The review form: `decision=approve|refuse`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

impl CsrfForm for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The filter chosen: its index in [`FILTERS`] and the status it lists (`None`: all).
#[derive(Debug, Clone, Copy)]
struct Filter {
    index: usize,
    status: Option<ReferralStatus>,
}

/// The held referrals, the page's default.
const HELD: Filter = Filter { index: 0, status: Some(ReferralStatus::Held) };

/// `?status=`: empty or absent is held.
fn filter(text: Option<&str>) -> Result<Filter, AppError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty()).unwrap_or("held");
    let index = FILTERS.iter().position(|(value, _)| *value == text).ok_or_else(|| {
        AppError::Invalid(format!("status `{text}`: choose held, waiting, paid, refused or all"))
    })?;
    Ok(Filter { index, status: ReferralStatus::parse(text) })
}

/// `GET /loyalty/referrals`.
pub(crate) async fn referrals_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<ReferralsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let query = parsed(query)?;
    let filter = filter(query.status.as_deref())?;
    let notice = match (query.approved, query.refused) {
        (Some(id), _) => Some(format!("Referral {id} approved: both sides are paid.")),
        (None, Some(id)) => Some(format!("Referral {id} refused: it will never pay.")),
        (None, None) => None,
    };
    show(&state, &signed_in, filter, notice, None).await
}

/// `POST /loyalty/referrals/{id}/review`.
pub(crate) async fn review_referral(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let id: i64 = id.parse().map_err(|_| AppError::Store(StoreError::NotFound(format!("referral {id}"))))?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => return Err(AppError::Invalid(format!("decision `{other}`: approve or refuse")).into()),
    };
    let by = signed_in.session.user.email.clone();
    let (parts, now) = (MailingParts::of(&state), chrono::Utc::now());
    let reviewed = state.pool().run(move |store| review_held(store, parts, id, approve, &by, now)).await?;
    match reviewed {
        // 303: a refresh of the page shown next does not send the decision again.
        Reviewed::Decided(_) => {
            let outcome = if approve { "approved" } else { "refused" };
            Ok(Redirect::to(&format!("/loyalty/referrals?{outcome}={id}")).into_response())
        }
        Reviewed::NotHeld(referral) => {
            let dates = Dates { words: &ENGLISH, zone: state.time_zone() };
            let problem = not_held(&referral, dates);
            show(&state, &signed_in, HELD, None, Some(problem)).await
        }
    }
}

/// Why a review did not happen: what became of the referral, when and by whom.
fn not_held(referral: &Referral, dates: Dates) -> String {
    let decided = match (referral.decided_at, referral.decided_by.as_deref()) {
        (Some(at), Some(by)) => format!(" since {} (by {by})", when(at, dates)),
        (Some(at), None) => format!(" since {} (by the automatic checks)", when(at, dates)),
        (None, _) => String::new(),
    };
    format!(
        "Referral {} is {}{decided}, not held: only held referrals are reviewed.",
        referral.id,
        referral.status.as_str()
    )
}

/// The list for `filter`, with a notice or a refused review's reason (shown with 409).
async fn show(
    state: &AppState,
    signed_in: &SignedIn,
    filter: Filter,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let status = filter.status;
    let (referrals, currency) = state
        .pool()
        .run(move |store| {
            let currency = active_programme(store)?.map(|p| p.rules.currency);
            Ok((store.referrals(status, SHOWN)?, currency))
        })
        .await?;
    let dates = Dates { words: &ENGLISH, zone: state.time_zone() };
    let page = ReferralsPage {
        layout: Layout::new(signed_in, "Referrals", "/loyalty/referrals"),
        filters: FILTERS
            .iter()
            .enumerate()
            .map(|(i, (value, label))| FilterLink { value, label, current: i == filter.index })
            .collect(),
        filter_label: FILTERS[filter.index].1,
        lines: referrals.iter().map(|r| line(r, &ENGLISH, dates, currency)).collect(),
        shown: SHOWN,
        has_programme: currency.is_some(),
        notice,
        problem: problem.clone(),
    };
    let mut response = render(&page);
    if problem.is_some() {
        *response.status_mut() = StatusCode::CONFLICT;
    }
    Ok(response)
}

fn line(referral: &Referral, w: &'static Words, dates: Dates, currency: Option<Currency>) -> Line {
    let reasons: Vec<Value> = serde_json::from_str(&referral.reasons).unwrap_or_default();
    let decided = match (referral.decided_at, referral.decided_by.as_deref()) {
        (Some(at), Some(by)) => format!("{} by {by}", when(at, dates)),
        (Some(at), None) => format!("{} by the checks", when(at, dates)),
        (None, _) => String::new(),
    };
    Line {
        id: referral.id,
        referrer: person(&referral.referrer),
        referred: person(&referral.referred),
        used: when(referral.created_at, dates),
        status: referral.status.as_str(),
        held: referral.status == ReferralStatus::Held,
        reasons: reasons.iter().map(|reason| reason_text(w, reason, currency)).collect(),
        decided,
    }
}

fn person(contact: &Contact) -> Person {
    Person {
        id: contact.id.0,
        name: contact.name.clone().unwrap_or_default(),
        email: contact.email.clone().unwrap_or_default(),
    }
}

/// A day and time in the shop's time zone: `2 March 2026, 14:05`.
fn when(at: Timestamp, dates: Dates) -> String {
    let local = at.with_timezone(&dates.zone.zone());
    format!("{}, {}", dates.of(at), local.format("%H:%M"))
}

/// One reason the checks (or a reviewer) gave, as stored (`{"reason": "burst", …}`), in words.
/// A reason this page does not know is shown by its name, so nothing is hidden from a reviewer.
fn reason_text(w: &Words, reason: &Value, currency: Option<Currency>) -> String {
    let number = |field: &str| reason.get(field).and_then(Value::as_i64).unwrap_or(0);
    let text = |field: &str| match reason.get(field) {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    match reason.get("reason").and_then(Value::as_str).unwrap_or("") {
        "same_email" => w.same_email.to_string(),
        "same_name" => w.same_name.to_string(),
        "same_address" => w.same_address.to_string(),
        "same_payment_fingerprint" => w.same_payment.to_string(),
        "same_customer" => w.same_customer.to_string(),
        "not_new" => w.not_new.to_string(),
        "refunded" => w.refunded.to_string(),
        "loop" => {
            let cycle = reason
                .get("cycle")
                .and_then(Value::as_array)
                .map_or_else(Vec::new, |ids| ids.iter().map(Value::to_string).collect::<Vec<_>>());
            w.referral_loop(&cycle)
        }
        "burst" => w.burst(number("rewards_in_period").unsigned_abs(), number("max").unsigned_abs()),
        "below_minimum" => w.below_minimum(
            &money(number("amount_minor"), currency),
            &money(number("minimum_minor"), currency),
        ),
        "other_currency" => w.other_currency(&text("currency")),
        "already_referred" => w.already_referred(&text("by")),
        "refused_by_reviewer" => w.refused_by(&text("by")),
        other => other.replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::words::GERMAN;
    use super::*;

    #[test]
    fn the_checks_reasons_read_as_words_in_both_languages() {
        let usd = Some(Currency::USD);
        let say = |w, reason: Value| reason_text(w, &reason, usd);
        assert_eq!(say(&ENGLISH, json!({"reason": "same_email"})), "same e-mail address");
        assert_eq!(say(&ENGLISH, json!({"reason": "loop", "cycle": [3, 7, 3]})), "a loop: 3 → 7 → 3");
        assert_eq!(
            say(&ENGLISH, json!({"reason": "burst", "rewards_in_period": 5, "max": 5})),
            "5 rewards already this period (limit 5)"
        );
        assert_eq!(
            say(&ENGLISH, json!({"reason": "below_minimum", "amount_minor": 1249, "minimum_minor": 2000})),
            "first order USD 12.49 under the minimum USD 20.00"
        );
        assert_eq!(say(&ENGLISH, json!({"reason": "not_new"})), "bought before being referred");
        assert_eq!(
            say(&ENGLISH, json!({"reason": "refused_by_reviewer", "by": "owner@shop.example"})),
            "refused by owner@shop.example"
        );
        assert_eq!(say(&ENGLISH, json!({"reason": "a_new_check"})), "a new check", "unknown: its name");
        assert_eq!(say(&GERMAN, json!({"reason": "same_name"})), "gleicher Name");
        assert_eq!(say(&GERMAN, json!({"reason": "loop", "cycle": [3, 7, 3]})), "ein Kreis: 3 → 7 → 3");
    }

    #[test]
    fn the_status_filter_defaults_to_held_and_names_its_choices() {
        assert_eq!(filter(None).unwrap().status, Some(ReferralStatus::Held));
        assert_eq!(filter(Some(" ")).unwrap().status, Some(ReferralStatus::Held));
        assert_eq!(filter(Some("all")).unwrap().status, None);
        assert_eq!(filter(Some("paid")).unwrap().status, Some(ReferralStatus::Paid));
        assert!(
            filter(Some("lost")).unwrap_err().to_string().contains("held, waiting, paid, refused or all")
        );
    }
}
