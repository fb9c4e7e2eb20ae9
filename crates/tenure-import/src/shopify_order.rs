//! One Shopify REST order object — the body of the `orders/create`, `orders/paid` and
//! `orders/updated` webhooks — read into the record the orders export gives for the same order:
//! order id = `name` (`#1001`, the export's `Name`; `id` when there is none), customer = the
//! normalised e-mail or `guest:{name}`, status from `financial_status` and `cancelled_at` by the
//! export's mapping. So a shop imported from its CSV export and then kept up to date by webhooks
//! has each order and customer once.
//!
//! Refunded = the successful refund transactions (`refunds[].transactions[]` with
//! `kind: "refund"`, `status: "success"`); lines = `line_items[]`, price × quantity − discount.
//! The order's version is its `updated_at` (Shopify signs the body only, not a time of sending:
//! this is what tells a replayed old state from a new one).

use serde_json::Value;
use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderItem, OrderRecord};

use crate::ShopOrder;
use crate::dates::with_offset;
use crate::error::RowError;
use crate::fields::{At, full_name};
use crate::json_fields::{self, Fields};
use crate::shopify::{customer_key, order_status};

/// One order object, with its version (`updated_at`).
pub(crate) fn parse_order(at: At<'_>, bytes: &[u8]) -> Result<ShopOrder, RowError> {
    let value = json_fields::object(at, bytes)?;
    let order = Fields { at, value: &value, path: "" };
    let modified_at = order.optional_time("updated_at", with_offset, "an RFC 3339 time")?;
    Ok(ShopOrder { record: record(&order)?, modified_at })
}

/// The record of one order object.
fn record(order: &Fields<'_>) -> Result<ImportRecord, RowError> {
    let at = order.at;
    let name = match order.text_or_empty("name").trim() {
        "" => order.id("id")?,
        name => name.to_string(),
    };
    let placed_at = at.time("created_at", order.text("created_at")?, with_offset, "an RFC 3339 time")?;
    let currency = at.currency("currency", order.text("currency")?)?;
    let total_minor = order.money("total_price", currency)?;
    let refunded = refunds(order, currency)?;
    let cancelled = order.get("cancelled_at").is_some();
    let financial = order.text("financial_status")?;
    let (status, refunded_minor) = order_status(financial, cancelled, total_minor, refunded, "refunds")
        .map_err(|reason| at.error("financial_status", reason))?;
    let record = OrderRecord {
        external_id: name.clone(),
        placed_at,
        status,
        currency,
        total_minor,
        refunded_minor,
        items: items(order, currency)?,
    };
    Ok(ImportRecord { line: at.line, customer: customer(order, &name)?, order: record })
}

/// Sum of the successful refund transactions.
fn refunds(order: &Fields<'_>, currency: Currency) -> Result<i64, RowError> {
    let mut sum = 0i64;
    for (path, value) in order.each("refunds")? {
        let refund = Fields { at: order.at, value, path: &path };
        for (path, value) in refund.each("transactions")? {
            let transaction = Fields { at: order.at, value, path: &path };
            let counts = transaction.text_or_empty("kind") == "refund"
                && transaction.text_or_empty("status") == "success";
            if counts {
                let amount = transaction.money("amount", currency)?;
                sum = sum
                    .checked_add(amount.abs())
                    .ok_or_else(|| order.at.error(&path, "refunds add up to too much"))?;
            }
        }
    }
    Ok(sum)
}

fn items(order: &Fields<'_>, currency: Currency) -> Result<Vec<OrderItem>, RowError> {
    let mut items = Vec::new();
    for (path, value) in order.each("line_items")? {
        let item = Fields { at: order.at, value, path: &path };
        let quantity = item.quantity("quantity")?;
        let price = item.money("price", currency)?;
        let discount = item.money_or_zero("total_discount", currency)?;
        let gross = price
            .checked_mul(quantity)
            .ok_or_else(|| order.at.error(&item.name("price"), "price × quantity is too large"))?;
        let name = match item.text_or_empty("name") {
            "" => item.text_or_empty("title"),
            name => name,
        };
        let sku = Some(item.text_or_empty("sku").trim().to_string()).filter(|sku| !sku.is_empty());
        items.push(OrderItem { name: name.to_string(), sku, quantity, total_minor: gross - discount.abs() });
    }
    Ok(items)
}

fn customer(order: &Fields<'_>, order_name: &str) -> Result<CustomerRecord, RowError> {
    let empty = Value::Null;
    let buyer = Fields { at: order.at, value: order.get("customer").unwrap_or(&empty), path: "customer" };
    let (field, text) =
        [("email", order.text_or_empty("email")), ("contact_email", order.text_or_empty("contact_email"))]
            .into_iter()
            .chain([("customer.email", buyer.text_or_empty("email"))])
            .find(|(_, text)| !text.trim().is_empty())
            .unwrap_or(("email", ""));
    let email = order.at.email(field, text)?;
    let billing = Fields {
        at: order.at,
        value: order.get("billing_address").unwrap_or(&empty),
        path: "billing_address",
    };
    let name = full_name(buyer.text_or_empty("first_name"), buyer.text_or_empty("last_name"))
        .or_else(|| Some(billing.text_or_empty("name").trim().to_string()).filter(|name| !name.is_empty()));
    let marketing_consent = match order.get("buyer_accepts_marketing") {
        Some(Value::Bool(consent)) => Some(*consent),
        Some(other) => {
            return Err(order.at.error("buyer_accepts_marketing", format!("`{other}` is not true or false")));
        }
        None => None,
    };
    Ok(CustomerRecord {
        external_id: customer_key(email.as_ref(), order_name),
        email,
        name,
        marketing_consent,
    })
}

#[cfg(test)]
mod tests {
    use tenure_domain::OrderStatus;

    use super::*;

    fn parse(json: &str) -> Result<ImportRecord, RowError> {
        parse_order(At { file: "body", line: 1 }, json.as_bytes()).map(|order| order.record)
    }

    #[test]
    fn the_version_is_updated_at_and_may_be_missing() {
        let versioned =
            ORDER.replace(r#""cancelled_at": null"#, r#""updated_at": "2008-01-10T12:30:00-05:00""#);
        let order = parse_order(At { file: "body", line: 1 }, versioned.as_bytes()).unwrap();
        assert_eq!(order.modified_at.unwrap().to_rfc3339(), "2008-01-10T17:30:00+00:00");
        assert_eq!(order.record, parse(ORDER).unwrap());
        let unversioned = parse_order(At { file: "body", line: 1 }, ORDER.as_bytes()).unwrap();
        assert_eq!(unversioned.modified_at, None);
        let bad = ORDER.replace(r#""cancelled_at": null"#, r#""updated_at": "yesterday""#);
        let error = parse_order(At { file: "body", line: 1 }, bad.as_bytes()).unwrap_err();
        assert_eq!(error.column, "updated_at");
    }

    /// Shaped like the example order of Shopify's REST reference (`GET /orders/{id}.json`).
    const ORDER: &str = r##"{"id": 450789469, "name": "#1001", "email": "Bob.Norman@mail.example.com",
        "created_at": "2008-01-10T11:00:00-05:00", "currency": "USD", "total_price": "598.94",
        "financial_status": "partially_refunded", "cancelled_at": null, "buyer_accepts_marketing": false,
        "customer": {"id": 207119551, "email": "bob.norman@mail.example.com", "first_name": "Bob", "last_name": "Norman"},
        "line_items": [{"name": "IPod Nano - 8GB - green", "price": "199.00", "quantity": 3, "sku": "IPOD2008GREEN",
                        "total_discount": "5.00"}],
        "refunds": [{"transactions": [{"amount": "41.94", "kind": "refund", "status": "success"},
                                      {"amount": "10.00", "kind": "refund", "status": "failure"}]}]}"##;

    #[test]
    fn reads_the_order_as_the_export_would() {
        let record = parse(ORDER).unwrap();
        assert_eq!(record.order.external_id, "#1001");
        assert_eq!(record.order.placed_at.to_rfc3339(), "2008-01-10T16:00:00+00:00");
        assert_eq!(
            (record.order.status, record.order.total_minor, record.order.refunded_minor),
            (OrderStatus::PartiallyRefunded, 59_894, 4_194),
            "only the successful refund counts"
        );
        assert_eq!(record.customer.external_id, "bob.norman@mail.example.com");
        assert_eq!(record.customer.name.as_deref(), Some("Bob Norman"));
        assert_eq!(record.customer.marketing_consent, Some(false));
        assert_eq!((record.order.items[0].quantity, record.order.items[0].total_minor), (3, 59_200));
    }

    #[test]
    fn cancelled_and_anonymous_orders() {
        let cancelled = ORDER
            .replace("\"cancelled_at\": null", "\"cancelled_at\": \"2008-01-11T11:00:00-05:00\"")
            .replace("partially_refunded", "paid")
            .replace(
                "\"kind\": \"refund\", \"status\": \"success\"",
                "\"kind\": \"refund\", \"status\": \"pending\"",
            );
        assert_eq!(parse(&cancelled).unwrap().order.status, OrderStatus::Cancelled);
        let anonymous =
            ORDER.replace("Bob.Norman@mail.example.com", "").replace("bob.norman@mail.example.com", "");
        assert_eq!(parse(&anonymous).unwrap().customer.external_id, "guest:#1001");
    }

    #[test]
    fn bad_fields_are_named_by_their_path() {
        assert_eq!(parse(&ORDER.replace("\"598.94\"", "\"lots\"")).unwrap_err().column, "total_price");
        assert_eq!(
            parse(&ORDER.replace("\"41.94\"", "\"x\"")).unwrap_err().column,
            "refunds[0].transactions[0].amount"
        );
        assert_eq!(parse(&ORDER.replace("\"USD\"", "\"dollars\"")).unwrap_err().column, "currency");
        let no_refund = ORDER.replace("\"41.94\"", "\"0\"");
        assert_eq!(
            parse(&no_refund).unwrap_err().reason,
            "is partially_refunded but `refunds` is blank or 0"
        );
        assert_eq!(parse("[1]").unwrap_err().reason, "is not an order object");
    }
}
