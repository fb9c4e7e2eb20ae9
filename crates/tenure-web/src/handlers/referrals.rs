//! Referrals over the API: the list (`GET /api/v1/referrals?status=held`), a reviewer's decision
//! on a held one (`POST /api/v1/referrals/{id}/review`, `{"decision": "approve" | "refuse"}`;
//! the token's name is recorded as the reviewer) and a code used at a shop's checkout
//! (`POST /api/v1/referrals`, `{"code", "customer", "at"}`: 201 with the referral).
//!
//! Neither write takes an Idempotency-Key: each is keyed by what it is about. A customer is
//! referred once, so sending the same code for the same customer again answers 200 with the
//! referral as it stands (another member's code for them is 409); a review sent again by the same
//! token with the same decision answers 200 with the referral as it stands, and any other review
//! of a referral no longer held is 409 with what became of it.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tenure_app::AppError;
use tenure_app::loyalty::referrals;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{Referral, ReferralStatus, Store, StoreError};

use super::loyalty::{keyed, object, refused, text};
use super::writes::read_body;
use crate::loyalty::{MailingParts, Reviewed, review_held};
use crate::routes::STAFF;
use crate::{ApiError, AppState, auth};

/// The fields of a recorded referral's body.
pub(crate) const RECORD_FIELDS: &[&str] = &["code", "customer", "at"];

/// The fields of a review's body.
pub(crate) const REVIEW_FIELDS: &[&str] = &["decision"];

/// Most referrals one list answers.
const MAX_LISTED: usize = 500;

/// `?status=&limit=`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReferralsQuery {
    status: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/referrals`: newest first, of one status or (by default) all.
pub(crate) async fn list_referrals(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    query: Result<Query<ReferralsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("all") => None,
        Some(text) => Some(ReferralStatus::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!("`status`: `{text}` is not waiting, held, paid, refused or all"))
        })?),
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(ApiError::bad_request(format!("`limit`: 1 to {MAX_LISTED}")));
    }
    let list = state.pool().run(move |store| Ok(store.referrals(status, limit)?)).await?;
    Ok(Json(json!({ "referrals": list.iter().map(referral_json).collect::<Vec<_>>() })))
}

/// A referral as the API answers it: the reasons as the JSON list they are.
fn referral_json(referral: &Referral) -> Value {
    json!({
        "id": referral.id,
        "referrer": referral.referrer,
        "referred": referral.referred,
        "status": referral.status,
        "reasons": serde_json::from_str::<Value>(&referral.reasons).unwrap_or_else(|_| json!([])),
        "order_id": referral.order_id,
        "created_at": referral.created_at,
        "decided_at": referral.decided_at,
        "decided_by": referral.decided_by,
    })
}

/// `POST /api/v1/referrals/{id}/review`: 200 with the referral as decided.
pub(crate) async fn review_referral(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = auth::require(&state, &headers, STAFF).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::bad_request(format!("`{id}` is not a referral id")))?;
    let bytes = read_body(body).await?;
    let approve = match object(&bytes, REVIEW_FIELDS)?.get("decision").and_then(Value::as_str) {
        Some("approve") => true,
        Some("refuse") => false,
        _ => return Err(ApiError::unprocessable("`decision`: required, approve or refuse")),
    };
    let by = format!("api token {}", caller.name);
    let (parts, now, reviewer) = (MailingParts::of(&state), chrono::Utc::now(), by.clone());
    let reviewed = state
        .pool()
        .run(move |store| review_held(store, parts, id, approve, &reviewer, now))
        .await
        .map_err(refused)?;
    match reviewed {
        Reviewed::Decided(referral) => Ok(Json(referral_json(&referral)).into_response()),
        Reviewed::NotHeld(referral) if is_this_review(&referral, approve, &by) => {
            Ok(keyed(true, referral_json(&referral)))
        }
        Reviewed::NotHeld(referral) => Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: format!(
                "referral {id} is {}{}: only held referrals are reviewed",
                referral.status.as_str(),
                referral.decided_by.as_deref().map_or_else(String::new, |by| format!(" (decided by {by})")),
            ),
        }),
    }
}

/// Whether `referral` stands as this reviewer's `approve` decision left it (a retried request).
fn is_this_review(referral: &Referral, approve: bool, by: &str) -> bool {
    let outcome = if approve { ReferralStatus::Paid } else { ReferralStatus::Refused };
    referral.status == outcome && referral.decided_by.as_deref() == Some(by)
}

/// `POST /api/v1/referrals`: 201 with the referral; 200 with it when it was recorded before.
pub(crate) async fn record_referral(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let bytes = read_body(body).await?;
    let object = object(&bytes, RECORD_FIELDS)?;
    let code = text(&object, "code", "the referral code the customer used, like K7MQ-4XRT")?;
    let customer = match object.get("customer").and_then(Value::as_i64) {
        Some(id) => CustomerId(id),
        None => return Err(ApiError::unprocessable("`customer`: required, the referred customer's id")),
    };
    let at = used_at(&object)?;
    let (referral, before) =
        state.pool().run(move |store| record_once(store, &code, customer, at)).await.map_err(refused)?;
    Ok(keyed(before, referral_json(&referral)))
}

/// `at`: when the code was used (RFC 3339); now when absent.
fn used_at(object: &Map<String, Value>) -> Result<Timestamp, ApiError> {
    match object.get("at") {
        None | Some(Value::Null) => Ok(chrono::Utc::now()),
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|at| at.to_utc())
            .map_err(|_| ApiError::unprocessable(format!("`at`: `{text}` is not an RFC 3339 time"))),
        Some(_) => Err(ApiError::unprocessable("`at`: an RFC 3339 time, like 2026-03-02T09:00:00Z")),
    }
}

/// Records the referral, or finds it recorded before with this very code (true): a retry.
fn record_once(
    store: &mut dyn Store,
    code: &str,
    customer: CustomerId,
    at: Timestamp,
) -> Result<(Referral, bool), AppError> {
    match referrals::record(store, code, customer, at) {
        Ok(referral) => Ok((referral, false)),
        Err(AppError::Store(StoreError::Conflict(message))) => {
            match recorded_before(store, code, customer)? {
                Some(referral) => Ok((referral, true)),
                None => Err(AppError::Store(StoreError::Conflict(message))),
            }
        }
        Err(other) => Err(other),
    }
}

/// The referral of `customer` by the member whose code `code` is, if there is one.
fn recorded_before(
    store: &mut dyn Store,
    code: &str,
    customer: CustomerId,
) -> Result<Option<Referral>, AppError> {
    let Ok(canonical) = tenure_loyalty::parse_referral_code(code) else { return Ok(None) };
    let Some(referrer) = store.loyalty_account_by_code(&canonical)? else { return Ok(None) };
    Ok(store.referral_of(customer)?.filter(|referral| referral.referrer.id == referrer.customer_id))
}
