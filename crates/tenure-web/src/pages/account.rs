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
/// of the user (this one too) and asks them to sign in again.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let email = signed_in.session.user.email.clone();
    let outcome = state
        .pool()
        .run(move |store| users::change_password(store, &email, &form.current, &form.new, chrono::Utc::now()))
        .await;
    match outcome {
        Ok(()) => {
            let mut response = Redirect::to("/login").into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", "Lax", 0, state.secure_cookies()));
            Ok(response)
        }
        Err(AppError::Invalid(problem)) => {
            let mut response = render(&account_page(&signed_in, Some(problem)));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
        Err(other) => Err(PageError::App(other)),
    }
}
