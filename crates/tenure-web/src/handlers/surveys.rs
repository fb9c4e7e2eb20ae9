//! Surveys over the API: the list, one survey with its questions, its analysis (the JSON of
//! docs/surveys.md), and responses collected elsewhere — `POST …/responses`, idempotent per key.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenure_app::surveys::answering::{self, Recorded, ResponseInput};
use tenure_app::surveys::{self, Survey, analysis};
use tenure_store::{SurveyInfo, SurveyKey};
use tenure_surveys::Analysis;

use super::writes::read_body;
use crate::routes::{ADMIN, READERS};
use crate::{ApiError, AppState, auth};

/// `GET /api/v1/surveys`.
pub(crate) async fn list_surveys(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<SurveyInfo>>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    Ok(Json(state.pool().run(surveys::list).await?))
}

/// `GET /api/v1/surveys/{name}`.
pub(crate) async fn survey(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<Survey>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    Ok(Json(state.pool().run(move |store| surveys::show(store, SurveyKey::Name(&name))).await?))
}

/// `?min_sample=`.
#[derive(Debug, Deserialize)]
pub(crate) struct AnalysisQuery {
    min_sample: Option<usize>,
}

/// `GET /api/v1/surveys/{name}/analysis`.
pub(crate) async fn survey_analysis(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Json<Analysis>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let min_sample = query.min_sample.unwrap_or(30);
    let (_, result) =
        state.pool().run(move |store| analysis::analyze_stored(store, &name, min_sample)).await?;
    Ok(Json(result))
}

/// `POST /api/v1/surveys/{name}/responses`: 201 when stored, 200 when this key's identical
/// response was stored before, 422 naming the question whose answer does not fit, 409 when the
/// key was used for other answers.
pub(crate) async fn record_response(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, ADMIN).await?;
    let bytes = read_body(body).await?;
    let input: ResponseInput =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("the body: {e}")))?;
    let (now, public_url) = (chrono::Utc::now(), state.public_url().to_string());
    let recorded =
        state.pool().run(move |store| answering::record(store, &name, &input, &public_url, now)).await?;
    Ok(match recorded {
        Recorded::Created(response) => (StatusCode::CREATED, Json(response)).into_response(),
        Recorded::Replayed(response) => (StatusCode::OK, Json(response)).into_response(),
        Recorded::Rejected(error) => ApiError::unprocessable(error.to_string()).into_response(),
    })
}
