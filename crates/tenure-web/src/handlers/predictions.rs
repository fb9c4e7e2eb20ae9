//! `GET /api/v1/predictions`: the stored model scores (probability alive, expected purchases,
//! expected spend, CLV) with each customer's last purchase, filtered, sorted and paged — the
//! at-risk page's list for scripts and integrations.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use tenure_app::models::{ScoreList, ScoreListQuery, ScoreSort};

use crate::pages::optional;
use crate::routes::STAFF;
use crate::{ApiError, AppState, auth};

/// Most customers one page may hold.
const MAX_PAGE: usize = 500;

/// Query of `GET /api/v1/predictions`.
#[derive(Debug, Deserialize)]
pub(crate) struct PredictionsQuery {
    #[serde(default, deserialize_with = "optional")]
    below: Option<f64>,
    #[serde(default, deserialize_with = "optional")]
    min_clv: Option<f64>,
    #[serde(default, deserialize_with = "optional")]
    sort: Option<ScoreSort>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// `GET /api/v1/predictions?below=&min_clv=&sort=&offset=&limit=`.
pub(crate) async fn predictions(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PredictionsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
    }
    if let Some(below) = query.below
        && !(0.0..=1.0).contains(&below)
    {
        return Err(ApiError::bad_request(format!("below must be a probability from 0 to 1, got {below}")));
    }
    let list_query = ScoreListQuery {
        below: query.below,
        min_clv: query.min_clv,
        sort: query.sort.unwrap_or_default(),
        offset: query.offset,
        limit: Some(limit),
    };
    let list = state.with_scores(move |store, board| board.list(store, &list_query)).await?;
    Ok(Json(answer(&list, query.offset, limit)))
}

/// The JSON of a page: the list's totals, its rows, and where the next page starts.
fn answer(list: &ScoreList, offset: usize, limit: usize) -> Value {
    let customers: Vec<Value> = list
        .rows
        .iter()
        .map(|row| {
            json!({
                "customer": row.score.customer,
                "name": row.name,
                "email": row.email,
                "model": row.score.model,
                "probability_alive": row.score.probability_alive,
                "expected_purchases": row.score.expected_purchases,
                "horizon_days": row.score.horizon_days,
                "expected_spend_minor": row.score.expected_spend_minor,
                "clv_minor": row.score.clv_minor,
                "last_purchase": row.last_purchase.map(|d| d.to_string()),
            })
        })
        .collect();
    let next = (offset + limit < list.matching).then_some(offset + limit);
    json!({
        "currency": list.currency.map(|c| c.code().to_string()),
        "as_of": list.as_of,
        "scored": list.scored,
        "matching": list.matching,
        "customers": customers,
        "next_offset": next,
    })
}
