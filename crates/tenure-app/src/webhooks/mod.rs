//! Incoming webhooks: a delivery to `/webhooks/{source}` is checked against the source's secret
//! before its body is read at all, then read by the platform's mapping (the same as its file
//! import), then written with its delivery id in one transaction, so a repeated delivery changes
//! nothing. An unknown source and a bad signature are the same answer, [`ReceiveError::Unverified`]:
//! a stranger learns nothing about which sources exist.
//!
//! Replays. Shopify and WooCommerce sign the body only — no time of sending, and the delivery id
//! header is not signed — so a captured delivery can be sent again under a new id. What stops it
//! rolling an order back (refunded → paid) is the order's version in the signed body (Shopify's
//! `updated_at`, WooCommerce's `date_modified_gmt`): a delivery older than the stored order writes
//! nothing and is answered [`Received::Older`] (200, so the shop stops retrying). Standard
//! Webhooks sign a timestamp with the body, checked within [`TIMESTAMP_TOLERANCE_SECONDS`].

mod payload;
mod signature;

pub use payload::{SHOPIFY_TOPICS, STANDARD_TYPES, WOOCOMMERCE_TOPICS};
pub(crate) use signature::standard_key;
pub use signature::{STANDARD_SECRET_PREFIX, TIMESTAMP_TOLERANCE_SECONDS};
use tenure_domain::{SourceName, Timestamp};
use tenure_store::{Delivery, DeliveryOutcome, OrderWritten, Store, StoreError};

use crate::AppError;
use payload::Content;

/// A delivery's headers, looked up by lower-case name.
pub trait Headers {
    /// The value of header `name` (lower case), if present and readable as text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl Headers for Vec<(String, String)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// WooCommerce's ping when a webhook is saved: answered, nothing written.
    Ping,
    /// Its order was written.
    Written(OrderWritten),
    /// The delivery came before: nothing written.
    Repeated,
    /// An older state of an order than the one stored (a replay, or a retry overtaken by a later
    /// change): nothing written; the reason, which the delivery log keeps too.
    Older(String),
    /// It carries nothing Tenure keeps (another topic, a checkout draft): nothing written.
    Ignored(String),
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Unknown source, source without webhooks, or a signature that does not verify (the same
    /// answer for all, on purpose).
    #[error("the delivery's signature does not verify for this webhook URL")]
    Unverified,
    /// Signed, but not a delivery Tenure can read (the message names the field or header).
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// True for WooCommerce's ping, `webhook_id=N` form-encoded. WooCommerce sends it unsigned when a
/// webhook is saved and keeps the webhook only if it gets 200, so it cannot be verified: it is
/// recognised by this exact shape, answered alike for every source name (known or not, so the
/// answer tells nothing), and writes nothing.
pub fn is_woocommerce_ping(body: &[u8]) -> bool {
    body.strip_prefix(b"webhook_id=")
        .is_some_and(|id| (1..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit))
}

/// Receives one delivery to `source`; see the module docs.
pub fn receive(
    store: &mut dyn Store,
    source: &str,
    headers: &dyn Headers,
    body: &[u8],
    now: Timestamp,
) -> Result<Received, ReceiveError> {
    if is_woocommerce_ping(body) {
        return Ok(Received::Ping);
    }
    let Ok(source) = SourceName::parse(source) else { return Err(ReceiveError::Unverified) };
    let endpoint =
        store.webhook_endpoint(&source).map_err(AppError::from)?.ok_or(ReceiveError::Unverified)?;
    if !signature::verifies(endpoint.kind, &endpoint.secret, headers, body, now) {
        return Err(ReceiveError::Unverified);
    }
    let event = payload::read(endpoint.kind, &source, headers, body)?;
    let (record, modified_at) = match event.content {
        Content::Nothing(reason) => return Ok(Received::Ignored(reason)),
        Content::Order(record, modified_at) => (record, modified_at),
    };
    let delivery = Delivery {
        source: &source,
        delivery_id: &event.delivery_id,
        topic: &event.topic,
        record: &record,
        modified_at,
    };
    match store.receive_delivery(&delivery, now) {
        Ok(DeliveryOutcome::Written(written)) => Ok(Received::Written(written)),
        Ok(DeliveryOutcome::Repeated) => Ok(Received::Repeated),
        Ok(DeliveryOutcome::Older { order_id }) => Ok(Received::Older(format!(
            "order {order_id} is stored in a newer state than this delivery's: nothing written"
        ))),
        // The source stopped accepting webhooks since its secret was read.
        Err(StoreError::NotFound(_)) => Err(ReceiveError::Unverified),
        Err(error) => Err(AppError::from(error).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_ping_shape_is_a_ping() {
        assert!(is_woocommerce_ping(b"webhook_id=12"));
        assert!(!is_woocommerce_ping(b"webhook_id="));
        assert!(!is_woocommerce_ping(b"webhook_id=12&x=1"));
        assert!(!is_woocommerce_ping(b"{\"webhook_id\": 12}"));
    }
}
