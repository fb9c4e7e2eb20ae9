//! The API's one error type and its one mapping to HTTP: an envelope
//! `{"error": {"code", "message"}}`. Messages of server errors say nothing internal; the cause is
//! written to the server's log instead.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tenure_app::AppError;
use tenure_store::StoreError;

/// An API failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`unauthorized`, `forbidden`, `bad_request`, …).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// No valid credentials.
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "send a valid API token: Authorization: Bearer tenure_…".into(),
        }
    }

    /// Valid credentials without the role this needs.
    pub fn forbidden() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: "this token's role may not do this".into(),
        }
    }

    /// 422: the body is well-formed but an answer in it does not fit (the message names it).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "unprocessable", message: message.into() }
    }

    /// The request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, code: "bad_request", message: message.into() }
    }

    /// A webhook whose signature does not verify — or whose source does not exist or takes no
    /// webhooks: one answer for all, so it says nothing about which sources exist.
    pub fn unverified() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_signature",
            message: "the signature does not verify for this webhook URL".into(),
        }
    }

    /// The body is larger than the route reads.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            message: format!("the body is over {limit_bytes} bytes"),
        }
    }

    /// An `Idempotency-Key` sent again with another body.
    pub fn idempotency_key_reused() -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "idempotency_key_reused",
            message: "this Idempotency-Key came with another body before: use a new key for a new request"
                .into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(message) => ApiError::bad_request(message),
            AppError::Store(StoreError::NotFound(what)) => ApiError {
                status: StatusCode::NOT_FOUND,
                code: "not_found",
                message: format!("not found: {what}"),
            },
            AppError::Store(StoreError::Conflict(message)) => {
                ApiError { status: StatusCode::CONFLICT, code: "conflict", message }
            }
            other => {
                crate::log::event(
                    crate::log::Level::Error,
                    "request failed",
                    serde_json::json!({"error": other.to_string()}),
                );
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "the server failed; its log says why".into(),
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        // A bearer challenge only where a token is what is missing (not on a webhook's 401).
        if self.status == StatusCode::UNAUTHORIZED && self.code == "unauthorized" {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
