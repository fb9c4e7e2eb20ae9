//! A dashboard fixture for in-process tests: a store holding the CDNOW sample, one user per
//! role, and a small "browser" that keeps cookies and the page's CSRF token, so tests sign in
//! and post forms the way a person does; and webhook signatures by an independent signer.

#![allow(dead_code)] // Each test file uses part of this.

mod referrals;
mod signing;

#[allow(unused_imports)] // Only the loyalty tests refer.
pub use referrals::*;
#[allow(unused_imports)] // Only the webhook tests sign.
pub use signing::*;

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tenure_app::import::{ImportRequest, NoProgress, import_files};
use tenure_app::reports::ShopTimeZone;
use tenure_app::users::add_user;
use tenure_domain::Role;
use tenure_import::{Format, ImportOptions};
use tenure_web::{AppState, StorePool, router};
use tower::ServiceExt;

/// Every test user's password.
pub const PASSWORD: &str = "a password for tests";

/// A store with the CDNOW sample and a user per role (`admin@shop.example`, …).
pub struct Dashboard {
    _dir: tempfile::TempDir,
    pub url: String,
    pub state: AppState,
}

/// What a response said.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// The e-mail of the test user with `role`.
pub fn email_of(role: Role) -> String {
    format!("{role}@shop.example")
}

/// A new SQLite store in a temporary folder holding the CDNOW sample: the folder (keep it), the
/// URL and an open connection.
pub fn sample_store() -> (tempfile::TempDir, String, Box<dyn tenure_store::Store>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let now = chrono::Utc::now();
    let mut store = tenure_store::open(&url, now).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cdnow/CDNOW_sample.txt");
    let request = ImportRequest {
        format: Format::Cdnow,
        paths: vec![sample],
        source: None,
        skip_invalid: false,
        options: ImportOptions::default(),
        time_zone: None,
    };
    assert!(import_files(store.as_mut(), &request, now, &NoProgress).unwrap().committed);
    (dir, url, store)
}

pub fn dashboard() -> Dashboard {
    let (dir, url, mut store) = sample_store();
    let now = chrono::Utc::now();
    for role in Role::ALL {
        add_user(store.as_mut(), &email_of(role), None, role, PASSWORD, now).unwrap();
    }
    // The survey the survey pages' examples name.
    let template = tenure_surveys::Template::all()[0].definition();
    let settings = tenure_store::SurveySettings::default();
    tenure_app::surveys::create(store.as_mut(), "example", &template, settings, now).unwrap();
    let state = AppState::new(StorePool::open(&url, 2, now).unwrap(), ShopTimeZone::UTC);
    Dashboard { _dir: dir, url, state }
}

impl Dashboard {
    /// Sends `request` through the router.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// A browser with no cookies.
    pub fn browser(&self) -> Browser<'_> {
        Browser { dashboard: self, cookies: Vec::new(), csrf: None }
    }

    /// A browser signed in as the test user with `role`.
    pub async fn signed_in(&self, role: Role) -> Browser<'_> {
        let mut browser = self.browser();
        let answer = browser.sign_in(&email_of(role), PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "signing in as {role}: {}", answer.body);
        browser
    }
}

/// Cookies and the last CSRF token seen, like a browser tab.
pub struct Browser<'a> {
    dashboard: &'a Dashboard,
    pub cookies: Vec<(String, String)>,
    pub csrf: Option<String>,
}

impl Browser<'_> {
    /// `GET uri`, keeping cookies and the page's CSRF token.
    pub async fn get(&mut self, uri: &str) -> Answer {
        let request = self.with_cookies(Request::get(uri)).body(Body::empty()).unwrap();
        let answer = self.dashboard.send(request).await;
        self.remember(&answer);
        answer
    }

    /// Posts a form (`application/x-www-form-urlencoded`) as given: tests choose the CSRF field.
    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let body =
            fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let request = self
            .with_cookies(Request::post(uri))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let answer = self.dashboard.send(request).await;
        self.remember(&answer);
        answer
    }

    /// Posts a `multipart/form-data` form whose parts are exactly `parts`, in order (tests choose
    /// whether and where the CSRF field is).
    pub async fn post_multipart(&mut self, uri: &str, parts: &[Part<'_>]) -> Answer {
        let request = self
            .with_cookies(Request::post(uri))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(multipart_body(parts)))
            .unwrap();
        let answer = self.dashboard.send(request).await;
        self.remember(&answer);
        answer
    }

    /// Opens the login page and signs in.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = self.csrf.clone().expect("the login form carries a token");
        self.post_form("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }

    /// The CSRF token of the last page (after [`Browser::get`] of a signed-in page).
    pub fn token(&self) -> String {
        self.csrf.clone().expect("a page with a form was opened")
    }

    fn with_cookies(&self, builder: axum::http::request::Builder) -> axum::http::request::Builder {
        if self.cookies.is_empty() {
            return builder;
        }
        let header = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        builder.header(header::COOKIE, header)
    }

    fn remember(&mut self, answer: &Answer) {
        for value in answer.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        if let Some(token) = hidden_csrf(&answer.body) {
            self.csrf = Some(token);
        }
    }
}

/// The value of the first `<input type="hidden" name="csrf" value="…">` of a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// Form-encodes a value.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One part of a multipart form: a field, or a file when `file_name` is given.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub content: &'a [u8],
}

/// A plain field of a multipart form.
pub fn field<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part { name, file_name: None, content: value.as_bytes() }
}

/// A file of a multipart form.
pub fn file<'a>(name: &'a str, file_name: &'a str, content: &'a [u8]) -> Part<'a> {
    Part { name, file_name: Some(file_name), content }
}

const BOUNDARY: &str = "tenure-test-boundary-5b1e";

/// The body of a multipart form (RFC 7578).
fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match part.file_name {
            Some(file_name) => format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\nContent-Type: text/plain\r\n",
                part.name
            ),
            None => format!("Content-Disposition: form-data; name=\"{}\"\r\n", part.name),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}
