//! Signing in and out: `GET /login`, `POST /login` (rate-limited, CSRF by double-submit
//! cookie, the password checked off the database pool), `POST /logout`.

use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::audit::{Action, Actor};
use tenure_app::{AppError, users};
use tenure_domain::Role;
use tenure_store::{AuditOutcome, UserInfo};

use super::client_address;
use crate::AppState;
use crate::html::{PageError, is_local_path, render};
use crate::limit::SignInAttempt;
use crate::passwords::{Busy, Lane};
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

/// `POST /login`: checks the form's token, the rate limits (failures per e-mail and address
/// pair, per address, per e-mail: see `limit.rs`), then the password — read with a pooled
/// connection, checked off it; on success sets the session cookie and goes on to `next` (or the
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
    let Some(attempt) = state.sign_ins().begin(&form.email, &client_address(&extensions), Instant::now())
    else {
        return login_page(&state, next, form.email, Some(TOO_MANY), StatusCode::TOO_MANY_REQUESTS);
    };
    match check_password(&state, &form.email, form.password, &attempt).await {
        Ok(Some(user)) => signed_in(&state, &attempt, user, next, &extensions).await,
        Ok(None) => sign_in_failed(&state, next, form.email, &extensions).await,
        Err(unchecked) => {
            // Nothing was checked: the attempt counts for nothing.
            state.sign_ins().abandoned(&attempt, Instant::now());
            match unchecked {
                Unchecked::Busy => busy(&state, next, form.email),
                Unchecked::Failed(error) => PageError::App(error).into_response(),
            }
        }
    }
}

/// Why a password was not checked.
enum Unchecked {
    /// The password checks' queue is full.
    Busy,
    /// Reading the account failed.
    Failed(AppError),
}

/// The account whose password `password` is, if `email` names one: its stored hash is read with a
/// pooled connection, which goes back to the pool before argon2 runs on a thread of its own.
async fn check_password(
    state: &AppState,
    email: &str,
    password: String,
    attempt: &SignInAttempt,
) -> Result<Option<UserInfo>, Unchecked> {
    let email = email.to_string();
    let stored = state
        .pool()
        .run(move |store| users::stored_password(store, &email))
        .await
        .map_err(Unchecked::Failed)?;
    let lane = if attempt.is_known_pair() { Lane::Known } else { Lane::Common };
    let check =
        move |memory: &mut _| if stored.matches_in(&password, memory) { stored.into_user() } else { None };
    state.password_work().run(lane, check).await.map_err(|Busy| Unchecked::Busy)
}

/// Everything a successful sign-in does, in one place: the attempt is not a failure, a session
/// starts, the browser gets its cookie and goes on to `next` (or the role's home page).
async fn signed_in(
    state: &AppState,
    attempt: &SignInAttempt,
    user: UserInfo,
    next: String,
    extensions: &Extensions,
) -> Response {
    state.sign_ins().succeeded(attempt, Instant::now());
    let actor = Actor::user(&user.email, &client_address(extensions));
    let started = state.pool().run(move |store| users::start_session(store, user, chrono::Utc::now())).await;
    let new = match started {
        Ok(new) => new,
        Err(error) => return PageError::App(error).into_response(),
    };
    if let Err(error) = crate::audit::record(state, actor, Action::done("signin")).await {
        return PageError::App(error).into_response();
    }
    let home = if next.is_empty() { home_of(new.session.user.role).to_string() } else { next };
    let max_age = users::SESSION_HOURS * 3600;
    let mut response = Redirect::to(&home).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &new.secret, "Lax", max_age, state.secure_cookies()),
    );
    cookies.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", "Strict", 0, state.secure_cookies()));
    response
}

/// Everything a failed sign-in does, in one place (the limits counted it when it was let in):
/// the audit log's entry — only attempts whose password was checked get one, so a flood the
/// limits refuse writes nothing — and the form again, saying the e-mail and password do not
/// match.
async fn sign_in_failed(state: &AppState, next: String, email: String, extensions: &Extensions) -> Response {
    let tried: String = email.trim().chars().take(254).collect();
    let actor = Actor { name: tried, address: Some(client_address(extensions)) };
    let refused = Action::done("signin").outcome(AuditOutcome::Refused);
    if let Err(error) = crate::audit::record(state, actor, refused).await {
        return PageError::App(error).into_response();
    }
    login_page(state, next, email, Some(WRONG), StatusCode::UNAUTHORIZED)
}

/// The form again when the password checks are all taken (a flood of sign-ins): 503, try again.
fn busy(state: &AppState, next: String, email: String) -> Response {
    let mut response = login_page(state, next, email, Some(BUSY), StatusCode::SERVICE_UNAVAILABLE);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

const STALE: &str = "The form had expired. Please sign in again.";
const TOO_MANY: &str = "Too many sign-in attempts. Wait a few minutes and try again.";
const WRONG: &str = "That e-mail and password do not match an account.";
const BUSY: &str = "The server is busy checking sign-ins. Try again in a few seconds.";

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
    extensions: Extensions,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, _) = session::require_form(&state, &headers, STAFF, form).await?;
    crate::audit::record(&state, crate::audit::user(&signed_in, &extensions), Action::done("signout"))
        .await?;
    if let Some(secret) = session::cookie(&headers, SESSION_COOKIE) {
        state.pool().run(move |store| users::sign_out(store, &secret)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "Lax", 0, state.secure_cookies()));
    Ok(response)
}
