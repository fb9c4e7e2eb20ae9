//! `GET /deliveries` (admin): the outbox — counts by kind and state, the oldest due message, the
//! latest messages with their errors or why they were skipped — and `POST /deliveries/{id}/retry`
//! to send a dead or skipped message again.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::outbox;
use tenure_store::{Message, MessageKind, MessageState, OutboxQuery};

use super::Layout;
use crate::AppState;
use crate::html::{PageError, render};
use crate::routes::ADMIN;
use crate::session::{self, CsrfForm};

/// Messages shown at once.
const SHOWN: usize = 100;

struct CountRow {
    kind: &'static str,
    counts: Vec<i64>,
}

struct Row {
    id: i64,
    kind: &'static str,
    purpose: &'static str,
    topic: String,
    recipient: String,
    state: &'static str,
    attempts: i64,
    note: String,
    created: String,
    retryable: bool,
}

struct Filter {
    label: &'static str,
    query: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    layout: Layout,
    notice: Option<String>,
    states: Vec<&'static str>,
    counts: Vec<CountRow>,
    oldest_wait: Option<String>,
    filters: Vec<Filter>,
    caption: String,
    messages: Vec<Row>,
}

/// Query of `GET /deliveries`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeliveriesQuery {
    state: Option<String>,
    retried: Option<i64>,
}

/// `GET /deliveries?state=`.
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<DeliveriesQuery>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, ADMIN, &uri).await?;
    let shown_state = query.state.as_deref().and_then(MessageState::parse);
    let now = chrono::Utc::now();
    let (overview, messages) = state
        .pool()
        .run(move |store| {
            let overview = outbox::overview(store, now)?;
            let list = OutboxQuery { state: shown_state, kind: None, limit: SHOWN, before_id: None };
            Ok((overview, outbox::list(store, &list)?))
        })
        .await?;
    let states: Vec<&'static str> = MessageState::ALL.iter().map(|s| s.as_str()).collect();
    let counts = MessageKind::ALL
        .iter()
        .map(|kind| CountRow {
            kind: kind.as_str(),
            counts: MessageState::ALL
                .iter()
                .map(|s| {
                    overview
                        .stats
                        .counts
                        .iter()
                        .find(|(k, st, _)| k == kind && st == s)
                        .map_or(0, |(_, _, n)| *n)
                })
                .collect(),
        })
        .collect();
    let oldest_wait =
        overview.stats.oldest_due.iter().map(|(_, due)| *due).min().map(|due| waited(now - due));
    let filters = [
        ("All", "", None),
        ("Pending", "?state=pending", Some(MessageState::Pending)),
        ("Dead", "?state=dead", Some(MessageState::Dead)),
        ("Skipped", "?state=skipped", Some(MessageState::Skipped)),
        ("Sent", "?state=sent", Some(MessageState::Sent)),
    ]
    .into_iter()
    .map(|(label, query, filter)| Filter { label, query, current: filter == shown_state })
    .collect();
    let caption = match shown_state {
        Some(s) => format!("The latest {SHOWN} {s} messages"),
        None => format!("The latest {SHOWN} messages"),
    };
    Ok(render(&DeliveriesPage {
        layout: Layout::new(&signed_in, "Deliveries", "/deliveries"),
        notice: query.retried.map(|id| format!("Message {id} is queued again.")),
        states,
        counts,
        oldest_wait,
        filters,
        caption,
        messages: messages.iter().map(row).collect(),
    }))
}

fn row(m: &Message) -> Row {
    Row {
        id: m.id,
        kind: m.kind.as_str(),
        purpose: m.purpose.as_str(),
        topic: m.topic.clone(),
        recipient: m.recipient.clone(),
        state: m.state.as_str(),
        attempts: m.attempts,
        note: m.skip_reason.clone().or_else(|| m.last_error.clone()).unwrap_or_default(),
        created: m.created_at.format("%Y-%m-%d %H:%M").to_string(),
        retryable: matches!(m.state, MessageState::Dead | MessageState::Skipped),
    }
}

fn waited(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// The retry form.
#[derive(Debug, Deserialize)]
pub(crate) struct RetryForm {
    csrf: String,
}

impl CsrfForm for RetryForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /deliveries/{id}/retry`: queues a dead or skipped message again.
pub(crate) async fn retry_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<RetryForm>, FormRejection>,
) -> Result<Response, PageError> {
    session::require_form(&state, &headers, ADMIN, form).await?;
    state.pool().run(move |store| outbox::retry(store, id, chrono::Utc::now())).await?;
    Ok(Redirect::to(&format!("/deliveries?retried={id}")).into_response())
}
