//! The shop-wide numbers: `/api/v1/metrics/*`, the same use cases and JSON as `tenure report`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use tenure_app::reports::{
    ActivityWindow, CohortMetric, CohortsView, Date, LifecycleReport, Period, RetentionFigures, SegmentsView,
};
use tenure_domain::Currency;

use crate::routes::READERS;
use crate::{ApiError, AppState, auth};

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
    let query = parsed(query)?;
    if query.from > query.to {
        return Err(ApiError::bad_request(format!("from {} is after to {}", query.from, query.to)));
    }
    let window = window(query.window)?;
    let currency = currency(query.currency.as_deref())?;
    let report = state
        .with_purchases(currency, move |_, purchases| purchases.retention(query.from, query.to, window))
        .await?;
    Ok(Json(report))
}

/// `?window=DAYS`, checked.
fn window(days: u32) -> Result<ActivityWindow, ApiError> {
    ActivityWindow::new(days).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// `?currency=`, checked.
fn currency(code: Option<&str>) -> Result<Option<Currency>, ApiError> {
    code.map(Currency::parse).transpose().map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The query of a request, or 400 with serde's reason.
fn parsed<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(query)| query).map_err(|e| ApiError::bad_request(e.body_text()))
}

/// Query of `GET /api/v1/metrics/cohorts`.
#[derive(Debug, Deserialize)]
pub(crate) struct CohortQuery {
    #[serde(default = "month")]
    period: Period,
    #[serde(default)]
    metric: CohortMetric,
    as_of: Option<Date>,
    currency: Option<String>,
}

fn month() -> Period {
    Period::Month
}

/// `GET /api/v1/metrics/cohorts?period=&metric=&as_of=&currency=`: `tenure report cohorts --json`.
pub(crate) async fn cohorts(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CohortQuery>, QueryRejection>,
) -> Result<Json<CohortsView>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let query = parsed(query)?;
    let currency = currency(query.currency.as_deref())?;
    let view = state
        .with_purchases(currency, move |_, purchases| {
            let as_of = purchases.report_day(query.as_of, chrono::Utc::now())?;
            Ok(purchases.cohorts(query.period, query.metric, as_of))
        })
        .await?;
    Ok(Json(view))
}

/// Query of the lifecycle and segment routes.
#[derive(Debug, Deserialize)]
pub(crate) struct AsOfQuery {
    as_of: Date,
    #[serde(default = "default_window")]
    window: u32,
    currency: Option<String>,
}

/// `GET /api/v1/metrics/lifecycle?as_of=&window=&currency=`: `tenure report lifecycle --json`.
pub(crate) async fn lifecycle(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Json<LifecycleReport>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let query = parsed(query)?;
    let (currency, window) = (currency(query.currency.as_deref())?, window(query.window)?);
    let report =
        state.with_purchases(currency, move |_, purchases| purchases.lifecycle(query.as_of, window)).await?;
    Ok(Json(report))
}

/// `GET /api/v1/metrics/segments?as_of=&currency=`: `tenure report segments --json`.
pub(crate) async fn segments(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Json<SegmentsView>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let query = parsed(query)?;
    let currency = currency(query.currency.as_deref())?;
    let view = state.with_purchases(currency, move |_, purchases| purchases.segments(query.as_of)).await?;
    Ok(Json(view))
}
