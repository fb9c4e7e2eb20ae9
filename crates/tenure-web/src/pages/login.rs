//! Signing in and out: `GET /login`, `POST /login` (rate-limited, CSRF by double-submit
//! cookie), `POST /logout`.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::users;
use tenure_domain::Role;

use crate::AppState;
use crate::html::{PageError, is_local_path, render};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm, LOGIN_COOKIE, SESSION_COOKIE, constant_time_eq, set_cookie};

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    problem: Option<&'static str>,
}

/// Query of `GET /login`.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`: the form, with a fresh double-submit token in a short-lived cookie.
pub(crate) async fn login_form(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let next = query.next.filter(|n| is_local_path(n)).unwrap_or_default();
    login_page(&state, next, String::new(), None, StatusCode::OK)
}

fn login_page(
    state: &AppState,
    next: String,
    email: String,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let csrf = users::random_hex();
    let mut response = render(&LoginPage { csrf: csrf.clone(), next, email, problem });
    *response.status_mut() = status;
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &csrf, "Strict", 3600, state.secure_cookies()));
    response
}

/// The login form as posted.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    csrf: String,
    #[serde(default)]
    next: String,
    email: String,
    password: String,
}

/// `POST /login`: checks the form's token, the rate limits (per client address and per
/// e-mail), then the password; on success sets the session cookie and goes on to `next` (or the
/// role's home page).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = if is_local_path(&form.next) { form.next.clone() } else { String::new() };
    let cookie_token = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !constant_time_eq(cookie_token.as_bytes(), form.csrf.as_bytes()) {
        return login_page(&state, next, form.email, Some(STALE), StatusCode::FORBIDDEN);
    }
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |ConnectInfo(address)| address.ip().to_string());
    if !state.allow_login(&client, &form.email.trim().to_lowercase()) {
        return login_page(&state, next, form.email, Some(TOO_MANY), StatusCode::TOO_MANY_REQUESTS);
    }
    let (email, password) = (form.email.clone(), form.password);
    let outcome =
        state.pool().run(move |store| users::sign_in(store, &email, &password, chrono::Utc::now())).await;
    match outcome {
        Ok(Some(new)) => {
            let home = if next.is_empty() { home_of(new.session.user.role).to_string() } else { next };
            let max_age = users::SESSION_HOURS * 3600;
            let mut response = Redirect::to(&home).into_response();
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new.secret, "Lax", max_age, state.secure_cookies()),
            );
            cookies.append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", "Strict", 0, state.secure_cookies()),
            );
            response
        }
        Ok(None) => login_page(&state, next, form.email, Some(WRONG), StatusCode::UNAUTHORIZED),
        Err(error) => PageError::App(error).into_response(),
    }
}

const STALE: &str = "The form had expired. Please sign in again.";
const TOO_MANY: &str = "Too many sign-in attempts. Wait a few minutes and try again.";
const WRONG: &str = "That e-mail and password do not match an account.";

/// Where a role lands after signing in: shop-wide numbers for those who read them, the
/// customers to follow up for agents.
fn home_of(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::Analyst => "/",
        Role::Agent => "/customers",
    }
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub(crate) struct LogoutForm {
    csrf: String,
}

impl CsrfForm for LogoutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /logout`: ends the session (in the store, so on every server) and clears the cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, PageError> {
    session::require_form(&state, &headers, STAFF, form).await?;
    if let Some(secret) = session::cookie(&headers, SESSION_COOKIE) {
        state.pool().run(move |store| users::sign_out(store, &secret)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "Lax", 0, state.secure_cookies()));
    Ok(response)
}
