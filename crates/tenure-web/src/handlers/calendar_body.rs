//! The JSON bodies of the calendar's API routes, read field by field. A body that is not a JSON
//! object is 400; a field that is not acceptable is 422 naming the field and saying why — a field
//! the route does not read too, so a misspelt optional field is not silently dropped.

use std::fmt::Display;

use serde_json::{Map, Value};
use tenure_app::calendar::followups::{FollowUpRequest, MAX_TITLE_CHARS};
use tenure_app::calendar::interactions::LogRequest;
use tenure_domain::{
    Channel, CustomerId, CustomerRef, Direction, Email, FUTURE_SLACK_SECONDS, InteractionError,
    InteractionRecord, MAX_NOTES_CHARS, MAX_SUBJECT_CHARS, QueryState, Timestamp,
};
use tenure_store::InteractionEdit;

use crate::ApiError;

/// The fields of `POST /api/v1/interactions`, in the order the OpenAPI document lists them.
pub(crate) const INTERACTION_FIELDS: &[&str] = &[
    "customer_id",
    "email",
    "occurred_at",
    "channel",
    "direction",
    "duration_seconds",
    "subject",
    "notes",
    "outcome",
    "staff",
    "state",
    "order_id",
    "reply_to",
];

/// The fields of `PATCH /api/v1/interactions/{id}`.
pub(crate) const INTERACTION_CHANGE_FIELDS: &[&str] =
    &["occurred_at", "channel", "subject", "notes", "outcome", "state"];

/// The fields of `POST /api/v1/followups`.
pub(crate) const FOLLOWUP_FIELDS: &[&str] =
    &["customer_id", "owner", "title", "notes", "due_at", "duration_minutes", "remind_minutes"];

/// The fields of `POST /api/v1/followups/{id}/done`.
pub(crate) const FOLLOWUP_DONE_FIELDS: &[&str] = &["outcome"];

/// Planned length of a follow-up unless the body says, in minutes.
const DEFAULT_DURATION_MINUTES: u32 = 15;

/// The reminder's lead time unless the body says, in minutes.
const DEFAULT_REMIND_MINUTES: u32 = 60;

/// 422: `field` is not acceptable, and why.
pub(crate) fn refused(field: &str, reason: impl Display) -> ApiError {
    ApiError::unprocessable(format!("`{field}`: {reason}"))
}

/// A body's object, holding only the fields a route reads.
struct Body {
    object: Map<String, Value>,
}

impl Body {
    fn parse(bytes: &[u8], known: &[&str]) -> Result<Body, ApiError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(ApiError::bad_request("the body is not a JSON object"));
        };
        if let Some(unknown) = object.keys().find(|key| !known.contains(&key.as_str())) {
            return Err(refused(unknown, format!("is not a field of this body ({})", known.join(", "))));
        }
        Ok(Body { object })
    }

    /// The field's value; `null` is absent.
    fn get(&self, field: &str) -> Option<&Value> {
        self.object.get(field).filter(|v| !v.is_null())
    }

    fn text(&self, field: &str) -> Result<Option<&str>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(refused(field, format!("`{other}` is not a string"))),
        }
    }

    /// A text no longer than `max` characters, `""` when absent.
    fn text_up_to(&self, field: &str, max: usize) -> Result<String, ApiError> {
        let text = self.text(field)?.unwrap_or_default().trim();
        if text.chars().count() > max {
            return Err(refused(field, InteractionError::TooLong(max)));
        }
        Ok(text.to_string())
    }

    fn integer(&self, field: &str) -> Result<Option<i64>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| refused(field, format!("`{value}` is not a whole number"))),
        }
    }

    /// A whole number from 0 to `max`.
    fn count(&self, field: &str, max: u32) -> Result<Option<u32>, ApiError> {
        match self.integer(field)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n <= max)
                .map(Some)
                .ok_or_else(|| refused(field, format!("{n} is not from 0 to {max}"))),
        }
    }

    fn time(&self, field: &str) -> Result<Option<Timestamp>, ApiError> {
        let Some(text) = self.text(field)? else { return Ok(None) };
        chrono::DateTime::parse_from_rfc3339(text).map(|t| Some(t.to_utc())).map_err(|_| {
            refused(field, format!("`{text}` is not an RFC 3339 time (like 2024-05-01T10:00:00Z)"))
        })
    }
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| refused(field, "is missing"))
}

fn channel(text: &str) -> Result<Channel, ApiError> {
    Channel::parse(text).map_err(|e| refused("channel", e))
}

fn state(text: &str) -> Result<QueryState, ApiError> {
    QueryState::parse(text).map_err(|e| refused("state", e))
}

/// A time no more than a day after `now`: an interaction is logged once it has happened.
fn happened(at: Timestamp, now: Timestamp) -> Result<Timestamp, ApiError> {
    if (at - now).num_seconds() > FUTURE_SLACK_SECONDS {
        return Err(refused("occurred_at", InteractionError::InTheFuture(at)));
    }
    Ok(at)
}

/// The interaction a `POST /api/v1/interactions` body asks for, logged under `key`.
pub(crate) fn interaction(bytes: &[u8], key: String, now: Timestamp) -> Result<LogRequest, ApiError> {
    let body = Body::parse(bytes, INTERACTION_FIELDS)?;
    let customer = match (body.integer("customer_id")?, body.text("email")?) {
        (Some(id), None) => CustomerRef::Id(CustomerId(id)),
        (None, Some(email)) => CustomerRef::Email(Email::parse(email).map_err(|e| refused("email", e))?),
        (Some(_), Some(_)) => {
            return Err(refused("email", "name the customer by customer_id or by email, not both"));
        }
        (None, None) => {
            return Err(refused("customer_id", "is missing: name the customer by customer_id or email"));
        }
    };
    let direction = Direction::parse(required("direction", body.text("direction")?)?)
        .map_err(|e| refused("direction", e))?;
    let reply_to = body.integer("reply_to")?;
    if reply_to.is_some() && direction != Direction::Outbound {
        return Err(refused("reply_to", "only an outbound contact answers a query"));
    }
    let record = InteractionRecord {
        customer,
        occurred_at: happened(required("occurred_at", body.time("occurred_at")?)?, now)?,
        channel: channel(required("channel", body.text("channel")?)?)?,
        direction,
        duration_seconds: body.count("duration_seconds", 24 * 60 * 60)?,
        subject: body.text_up_to("subject", MAX_SUBJECT_CHARS)?,
        notes: body.text_up_to("notes", MAX_NOTES_CHARS)?,
        outcome: body.text_up_to("outcome", MAX_NOTES_CHARS)?,
        staff: body.text("staff")?.map(Email::parse).transpose().map_err(|e| refused("staff", e))?,
        state: body.text("state")?.map(state).transpose()?,
        key,
    };
    // What the record itself cannot be, whatever its origin (an outbound contact with a state).
    record.check(now).map_err(|(field, reason)| {
        refused(if field == "duration" { "duration_seconds" } else { field }, reason)
    })?;
    Ok(LogRequest {
        record,
        order_id: body.integer("order_id")?,
        response_id: None,
        case_id: None,
        reply_to,
        logged_by: Some("api".to_string()),
    })
}

/// The change a `PATCH /api/v1/interactions/{id}` body asks for.
pub(crate) fn interaction_change(bytes: &[u8], now: Timestamp) -> Result<InteractionEdit, ApiError> {
    let body = Body::parse(bytes, INTERACTION_CHANGE_FIELDS)?;
    let text = |field: &str, max: usize| -> Result<Option<String>, ApiError> {
        match body.get(field) {
            None => Ok(None),
            Some(_) => body.text_up_to(field, max).map(Some),
        }
    };
    Ok(InteractionEdit {
        occurred_at: body.time("occurred_at")?.map(|at| happened(at, now)).transpose()?,
        channel: body.text("channel")?.map(channel).transpose()?,
        subject: text("subject", MAX_SUBJECT_CHARS)?,
        notes: text("notes", MAX_NOTES_CHARS)?,
        outcome: text("outcome", MAX_NOTES_CHARS)?,
        state: body.text("state")?.map(state).transpose()?,
        ..InteractionEdit::default()
    })
}

/// The follow-up a `POST /api/v1/followups` body asks for (its owner is checked against the users
/// by the caller).
pub(crate) fn followup(bytes: &[u8]) -> Result<FollowUpRequest, ApiError> {
    let body = Body::parse(bytes, FOLLOWUP_FIELDS)?;
    let owner = Email::parse(required("owner", body.text("owner")?)?).map_err(|e| refused("owner", e))?;
    let title = body.text_up_to("title", MAX_TITLE_CHARS)?;
    if title.is_empty() {
        return Err(refused("title", "is missing: say what to do"));
    }
    Ok(FollowUpRequest {
        customer: body.integer("customer_id")?.map(CustomerId),
        owner: owner.as_str().to_string(),
        title,
        notes: body.text_up_to("notes", MAX_NOTES_CHARS)?,
        due_at: required("due_at", body.time("due_at")?)?,
        duration_minutes: match body.count("duration_minutes", 24 * 60)? {
            Some(0) => return Err(refused("duration_minutes", "0 is not from 1 to 1440")),
            Some(minutes) => minutes,
            None => DEFAULT_DURATION_MINUTES,
        },
        remind_minutes: body.count("remind_minutes", 7 * 24 * 60)?.unwrap_or(DEFAULT_REMIND_MINUTES),
        case_id: None,
        created_by: Some("api".to_string()),
    })
}

/// The outcome a `POST /api/v1/followups/{id}/done` body gives (`""` when it gives none).
pub(crate) fn outcome(bytes: &[u8]) -> Result<String, ApiError> {
    Body::parse(bytes, FOLLOWUP_DONE_FIELDS)?.text_up_to("outcome", MAX_NOTES_CHARS)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn now() -> Timestamp {
        chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().to_utc()
    }

    fn refusal(body: &str) -> ApiError {
        interaction(body.as_bytes(), "api:k".into(), now()).unwrap_err()
    }

    #[test]
    fn a_body_names_the_field_it_refuses() {
        let base = r#""customer_id": 1, "occurred_at": "2026-03-01T10:00:00Z", "direction": "inbound""#;
        let fax = refusal(&format!(r#"{{{base}, "channel": "fax"}}"#));
        assert_eq!(fax.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fax.message.starts_with("`channel`: `fax` is not a channel"), "{}", fax.message);
        let later = refusal(
            r#"{"customer_id": 1, "occurred_at": "2026-03-03T10:00:00Z", "direction": "inbound", "channel": "phone"}"#,
        );
        assert!(
            later.message.starts_with("`occurred_at`:") && later.message.contains("future"),
            "{}",
            later.message
        );
        assert!(
            refusal(&format!(r#"{{{base}, "channel": "phone", "chanel": 1}}"#))
                .message
                .starts_with("`chanel`")
        );
        assert!(
            refusal(&format!(r#"{{{base}, "channel": "phone", "duration_seconds": -1}}"#))
                .message
                .starts_with("`duration_seconds`")
        );
        assert!(
            refusal(r#"{"occurred_at": "2026-03-01T10:00:00Z", "direction": "in", "channel": "phone"}"#)
                .message
                .starts_with("`customer_id`")
        );
        let outbound = r#"{"customer_id": 1, "occurred_at": "2026-03-01T10:00:00Z", "direction": "out",
            "channel": "phone", "state": "open"}"#;
        assert!(refusal(outbound).message.starts_with("`state`"), "{}", refusal(outbound).message);
        assert_eq!(refusal("[1]").status, StatusCode::BAD_REQUEST, "not an object: the request is malformed");
    }

    #[test]
    fn a_good_body_is_the_record_it_names() {
        let body = r#"{"email": "Eve@Example.com", "occurred_at": "2026-03-01T10:00:00+01:00", "channel": "In person",
            "direction": "outbound", "duration_seconds": 600, "subject": " Visit ", "reply_to": 7}"#;
        let request = interaction(body.as_bytes(), "api:k".into(), now()).unwrap();
        let record = &request.record;
        assert_eq!(record.channel, Channel::InPerson);
        assert_eq!(record.occurred_at.to_rfc3339(), "2026-03-01T09:00:00+00:00");
        assert_eq!(record.subject, "Visit");
        assert!(matches!(&record.customer, CustomerRef::Email(e) if e.as_str() == "eve@example.com"));
        assert_eq!((request.reply_to, record.key.as_str()), (Some(7), "api:k"));
    }

    #[test]
    fn a_followup_needs_an_owner_a_title_and_a_time() {
        let missing = |body: &str| followup(body.as_bytes()).unwrap_err().message;
        assert!(missing(r#"{"title": "Call", "due_at": "2026-03-02T10:00:00Z"}"#).starts_with("`owner`"));
        assert!(
            missing(r#"{"owner": "a@b.c", "title": " ", "due_at": "2026-03-02T10:00:00Z"}"#)
                .starts_with("`title`")
        );
        assert!(missing(r#"{"owner": "a@b.c", "title": "Call"}"#).starts_with("`due_at`"));
        let made =
            followup(br#"{"owner": "A@b.c", "title": "Call", "due_at": "2026-03-02T10:00:00Z"}"#).unwrap();
        assert_eq!((made.owner.as_str(), made.duration_minutes, made.remind_minutes), ("a@b.c", 15, 60));
    }
}
