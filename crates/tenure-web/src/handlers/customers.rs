//! The customer file: `/api/v1/stats`, `/api/v1/customers`, `/api/v1/customers/{id}`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use tenure_domain::CustomerId;
use tenure_store::{CustomerDetail, CustomerQuery, CustomerSummary, Stats};

use crate::routes::{READERS, STAFF};
use crate::{ApiError, AppState, auth};

/// Most customers one page may hold.
const MAX_PAGE: u32 = 500;

/// `GET /api/v1/stats`: `tenure stats --json`.
pub(crate) async fn stats(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Stats>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    Ok(Json(state.pool().run(|store| Ok(store.stats()?)).await?))
}

/// Query of `GET /api/v1/customers`: keyset pagination by id.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    after: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/v1/customers?after=&limit=`: one page of customers by id, and where the next starts.
pub(crate) async fn customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let caller = auth::require(&state, &headers, STAFF).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
    }
    let page_query = CustomerQuery { after: query.after.map(CustomerId), limit };
    let page: Vec<CustomerSummary> = state.pool().run(move |store| Ok(store.customers(&page_query)?)).await?;
    let next = (page.len() == limit as usize).then(|| page.last().map(|c| c.id)).flatten();
    // Paging through every customer is a download of the list: each page is recorded.
    let actor = crate::audit::token(&caller, &extensions);
    crate::audit::exported(&state, actor, "/api/v1/customers", page.len() as u64).await?;
    Ok(Json(serde_json::json!({ "customers": page, "next_after": next })))
}

/// `GET /api/v1/customers/{id}`: `tenure customers show ID --json`.
pub(crate) async fn customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(id): Path<String>,
) -> Result<Json<CustomerDetail>, ApiError> {
    let caller = auth::require(&state, &headers, STAFF).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::bad_request(format!("`{id}` is not a customer id")))?;
    let viewed = tenure_app::audit::Action::done("customer.view").on(format!("customer:{id}"));
    crate::audit::record(&state, crate::audit::token(&caller, &extensions), viewed).await?;
    Ok(Json(state.pool().run(move |store| Ok(store.customer(CustomerId(id))?)).await?))
}
