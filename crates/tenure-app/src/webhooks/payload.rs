//! What a verified delivery says, per platform: an order to write (read by the same mapping as
//! that platform's file import), or nothing Tenure keeps (another topic, a checkout draft).

use serde_json::Value;
use tenure_domain::{ImportRecord, SourceName, Timestamp, WebhookKind};
use tenure_import::RowError;

use super::Headers;
use crate::AppError;
use crate::orders::{invalid, parse_data};

/// Shopify topics whose body is an order Tenure reads.
pub const SHOPIFY_TOPICS: &[&str] = &["orders/create", "orders/paid", "orders/updated"];
/// WooCommerce topics whose body is an order Tenure reads.
pub const WOOCOMMERCE_TOPICS: &[&str] = &["order.created", "order.updated"];
/// Standard Webhooks event types whose `data` is an order Tenure reads.
pub const STANDARD_TYPES: &[&str] = &["order.created", "order.updated"];

/// Longest delivery id or topic accepted: they are keys, not documents.
const MAX_HEADER_CHARS: usize = 255;

/// A verified delivery, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    /// The platform's id of this delivery.
    pub delivery_id: String,
    /// Its topic or event type.
    pub topic: String,
    /// The order it carries, or why it carries none Tenure keeps.
    pub content: Content,
}

/// What a delivery carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    /// An order to write, and its version: the shop's own time of the order's last change, where
    /// the platform's body has one (Shopify, WooCommerce; Standard Webhooks bodies are Tenure's
    /// own order JSON, which has none, and their signed timestamp already limits replays).
    Order(Box<ImportRecord>, Option<Timestamp>),
    /// Nothing to keep, and why.
    Nothing(String),
}

/// Reads a delivery to `source` of `kind` whose signature verified.
pub(crate) fn read(
    kind: WebhookKind,
    source: &SourceName,
    headers: &dyn Headers,
    body: &[u8],
) -> Result<Event, AppError> {
    match kind {
        WebhookKind::Shopify => {
            let (delivery_id, topic) =
                (header(headers, "X-Shopify-Webhook-Id")?, header(headers, "X-Shopify-Topic")?);
            let content = if SHOPIFY_TOPICS.contains(&topic.as_str()) {
                shop_order(tenure_import::shopify_order("body", body).map_err(refusal)?)
            } else {
                other_topic(&topic)
            };
            Ok(Event { delivery_id, topic, content })
        }
        WebhookKind::Woocommerce => {
            let delivery_id = header(headers, "X-WC-Webhook-Delivery-ID")?;
            let topic = header(headers, "X-WC-Webhook-Topic")?;
            let content = if WOOCOMMERCE_TOPICS.contains(&topic.as_str()) {
                match tenure_import::woocommerce_order("body", body).map_err(refusal)? {
                    Some(order) => shop_order(order),
                    None => {
                        Content::Nothing("a checkout draft is an abandoned checkout, not an order".into())
                    }
                }
            } else {
                other_topic(&topic)
            };
            Ok(Event { delivery_id, topic, content })
        }
        WebhookKind::Standard => standard(source, headers, body),
    }
}

/// `{"type": …, "timestamp": …, "data": <Tenure's order JSON without source>}`.
fn standard(source: &SourceName, headers: &dyn Headers, body: &[u8]) -> Result<Event, AppError> {
    let delivery_id = header(headers, "webhook-id")?;
    let payload: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::Invalid(format!("the body is not valid JSON: {e}")))?;
    let topic = match payload.get("type") {
        Some(Value::String(kind)) if !kind.is_empty() && kind.len() <= MAX_HEADER_CHARS => kind.clone(),
        Some(other) => return Err(invalid("type", format!("`{other}` is not an event type"))),
        None => return Err(invalid("type", "is missing")),
    };
    let content = if STANDARD_TYPES.contains(&topic.as_str()) {
        let data = payload.get("data").ok_or_else(|| invalid("data", "is missing"))?;
        Content::Order(Box::new(parse_data(data, "data", source)?), None)
    } else {
        other_topic(&topic)
    };
    Ok(Event { delivery_id, topic, content })
}

fn shop_order(order: tenure_import::ShopOrder) -> Content {
    Content::Order(Box::new(order.record), order.modified_at)
}

fn other_topic(topic: &str) -> Content {
    Content::Nothing(format!("`{topic}` carries no order Tenure reads"))
}

/// A header a verified delivery must carry.
fn header(headers: &dyn Headers, name: &str) -> Result<String, AppError> {
    let value = headers.header(&name.to_ascii_lowercase()).map(str::trim).unwrap_or("");
    if value.is_empty() || value.len() > MAX_HEADER_CHARS {
        return Err(AppError::Invalid(format!(
            "header `{name}`: must be 1 to {MAX_HEADER_CHARS} characters"
        )));
    }
    Ok(value.to_string())
}

/// A platform order the import mapping refused: its field (JSON path) and reason.
fn refusal(error: RowError) -> AppError {
    if error.column.is_empty() {
        AppError::Invalid(format!("the body {}", error.reason))
    } else {
        invalid(&error.column, error.reason)
    }
}
