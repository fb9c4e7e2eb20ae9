//! HTML answers: rendering a template, the one mapping from a page failure to a response, and
//! where a sign-in may send the browser next (the security headers are `headers.rs`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tenure_app::AppError;

/// Why a page could not be shown.
#[derive(Debug)]
pub(crate) enum PageError {
    /// No session: sign in, then come back to this path.
    SignIn(String),
    /// Signed in, but the role may not see this.
    Forbidden,
    /// A posted form without this session's CSRF token (an old tab, or a forged form).
    StaleForm,
    /// The request or the work failed.
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError::App(error)
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::SignIn(next) => return Redirect::to(&login_url(&next)).into_response(),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not for your role",
                "Your role may not open this page. An admin can change your role.".to_string(),
            ),
            PageError::StaleForm => (
                StatusCode::FORBIDDEN,
                "The form expired",
                "This form belongs to an older session. Go back, reload the page and send it again."
                    .to_string(),
            ),
            // The status is the API's for the same error (`crate::error::failure`); only the
            // words are the page's.
            PageError::App(error) => {
                let failure = crate::error::failure(error);
                (failure.status, page_title(failure.status), page_message(failure))
            }
        };
        let mut response = render(&ErrorPage { title, message });
        *response.status_mut() = status;
        response
    }
}

/// The error page's title for a failure's status.
fn page_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Cannot do that now",
        StatusCode::SERVICE_UNAVAILABLE => "Try again shortly",
        status if status.is_server_error() => "Something failed",
        _ => "Cannot do that",
    }
}

/// A failure's message as the error page says it: a sentence.
fn page_message(failure: crate::error::Failure) -> String {
    let message = failure.message;
    if let Some(what) = message.strip_prefix("not found: ") {
        return format!("There is no {what}.");
    }
    if message.ends_with(['.', '!', '?', ')']) { message } else { format!("{message}.") }
}

/// `/login?next=PATH` for a page path (only local paths are carried, so the login page cannot
/// be used to send people elsewhere).
pub(crate) fn login_url(next: &str) -> String {
    if is_local_path(next) && next != "/" {
        format!("/login?next={}", encode_query_value(next))
    } else {
        "/login".to_string()
    }
}

/// True for a path on this server: `/x`, never `//host` or `/\\host`, which browsers follow
/// off-site. Browsers also drop tabs and line breaks anywhere in a URL (`/\t/evil` becomes
/// `//evil`) and read `\\` as `/`, so a path with a control character or a backslash is refused
/// whole; so is one with bytes a `Location` header cannot carry (non-ASCII), which our own links
/// never have (their paths are percent-encoded).
pub(crate) fn is_local_path(path: &str) -> bool {
    let plain = path.bytes().all(|byte| (b' '..=b'~').contains(&byte) && byte != b'\\');
    plain && path.starts_with('/') && !path.starts_with("//")
}

/// A query value in `application/x-www-form-urlencoded` form (the `form_urlencoded` crate).
pub(crate) fn encode_query_value(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A template rendered into a 200 HTML response (500 if rendering fails, which is a bug).
pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(error) => {
            crate::log::event(
                crate::log::Level::Error,
                "rendering a page failed",
                serde_json::json!({"error": error.to_string()}),
            );
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_redirect_keeps_only_local_paths() {
        assert_eq!(login_url("/customers/7"), "/login?next=%2Fcustomers%2F7");
        assert_eq!(login_url("/at-risk?sort=clv&x=a b"), "/login?next=%2Fat-risk%3Fsort%3Dclv%26x%3Da+b");
        assert_eq!(login_url("//evil.example/"), "/login");
        assert_eq!(login_url("/\\evil.example"), "/login");
        assert_eq!(login_url("https://evil.example"), "/login");
        assert_eq!(login_url("/"), "/login");
    }

    #[test]
    fn paths_browsers_would_follow_off_site_are_not_local() {
        for path in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\\/evil.example",
            "/x\\y",
            "/\u{0}/x",
            "/é",
        ] {
            assert!(!is_local_path(path), "{path:?}");
        }
        assert!(is_local_path("/at-risk?sort=clv&x=a b"));
    }
}
