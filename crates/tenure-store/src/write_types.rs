//! Values of single-order writes (the API's `POST /api/v1/orders`, incoming webhooks) and of the
//! sources that accept webhooks.

use serde::Serialize;
use tenure_domain::{CustomerId, ImportRecord, SourceName, Timestamp, WebhookKind, WebhookSecret};

/// What writing one order did to the stored order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteResult {
    /// The order was new.
    Created,
    /// The order was stored exactly so already: nothing changed.
    Unchanged,
    /// The order was stored, and the source now reports it differently (a refund, a
    /// cancellation): brought up to date, as an import would.
    Updated,
}

/// One order written, and the customer it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrderWritten {
    /// What the write did.
    pub result: WriteResult,
    /// The stored order's id.
    pub order_id: i64,
    /// The customer the stored order belongs to.
    pub customer_id: CustomerId,
    /// True when the write created that customer.
    pub customer_added: bool,
    /// True when the order's identity was new and joined an existing customer by e-mail.
    pub customer_merged: bool,
}

/// An API request's `Idempotency-Key`, with the SHA-256 (hex) of the body it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Which kind of request the key belongs to (`orders`): keys of different routes never meet.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request body, hex.
    pub request_sha256: String,
}

/// A response as it was given, kept with its idempotency key to be given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptResponse {
    /// HTTP status.
    pub status: u16,
    /// Body, as sent.
    pub body: String,
}

/// One order to write through the API.
#[derive(Debug, Clone, Copy)]
pub struct OrderWrite<'a> {
    /// Its source (created if new, as an import creates it).
    pub source: &'a SourceName,
    /// The order and its customer.
    pub record: &'a ImportRecord,
    /// The request's idempotency key, if it sent one.
    pub key: Option<&'a RequestKey>,
}

/// How an order write through the API went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedWrite {
    /// The order was written (created, left unchanged or updated) and this response kept.
    Fresh(KeptResponse),
    /// The key was seen before with the same body: nothing was written; the kept response.
    Replayed(KeptResponse),
    /// The key was seen before with another body: nothing was written.
    KeyReused,
}

/// One verified webhook delivery carrying an order.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The source it was addressed to (it must accept webhooks).
    pub source: &'a SourceName,
    /// The platform's id of the delivery: its idempotency key within the source.
    pub delivery_id: &'a str,
    /// The platform's topic or event type (`orders/create`, `order.updated`).
    pub topic: &'a str,
    /// The order and its customer.
    pub record: &'a ImportRecord,
    /// The shop's own time of the order's last change, from the signed body (Shopify's
    /// `updated_at`): a delivery older than the stored order writes nothing. `None` when the
    /// platform gives none: written as an import would.
    pub modified_at: Option<Timestamp>,
}

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// First time this delivery arrived: its order was written.
    Written(OrderWritten),
    /// The delivery arrived before: nothing was written.
    Repeated,
    /// A new delivery of an older state of order `order_id` than the stored one (a replay, or a
    /// retry overtaken by a later change): nothing was written, the delivery log says why.
    Older {
        /// The stored order, left as it is.
        order_id: i64,
    },
}

/// A source that accepts webhooks: how they are signed, and the key. `Debug` hides the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// The source.
    pub source: SourceName,
    /// Its signing scheme.
    pub kind: WebhookKind,
    /// Its secret, usable for HMAC.
    pub secret: WebhookSecret,
}

/// A source as `tenure source list` shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// Its name.
    pub name: String,
    /// The signing scheme of its webhooks; `None` when it accepts none (imports only).
    pub webhook: Option<WebhookKind>,
    /// When the store first saw it.
    pub created_at: Timestamp,
    /// When its webhooks were set up, if they are.
    pub webhook_added_at: Option<Timestamp>,
    /// Its orders, of any status.
    pub orders: u64,
    /// The zone of times its files write without one (an IANA name), once an import named it.
    pub time_zone: Option<String>,
}
