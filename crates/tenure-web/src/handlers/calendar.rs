//! The communication calendar over the API: interactions (list; log, idempotent on the required
//! `Idempotency-Key`; correct; delete), follow-ups (list, plan, done, cancel — a repeated done or
//! cancel answers the follow-up as it stands), a customer's timeline, and who has gone quiet.
//! Bodies are read by `calendar_body.rs`; a field that is not acceptable is 422 naming it.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tenure_app::AppError;
use tenure_app::calendar::web_support::{self, KeyedLog};
use tenure_app::calendar::{cadence, followups, interactions};
use tenure_app::orders::MAX_KEY_CHARS;
use tenure_domain::{CustomerId, QueryState, Timestamp};
use tenure_store::{FollowUp, FollowUpEnd, FollowUpQuery, FollowUpStatus, InteractionQuery, StoreError};

use super::calendar_body::{self, refused};
use super::writes::read_body;
use crate::routes::STAFF;
use crate::{ApiError, AppState, auth};

/// Most items one answer may hold.
const MAX_PAGE: usize = 500;

/// A use case's refusal of a write, as the API says it: 422 with its reason (which names the
/// field); anything else as every route says it.
fn unacceptable(error: AppError) -> ApiError {
    match error {
        AppError::Invalid(message) | AppError::Store(StoreError::Invalid(message)) => {
            ApiError::unprocessable(message)
        }
        other => other.into(),
    }
}

/// `?limit=`: 1 to [`MAX_PAGE`], 50 unless given.
fn page_size(limit: Option<usize>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(50);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")))
    }
}

/// A query parameter holding an RFC 3339 time.
fn time_param(name: &str, text: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t.trim())
            .map(|at| at.to_utc())
            .map_err(|_| ApiError::bad_request(format!("`{name}`: `{t}` is not an RFC 3339 time")))
    })
    .transpose()
}

/// An id in the path; anything else names nothing.
fn path_id(what: &str, id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::bad_request(format!("`{id}` is not {what} id")))
}

/// `?customer=&staff=&state=&from=&to=&limit=`.
#[derive(Debug, Deserialize)]
pub(crate) struct InteractionsQuery {
    customer: Option<i64>,
    staff: Option<String>,
    state: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/interactions`.
pub(crate) async fn list_interactions(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<InteractionsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let query = InteractionQuery {
        customer: q.customer.map(CustomerId),
        from: time_param("from", q.from.as_deref())?,
        to: time_param("to", q.to.as_deref())?,
        staff: q.staff.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()),
        state: q
            .state
            .as_deref()
            .map(QueryState::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("`state`: {e}")))?,
        limit: page_size(q.limit)?,
    };
    let list = state.pool().run(move |store| interactions::list(store, &query)).await?;
    Ok(Json(json!({ "interactions": list })))
}

/// The required `Idempotency-Key`: 1 to [`MAX_KEY_CHARS`] visible ASCII characters.
fn required_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !visible {
        return Err(ApiError::bad_request(format!(
            "`Idempotency-Key`: required, 1 to {MAX_KEY_CHARS} visible ASCII characters that name this \
             interaction (a retry sends the same key)"
        )));
    }
    Ok(key.to_string())
}

/// `POST /api/v1/interactions`: 201 when logged now, 200 when this key logged it before.
pub(crate) async fn log_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let bytes = read_body(body).await?;
    let key = required_key(&headers)?;
    let now = chrono::Utc::now();
    let request = calendar_body::interaction(&bytes, format!("api:{key}"), now)?;
    let names_order = request.order_id.is_some();
    let logged = state.pool().run(move |store| web_support::log_keyed(store, &request, now)).await;
    match logged {
        Ok(KeyedLog::New(interaction)) => Ok((StatusCode::CREATED, Json(interaction)).into_response()),
        Ok(KeyedLog::Replayed(interaction)) => Ok(replayed(Json(interaction).into_response())),
        Ok(KeyedLog::KeyReused) => Err(ApiError::idempotency_key_reused()),
        // The customer and the query replied to are checked before anything is written, so a
        // reference the database refuses is the order's.
        Err(AppError::Store(StoreError::Conflict(_))) if names_order => {
            Err(refused("order_id", "there is no order with this id"))
        }
        Err(error) => Err(unacceptable(error)),
    }
}

/// A response marked as the answer given before (`Idempotent-Replayed: true`).
fn replayed(mut response: Response) -> Response {
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// `PATCH /api/v1/interactions/{id}`.
pub(crate) async fn edit_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let id = path_id("an interaction", &id)?;
    let bytes = read_body(body).await?;
    let now = chrono::Utc::now();
    let change = calendar_body::interaction_change(&bytes, now)?;
    let changed = state
        .pool()
        .run(move |store| interactions::edit(store, id, &change, now))
        .await
        .map_err(unacceptable)?;
    Ok(Json(json!(changed)))
}

/// `DELETE /api/v1/interactions/{id}`: 204, also when it is not there (deleted before).
pub(crate) async fn delete_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let id = path_id("an interaction", &id)?;
    match state.pool().run(move |store| interactions::delete(store, id, chrono::Utc::now())).await {
        Ok(_) | Err(AppError::Store(StoreError::NotFound(_))) => Ok(StatusCode::NO_CONTENT),
        Err(other) => Err(other.into()),
    }
}

/// `?owner=&customer=&status=&from=&to=&limit=`.
#[derive(Debug, Deserialize)]
pub(crate) struct FollowUpsQuery {
    owner: Option<String>,
    customer: Option<i64>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/followups`.
pub(crate) async fn list_followups(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FollowUpsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = match q.status.as_deref() {
        None => None,
        Some(text) => Some(FollowUpStatus::parse(text.trim()).ok_or_else(|| {
            ApiError::bad_request(format!("`status`: `{text}` is not open, done or cancelled"))
        })?),
    };
    let query = FollowUpQuery {
        owner_id: None,
        customer: q.customer.map(CustomerId),
        from: time_param("from", q.from.as_deref())?,
        to: time_param("to", q.to.as_deref())?,
        status,
        limit: page_size(q.limit)?,
    };
    let owner = q.owner.filter(|o| !o.trim().is_empty());
    let list = state.pool().run(move |store| followups::list(store, owner.as_deref(), query)).await?;
    Ok(Json(json!({ "followups": list })))
}

/// `POST /api/v1/followups`: 201 with the follow-up.
pub(crate) async fn add_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let bytes = read_body(body).await?;
    let request = calendar_body::followup(&bytes)?;
    let owner = request.owner.clone();
    let now = chrono::Utc::now();
    let added = state
        .pool()
        .run(move |store| {
            if store.user_by_email(&request.owner)?.is_none() {
                return Ok(None);
            }
            followups::add(store, &request, now).map(Some)
        })
        .await
        .map_err(unacceptable)?;
    match added {
        Some(followup) => Ok((StatusCode::CREATED, Json(followup)).into_response()),
        None => Err(refused("owner", format!("no user `{owner}` (tenure user add)"))),
    }
}

/// `POST /api/v1/followups/{id}/done`.
pub(crate) async fn done_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let id = path_id("a follow-up", &id)?;
    let bytes = read_body(body).await?;
    let outcome = calendar_body::outcome(&bytes)?;
    finish(&state, id, FollowUpEnd::Done(outcome)).await
}

/// `POST /api/v1/followups/{id}/cancel`.
pub(crate) async fn cancel_followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let id = path_id("a follow-up", &id)?;
    finish(&state, id, FollowUpEnd::Cancelled).await
}

/// Ends follow-up `id`: 200 with it, marked replayed when it had ended so before.
async fn finish(state: &AppState, id: i64, end: FollowUpEnd) -> Result<Response, ApiError> {
    let now = chrono::Utc::now();
    let (now_ended, followup): (bool, FollowUp) = state
        .pool()
        .run(move |store| web_support::finish(store, id, &end, now))
        .await
        .map_err(unacceptable)?;
    let response = Json(followup).into_response();
    Ok(if now_ended { response } else { replayed(response) })
}

/// `GET /api/v1/customers/{id}/timeline`.
pub(crate) async fn timeline(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let id = CustomerId(path_id("a customer", &id)?);
    let entries = state.pool().run(move |store| interactions::timeline(store, id)).await?;
    Ok(Json(json!({ "customer_id": id, "entries": entries })))
}

/// `?limit=`.
#[derive(Debug, Deserialize)]
pub(crate) struct GoneQuietQuery {
    limit: Option<usize>,
}

/// `GET /api/v1/gone-quiet?limit=`: the gone-quiet page's list.
pub(crate) async fn gone_quiet(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<GoneQuietQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = page_size(q.limit)?;
    let now = chrono::Utc::now();
    let quiet = state
        .with_purchases(None, move |store, purchases| cadence::gone_quiet(store, purchases, now, limit))
        .await?;
    Ok(Json(json!(quiet)))
}
