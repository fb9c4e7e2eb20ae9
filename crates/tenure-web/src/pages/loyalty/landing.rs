//! `GET /r/{code}`: where a member's referral link leads. It tells the visitor who invited them
//! (the member's first name only — never a surname or an e-mail address), the code to use at
//! checkout and, when the server knows the shop's address, a button to the shop.
//!
//! Public and without a session, so it is built not to be an oracle for codes: a malformed code,
//! an unknown one, and any code while no programme runs all get one and the same 404 page, and
//! each client address may open only so many landing pages a minute. It speaks the visitor's
//! language (`Accept-Language`: German or English). It records nothing: the referral is made
//! when the shop reports the code used at checkout (`POST /api/v1/referrals`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use tenure_app::AppError;
use tenure_app::loyalty::active_programme;
use tenure_store::Store;

use super::member::message;
use super::words::{Lang, Words};
use crate::AppState;
use crate::html::{PageError, render};
use crate::pages::client_address;

/// No code, in any spelling a person might type, is longer: nothing else is read for one that is.
const MAX_CODE_CHARS: usize = 40;

#[derive(Template)]
#[template(path = "loyalty/landing.html")]
struct LandingPage {
    lang: &'static str,
    shop: String,
    w: &'static Words,
    invited: String,
    code: String,
    shop_url: Option<String>,
}

/// Who a code invites on behalf of.
enum Inviter {
    /// No member has it (or no programme runs): nothing to show.
    Nobody,
    /// A member, with their first name when we have a name.
    Member(Option<String>),
}

/// `GET /r/{code}`.
pub(crate) async fn referral_landing(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Result<Response, PageError> {
    let lang = Lang::of(&headers);
    let w = lang.words();
    if !state.allow_invitation(&client_address(&extensions)) {
        return Ok(message(lang, StatusCode::TOO_MANY_REQUESTS, w.too_many_title, w.too_many));
    }
    let not_found = || message(lang, StatusCode::NOT_FOUND, w.no_invitation_title, w.no_invitation);
    let canonical = (code.len() <= MAX_CODE_CHARS).then(|| tenure_loyalty::parse_referral_code(&code).ok());
    let Some(Some(canonical)) = canonical else { return Ok(not_found()) };
    let lookup = canonical.clone();
    let inviter = state.pool().run(move |store| inviter(store, &lookup)).await?;
    let Inviter::Member(first_name) = inviter else { return Ok(not_found()) };
    Ok(render(&LandingPage {
        lang: lang.code(),
        shop: state.shop_name().to_string(),
        w,
        invited: w.invited(first_name.as_deref(), state.shop_name()),
        code: canonical,
        shop_url: state.shop_url().map(str::to_string),
    }))
}

/// The member whose referral code `code` (canonical) is, while a programme runs.
fn inviter(store: &mut dyn Store, code: &str) -> Result<Inviter, AppError> {
    // Without a programme no referral pays: the link promises nothing, like an unknown one.
    if active_programme(store)?.is_none() {
        return Ok(Inviter::Nobody);
    }
    let Some(account) = store.loyalty_account_by_code(code)? else { return Ok(Inviter::Nobody) };
    let contact = store.contacts(&[account.customer_id])?.into_iter().next();
    Ok(Inviter::Member(contact.and_then(|c| c.name).as_deref().and_then(first_name)))
}

/// The given name in a customer's name as shops write it: the first word, or the first word
/// after the comma of `Surname, Given`. `None` when there is none (a blank name, `Surname,`).
fn first_name(name: &str) -> Option<String> {
    let given = name.split_once(',').map_or(name, |(_, given)| given);
    given.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_given_name_is_shown() {
        assert_eq!(first_name("Ann Linde").as_deref(), Some("Ann"));
        assert_eq!(first_name("  Linde,  Ann Marie ").as_deref(), Some("Ann"));
        assert_eq!(first_name("Cher").as_deref(), Some("Cher"));
        assert_eq!(first_name("Linde,"), None, "a surname alone is not shown");
        assert_eq!(first_name("   "), None);
    }
}
