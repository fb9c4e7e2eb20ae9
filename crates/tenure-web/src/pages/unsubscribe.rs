//! `GET /unsubscribe/{token}` (a confirmation form) and `POST /unsubscribe/{token}` (RFC 8058
//! one-click, and the form's button): open to anyone holding a signed link, no sign-in, no
//! script. The token itself is the credential — an HMAC only this database's key makes — so the
//! form needs no CSRF token: a forged post could only unsubscribe the link's own customer.
//! Following a link twice is harmless; a bad link changes nothing and says so.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tenure_app::outbox::{self, links};

use crate::AppState;
use crate::html::{PageError, render};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    token: String,
    email: String,
    valid: bool,
    done: bool,
}

/// `GET /unsubscribe/{token}`: asks before changing anything (mail scanners follow links).
pub(crate) async fn unsubscribe_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let lookup = token.clone();
    let email = state
        .pool()
        .run(move |store| {
            let key = links::link_key(store)?;
            let Some(customer) = links::verify_unsubscribe_token(&key, &lookup) else { return Ok(None) };
            Ok(store.customer(customer).ok().and_then(|detail| detail.email).map(|e| e.as_str().to_string()))
        })
        .await?;
    Ok(page(token, email, false))
}

/// `POST /unsubscribe/{token}`: suppresses the customer's address for surveys and marketing.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let now = chrono::Utc::now();
    let lookup = token.clone();
    let done = state.pool().run(move |store| outbox::unsubscribe(store, &lookup, now)).await?;
    Ok(page(token, done.map(|d| d.email), true))
}

fn page(token: String, email: Option<String>, posted: bool) -> Response {
    let valid = email.is_some();
    let mut response =
        render(&UnsubscribePage { token, email: email.unwrap_or_default(), valid, done: valid && posted });
    if !valid {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response.into_response()
}
