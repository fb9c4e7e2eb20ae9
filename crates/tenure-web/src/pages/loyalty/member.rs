//! The member's own page: `GET /member/{token}` (balance, pending points and when they become
//! available, lots and their expiry, tier progress, the rewards with a Redeem button on each
//! affordable one, coupons, the referral code and link) and `POST /member/{token}/redeem`.
//!
//! No sign-in, no script: the signed link from the member's e-mail is the credential (like the
//! unsubscribe and survey pages). A link that is forged, altered or lapsed gets one and the same
//! 404 page, which never says which part failed. A redemption must come from a page of this
//! server when the browser says where it came from (`Origin`, else `Referer`), is rate-limited
//! per client address, and carries the one-time key rendered into the page: the redemption's
//! idempotency key, so a double click or a refresh after posting issues one coupon. It answers
//! with a redirect to the page showing the new code (or the page again with the reason: 409 for
//! too few points). The page speaks the member's language (`Accept-Language`: German or English).

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::loyalty::active_programme;
use tenure_app::loyalty::links::verify_member_token;
use tenure_app::loyalty::redeem::redeem;
use tenure_app::loyalty::view::{MemberView, member_view};
use tenure_app::outbox::links::link_key;
use tenure_app::surveys::links::{is_token_shaped, new_token};
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_store::{Store, StoreError};

use super::account::{AccountView, Dates, account_view};
use super::words::{Lang, Words};
use crate::AppState;
use crate::html::{PageError, render};
use crate::loyalty::MailingParts;
use crate::pages::client_address;

/// Longest reward id a form may name (the redemption's key holds it).
const MAX_REWARD_ID: usize = 100;

#[derive(Template)]
#[template(path = "loyalty/member.html")]
struct MemberPage {
    lang: &'static str,
    shop: String,
    w: &'static Words,
    account: AccountView,
    problem: Option<String>,
    redeem_action: Option<String>,
    form_key: String,
}

#[derive(Template)]
#[template(path = "loyalty/member_message.html")]
struct MessagePage {
    lang: &'static str,
    heading: &'static str,
    message: &'static str,
}

/// `?coupon=CODE`: the coupon just issued, shown first.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MemberQuery {
    coupon: Option<String>,
}

/// The redeem form.
#[derive(Debug, Deserialize)]
pub(crate) struct RedeemFields {
    #[serde(default)]
    key: String,
    #[serde(default)]
    reward: String,
}

/// What a link opens.
enum Loaded {
    /// Forged, altered or lapsed: nothing to show.
    BadLink,
    /// A member without an account yet (or a shop without a programme).
    NoAccount,
    /// The account and the programme's currency.
    Account(Box<MemberView>, Currency),
}

/// Why a redemption was not made.
enum Refusal {
    TooFew(String),
    UnknownReward,
    StaleForm,
}

/// What a posted redemption came to.
enum Redemption {
    BadLink,
    Issued(String),
    Refused(Refusal, Loaded),
}

/// `GET /member/{token}`.
pub(crate) async fn member_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    query: Result<Query<MemberQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = Lang::of(&headers);
    let fresh = query.ok().and_then(|Query(q)| q.coupon);
    let (lookup, now) = (token.clone(), chrono::Utc::now());
    let loaded = state
        .pool()
        .run(move |store| {
            let Some(customer) = verified(store, &lookup, now)? else { return Ok(Loaded::BadLink) };
            load(store, customer, now)
        })
        .await?;
    Ok(respond(&state, lang, &token, loaded, fresh.as_deref(), None))
}

/// `POST /member/{token}/redeem`.
pub(crate) async fn member_redeem(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
    form: Result<Form<RedeemFields>, FormRejection>,
) -> Result<Response, PageError> {
    let lang = Lang::of(&headers);
    let w = lang.words();
    if !state.allow_member_post(&client_address(&extensions)) {
        return Ok(message(lang, StatusCode::TOO_MANY_REQUESTS, w.too_many_title, w.too_many));
    }
    if !same_origin(&headers, state.public_url()) {
        return Ok(message(lang, StatusCode::FORBIDDEN, w.foreign_title, w.foreign));
    }
    let fields = form.ok().map(|Form(fields)| fields);
    let (lookup, parts, now) = (token.clone(), MailingParts::of(&state), chrono::Utc::now());
    let outcome = state.pool().run(move |store| redeem_from_page(store, parts, &lookup, fields, now)).await?;
    Ok(match outcome {
        Redemption::BadLink => respond(&state, lang, &token, Loaded::BadLink, None, None),
        // 303: the browser shows the page with the code, and a refresh does not post again.
        Redemption::Issued(code) => Redirect::to(&format!("/member/{token}?coupon={code}")).into_response(),
        Redemption::Refused(refusal, loaded) => {
            let (problem, status) = match (&refusal, &loaded) {
                (Refusal::TooFew(reward), Loaded::Account(view, _)) => {
                    (too_few(w, view, reward), StatusCode::CONFLICT)
                }
                (Refusal::TooFew(_) | Refusal::UnknownReward, _) => {
                    (w.unknown_reward.to_string(), StatusCode::UNPROCESSABLE_ENTITY)
                }
                (Refusal::StaleForm, _) => (w.stale_form.to_string(), StatusCode::UNPROCESSABLE_ENTITY),
            };
            let mut response = respond(&state, lang, &token, loaded, None, Some(problem));
            *response.status_mut() = status;
            response
        }
    })
}

/// The customer whose link `token` is, if it is a valid link now.
fn verified(store: &mut dyn Store, token: &str, now: Timestamp) -> Result<Option<CustomerId>, AppError> {
    // No real link is this long: nothing else is read for one that is.
    if token.len() > 200 {
        return Ok(None);
    }
    Ok(verify_member_token(&link_key(store)?, token, now))
}

fn load(store: &mut dyn Store, customer: CustomerId, now: Timestamp) -> Result<Loaded, AppError> {
    let Some(programme) = active_programme(store)? else { return Ok(Loaded::NoAccount) };
    Ok(match member_view(store, customer, now)? {
        Some(view) => Loaded::Account(Box::new(view), programme.rules.currency),
        None => Loaded::NoAccount,
    })
}

/// Redeems what the form asks for, keyed by the form's one-time key and the reward (so another
/// reward from the same page is its own redemption, and the same one twice is one).
fn redeem_from_page(
    store: &mut dyn Store,
    parts: MailingParts,
    token: &str,
    fields: Option<RedeemFields>,
    now: Timestamp,
) -> Result<Redemption, AppError> {
    let Some(customer) = verified(store, token, now)? else { return Ok(Redemption::BadLink) };
    let refusal = match fields {
        Some(fields) if is_token_shaped(&fields.key) && !fields.reward.is_empty() => {
            if fields.reward.len() > MAX_REWARD_ID {
                Refusal::UnknownReward
            } else {
                let mailing = parts.mailing(store)?;
                let key = format!("member:{}:{}", fields.key, fields.reward);
                match redeem(store, &mailing, customer, &fields.reward, &key, now) {
                    Ok(redeemed) => return Ok(Redemption::Issued(redeemed.coupon.code)),
                    Err(AppError::Store(StoreError::Conflict(_))) => Refusal::TooFew(fields.reward),
                    Err(AppError::Invalid(_)) => Refusal::UnknownReward,
                    Err(other) => return Err(other),
                }
            }
        }
        _ => Refusal::StaleForm,
    };
    Ok(Redemption::Refused(refusal, load(store, customer, now)?))
}

/// Why `reward` could not be had, in the member's words.
fn too_few(w: &Words, view: &MemberView, reward: &str) -> String {
    match view.rewards.iter().find(|r| r.id == reward) {
        Some(r) => w.too_few(&r.name, r.cost, view.available),
        None => w.unknown_reward.to_string(),
    }
}

/// Whether a posted form came from a page of this server: its `Origin` (or, without one, its
/// `Referer`) names the host the request was sent to or the server's public address. A post
/// saying neither (an old browser, a privacy proxy) is let through: the token in the path is the
/// credential, so such a post can only spend the link's own points on the link's own coupon.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(source) = text(header::ORIGIN).or_else(|| text(header::REFERER)) else { return true };
    let Some(from) = authority(source) else { return false };
    let host = text(header::HOST);
    host.is_some_and(|host| host.eq_ignore_ascii_case(from))
        || authority(public_url).is_some_and(|ours| ours.eq_ignore_ascii_case(from))
}

/// `host:port` of an absolute URL.
fn authority(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    rest.split(['/', '?', '#']).next().filter(|a| !a.is_empty())
}

/// The page for what the link opened.
fn respond(
    state: &AppState,
    lang: Lang,
    token: &str,
    loaded: Loaded,
    fresh: Option<&str>,
    problem: Option<String>,
) -> Response {
    let w = lang.words();
    match loaded {
        Loaded::BadLink => message(lang, StatusCode::NOT_FOUND, w.bad_link_title, w.bad_link),
        Loaded::NoAccount => message(lang, StatusCode::OK, w.title, w.no_account),
        Loaded::Account(view, currency) => {
            let dates = Dates { words: w, zone: state.time_zone() };
            render(&MemberPage {
                lang: lang.code(),
                shop: state.shop_name().to_string(),
                w,
                account: account_view(&view, currency, dates, state.public_url(), fresh),
                problem,
                redeem_action: Some(format!("/member/{token}/redeem")),
                form_key: new_token(),
            })
        }
    }
}

pub(super) fn message(lang: Lang, status: StatusCode, heading: &'static str, text: &'static str) -> Response {
    let mut response = render(&MessagePage { lang: lang.code(), heading, message: text });
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_post_from_another_site_is_not_from_our_page() {
        let ours = "https://points.shop.example";
        let host = (header::HOST, "127.0.0.1:8080");
        assert!(same_origin(&headers(&[host.clone(), (header::ORIGIN, "http://127.0.0.1:8080")]), ours));
        assert!(same_origin(&headers(&[(header::ORIGIN, "https://points.shop.example")]), ours));
        assert!(same_origin(
            &headers(&[host.clone(), (header::REFERER, "http://127.0.0.1:8080/member/x")]),
            ours
        ));
        assert!(same_origin(&headers(std::slice::from_ref(&host)), ours), "a browser that says nothing");
        assert!(!same_origin(&headers(&[host.clone(), (header::ORIGIN, "https://evil.example")]), ours));
        assert!(!same_origin(&headers(&[host.clone(), (header::ORIGIN, "null")]), ours));
        assert!(!same_origin(
            &headers(&[host, (header::REFERER, "https://evil.example/127.0.0.1:8080")]),
            ours
        ));
    }
}
