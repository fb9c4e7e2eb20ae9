//! `GET /followups`: the signed-in user's open follow-ups (`?team=1`: everyone's), the overdue
//! first, each with forms to mark it done with an outcome (`POST /followups/{id}/done`) or cancel
//! it (`POST /followups/{id}/cancel`); and the user's calendar feed URL, with a form that revokes
//! it and makes a new one (`POST /followups/feed`). Every form is CSRF-checked.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::calendar::{feed, followups, web_support};
use tenure_store::{FollowUp, FollowUpEnd, FollowUpQuery, FollowUpStatus};

use super::Layout;
use super::calendar_fields::local_time;
use super::params::parsed;
use crate::AppState;
use crate::html::{PageError, render};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm};

/// Follow-ups listed at most.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "followups.html")]
struct FollowUpsPage {
    layout: Layout,
    notice: Option<String>,
    team: bool,
    lines: Vec<FollowUpLine>,
    feed_url: String,
    zone: &'static str,
}

/// An open follow-up as listed (here and on the customer page).
pub(crate) struct FollowUpLine {
    pub id: i64,
    pub title: String,
    pub customer: Option<i64>,
    pub customer_name: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub notes: String,
}

/// `?team=1&done=ID&cancelled=ID&revoked=1`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FollowUpsQuery {
    team: Option<String>,
    done: Option<i64>,
    cancelled: Option<i64>,
    revoked: Option<String>,
}

/// `GET /followups`.
pub(crate) async fn followups_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<FollowUpsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let query = parsed(query)?;
    let team = query.team.is_some();
    let email = signed_in.session.user.email.clone();
    let now = chrono::Utc::now();
    let (open, path) = state
        .pool()
        .run(move |store| {
            let open =
                FollowUpQuery { status: Some(FollowUpStatus::Open), limit: SHOWN, ..Default::default() };
            let list = followups::list(store, (!team).then_some(email.as_str()), open)?;
            Ok((list, feed::feed_path(store, &email, now)?))
        })
        .await?;
    let zone = state.time_zone();
    let notice = match (query.done, query.cancelled, query.revoked) {
        (Some(id), _, _) => Some(format!("Follow-up {id} is done.")),
        (_, Some(id), _) => Some(format!("Follow-up {id} is cancelled.")),
        (_, _, Some(_)) => Some(
            "The old feed URL no longer works. Subscribe to the new one below in your calendar.".to_string(),
        ),
        _ => None,
    };
    Ok(render(&FollowUpsPage {
        layout: Layout::new(&signed_in, "Follow-ups", "/followups"),
        notice,
        team,
        lines: open.iter().map(|f| line(f, now, zone)).collect(),
        feed_url: format!("{}{path}", state.public_url()),
        zone: zone.name(),
    }))
}

/// A follow-up as listed, its due time on the shop's clock.
pub(crate) fn line(
    followup: &FollowUp,
    now: chrono::DateTime<chrono::Utc>,
    zone: tenure_app::reports::ShopTimeZone,
) -> FollowUpLine {
    FollowUpLine {
        id: followup.id,
        title: followup.title.clone(),
        customer: followup.customer_id.map(|c| c.0),
        customer_name: followup.customer_name.clone().unwrap_or_default(),
        owner: followup.owner_email.clone(),
        due: local_time(followup.due_at, zone),
        overdue: followup.status == FollowUpStatus::Open && followup.due_at < now,
        notes: followup.notes.clone(),
    }
}

/// The done and cancel forms: where they were sent from, and for done, the outcome.
#[derive(Debug, Deserialize)]
pub(crate) struct EndFields {
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
}

impl CsrfForm for EndFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /followups/{id}/done`: done with the outcome given (sending it twice is harmless).
pub(crate) async fn done_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<EndFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (_, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let end = FollowUpEnd::Done(form.outcome.clone());
    end_followup(&state, id, end, &form.from, "done").await
}

/// `POST /followups/{id}/cancel` (sending it twice is harmless).
pub(crate) async fn cancel_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<EndFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (_, form) = session::require_form(&state, &headers, STAFF, form).await?;
    end_followup(&state, id, FollowUpEnd::Cancelled, &form.from, "cancelled").await
}

/// Ends follow-up `id` and goes back where the form came from: the customer's page, the team's
/// list or the user's own.
async fn end_followup(
    state: &AppState,
    id: i64,
    end: FollowUpEnd,
    from: &str,
    done: &str,
) -> Result<Response, PageError> {
    let now = chrono::Utc::now();
    let (_, followup) = state.pool().run(move |store| web_support::finish(store, id, &end, now)).await?;
    let back = match (from, followup.customer_id) {
        ("customer", Some(customer)) => format!("/customers/{customer}?{done}={id}#timeline"),
        ("team", _) => format!("/followups?team=1&{done}={id}"),
        _ => format!("/followups?{done}={id}"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// The revoke form.
#[derive(Debug, Deserialize)]
pub(crate) struct RevokeFields {
    csrf: String,
}

impl CsrfForm for RevokeFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /followups/feed`: the signed-in user's feed URL stops working and a new one is made.
pub(crate) async fn revoke_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<RevokeFields>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, _) = session::require_form(&state, &headers, STAFF, form).await?;
    let email = signed_in.session.user.email.clone();
    state.pool().run(move |store| feed::revoke(store, &email, chrono::Utc::now())).await?;
    Ok(Redirect::to("/followups?revoked=1").into_response())
}
