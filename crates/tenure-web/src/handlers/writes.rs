//! Writes: `POST /api/v1/orders` (admin token) and `POST /webhooks/{source}` (the source's
//! signature). Both read at most [`MAX_BODY_BYTES`] of body, and only after access is settled as
//! far as it can be without the body.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tenure_app::orders::{self, MAX_KEY_CHARS, OrderRequest};
use tenure_app::webhooks::{self, ReceiveError, Received};
use tenure_store::{KeptResponse, KeyedWrite, WriteResult};

use crate::routes::ADMIN;
use crate::{ApiError, AppState, auth};

/// Largest request body the write routes read: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `POST /api/v1/orders`: one order, written as an import would write it; 201 when new, else 200.
pub(crate) async fn create_order(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, ADMIN).await?;
    let bytes = read_body(body).await?;
    let key = idempotency_key(&headers)?;
    let now = chrono::Utc::now();
    let answer = state
        .pool()
        .run(move |store| {
            let request = OrderRequest { body: &bytes, idempotency_key: key.as_deref() };
            orders::write_order(store, &request, status_of, now)
        })
        .await?;
    match answer {
        KeyedWrite::Fresh(kept) => Ok(kept_response(kept, false)),
        KeyedWrite::Replayed(kept) => Ok(kept_response(kept, true)),
        KeyedWrite::KeyReused => Err(ApiError::idempotency_key_reused()),
    }
}

/// 201 for a new order, 200 for a known one.
fn status_of(result: WriteResult) -> u16 {
    match result {
        WriteResult::Created => StatusCode::CREATED.as_u16(),
        WriteResult::Unchanged | WriteResult::Updated => StatusCode::OK.as_u16(),
    }
}

/// The `Idempotency-Key` header, if sent (its shape is checked by the use case).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let text = value.to_str().map_err(|_| {
        ApiError::bad_request(format!(
            "`Idempotency-Key`: must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
        ))
    })?;
    Ok(Some(text.to_string()))
}

/// A kept response as it was given; a replay says so in `Idempotent-Replayed`.
fn kept_response(kept: KeptResponse, replayed: bool) -> Response {
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], kept.body).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// The request headers, for the webhook use case.
struct RequestHeaders(HeaderMap);

impl webhooks::Headers for RequestHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.0.get(name)?.to_str().ok()
    }
}

/// `POST /webhooks/{source}`: a signed delivery; 200 whether it wrote, repeated, was older than
/// the stored order or was ignored.
pub(crate) async fn webhook(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bytes = read_body(body).await?;
    let headers = RequestHeaders(headers);
    let now = chrono::Utc::now();
    let received =
        state.pool().run(move |store| Ok(webhooks::receive(store, &source, &headers, &bytes, now))).await?;
    let answer = match received {
        Ok(Received::Ping) => serde_json::json!({ "status": "ping" }),
        Ok(Received::Written(written)) => serde_json::json!({
            "status": "written", "result": written.result, "order_id": written.order_id,
            "customer_id": written.customer_id,
        }),
        Ok(Received::Repeated) => serde_json::json!({ "status": "repeated" }),
        Ok(Received::Older(reason)) => serde_json::json!({ "status": "older", "reason": reason }),
        Ok(Received::Ignored(reason)) => serde_json::json!({ "status": "ignored", "reason": reason }),
        Err(ReceiveError::Unverified) => return Err(ApiError::unverified()),
        Err(ReceiveError::Failed(error)) => return Err(error.into()),
    };
    Ok(Json(answer))
}

/// The whole body, or 413 past [`MAX_BODY_BYTES`].
pub(crate) async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|error| {
        let inner = error.into_inner();
        if inner.is::<http_body_util::LengthLimitError>() {
            ApiError::payload_too_large(MAX_BODY_BYTES)
        } else {
            ApiError::bad_request(format!("the body could not be read: {inner}"))
        }
    })
}
