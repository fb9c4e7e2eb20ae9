//! `GET /gone-quiet`: customers past their cadence — no interaction for longer than a rule or
//! their own "keep in touch" allows — the most value at risk first, each with one-click forms:
//! log a contact now (`POST /gone-quiet/{id}/contact`) or plan a follow-up for the signed-in user
//! at 10:00 tomorrow on the shop's clock (`POST /gone-quiet/{id}/follow-up`). Below, the cadence
//! rules; admins add (`POST /gone-quiet/rules`) and remove (`POST /gone-quiet/rules/{id}/remove`)
//! them. Every form is CSRF-checked; a refused one shows this page again with the reason.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::calendar::cadence::{self, GoneQuiet, QuietCustomer};
use tenure_app::calendar::followups::FollowUpRequest;
use tenure_app::calendar::interactions::LogRequest;
use tenure_app::calendar::web_support;
use tenure_domain::{Channel, CustomerId, CustomerRef, Direction, Email, InteractionRecord, Role};
use tenure_store::{CadenceRuleInfo, StoreError};

use super::Layout;
use super::calendar_fields::{Choice, channel_choices, is_form_key, new_form_key, user_choices};
use super::params::parsed;
use crate::AppState;
use crate::format::{count, money};
use crate::html::{PageError, render};
use crate::routes::{ADMIN, STAFF};
use crate::session::{self, CsrfForm, SignedIn};

/// Customers listed at most.
const SHOWN: usize = 200;

/// The channel a quick contact is logged on unless another is chosen.
const QUICK_CHANNEL: Channel = Channel::Phone;

/// The alerts the page lists, newest first.
const LATEST_ALERTS: usize = 20;

#[derive(Template)]
#[template(path = "gone_quiet.html")]
struct GoneQuietPage {
    layout: Layout,
    notice: Option<String>,
    problem: Option<String>,
    currency: String,
    total: String,
    total_raw: usize,
    snoozed: String,
    lines: Vec<QuietLine>,
    channels: Vec<Choice>,
    admin: bool,
    rules: Vec<RuleLine>,
    rule: RuleFields,
    owners: Vec<Choice>,
    alerts: Vec<AlertLine>,
}

/// A recorded silence alert: when, whom, since when, told to whom.
struct AlertLine {
    customer: i64,
    name: String,
    alerted: String,
    silent_since: String,
    quiet_days: u32,
    owner: String,
}

struct QuietLine {
    id: i64,
    name: String,
    email: String,
    days_silent: i64,
    quiet_days: u32,
    cause: String,
    value: String,
    owner: String,
    key: String,
}

struct RuleLine {
    id: i64,
    audience: String,
    quiet_days: u32,
    owner: String,
    follow_up: bool,
}

/// The rule form as sent (empty when shown afresh).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleFields {
    csrf: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    follow_up: Option<String>,
}

impl CsrfForm for RuleFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `?contacted=ID&planned=ID&added=ID&removed=ID`: what the last form did.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    contacted: Option<i64>,
    planned: Option<i64>,
    added: Option<i64>,
    removed: Option<i64>,
}

impl Done {
    fn notice(&self) -> Option<String> {
        if let Some(id) = self.contacted {
            return Some(format!("A contact with customer {id} is logged: they have left the list."));
        }
        if let Some(id) = self.planned {
            return Some(format!(
                "A follow-up with customer {id} is planned for 10:00 tomorrow; it is in your follow-ups."
            ));
        }
        if let Some(id) = self.added {
            return Some(format!("Cadence rule {id} is added."));
        }
        self.removed.map(|id| format!("Cadence rule {id} is removed."))
    }
}

/// `GET /gone-quiet`.
pub(crate) async fn gone_quiet(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let notice = parsed(query)?.notice();
    show(&state, &signed_in, notice, None, RuleFields::default()).await
}

/// The page, with a notice or a problem, the rule form holding `rule`.
async fn show(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
    problem: Option<String>,
    rule: RuleFields,
) -> Result<Response, PageError> {
    let now = chrono::Utc::now();
    let (quiet, rules, users, alerts) = state
        .with_purchases(None, move |store, purchases| {
            let quiet = cadence::gone_quiet(store, purchases, now, SHOWN)?;
            let alerts = store.cadence_alerts(LATEST_ALERTS).map_err(AppError::from)?;
            Ok((quiet, cadence::rules(store)?, store.users().map_err(AppError::from)?, alerts))
        })
        .await?;
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let owner = (!rule.owner.is_empty()).then_some(rule.owner.as_str());
    let page = GoneQuietPage {
        layout: Layout::new(signed_in, "Gone quiet", "/gone-quiet"),
        notice,
        problem,
        currency: quiet.currency.clone().unwrap_or_default(),
        total: count(quiet.total as u64),
        total_raw: quiet.total,
        snoozed: count(quiet.snoozed as u64),
        lines: lines(&quiet, &rules),
        channels: channel_choices(QUICK_CHANNEL.as_str()),
        admin: signed_in.role() == Role::Admin,
        rules: rules.iter().map(rule_line).collect(),
        owners: user_choices(&users, owner, Some("nobody (the customer's own owner only)")),
        rule,
        alerts: alerts.iter().map(alert_line).collect(),
    };
    let mut response = render(&page);
    *response.status_mut() = status;
    Ok(response)
}

fn lines(quiet: &GoneQuiet, rules: &[CadenceRuleInfo]) -> Vec<QuietLine> {
    let currency = quiet.currency.as_deref().and_then(|c| tenure_domain::Currency::parse(c).ok());
    quiet
        .customers
        .iter()
        .map(|q| QuietLine {
            id: q.customer.0,
            name: q.name.clone().unwrap_or_default(),
            email: q.email.clone().unwrap_or_default(),
            days_silent: q.days_silent,
            quiet_days: q.quiet_days,
            cause: cause(q, rules),
            value: q.value_at_risk.map_or_else(
                || "—".to_string(),
                |major| {
                    let exponent = currency.map_or(2, |c| c.exponent());
                    money((major * 10f64.powi(exponent as i32)).round() as i64, currency)
                },
            ),
            owner: q.owner.clone().unwrap_or_default(),
            key: new_form_key(),
        })
        .collect()
}

/// "rule 3: segment:Champions" or "keep in touch every 30 days".
fn cause(quiet: &QuietCustomer, rules: &[CadenceRuleInfo]) -> String {
    match quiet.cause.strip_prefix("rule:").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => match rules.iter().find(|r| r.id == id) {
            Some(rule) => format!("rule {id}: {}", rule.audience),
            None => format!("rule {id}"),
        },
        None => format!("keep in touch every {} days", quiet.quiet_days),
    }
}

fn alert_line(alert: &tenure_store::CadenceAlert) -> AlertLine {
    AlertLine {
        customer: alert.customer_id.0,
        name: alert.customer_name.clone().unwrap_or_default(),
        alerted: alert.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        silent_since: alert.silent_since.format("%Y-%m-%d").to_string(),
        quiet_days: alert.quiet_days,
        owner: alert.owner_email.clone().unwrap_or_default(),
    }
}

fn rule_line(rule: &CadenceRuleInfo) -> RuleLine {
    RuleLine {
        id: rule.id,
        audience: rule.audience.clone(),
        quiet_days: rule.quiet_days,
        owner: rule.owner_email.clone().unwrap_or_default(),
        follow_up: rule.follow_up,
    }
}

/// The quick contact form.
#[derive(Debug, Deserialize)]
pub(crate) struct ContactFields {
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    channel: String,
}

impl CsrfForm for ContactFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /gone-quiet/{id}/contact`: an outbound contact on the chosen channel, now, by the
/// signed-in user, logged under the form's key (sending it twice logs once).
pub(crate) async fn log_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<ContactFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let channel = match (is_form_key(&form.key), Channel::parse(&form.channel)) {
        (false, _) => Err("The form lacks its key: reload the page and send it again.".to_string()),
        (true, Err(e)) => Err(format!("Channel: {e}")),
        (true, Ok(channel)) => Ok(channel),
    };
    let channel = match channel {
        Ok(channel) => channel,
        Err(problem) => return show(&state, &signed_in, None, Some(problem), RuleFields::default()).await,
    };
    let user = signed_in.session.user.email.clone();
    let now = chrono::Utc::now();
    let request = LogRequest {
        record: InteractionRecord {
            customer: CustomerRef::Id(CustomerId(id)),
            occurred_at: now,
            channel,
            direction: Direction::Outbound,
            duration_seconds: None,
            subject: "Got in touch (gone-quiet list)".to_string(),
            notes: String::new(),
            outcome: String::new(),
            staff: Email::parse(&user).ok(),
            state: None,
            key: form.key,
        },
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some(user),
    };
    state.pool().run(move |store| tenure_app::calendar::interactions::log(store, &request, now)).await?;
    Ok(Redirect::to(&format!("/gone-quiet?contacted={id}")).into_response())
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenOnly {
    csrf: String,
}

impl CsrfForm for TokenOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /gone-quiet/{id}/follow-up`: a follow-up for the signed-in user at 10:00 tomorrow on the
/// shop's clock (sending it twice plans one).
pub(crate) async fn plan_follow_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<TokenOnly>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, _) = session::require_form(&state, &headers, STAFF, form).await?;
    let now = chrono::Utc::now();
    let user = signed_in.session.user.email.clone();
    let request = FollowUpRequest {
        customer: Some(CustomerId(id)),
        owner: user.clone(),
        title: "Get in touch: gone quiet".to_string(),
        notes: String::new(),
        due_at: super::calendar_fields::tomorrow_at_ten(now, state.time_zone()),
        duration_minutes: 15,
        remind_minutes: 60,
        case_id: None,
        created_by: Some(user),
    };
    state.pool().run(move |store| web_support::add_once(store, &request, now)).await?;
    Ok(Redirect::to(&format!("/gone-quiet?planned={id}")).into_response())
}

/// `POST /gone-quiet/rules` (admins): a cadence rule from its audience, days, owner and whether
/// each alert opens a follow-up.
pub(crate) async fn add_rule(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<RuleFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, ADMIN, form).await?;
    let days = match form.days.trim().parse::<u32>() {
        Ok(days) => days,
        Err(_) => {
            let problem = format!("Days: `{}` is not a whole number of days", form.days.trim());
            return show(&state, &signed_in, None, Some(problem), form).await;
        }
    };
    let (audience, owner) = (form.audience.clone(), form.owner.trim().to_string());
    let follow_up = form.follow_up.is_some();
    let now = chrono::Utc::now();
    let added = state
        .with_purchases(None, move |store, purchases| {
            let owner = (!owner.is_empty()).then_some(owner.as_str());
            cadence::add_rule(store, Some(purchases), &audience, days, owner, follow_up, now)
        })
        .await;
    match added {
        Ok(rule) => Ok(Redirect::to(&format!("/gone-quiet?added={}", rule.id)).into_response()),
        Err(AppError::Invalid(problem) | AppError::Store(StoreError::Invalid(problem))) => {
            show(&state, &signed_in, None, Some(problem), form).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /gone-quiet/rules/{id}/remove` (admins).
pub(crate) async fn remove_rule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<TokenOnly>, FormRejection>,
) -> Result<Response, PageError> {
    session::require_form(&state, &headers, ADMIN, form).await?;
    let now = chrono::Utc::now();
    state.pool().run(move |store| cadence::remove_rule(store, id, now)).await?;
    Ok(Redirect::to(&format!("/gone-quiet?removed={id}")).into_response())
}
