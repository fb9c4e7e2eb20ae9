//! The request handlers: check access, parse, one app call on a pooled connection, JSON out.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tenure_app::reports::{ActivityWindow, Date, Purchases, ReportScope, RetentionFigures};
use tenure_domain::Currency;

use crate::routes::READERS;
use crate::{ApiError, AppState, auth};

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

/// Query of `GET /api/v1/metrics/retention`: the CLI's `report retention` flags.
#[derive(Debug, Deserialize)]
pub(crate) struct RetentionQuery {
    from: Date,
    to: Date,
    #[serde(default = "default_window")]
    window: u32,
    currency: Option<String>,
}

fn default_window() -> u32 {
    ActivityWindow::default().days()
}

/// `GET /api/v1/metrics/retention?from=&to=&window=&currency=`: the retention report, the same
/// JSON as `tenure report retention --json`.
pub(crate) async fn retention(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<RetentionQuery>, QueryRejection>,
) -> Result<Json<RetentionFigures>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if query.from > query.to {
        return Err(ApiError::bad_request(format!("from {} is after to {}", query.from, query.to)));
    }
    let window = ActivityWindow::new(query.window).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let currency = query
        .currency
        .as_deref()
        .map(Currency::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let scope = ReportScope { time_zone: state.time_zone(), currency, ..ReportScope::default() };
    let report = state
        .pool()
        .run(move |store| Purchases::load(store, &scope)?.retention(query.from, query.to, window))
        .await?;
    Ok(Json(report))
}
