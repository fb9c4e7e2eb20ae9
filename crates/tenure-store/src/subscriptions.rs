//! Outgoing webhook subscriptions, and events fanned out to them as outbox messages in the
//! transaction of the change they report.

use serde_json::json;
use tenure_domain::{CustomerId, Timestamp, WebhookSecret};

use crate::sql::{Conn, Row, Value};
use crate::{
    BodyFormat, MessageKind, NewMessage, NewSubscription, Purpose, StoreError, SubscriptionInfo, outbox,
};

/// Stores a subscription; returns its id.
pub(crate) fn add(conn: &mut dyn Conn, new: &NewSubscription<'_>, now: Timestamp) -> Result<i64, StoreError> {
    conn.query_one(
        "INSERT INTO webhook_subscriptions (url, events, secret, allow_private, body_format, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[
            Value::from(new.url),
            Value::from(new.events.join(",")),
            Value::from(new.secret.expose()),
            Value::Bool(new.allow_private),
            Value::from(new.body_format.as_str()),
            Value::Time(now),
        ],
    )?
    .int(0)
}

/// Live subscriptions, by id.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<SubscriptionInfo>, StoreError> {
    conn.query(
        "SELECT id, url, events, allow_private, body_format, created_at, previous_secret_until \
         FROM webhook_subscriptions WHERE removed_at IS NULL ORDER BY id",
        &[],
    )?
    .iter()
    .map(info)
    .collect()
}

/// Ends subscription `id`: it receives nothing more, and its pending messages are skipped.
pub(crate) fn remove(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE webhook_subscriptions SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
        &[Value::Time(now), Value::Int(id)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("webhook subscription {id}")));
    }
    Ok(())
}

/// Gives subscription `id` a new secret; the old one keeps signing beside it until `old_until`.
pub(crate) fn rotate(
    conn: &mut dyn Conn,
    id: i64,
    secret: &WebhookSecret,
    old_until: Timestamp,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_until = $1, secret = $2 \
         WHERE id = $3 AND removed_at IS NULL",
        &[Value::Time(old_until), Value::from(secret.expose()), Value::Int(id)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("webhook subscription {id}")));
    }
    Ok(())
}

/// An event to report to the subscriptions that asked for its type.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Its type (`order.created`, …).
    pub event_type: &'a str,
    /// The customer it concerns.
    pub customer_id: Option<CustomerId>,
    /// Its data: the `data` of the Standard Webhooks body.
    pub data: serde_json::Value,
    /// One line for people (a Slack-format subscription posts this as its `text`).
    pub summary: String,
    /// A key of the event's cause, so that the same cause reported twice is delivered once.
    pub key: Option<String>,
    /// A subscription the event goes to alone (a test delivery), instead of every match.
    pub only_subscription: Option<i64>,
}

/// Writes one outbox message per live subscription that receives `event.event_type`; returns
/// their ids.
pub(crate) fn emit(conn: &mut dyn Conn, event: &Event<'_>, now: Timestamp) -> Result<Vec<i64>, StoreError> {
    let rows = conn.query(
        "SELECT id, url, events, body_format FROM webhook_subscriptions WHERE removed_at IS NULL ORDER BY id",
        &[],
    )?;
    let mut ids = Vec::new();
    for row in rows {
        let id = row.int(0)?;
        let events = row.text(2)?;
        let wanted = match event.only_subscription {
            Some(only) => only == id,
            None => receives(&events, event.event_type),
        };
        if !wanted {
            continue;
        }
        let body = match BodyFormat::from_column(&row.text(3)?)? {
            BodyFormat::Standard => {
                json!({"type": event.event_type, "timestamp": now.to_rfc3339(), "data": event.data})
            }
            BodyFormat::Slack => json!({"text": event.summary}),
        };
        let message = NewMessage {
            kind: MessageKind::Webhook,
            purpose: Purpose::Transactional,
            topic: event.event_type.to_string(),
            customer_id: event.customer_id,
            recipient: row.text(1)?,
            subscription_id: Some(id),
            payload: body.to_string(),
            not_before: now,
            dedupe_key: event.key.as_ref().map(|key| format!("webhook:{id}:{key}")),
        };
        ids.extend(outbox::enqueue(conn, &message, now)?);
    }
    Ok(ids)
}

/// Whether a subscription to `events` (comma-separated, `*` for all) receives `event_type`.
fn receives(events: &str, event_type: &str) -> bool {
    events.split(',').any(|wanted| wanted == "*" || wanted == event_type)
}

fn info(row: &Row) -> Result<SubscriptionInfo, StoreError> {
    Ok(SubscriptionInfo {
        id: row.int(0)?,
        url: row.text(1)?,
        events: row.text(2)?.split(',').map(str::to_string).collect(),
        allow_private: row.opt_bool(3)?.unwrap_or(false),
        body_format: BodyFormat::from_column(&row.text(4)?)?,
        created_at: row.time(5)?,
        previous_secret_until: row.opt_time(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::receives;

    #[test]
    fn a_subscription_receives_the_types_it_lists_or_everything_with_a_star() {
        assert!(receives("order.created,order.updated", "order.updated"));
        assert!(!receives("order.created", "order.updated"));
        assert!(receives("*", "survey.answered"));
        assert!(!receives("order.created", "order"));
    }
}
