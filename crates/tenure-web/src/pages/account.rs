//! `GET /account`: who is signed in, and `POST /account/password` to change one's own password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::{AppError, users};

use super::Layout;
use crate::AppState;
use crate::html::{PageError, render};
use crate::passwords::{Busy, Lane};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm, SESSION_COOKIE, SignedIn, set_cookie};

/// The account page.
#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    expires: String,
    min_chars: usize,
    problem: Option<String>,
}

fn account_page(signed_in: &SignedIn, problem: Option<String>) -> AccountPage {
    let user = &signed_in.session.user;
    AccountPage {
        layout: Layout::new(signed_in, "Your account", "/account"),
        name: user.name.clone(),
        email: user.email.clone(),
        expires: signed_in.session.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        min_chars: users::MIN_PASSWORD_CHARS,
        problem,
    }
}

/// `GET /account`.
pub(crate) async fn account(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    Ok(render(&account_page(&signed_in, None)))
}

/// The password form.
#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

impl CsrfForm for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /account/password`: checks the current password, sets the new one, ends every session
/// of the user (this one too) and asks them to sign in again. Limited per user (a session left
/// open is no guessing ground); both argon2 runs happen off the database pool.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    if !state.allow_password_change(signed_in.session.user.id) {
        return Ok(refused(&signed_in, StatusCode::TOO_MANY_REQUESTS, TOO_MANY));
    }
    let hash = match new_password_hash(&state, &signed_in.session.user.email, form).await {
        Err(Busy) => return Ok(refused(&signed_in, StatusCode::SERVICE_UNAVAILABLE, BUSY)),
        Ok(Err(error)) => return failed(&signed_in, error),
        Ok(Ok(hash)) => hash,
    };
    let email = signed_in.session.user.email.clone();
    let now = chrono::Utc::now();
    if let Err(error) =
        state.pool().run(move |store| users::store_password_hash(store, &email, &hash, now)).await
    {
        return failed(&signed_in, error);
    }
    let changed = tenure_app::audit::Action::done("password.change");
    crate::audit::record(&state, crate::audit::user(&signed_in, &extensions), changed).await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "Lax", 0, state.secure_cookies()));
    Ok(response)
}

/// A password change that failed: the page again saying why (400), or the error page.
fn failed(signed_in: &SignedIn, error: AppError) -> Result<Response, PageError> {
    match error {
        AppError::Invalid(problem) => Ok(refused(signed_in, StatusCode::BAD_REQUEST, &problem)),
        other => Err(PageError::App(other)),
    }
}

const TOO_MANY: &str = "Too many password changes tried. Wait a few minutes and try again.";
const BUSY: &str = "The server is busy checking passwords. Try again in a few seconds.";

/// The hash of the form's new password, once its current one is checked (`Invalid` when it is
/// wrong or the new one is too short or long): the stored hash is read with a pooled connection,
/// both argon2 runs take the password lane.
async fn new_password_hash(
    state: &AppState,
    email: &str,
    form: PasswordForm,
) -> Result<Result<String, AppError>, Busy> {
    let owned = email.to_string();
    let stored = match state.pool().run(move |store| users::stored_password(store, &owned)).await {
        Ok(stored) => stored,
        Err(error) => return Ok(Err(error)),
    };
    let PasswordForm { current, new, .. } = form;
    let work = move |memory: &mut _| {
        if !stored.matches_in(&current, memory) {
            return Err(AppError::Invalid(users::WRONG_CURRENT_PASSWORD.into()));
        }
        users::hash_password(&new)
    };
    state.password_work().run(Lane::Common, work).await
}

/// The account page again with `problem`, answered `status`.
fn refused(signed_in: &SignedIn, status: StatusCode, problem: &str) -> Response {
    let mut response = render(&account_page(signed_in, Some(problem.to_string())));
    *response.status_mut() = status;
    response
}
