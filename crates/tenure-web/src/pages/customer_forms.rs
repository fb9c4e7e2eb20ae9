//! The customer page's calendar forms: `POST /customers/{id}/interactions` (log one),
//! `/customers/{id}/followups` (plan one), `/customers/{id}/cadence` (keep in touch, snooze,
//! owner) and `POST /interactions/{id}/delete`. Every form is CSRF-checked; a refused one shows
//! the page again with the reason at the form and its fields as sent, and writes nothing. The log
//! form's key becomes the interaction's key, so sending it twice logs once.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::calendar::cadence::{self, SettingsChange};
use tenure_app::calendar::followups::FollowUpRequest;
use tenure_app::calendar::interactions::{self, LogRequest};
use tenure_app::calendar::web_support;
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{
    Channel, CustomerId, CustomerRef, Direction, Email, InteractionRecord, QueryState, Timestamp,
};
use tenure_store::StoreError;

use super::calendar_fields::{is_form_key, read_day, read_time};
use super::customer::{customer_id, show};
use super::customer_calendar::{CadenceFields, Forms, LogFields, PlanFields};
use super::params::optional;
use crate::AppState;
use crate::html::PageError;
use crate::routes::STAFF;
use crate::session::{self, CsrfForm, SignedIn};

/// An app's refusal as a sentence for the page (`title: …` → `Title: …`).
fn sentence(problem: String) -> String {
    let mut chars = problem.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => problem,
    }
}

/// What a form's refusal is, when the use case refused it (anything else is the page's error).
fn refusal(error: AppError) -> Result<String, PageError> {
    match error {
        AppError::Invalid(problem) | AppError::Store(StoreError::Invalid(problem)) => Ok(sentence(problem)),
        other => Err(other.into()),
    }
}

/// `POST /customers/{id}/interactions`.
pub(crate) async fn log_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<LogFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let customer = customer_id(&id)?;
    let (zone, now) = (state.time_zone(), chrono::Utc::now());
    let problem = match log_request(&form, customer, &signed_in, zone, now) {
        Ok(request) => match state.pool().run(move |store| interactions::log(store, &request, now)).await {
            Ok((logged, _)) => {
                let back = format!("/customers/{customer}?logged={}#timeline", logged.id());
                return Ok(Redirect::to(&back).into_response());
            }
            Err(error) => refusal(error)?,
        },
        Err(problem) => problem,
    };
    let mut forms = Forms::fresh(&signed_in, zone, now);
    let mut form = form;
    if !is_form_key(&form.key) {
        // A new key: the form goes on with one a second sending can be known by.
        form.key = forms.log.key.clone();
    }
    forms.log = form;
    forms.log_problem = Some(problem);
    show(&state, &signed_in, customer, forms, None).await
}

/// The interaction a log form asks for, or what is wrong with the form (nothing is written).
fn log_request(
    form: &LogFields,
    customer: CustomerId,
    signed_in: &SignedIn,
    zone: ShopTimeZone,
    now: Timestamp,
) -> Result<LogRequest, String> {
    if !is_form_key(&form.key) {
        return Err("The form lacks its key: reload the page and send it again.".into());
    }
    if form.channel.trim().is_empty() {
        return Err("Channel: choose how the contact happened.".into());
    }
    let channel = Channel::parse(&form.channel).map_err(|e| format!("Channel: {e}"))?;
    let direction = Direction::parse(&form.direction).map_err(|e| format!("Direction: {e}"))?;
    let occurred_at = match form.occurred_at.trim() {
        "" => now,
        text => read_time(text, zone).map_err(|e| format!("When: {e}"))?,
    };
    let duration_seconds = match form.duration.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| format!("Duration: `{text}` is not a whole number of minutes"))?
                .saturating_mul(60),
        ),
    };
    let state = match form.state.trim() {
        "" => None,
        text => Some(QueryState::parse(text).map_err(|e| format!("State: {e}"))?),
    };
    let user = signed_in.session.user.email.clone();
    let record = InteractionRecord {
        customer: CustomerRef::Id(customer),
        occurred_at,
        channel,
        direction,
        duration_seconds,
        subject: form.subject.trim().to_string(),
        notes: form.notes.trim().to_string(),
        outcome: form.outcome.trim().to_string(),
        staff: Email::parse(&user).ok(),
        state,
        key: form.key.clone(),
    };
    record.check(now).map_err(|(field, reason)| format!("{}: {reason}", label(field)))?;
    Ok(LogRequest {
        record,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some(user),
    })
}

/// The log form's label of a field the record check names.
fn label(field: &str) -> &'static str {
    match field {
        "occurred_at" => "When",
        "subject" => "Subject",
        "notes" => "Notes",
        "outcome" => "Outcome",
        "duration" => "Duration",
        "state" => "State",
        _ => "The form",
    }
}

/// `POST /customers/{id}/followups`: a follow-up about this customer (sending it twice plans one).
pub(crate) async fn plan_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<PlanFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let customer = customer_id(&id)?;
    let (zone, now) = (state.time_zone(), chrono::Utc::now());
    let user = signed_in.session.user.email.clone();
    let due = match form.due.trim() {
        "" => Err("Due: give a day and a time.".to_string()),
        text => read_time(text, zone).map_err(|e| format!("Due: {e}")),
    };
    let problem = match due {
        Ok(due_at) => {
            let request = FollowUpRequest {
                customer: Some(customer),
                owner: if form.owner.trim().is_empty() {
                    user.clone()
                } else {
                    form.owner.trim().to_lowercase()
                },
                title: form.title.clone(),
                notes: form.notes.trim().to_string(),
                due_at,
                duration_minutes: 15,
                remind_minutes: 60,
                case_id: None,
                created_by: Some(user),
            };
            match state.pool().run(move |store| web_support::add_once(store, &request, now)).await {
                Ok((_, followup)) => {
                    let back = format!("/customers/{customer}?planned={}#timeline", followup.id);
                    return Ok(Redirect::to(&back).into_response());
                }
                Err(error) => refusal(error)?,
            }
        }
        Err(problem) => problem,
    };
    let mut forms = Forms::fresh(&signed_in, zone, now);
    forms.plan = form;
    forms.plan_problem = Some(problem);
    show(&state, &signed_in, customer, forms, None).await
}

/// `POST /customers/{id}/cadence`: keep in touch every N days (empty: stop), snooze silence alerts
/// until a day (empty: wake), the responsible user (empty: nobody).
pub(crate) async fn set_cadence(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<CadenceFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let customer = customer_id(&id)?;
    let (zone, now) = (state.time_zone(), chrono::Utc::now());
    let problem = match cadence_change(&form, zone) {
        Ok(change) => {
            match state.pool().run(move |store| cadence::set_customer(store, customer, &change)).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/customers/{customer}?saved=1#contact")).into_response()
                    );
                }
                Err(error) => refusal(error)?,
            }
        }
        Err(problem) => problem,
    };
    let mut forms = Forms::fresh(&signed_in, zone, now);
    forms.cadence = Some(form);
    forms.cadence_problem = Some(problem);
    show(&state, &signed_in, customer, forms, None).await
}

fn cadence_change(form: &CadenceFields, zone: ShopTimeZone) -> Result<SettingsChange, String> {
    let every = match form.every.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| format!("Keep in touch: `{text}` is not a whole number of days"))?,
        ),
    };
    let snoozed_until = match form.snooze.trim() {
        "" => None,
        text => Some(read_day(text, zone).map_err(|e| format!("Snooze: {e}"))?),
    };
    let owner = Some(form.owner.trim().to_lowercase()).filter(|o| !o.is_empty());
    Ok(SettingsChange {
        keep_in_touch_days: Some(every),
        snoozed_until: Some(snoozed_until),
        owner: Some(owner),
    })
}

/// The delete form: the customer whose page it is on, to go back to.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteFields {
    csrf: String,
    #[serde(default, deserialize_with = "optional")]
    customer: Option<i64>,
}

impl CsrfForm for DeleteFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /interactions/{id}/delete`: the customer's contact dates move back to what is left. An
/// interaction already gone (the form sent twice) is not an error.
pub(crate) async fn delete_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<DeleteFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (_, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let customer =
        match state.pool().run(move |store| interactions::delete(store, id, chrono::Utc::now())).await {
            Ok(gone) => gone.customer_id.0,
            Err(AppError::Store(StoreError::NotFound(what))) => {
                form.customer.ok_or(PageError::App(AppError::Store(StoreError::NotFound(what))))?
            }
            Err(other) => return Err(other.into()),
        };
    Ok(Redirect::to(&format!("/customers/{customer}?deleted={id}#timeline")).into_response())
}
