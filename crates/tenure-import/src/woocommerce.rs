//! WooCommerce REST order lists (`GET /wp-json/wc/v3/orders`): a JSON array of order objects,
//! streamed one object at a time (see `json_array.rs`). An order's line is the line of its `{`.
//! Field names in messages are JSON paths (`billing.email`, `refunds[0].total`).

use std::io::{BufReader, Read};

use serde_json::Value;
use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderItem, OrderRecord, OrderStatus};

use crate::Input;
use crate::ShopOrder;
use crate::dates::naive_utc;
use crate::error::{ImportError, RowError};
use crate::fields::{At, full_name, refund_status};
use crate::json_array::JsonArray;
use crate::json_fields::{self, Fields};
use crate::records::{RecordSource, Summary};

/// Reads one WooCommerce JSON export.
pub(crate) struct WooSource {
    file: String,
    array: JsonArray<BufReader<Box<dyn Read + Send>>>,
    rows_read: u64,
    abandoned: u64,
}

impl WooSource {
    /// Opens `input` and reads up to the opening `[`.
    pub fn open(input: Input) -> Result<Self, ImportError> {
        let file = input.name;
        let reader = crate::input::without_bom(input.reader)
            .map_err(|source| ImportError::Unreadable { file: file.clone(), source })?;
        let array = JsonArray::open(reader).map_err(|(line, reason)| ImportError::Unrecognised {
            file: file.clone(),
            reason: format!("line {line}: {reason}"),
        })?;
        Ok(WooSource { file, array, rows_read: 0, abandoned: 0 })
    }
}

impl RecordSource for WooSource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        loop {
            let (line, bytes) = match self.array.next_element()? {
                Ok(element) => element,
                Err((line, reason)) => return Some(Err(RowError::fatal(&self.file, line, reason))),
            };
            self.rows_read += 1;
            let at = At { file: &self.file, line };
            match parse_order(at, &bytes) {
                Ok(Some(record)) => return Some(Ok(record)),
                Ok(None) => self.abandoned += 1,
                Err(error) => return Some(Err(error)),
            }
        }
    }

    fn summary(&self) -> Summary {
        Summary { rows_read: self.rows_read, abandoned_checkouts: self.abandoned }
    }
}

/// One order object; `Ok(None)` for a checkout draft (an abandoned checkout).
pub(crate) fn parse_order(at: At<'_>, bytes: &[u8]) -> Result<Option<ImportRecord>, RowError> {
    Ok(parse_version(at, bytes)?.map(|order| order.record))
}

/// One order object with its version: `date_modified_gmt` (UTC by name), else `date_modified`
/// (the site's local time, read as UTC: compared only with the same site's other versions).
/// WooCommerce signs the body only, not a time of sending.
pub(crate) fn parse_version(at: At<'_>, bytes: &[u8]) -> Result<Option<ShopOrder>, RowError> {
    let value = json_fields::object(at, bytes)?;
    let order = Fields { at, value: &value, path: "" };
    let Some(record) = record(&order)? else { return Ok(None) };
    let expected = "YYYY-MM-DDTHH:MM:SS";
    let modified_at = match order.optional_time("date_modified_gmt", naive_utc, expected)? {
        Some(time) => Some(time),
        None => order.optional_time("date_modified", naive_utc, expected)?,
    };
    Ok(Some(ShopOrder { record, modified_at }))
}

/// The record of one order object; `None` for a checkout draft.
fn record(order: &Fields<'_>) -> Result<Option<ImportRecord>, RowError> {
    let at = order.at;
    let status_text = order.text("status")?;
    let Some(status) = order_status(status_text) else {
        let reason = format!(
            "`{status_text}` is not a WooCommerce order status (expected pending, processing, on-hold, completed, \
             cancelled, refunded, failed, trash or checkout-draft)"
        );
        return Err(at.error("status", reason));
    };
    if status == OrderStatus::Abandoned {
        return Ok(None);
    }
    let currency = at.currency("currency", order.text("currency")?)?;
    let total_minor = order.money("total", currency)?;
    let refunds = refunds(order, currency)?;
    let (status, refunded_minor) = match status {
        OrderStatus::Refunded => (status, if refunds > 0 { refunds } else { total_minor }),
        other => (refund_status(other, total_minor, refunds), refunds),
    };
    let record = OrderRecord {
        external_id: order.id("id")?,
        placed_at: at.time(
            "date_created_gmt",
            order.text("date_created_gmt")?,
            naive_utc,
            "YYYY-MM-DDTHH:MM:SS",
        )?,
        status,
        currency,
        total_minor,
        refunded_minor,
        items: items(order, currency)?,
    };
    Ok(Some(ImportRecord { line: at.line, customer: customer(order)?, order: record }))
}

fn order_status(text: &str) -> Option<OrderStatus> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "completed" | "processing" => OrderStatus::Paid,
        "on-hold" | "pending" => OrderStatus::Pending,
        "cancelled" | "trash" => OrderStatus::Cancelled,
        "refunded" => OrderStatus::Refunded,
        "failed" => OrderStatus::Failed,
        "checkout-draft" => OrderStatus::Abandoned,
        _ => return None,
    })
}

/// Sum of the refunds' absolute totals (WooCommerce writes them negative).
fn refunds(order: &Fields<'_>, currency: Currency) -> Result<i64, RowError> {
    let mut sum = 0i64;
    for (path, value) in order.each("refunds")? {
        let refund = Fields { at: order.at, value, path: &path };
        let amount = refund.money("total", currency)?;
        sum = sum
            .checked_add(amount.abs())
            .ok_or_else(|| order.at.error(&path, "refunds add up to too much"))?;
    }
    Ok(sum)
}

fn items(order: &Fields<'_>, currency: Currency) -> Result<Vec<OrderItem>, RowError> {
    let mut items = Vec::new();
    for (path, value) in order.each("line_items")? {
        let item = Fields { at: order.at, value, path: &path };
        let quantity = item.quantity("quantity")?;
        let sku = Some(item.text_or_empty("sku").trim().to_string()).filter(|sku| !sku.is_empty());
        let total_minor = item.money("total", currency)?;
        items.push(OrderItem { name: item.text_or_empty("name").to_string(), sku, quantity, total_minor });
    }
    Ok(items)
}

fn customer(order: &Fields<'_>) -> Result<CustomerRecord, RowError> {
    let empty = Value::Null;
    let billing = Fields { at: order.at, value: order.get("billing").unwrap_or(&empty), path: "billing" };
    let email = order.at.email("billing.email", billing.text_or_empty("email"))?;
    let name = full_name(billing.text_or_empty("first_name"), billing.text_or_empty("last_name"));
    let customer_id = match order.get("customer_id") {
        None => String::new(),
        Some(_) => order.id("customer_id")?,
    };
    let external_id = if customer_id.is_empty() || customer_id == "0" {
        let email = email.as_ref().ok_or_else(|| {
            order.at.error("billing.email", "is empty, and the order is a guest's (customer_id 0)")
        })?;
        format!("email:{email}")
    } else {
        customer_id
    };
    Ok(CustomerRecord { external_id, email, name, marketing_consent: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Option<ImportRecord>, RowError> {
        parse_order(At { file: "w.json", line: 10 }, json.as_bytes())
    }

    const ORDER: &str = r#"{"id": 7, "status": "completed", "currency": "EUR", "date_created_gmt": "2024-01-01T12:00:00",
        "total": "50.00", "customer_id": 0, "billing": {"email": "Eve@Example.com", "first_name": "Eve"},
        "line_items": [{"name": "Mug", "quantity": 2, "total": "50.00", "sku": "M1"}],
        "refunds": [{"total": "-10.00"}, {"total": "-5.00"}]}"#;

    #[test]
    fn reads_a_guest_order_with_partial_refunds() {
        let record = parse(ORDER).unwrap().unwrap();
        assert_eq!(record.customer.external_id, "email:eve@example.com");
        assert_eq!(record.customer.name.as_deref(), Some("Eve"));
        assert_eq!(record.order.status, OrderStatus::PartiallyRefunded);
        assert_eq!((record.order.total_minor, record.order.refunded_minor), (5000, 1500));
        assert_eq!(record.order.items[0].quantity, 2);
        assert_eq!(record.order.placed_at.to_rfc3339(), "2024-01-01T12:00:00+00:00");
    }

    #[test]
    fn the_version_is_date_modified_gmt_else_date_modified() {
        let at = At { file: "w.json", line: 10 };
        let gmt = ORDER.replace(
            r#""customer_id": 0,"#,
            r#""customer_id": 0, "date_modified": "2024-01-02T14:00:00", "date_modified_gmt": "2024-01-02T13:00:00","#,
        );
        let order = parse_version(at, gmt.as_bytes()).unwrap().unwrap();
        assert_eq!(order.modified_at.unwrap().to_rfc3339(), "2024-01-02T13:00:00+00:00");
        let local = ORDER
            .replace(r#""customer_id": 0,"#, r#""customer_id": 0, "date_modified": "2024-01-02T14:00:00","#);
        let order = parse_version(at, local.as_bytes()).unwrap().unwrap();
        assert_eq!(order.modified_at.unwrap().to_rfc3339(), "2024-01-02T14:00:00+00:00");
        assert_eq!(parse_version(at, ORDER.as_bytes()).unwrap().unwrap().modified_at, None);
    }

    #[test]
    fn checkout_drafts_are_not_records() {
        assert_eq!(parse(r#"{"id": 1, "status": "checkout-draft"}"#), Ok(None));
    }

    #[test]
    fn bad_fields_are_named_by_their_path() {
        let bad_refund = ORDER.replace("\"-5.00\"", "\"five\"");
        assert_eq!(parse(&bad_refund).unwrap_err().column, "refunds[1].total");
        let bad_status = ORDER.replace("completed", "shipped");
        assert_eq!(parse(&bad_status).unwrap_err().column, "status");
        let no_date = ORDER.replace("\"date_created_gmt\"", "\"date\"");
        assert_eq!(
            parse(&no_date).unwrap_err().to_string(),
            "w.json:10: column `date_created_gmt`: is missing"
        );
    }

    #[test]
    fn invalid_json_inside_an_order_points_at_its_line() {
        let error = parse("{\"id\": 1,\n\"status\" \"x\"}").unwrap_err();
        assert_eq!(error.line, 11);
        assert!(!error.fatal);
    }

    #[test]
    fn refunds_reaching_the_total_make_the_order_refunded() {
        let full = ORDER.replace("\"-10.00\"", "\"-45.00\"");
        let record = parse(&full).unwrap().unwrap();
        assert_eq!((record.order.status, record.order.refunded_minor), (OrderStatus::Refunded, 5000));
    }
}
