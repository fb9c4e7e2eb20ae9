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
        let Failure { status, code, message } = failure(error);
        ApiError { status, code, message }
    }
}

/// What a failed use case tells the client: the same for the API (a JSON envelope) and the
/// pages (the error page), decided only here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// For people. A server-side failure's says only that it happened and its incident id.
    pub message: String,
}

/// The one mapping from a use case's error to what the client is told.
///
/// The request's own faults (400, 404, 409) carry their message, which the layers below write
/// for people. A failure of the server (500) or of what it depends on (503: stopping, database
/// unreachable) is an incident: its cause — driver text, a panic's message — goes to the log
/// once, with a short random id, and the client gets the id alone, to quote.
pub(crate) fn failure(error: AppError) -> Failure {
    match error {
        AppError::Invalid(message) | AppError::Store(StoreError::Invalid(message)) => {
            shown(StatusCode::BAD_REQUEST, "bad_request", message)
        }
        AppError::Import(error) => shown(StatusCode::BAD_REQUEST, "bad_request", error.to_string()),
        AppError::Store(StoreError::NotFound(what)) => {
            shown(StatusCode::NOT_FOUND, "not_found", format!("not found: {what}"))
        }
        AppError::Store(StoreError::Conflict(message)) => shown(StatusCode::CONFLICT, "conflict", message),
        unavailable @ (AppError::Unavailable(_) | AppError::Store(StoreError::Unavailable(_))) => {
            let id = incident(StatusCode::SERVICE_UNAVAILABLE, &unavailable.to_string());
            let message = format!("the server cannot do this now; try again shortly (incident {id})");
            shown(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
        internal
        @ (AppError::Internal(_) | AppError::File { .. } | AppError::Store(StoreError::Other(_))) => {
            internal_failure(&internal.to_string())
        }
    }
}

/// A 500 whose `cause` is logged (once, here) under the incident id the client is shown.
pub(crate) fn internal_failure(cause: &str) -> Failure {
    let id = incident(StatusCode::INTERNAL_SERVER_ERROR, cause);
    let message = format!("the server failed; its log says why (incident {id})");
    shown(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
}

fn shown(status: StatusCode, code: &'static str, message: String) -> Failure {
    Failure { status, code, message }
}

/// Logs `cause` under a new incident id and returns the id: 8 random hex digits, enough to find
/// one line in a day's log and nothing to learn from.
fn incident(status: StatusCode, cause: &str) -> String {
    let id = format!("{:08x}", rand::random::<u32>());
    crate::log::event(
        crate::log::Level::Error,
        "request failed",
        serde_json::json!({"incident": id, "status": status.as_u16(), "error": cause}),
    );
    id
}

/// The answer to a request whose handler panicked (tower-http's `CatchPanicLayer` calls this):
/// 500 in the API's JSON envelope, the panic's message logged under the incident id. Pages get
/// the same JSON: nothing about the failed request is known here, and the status is what counts.
pub(crate) fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = crate::pool::panic_text(panic);
    let Failure { status, code, message } = internal_failure(&format!("a request handler panicked: {cause}"));
    ApiError { status, code, message }.into_response()
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tenure_import::ImportError;
    use tower::ServiceExt;

    use super::*;
    use crate::html::PageError;

    /// A driver's text with someone's e-mail in it, as PostgreSQL writes a unique violation.
    const DRIVER_DETAIL: &str =
        "duplicate key value violates unique constraint \"users_email_key\": Key (email)=(ann@x.example)";

    /// One error of every kind a use case returns, made afresh (`AppError` is not `Clone`), with
    /// the status it must answer.
    fn every_kind() -> Vec<(fn() -> AppError, StatusCode)> {
        vec![
            (|| AppError::Invalid("limit must be 1 to 500".into()), StatusCode::BAD_REQUEST),
            (
                || AppError::Store(StoreError::Invalid("customer 1 cannot refer themselves".into())),
                StatusCode::BAD_REQUEST,
            ),
            (
                || AppError::Import(ImportError::BadMapping("no order id column".into())),
                StatusCode::BAD_REQUEST,
            ),
            (|| AppError::Store(StoreError::NotFound("customer 7".into())), StatusCode::NOT_FOUND),
            (
                || AppError::Store(StoreError::Conflict("that e-mail is already taken".into())),
                StatusCode::CONFLICT,
            ),
            (|| AppError::Unavailable("the server is stopping".into()), StatusCode::SERVICE_UNAVAILABLE),
            (
                || AppError::Store(StoreError::Unavailable(DRIVER_DETAIL.into())),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                || AppError::Internal(format!("the work panicked: {DRIVER_DETAIL}")),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (|| AppError::Store(StoreError::Other(DRIVER_DETAIL.into())), StatusCode::INTERNAL_SERVER_ERROR),
            (
                || AppError::File {
                    path: "/srv/secret/x".into(),
                    source: std::io::Error::other(DRIVER_DETAIL),
                },
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ]
    }

    async fn text(response: Response) -> (StatusCode, String) {
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn the_api_and_the_pages_answer_every_error_with_the_same_status() {
        for (make, status) in every_kind() {
            let (api_status, api) = text(ApiError::from(make()).into_response()).await;
            let (page_status, page) = text(PageError::App(make()).into_response()).await;
            assert_eq!((api_status, page_status), (status, status), "{}: {api} / {page}", make());
            if status.is_server_error() {
                for body in [&api, &page] {
                    assert!(
                        !body.contains("ann@x") && !body.contains("Key (") && !body.contains("/srv"),
                        "{body}"
                    );
                    assert!(body.contains("incident "), "an id to quote: {body}");
                }
            }
        }
    }

    #[tokio::test]
    async fn each_server_failure_gets_its_own_short_incident_id() {
        let id =
            |message: String| message.rsplit("incident ").next().unwrap().trim_end_matches(')').to_string();
        let first = id(failure(AppError::Internal("x".into())).message);
        let second = id(failure(AppError::Internal("x".into())).message);
        assert_eq!(first.len(), 8, "{first}");
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
        assert_ne!(first, second);
    }

    /// The layer `crate::router` wraps every route in, around a handler that panics.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_an_incident_id() {
        async fn panics() -> &'static str {
            panic!("a bug with {DRIVER_DETAIL}")
        }
        let app = axum::Router::new()
            .route("/boom", axum::routing::get(panics))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response));
        let response = app.oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        let (status, body) = text(response).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("incident ") && !message.contains("ann@x"), "{message}");
    }
}
