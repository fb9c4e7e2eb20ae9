//! Outgoing webhook subscriptions: `tenure webhook add | list | remove | test`.

use serde::Serialize;
use tenure_domain::{Timestamp, WebhookSecret};
use tenure_store::{BodyFormat, Event, NewSubscription, Store};

use super::webhook::{check_literal_host, is_public};
use crate::AppError;
use crate::sources::generate_standard_secret;

/// The events a subscription can receive (`*`: all of them, and those added later).
pub const EVENT_TYPES: &[&str] =
    &["order.created", "order.updated", "survey.alert", "coupon.issued", "webhook.test"];

/// A new subscription, with its secret shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSubscriptionCreated {
    /// Its id.
    pub id: i64,
    /// The `whsec_…` secret deliveries are signed with.
    pub secret: String,
}

/// Subscribes `url` to `events`. Refuses a URL that is not http(s), unknown events, and — unless
/// `allow_private` — a URL on a private, loopback or link-local address.
pub fn add_subscription(
    store: &mut dyn Store,
    url: &str,
    events: &[String],
    allow_private: bool,
    body_format: BodyFormat,
    now: Timestamp,
) -> Result<NewSubscriptionCreated, AppError> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| AppError::Invalid(format!("`{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::Invalid(format!("`{url}`: webhooks go to http:// or https:// URLs")));
    }
    if events.is_empty() {
        return Err(AppError::Invalid(format!("name the events to send: {} (or *)", EVENT_TYPES.join(", "))));
    }
    if let Some(unknown) = events.iter().find(|e| *e != "*" && !EVENT_TYPES.contains(&e.as_str())) {
        return Err(AppError::Invalid(format!(
            "`{unknown}` is not an event: {} (or *)",
            EVENT_TYPES.join(", ")
        )));
    }
    if !allow_private {
        check_literal_host(&parsed).map_err(AppError::Invalid)?;
        check_resolved_host(&parsed)?;
    }
    let secret = generate_standard_secret();
    let new = NewSubscription {
        url: parsed.as_str(),
        events,
        secret: &WebhookSecret::new(secret.clone()),
        allow_private,
        body_format,
    };
    let id = store.add_subscription(&new, now)?;
    Ok(NewSubscriptionCreated { id, secret })
}

/// Refuses a name that resolves to a private address now (delivery checks again each time; a
/// name that does not resolve yet is let through to that check).
fn check_resolved_host(url: &reqwest::Url) -> Result<(), AppError> {
    use std::net::ToSocketAddrs;
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return Ok(()) };
    let Ok(found) = (host, port).to_socket_addrs() else { return Ok(()) };
    for address in found {
        if !is_public(address.ip()) {
            return Err(AppError::Invalid(format!(
                "{host} resolves to {}, a private, loopback or link-local address: add the subscription with --allow-private if that is meant",
                address.ip()
            )));
        }
    }
    Ok(())
}

/// Ends subscription `id`.
pub fn remove_subscription(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<(), AppError> {
    Ok(store.remove_subscription(id, now)?)
}

/// Enqueues a `webhook.test` event to subscription `id` alone; returns the outbox id.
pub fn test_subscription(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<i64, AppError> {
    let event = Event {
        event_type: "webhook.test",
        customer_id: None,
        data: serde_json::json!({"subscription_id": id, "message": "A test delivery from Tenure."}),
        summary: "A test delivery from Tenure.".into(),
        key: None,
        only_subscription: Some(id),
    };
    store
        .emit(&event, now)?
        .first()
        .copied()
        .ok_or_else(|| AppError::Invalid(format!("there is no webhook subscription {id}")))
}
