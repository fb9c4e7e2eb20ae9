//! The loyalty programme over the API: the liability (`GET /api/v1/loyalty`), a member's account
//! (`GET /api/v1/loyalty/members/{id}`), and the two writes, each idempotent on the required
//! `Idempotency-Key` — a redemption for a catalogue reward (201 with the coupon; the same key
//! again answers 200 with the same coupon and spends nothing) and a manual adjustment. Too few
//! points is 409 with the reason; a body field that is not acceptable, or an unknown reward, 422.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tenure_app::AppError;
use tenure_app::loyalty::redeem::{Adjustment, Redeemed, adjust, redeem};
use tenure_app::loyalty::view::{liability, member_view};
use tenure_app::loyalty::{active_programme, require_programme};
use tenure_domain::CustomerId;
use tenure_store::StoreError;

use super::writes::read_body;
use crate::loyalty::MailingParts;
use crate::routes::{READERS, STAFF};
use crate::{ApiError, AppState, auth};

/// Longest `Idempotency-Key` of these routes (the ledger keeps it with a prefix, in 200 bytes).
pub(crate) const MAX_KEY_CHARS: usize = 190;

/// Longest reason of an adjustment, in characters (as the use case takes it).
pub(crate) const MAX_REASON_CHARS: usize = 500;

/// The fields of a redemption's body.
pub(crate) const REDEMPTION_FIELDS: &[&str] = &["reward"];

/// The fields of an adjustment's body.
pub(crate) const ADJUSTMENT_FIELDS: &[&str] = &["points", "reason"];

/// A refusal by the use case: too few points is 409 as it says; anything the request got wrong,
/// 422 with the reason; the rest as every route maps it.
pub(super) fn refused(error: AppError) -> ApiError {
    match error {
        AppError::Invalid(message) | AppError::Store(StoreError::Invalid(message)) => {
            ApiError::unprocessable(message)
        }
        other => other.into(),
    }
}

/// `GET /api/v1/loyalty`: the liability; 404 without a programme.
pub(crate) async fn loyalty_liability(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, READERS).await?;
    let answer = state
        .pool()
        .run(|store| {
            let liability = liability(store)?;
            // Without a programme, the message of the use case says how to start one.
            if liability.is_none() {
                require_programme(store)?;
            }
            Ok(liability)
        })
        .await
        .map_err(not_found_without_programme)?;
    Ok(Json(json!(answer)))
}

/// "No programme" is the resource missing, for a read.
fn not_found_without_programme(error: AppError) -> ApiError {
    match error {
        AppError::Invalid(message) => ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message },
        other => other.into(),
    }
}

/// A customer id in the path; anything else names nobody.
fn customer_id(id: &str) -> Result<CustomerId, ApiError> {
    id.parse().map(CustomerId).map_err(|_| ApiError::bad_request(format!("`{id}` is not a customer id")))
}

/// `GET /api/v1/loyalty/members/{id}`: 404 when the customer has no account.
pub(crate) async fn loyalty_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let customer = customer_id(&id)?;
    let now = chrono::Utc::now();
    let view = state
        .pool()
        .run(move |store| {
            if active_programme(store)?.is_none() {
                require_programme(store)?;
            }
            member_view(store, customer, now)
        })
        .await
        .map_err(not_found_without_programme)?;
    match view {
        Some(view) => Ok(Json(json!(view))),
        None => Err(ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: format!("customer {customer} has no loyalty account"),
        }),
    }
}

/// The required `Idempotency-Key`.
fn required_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(format!(
            "`Idempotency-Key`: required, 1 to {MAX_KEY_CHARS} visible ASCII characters that name this \
             request (a retry sends the same key)"
        )));
    }
    Ok(key.to_string())
}

/// The body's object: 400 when it is not one, 422 naming a field the route does not read.
pub(super) fn object(bytes: &[u8], known: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request("the body is not a JSON object"));
    };
    if let Some(unknown) = object.keys().find(|key| !known.contains(&key.as_str())) {
        return Err(ApiError::unprocessable(format!(
            "`{unknown}`: is not a field of this body ({})",
            known.join(", ")
        )));
    }
    Ok(object)
}

/// A non-empty text field.
pub(super) fn text(object: &Map<String, Value>, field: &str, what: &str) -> Result<String, ApiError> {
    match object.get(field) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        _ => Err(ApiError::unprocessable(format!("`{field}`: required, {what}"))),
    }
}

/// `POST /api/v1/loyalty/members/{id}/redemptions`: 201 with the coupon, 200 on a replay.
pub(crate) async fn loyalty_redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    auth::require(&state, &headers, STAFF).await?;
    let customer = customer_id(&id)?;
    let bytes = read_body(body).await?;
    let object = object(&bytes, REDEMPTION_FIELDS)?;
    let key = required_key(&headers)?;
    let reward = text(&object, "reward", "the id of a reward in the catalogue")?;
    let (parts, now) = (MailingParts::of(&state), chrono::Utc::now());
    let redeemed = state
        .pool()
        .run(move |store| {
            store.customer(customer)?;
            let mailing = parts.mailing(store)?;
            redeem(store, &mailing, customer, &reward, &format!("api:{key}"), now)
        })
        .await
        .map_err(refused)?;
    Ok(keyed(redeemed.replayed, redemption_json(customer, &redeemed)))
}

/// A redemption as the API answers it: the coupon as the shop needs it, the points left.
fn redemption_json(customer: CustomerId, redeemed: &Redeemed) -> Value {
    let coupon = &redeemed.coupon;
    json!({
        "customer_id": customer,
        "coupon": {
            "code": coupon.code,
            "reward_id": coupon.reward_id,
            "reward_name": coupon.reward_name,
            "reward_kind": serde_json::from_str::<Value>(&coupon.reward_kind).unwrap_or(Value::Null),
            "points": coupon.points,
        },
        "available": redeemed.available,
        "replayed": redeemed.replayed,
    })
}

/// 201 for a write made now; 200 with `Idempotent-Replayed: true` for one made before.
pub(super) fn keyed(replayed: bool, body: Value) -> Response {
    if replayed {
        let mut response = Json(body).into_response();
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        response
    } else {
        (StatusCode::CREATED, Json(body)).into_response()
    }
}

/// `POST /api/v1/loyalty/members/{id}/adjustments`: 201 when applied now, 200 on a replay.
pub(crate) async fn loyalty_adjust(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = auth::require(&state, &headers, STAFF).await?;
    let customer = customer_id(&id)?;
    let bytes = read_body(body).await?;
    let object = object(&bytes, ADJUSTMENT_FIELDS)?;
    let key = required_key(&headers)?;
    let points = match object.get("points").and_then(Value::as_i64) {
        Some(points) if points != 0 => points,
        _ => {
            return Err(ApiError::unprocessable(
                "`points`: required, a whole number other than 0 (negative to take points)",
            ));
        }
    };
    let reason = text(&object, "reason", "why, in a few words (kept on the member's ledger)")?;
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::unprocessable(format!("`reason`: at most {MAX_REASON_CHARS} characters")));
    }
    let by = format!("api token {}", caller.name);
    let (parts, now) = (MailingParts::of(&state), chrono::Utc::now());
    let adjusted = state
        .pool()
        .run(move |store| {
            store.customer(customer)?;
            let mailing = parts.mailing(store)?;
            let key = format!("api:{key}");
            let adjustment = Adjustment { customer, points, reason: &reason, by: &by, key: &key };
            adjust(store, &mailing, &adjustment, now)
        })
        .await
        .map_err(refused)?;
    let body = json!({
        "customer_id": customer,
        "balance": adjusted.balance,
        "available": adjusted.available,
        "replayed": adjusted.replayed,
    });
    Ok(keyed(adjusted.replayed, body))
}
