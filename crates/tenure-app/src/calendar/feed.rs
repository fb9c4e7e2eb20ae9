//! Each user's calendar feed: their follow-ups as RFC 5545 events at a secret URL
//! (`/calendar/feed/{token}.ics`) that Google Calendar, Outlook or Thunderbird subscribe to.
//!
//! The token is an HMAC of the user id and a generation under the server's link key, so the URL
//! can be shown again without being stored: only its SHA-256 is kept, to find the user.
//! Revoking raises the generation; the old URL then answers 404. The feed carries the events of
//! the last 90 days and all later ones, cancelled ones included so subscribers drop them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tenure_calendar::{EventStatus, FeedEvent, write_feed};
use tenure_domain::Timestamp;
use tenure_store::{FollowUp, FollowUpStatus, Store};

use crate::AppError;

/// How far back a feed reaches.
const FEED_DAYS_BACK: i64 = 90;

fn token(key: &[u8], user_id: i64, generation: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("calendar-feed:{user_id}:{generation}").as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The path of the feed of the user with this e-mail (`/calendar/feed/{token}.ics`), made on
/// first use.
pub fn feed_path(store: &mut dyn Store, email: &str, now: Timestamp) -> Result<String, AppError> {
    let user = super::user_id(store, email)?;
    let key = crate::outbox::links::link_key(store)?;
    let generation = match store.calendar_feed(user)? {
        Some((generation, _)) => generation,
        None => {
            store.set_calendar_feed(user, 1, &hash(&token(&key, user, 1)), now)?;
            1
        }
    };
    Ok(format!("/calendar/feed/{}.ics", token(&key, user, generation)))
}

/// Revokes the user's feed URL and returns the new one's path.
pub fn revoke(store: &mut dyn Store, email: &str, now: Timestamp) -> Result<String, AppError> {
    let user = super::user_id(store, email)?;
    let key = crate::outbox::links::link_key(store)?;
    let generation = store.calendar_feed(user)?.map_or(1, |(g, _)| g + 1);
    store.set_calendar_feed(user, generation, &hash(&token(&key, user, generation)), now)?;
    Ok(format!("/calendar/feed/{}.ics", token(&key, user, generation)))
}

/// A rendered feed and its entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The iCalendar text.
    pub body: String,
    /// A strong ETag: the SHA-256 of the body, quoted.
    pub etag: String,
}

/// The feed a token opens, or `None` when no live feed has it (unknown or revoked: the page
/// says 404 either way).
pub fn render(
    store: &mut dyn Store,
    token: &str,
    public_url: &str,
    now: Timestamp,
) -> Result<Option<Feed>, AppError> {
    if token.len() != 43 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Ok(None);
    }
    let Some(user) = store.calendar_feed_user(&hash(token))? else { return Ok(None) };
    let email = super::user_emails(store)?.remove(&user).unwrap_or_default();
    let followups = store.feed_followups(user, now - chrono::Duration::days(FEED_DAYS_BACK))?;
    let events: Vec<FeedEvent> = followups.iter().map(|f| event(f, public_url)).collect();
    let body = write_feed(&format!("Tenure follow-ups — {email}"), &events);
    let etag = format!("\"{}\"", &hash(&body)[..32]);
    Ok(Some(Feed { body, etag }))
}

fn event(followup: &FollowUp, public_url: &str) -> FeedEvent {
    let base = public_url.trim_end_matches('/');
    let mut description = String::new();
    if let Some(name) = &followup.customer_name {
        description.push_str(&format!("Customer: {name}\n"));
    }
    if !followup.notes.is_empty() {
        description.push_str(&followup.notes);
        description.push('\n');
    }
    if let Some(outcome) = &followup.outcome {
        description.push_str(&format!("Outcome: {outcome}\n"));
    }
    let summary = match followup.status {
        FollowUpStatus::Done => format!("✓ {}", followup.title),
        _ => followup.title.clone(),
    };
    FeedEvent {
        uid: followup.uid.clone(),
        sequence: followup.sequence,
        start: followup.due_at,
        end: followup.due_at + chrono::Duration::minutes(i64::from(followup.duration_minutes)),
        summary,
        description: description.trim_end().to_string(),
        status: match followup.status {
            FollowUpStatus::Cancelled => EventStatus::Cancelled,
            _ => EventStatus::Confirmed,
        },
        created: followup.created_at,
        last_modified: followup.updated_at,
        url: Some(match followup.customer_id {
            Some(c) => format!("{base}/customers/{}", c.0),
            None => format!("{base}/calendar"),
        }),
    }
}
