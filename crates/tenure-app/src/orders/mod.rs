//! Orders written one at a time through the API (`POST /api/v1/orders`): the body checked into
//! the record an import would make (`body.rs`), then written by the store's ingest path in one
//! transaction with the request's `Idempotency-Key`, the SHA-256 of its body and the response.

mod body;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tenure_domain::{CustomerId, ImportRecord, OrderStatus, SourceName, Timestamp};
use tenure_store::{KeptResponse, KeyedWrite, OrderWrite, OrderWritten, RequestKey, Store, WriteResult};

pub use body::{CUSTOMER_FIELDS, ORDER_FIELDS};
pub(crate) use body::{invalid, parse_data};

use crate::AppError;

/// The scope of `POST /api/v1/orders`' idempotency keys.
pub const ORDERS_SCOPE: &str = "orders";

/// Longest `Idempotency-Key` accepted.
pub const MAX_KEY_CHARS: usize = 255;

/// One `POST /api/v1/orders` request: its body, as sent, and its `Idempotency-Key` if any.
#[derive(Debug, Clone, Copy)]
pub struct OrderRequest<'a> {
    /// The body, byte for byte (its SHA-256 is kept with the key).
    pub body: &'a [u8],
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<&'a str>,
}

/// The answer to a written order: what the write did, the order as stored, and its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenOrder {
    /// `created`, `unchanged` or `updated`.
    pub result: WriteResult,
    /// The order.
    pub order: OrderView,
    /// The customer it belongs to.
    pub customer_id: CustomerId,
}

/// An order as the API shows it after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderView {
    /// Store id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// The source's order id.
    pub external_id: String,
    /// When placed (UTC, second precision as stored).
    pub placed_at: Timestamp,
    /// Status.
    pub status: OrderStatus,
    /// ISO-4217 code.
    pub currency: String,
    /// Charged before refunds, minor units.
    pub total_minor: i64,
    /// Refunded, minor units.
    pub refunded_minor: i64,
}

impl WrittenOrder {
    /// The answer for `record`, written to `source` as `written` says.
    pub fn new(source: &SourceName, record: &ImportRecord, written: &OrderWritten) -> Self {
        let order = &record.order;
        WrittenOrder {
            result: written.result,
            order: OrderView {
                id: written.order_id,
                source: source.to_string(),
                external_id: order.external_id.clone(),
                placed_at: chrono::SubsecRound::trunc_subsecs(order.placed_at, 0),
                status: order.status,
                currency: order.currency.code().to_string(),
                total_minor: order.total_minor,
                refunded_minor: order.refunded_minor,
            },
            customer_id: written.customer_id,
        }
    }
}

/// Writes the order of `request` unless its key was used before (see [`Store::write_order`]).
/// `status` gives the HTTP status of a fresh answer, which is kept with the key.
pub fn write_order(
    store: &mut dyn Store,
    request: &OrderRequest<'_>,
    status: fn(WriteResult) -> u16,
    now: Timestamp,
) -> Result<KeyedWrite, AppError> {
    let key = request.idempotency_key.map(|key| request_key(key, request.body)).transpose()?;
    let (source, record) = body::parse_body(request.body)?;
    let respond = |written: &OrderWritten| {
        let answer = WrittenOrder::new(&source, &record, written);
        // A derived Serialize of strings, numbers and a timestamp cannot fail.
        let body = serde_json::to_string(&answer).expect("an order answer serialises");
        KeptResponse { status: status(written.result), body }
    };
    let write = OrderWrite { source: &source, record: &record, key: key.as_ref() };
    Ok(store.write_order(&write, &respond, now)?)
}

/// The checked key with the SHA-256 of `body`.
fn request_key(key: &str, body: &[u8]) -> Result<RequestKey, AppError> {
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !visible {
        return Err(AppError::Invalid(format!(
            "`Idempotency-Key`: must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
        )));
    }
    Ok(RequestKey {
        scope: ORDERS_SCOPE.into(),
        key: key.to_string(),
        request_sha256: crate::access::hex(&Sha256::digest(body)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_keeps_the_sha256_of_the_body() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let key = request_key("k-1", b"abc").unwrap();
        assert_eq!(key.request_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(request_key("", b"").is_err());
        assert!(request_key("with space", b"").is_err());
        assert!(request_key(&"k".repeat(256), b"").is_err());
    }
}
