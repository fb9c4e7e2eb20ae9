//! Orders and the records importers hand to the store: one order with the customer it belongs to.

use crate::{Currency, Email, Timestamp};

/// What became of an order. Only [`OrderStatus::is_purchase`] statuses count as purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid and kept: a purchase.
    Paid,
    /// Paid, then part of it refunded: still a purchase, its revenue lowered by the refund.
    PartiallyRefunded,
    /// Paid, then refunded in full: not a purchase.
    Refunded,
    /// Cancelled before or after payment: not a purchase.
    Cancelled,
    /// Payment failed, was denied or expired: not a purchase.
    Failed,
    /// Placed but not (yet) paid — pending, on hold, authorised only: not a purchase.
    Pending,
    /// A checkout the buyer never completed. File importers count these in their summary and do
    /// not store them; the status exists for sources that report abandoned carts as orders.
    Abandoned,
}

impl OrderStatus {
    /// Every status, in display order.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Paid,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
        OrderStatus::Cancelled,
        OrderStatus::Failed,
        OrderStatus::Pending,
        OrderStatus::Abandoned,
    ];

    /// True for the statuses that count as a purchase (paid, partially refunded).
    pub fn is_purchase(self) -> bool {
        matches!(self, OrderStatus::Paid | OrderStatus::PartiallyRefunded)
    }

    /// The stable lower-case name stored in databases and shown in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Paid => "paid",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Failed => "failed",
            OrderStatus::Pending => "pending",
            OrderStatus::Abandoned => "abandoned",
        }
    }

    /// Inverse of [`OrderStatus::as_str`].
    pub fn parse(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of an order, when the source gives lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderItem {
    /// Product name as the shop shows it.
    pub name: String,
    /// Stock keeping unit, when given (left out of JSON when not: eleven bytes of every stored
    /// CDNOW order, whose items have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Units bought.
    pub quantity: i64,
    /// Line total in minor units of the order's currency.
    pub total_minor: i64,
}

/// An order as a source reports it, before it has a store id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderRecord {
    /// The source's own id of the order: with the source, the order's idempotency key.
    pub external_id: String,
    /// When the order was placed (UTC).
    pub placed_at: Timestamp,
    /// What became of it.
    pub status: OrderStatus,
    /// Its currency.
    pub currency: Currency,
    /// What the buyer was charged, in minor units, before refunds.
    pub total_minor: i64,
    /// What was refunded, in minor units (0 when nothing was).
    pub refunded_minor: i64,
    /// Its lines, when the source gives them (empty otherwise).
    pub items: Vec<OrderItem>,
}

impl OrderRecord {
    /// Revenue the order contributes: what was kept after refunds, and 0 unless it is a purchase.
    pub fn revenue_minor(&self) -> i64 {
        if self.status.is_purchase() { self.total_minor - self.refunded_minor } else { 0 }
    }
}

/// A customer as a source reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomerRecord {
    /// The source's id of the customer (see [`crate::Identity`]).
    pub external_id: String,
    /// Their e-mail, when the source has one: joins identities across sources.
    pub email: Option<Email>,
    /// Display name, when given.
    pub name: Option<String>,
    /// Marketing consent when the source states it (Shopify `Accepts Marketing`); `None` when
    /// the source says nothing — which must be read as "no consent" before any marketing e-mail.
    pub marketing_consent: Option<bool>,
}

/// One order with its customer: what every importer produces, and what the store ingests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportRecord {
    /// 1-based line of the input where the record starts (header included), for messages.
    pub line: u64,
    /// The buyer.
    pub customer: CustomerRecord,
    /// The order.
    pub order: OrderRecord,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paid_and_partially_refunded_orders_are_purchases() {
        let purchases: Vec<_> = OrderStatus::ALL.into_iter().filter(|s| s.is_purchase()).collect();
        assert_eq!(purchases, [OrderStatus::Paid, OrderStatus::PartiallyRefunded]);
    }

    #[test]
    fn status_names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("shipped"), None);
    }

    #[test]
    fn revenue_subtracts_refunds_and_ignores_non_purchases() {
        let mut order = OrderRecord {
            external_id: "1".into(),
            placed_at: chrono::DateTime::UNIX_EPOCH,
            status: OrderStatus::PartiallyRefunded,
            currency: Currency::USD,
            total_minor: 5000,
            refunded_minor: 1200,
            items: vec![],
        };
        assert_eq!(order.revenue_minor(), 3800);
        order.status = OrderStatus::Refunded;
        assert_eq!(order.revenue_minor(), 0);
    }
}
