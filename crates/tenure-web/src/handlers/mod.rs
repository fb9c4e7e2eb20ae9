//! The request handlers: check access, parse, one app call on a pooled connection, JSON out.

mod calendar;
pub(crate) mod calendar_body;
mod customers;
pub(crate) mod loyalty;
mod metrics;
mod predictions;
pub(crate) mod referrals;
mod surveys;
mod writes;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
pub(crate) use calendar::{
    add_followup, cancel_followup, delete_interaction, done_followup, edit_interaction, gone_quiet,
    list_followups, list_interactions, log_interaction, timeline,
};
pub(crate) use customers::{customer, customers, stats};
pub(crate) use loyalty::{loyalty_adjust, loyalty_liability, loyalty_member, loyalty_redeem};
pub(crate) use metrics::{cohorts, lifecycle, retention, segments};
pub(crate) use predictions::predictions;
pub(crate) use referrals::{list_referrals, record_referral, review_referral};
pub(crate) use surveys::{list_surveys, record_response, survey, survey_analysis};
pub use writes::MAX_BODY_BYTES;
pub(crate) use writes::{create_order, webhook};

use crate::AppState;

/// `GET /healthz`: the process is up.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers and its schema is this server's.
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let status = state.pool().run(|store| Ok(store.schema_status()?)).await;
    match status {
        Ok(status) if status.is_current() => (StatusCode::OK, Json(serde_json::json!({ "status": "ready" }))),
        Ok(status) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "schema", "schema": status.current, "needs": status.latest })),
        ),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "database" }))),
    }
}

/// `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document.
pub(crate) async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// `GET /metrics`: Prometheus text format, for a scraper holding an analyst or admin token.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl axum::response::IntoResponse, crate::ApiError> {
    crate::auth::require(&state, &headers, crate::routes::READERS).await?;
    let (idle, total) = state.pool().connections();
    let now = chrono::Utc::now();
    let outbox = state.pool().run(move |store| Ok(store.outbox_stats(now)?)).await?;
    let mut text = state.metrics().render(idle, total);
    crate::metrics::render_outbox(&mut text, &outbox, &state.delivery_counters(), now);
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text))
}
