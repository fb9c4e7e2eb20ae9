//! `GET /calendar/feed/{token}.ics`: a user's follow-ups as an iCalendar feed (RFC 5545) for
//! Google Calendar, Outlook or Thunderbird to poll. No session: the secret URL is the credential,
//! so an unknown, revoked or malformed one answers the same 404. Clients poll cheaply with
//! `If-None-Match` (304); requests are rate-limited per client address like the other public
//! endpoints. The path's token never reaches a log (the logs carry route patterns).

use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tenure_app::calendar::feed;

use super::client_address;
use crate::AppState;
use crate::html::PageError;

/// How long a calendar client may keep a feed before asking again (it asks with its ETag).
const CACHE_CONTROL: &str = "private, max-age=300";

/// `GET /calendar/feed/{file}`, where `file` is `TOKEN.ics`.
pub(crate) async fn calendar_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    // Counted before the token is looked at, so guessing tokens is as limited as using one.
    if !state.allow_feed_request(&client_address(&extensions)) {
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, "Too many requests: try again in a minute.\n").into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(response);
    }
    let Some(token) = file.strip_suffix(".ics").map(str::to_string) else { return Ok(not_found()) };
    let public_url = state.public_url().to_string();
    let rendered =
        state.pool().run(move |store| feed::render(store, &token, &public_url, chrono::Utc::now())).await?;
    let Some(feed) = rendered else { return Ok(not_found()) };
    let etag = HeaderValue::from_str(&feed.etag)
        .map_err(|e| PageError::App(tenure_app::AppError::Invalid(format!("the feed's entity tag: {e}"))))?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| matches_tag(tags, &feed.etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], feed.body).into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::ETAG, etag);
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    Ok(response)
}

/// One answer for every URL that opens no feed.
fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "No calendar feed at this address.\n")
        .into_response()
}

/// Whether an `If-None-Match` list names `etag` (compared weakly, as RFC 9110 asks for it) or is `*`.
fn matches_tag(tags: &str, etag: &str) -> bool {
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    tags.split(',').any(|tag| tag.trim() == "*" || strip(tag) == strip(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_names_the_tag_in_a_list_weakly_or_with_a_star() {
        assert!(matches_tag("\"abc\"", "\"abc\""));
        assert!(matches_tag("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches_tag("*", "\"abc\""));
        assert!(!matches_tag("\"abd\"", "\"abc\""));
        assert!(!matches_tag("", "\"abc\""));
    }
}
