//! Who is signed in to the dashboard: the session cookie, the role check of a page, and the
//! anti-CSRF token of its forms.
//!
//! The cookie `tenure_session` holds a random 256-bit secret (HttpOnly, SameSite=Lax, Secure
//! when the server is told it sits behind TLS); the store knows only its SHA-256. Every form of
//! a session carries the session's CSRF token, compared in constant time. The login form, which
//! has no session yet, uses a double-submit cookie instead.

use axum::Form;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use tenure_app::AppError;
use tenure_app::users;
use tenure_domain::Role;
use tenure_store::SessionInfo;

use crate::AppState;
use crate::html::PageError;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "tenure_session";

/// The login form's double-submit cookie.
pub(crate) const LOGIN_COOKIE: &str = "tenure_login";

/// The signed-in user of a request, allowed on the page it asked for.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    /// The session (user and CSRF token).
    pub session: SessionInfo,
}

impl SignedIn {
    /// The user's role.
    pub(crate) fn role(&self) -> Role {
        self.session.user.role
    }
}

/// The signed-in user if their role is in `allowed`: otherwise a redirect to the login page
/// (no session; back to `uri` after) or 403 (a session whose role may not see this).
pub(crate) async fn require(
    state: &AppState,
    headers: &HeaderMap,
    allowed: &[Role],
    uri: &Uri,
) -> Result<SignedIn, PageError> {
    let back = || PageError::SignIn(uri.path_and_query().map_or("/", |p| p.as_str()).to_string());
    let Some(secret) = cookie(headers, SESSION_COOKIE) else { return Err(back()) };
    let now = chrono::Utc::now();
    let session = state.pool().run(move |store| users::session(store, &secret, now)).await?;
    let Some(session) = session else { return Err(back()) };
    if allowed.contains(&session.user.role) { Ok(SignedIn { session }) } else { Err(PageError::Forbidden) }
}

/// A posted form that carries the session's anti-CSRF token in its `csrf` field.
pub(crate) trait CsrfForm {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

/// Like [`require`], for a posted form: the session and role first (a stranger learns nothing
/// about the form), then the form itself, whose `csrf` field must be the session's token.
pub(crate) async fn require_form<T: CsrfForm>(
    state: &AppState,
    headers: &HeaderMap,
    allowed: &[Role],
    form: Result<Form<T>, FormRejection>,
) -> Result<(SignedIn, T), PageError> {
    // A form's own address is no place to come back to after signing in: the home page is.
    let signed_in = require(state, headers, allowed, &Uri::from_static("/")).await?;
    let Form(form) = form.map_err(|e| PageError::App(AppError::Invalid(e.body_text())))?;
    if constant_time_eq(form.csrf().as_bytes(), signed_in.session.csrf_token.as_bytes()) {
        Ok((signed_in, form))
    } else {
        Err(PageError::StaleForm)
    }
}

/// Like [`require_form`], for a multipart form (an upload): the session and role first, then the
/// form's first field, which must be `csrf` holding the session's token — so not a byte of an
/// upload is read before the form is known to come from this session. Browsers send fields in
/// the order of the form, so a form puts its `csrf` field first.
pub(crate) async fn require_multipart(
    state: &AppState,
    headers: &HeaderMap,
    allowed: &[Role],
    form: Result<Multipart, MultipartRejection>,
) -> Result<(SignedIn, Multipart), PageError> {
    let signed_in = require(state, headers, allowed, &Uri::from_static("/")).await?;
    let invalid = |text: String| PageError::App(AppError::Invalid(text));
    let mut form = form.map_err(|e| invalid(e.body_text()))?;
    let token = match form.next_field().await.map_err(|e| invalid(e.body_text()))? {
        Some(field) if field.name() == Some("csrf") => {
            field.text().await.map_err(|e| invalid(e.body_text()))?
        }
        _ => return Err(PageError::StaleForm),
    };
    if constant_time_eq(token.as_bytes(), signed_in.session.csrf_token.as_bytes()) {
        Ok((signed_in, form))
    } else {
        Err(PageError::StaleForm)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|found| found.name() == name)
        .map(|found| found.value().to_string())
}

/// A `Set-Cookie` value: HttpOnly always, Secure when `secure`, living `max_age_seconds`
/// (0 deletes it).
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    same_site: &str,
    max_age_seconds: i64,
    secure: bool,
) -> HeaderValue {
    let same_site = if same_site == "Strict" { cookie::SameSite::Strict } else { cookie::SameSite::Lax };
    let text = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .secure(secure)
        .build()
        .to_string();
    // Names and values are ours (fixed names, hex secrets), so the header is always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Byte-wise equality whose time depends only on the lengths, not on where the bytes differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "other=1; tenure_session_x=2".parse().unwrap());
        headers.append(header::COOKIE, "tenure_session=abc ; theme=dark".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn session_cookies_are_http_only_and_secure_when_asked() {
        let value = set_cookie(SESSION_COOKIE, "ff", "Lax", 60, true);
        let text = value.to_str().unwrap();
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax") && text.contains("; Secure"),
            "{text}"
        );
        assert!(text.contains("Path=/") && text.contains("Max-Age=60"), "{text}");
        assert!(!set_cookie(SESSION_COOKIE, "ff", "Lax", 60, false).to_str().unwrap().contains("Secure"));
    }
}
