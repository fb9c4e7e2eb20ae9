//! Tenure's own order JSON — the body of `POST /api/v1/orders` and the `data` of a Standard
//! Webhooks delivery — checked field by field into the record an import would make. Every refusal
//! names the field by its JSON path and says why; unknown fields are refused too, so a misspelt
//! optional field (`refund`) is not silently dropped.
//!
//! ```json
//! {"source": "api", "external_id": "A-1001", "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR",
//!  "total": "12.50", "status": "paid", "refunded": "0.00",
//!  "customer": {"external_id": "c-17", "email": "eve@example.com", "name": "Eve", "marketing_consent": true}}
//! ```

use serde_json::{Map, Value};
use tenure_domain::{
    Currency, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, SourceName, parse_amount,
};

use crate::AppError;

/// The fields of an order object, in the order the OpenAPI document lists them.
pub const ORDER_FIELDS: &[&str] =
    &["source", "external_id", "placed_at", "currency", "total", "status", "refunded", "customer"];

/// The fields of an order's `customer` object.
pub const CUSTOMER_FIELDS: &[&str] = &["external_id", "email", "name", "marketing_consent"];

/// Longest external id accepted (orders and customers): ids are keys, not documents.
const MAX_ID_CHARS: usize = 200;

/// A refusal naming `field` (a JSON path) and the reason.
pub(crate) fn invalid(field: &str, reason: impl std::fmt::Display) -> AppError {
    AppError::Invalid(format!("`{field}`: {reason}"))
}

/// The body of `POST /api/v1/orders`: one order object with its `source`.
pub(crate) fn parse_body(json: &[u8]) -> Result<(SourceName, ImportRecord), AppError> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| AppError::Invalid(format!("the body is not valid JSON: {e}")))?;
    let object =
        value.as_object().ok_or_else(|| AppError::Invalid("the body is not a JSON object".into()))?;
    let source = SourceName::parse(text(object, "", "source")?).map_err(|e| invalid("source", e))?;
    Ok((source, order(object, "")?))
}

/// The order object at `path` of a webhook's payload, for `source` (named by the URL): the same
/// fields without `source`, which when present must name that same source.
pub(crate) fn parse_data(value: &Value, path: &str, source: &SourceName) -> Result<ImportRecord, AppError> {
    let object = value.as_object().ok_or_else(|| invalid(path, "is not an order object"))?;
    if object.contains_key("source") {
        let named = SourceName::parse(text(object, path, "source")?)
            .map_err(|e| invalid(&join(path, "source"), e))?;
        if &named != source {
            return Err(invalid(
                &join(path, "source"),
                format!("names `{named}`, but the URL is source `{source}`'s"),
            ));
        }
    }
    order(object, path)
}

/// An order object (with or without `source`) into a record.
fn order(object: &Map<String, Value>, path: &str) -> Result<ImportRecord, AppError> {
    only_known(object, path, ORDER_FIELDS)?;
    let currency =
        Currency::parse(text(object, path, "currency")?).map_err(|e| invalid(&join(path, "currency"), e))?;
    let total_minor = amount(object, path, "total", currency)?
        .ok_or_else(|| invalid(&join(path, "total"), "is missing"))?;
    let status = status(object, path)?;
    let refunded_minor = refunded(object, path, currency, status, total_minor)?;
    let placed = text(object, path, "placed_at")?;
    let placed_at = chrono::DateTime::parse_from_rfc3339(placed)
        .map_err(|_| {
            invalid(
                &join(path, "placed_at"),
                format!("`{placed}` is not an RFC 3339 time (like 2024-05-01T10:00:00Z)"),
            )
        })?
        .to_utc();
    let order = OrderRecord {
        external_id: id(object, path, "external_id")?,
        placed_at,
        status,
        currency,
        total_minor,
        refunded_minor,
        items: vec![],
    };
    let customer_path = join(path, "customer");
    let customer = match object.get("customer") {
        Some(Value::Object(customer)) => customer_record(customer, &customer_path)?,
        Some(_) => return Err(invalid(&customer_path, "is not an object")),
        None => return Err(invalid(&customer_path, "is missing")),
    };
    Ok(ImportRecord { line: 1, customer, order })
}

fn customer_record(object: &Map<String, Value>, path: &str) -> Result<CustomerRecord, AppError> {
    only_known(object, path, CUSTOMER_FIELDS)?;
    let email = match optional_text(object, path, "email")? {
        Some(text) => Some(Email::parse(text).map_err(|e| invalid(&join(path, "email"), e))?),
        None => None,
    };
    let name =
        optional_text(object, path, "name")?.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let marketing_consent = match object.get("marketing_consent") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(consent)) => Some(*consent),
        Some(other) => {
            return Err(invalid(&join(path, "marketing_consent"), format!("`{other}` is not true or false")));
        }
    };
    Ok(CustomerRecord { external_id: id(object, path, "external_id")?, email, name, marketing_consent })
}

fn status(object: &Map<String, Value>, path: &str) -> Result<OrderStatus, AppError> {
    let text = text(object, path, "status")?;
    OrderStatus::parse(text).ok_or_else(|| {
        let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        invalid(
            &join(path, "status"),
            format!("`{text}` is not an order status (one of {})", names.join(", ")),
        )
    })
}

/// `refunded`: 0 when absent, the total for a refunded order; never above the total, and above 0
/// only for refunded and partially refunded orders (whose revenue it lowers).
fn refunded(
    object: &Map<String, Value>,
    path: &str,
    currency: Currency,
    status: OrderStatus,
    total_minor: i64,
) -> Result<i64, AppError> {
    let field = join(path, "refunded");
    let given = amount(object, path, "refunded", currency)?;
    let refunded = match (given, status) {
        (Some(refunded), _) => refunded,
        (None, OrderStatus::Refunded) => total_minor,
        (None, _) => 0,
    };
    if refunded > total_minor {
        return Err(invalid(&field, "is more than the total"));
    }
    match status {
        OrderStatus::PartiallyRefunded if refunded == 0 => {
            Err(invalid(&field, "must be above 0 for a partially_refunded order"))
        }
        OrderStatus::Refunded | OrderStatus::PartiallyRefunded => Ok(refunded),
        _ if refunded > 0 => Err(invalid(
            &field,
            format!("is above 0 but the status is {status} (use partially_refunded or refunded)"),
        )),
        _ => Ok(0),
    }
}

/// A decimal string (`"12.50"`, never a JSON number: binary floating point would lose cents) in
/// minor units of `currency`; `None` when absent or null.
fn amount(
    object: &Map<String, Value>,
    path: &str,
    key: &str,
    currency: Currency,
) -> Result<Option<i64>, AppError> {
    let field = join(path, key);
    let text = match object.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.trim(),
        Some(other) => {
            return Err(invalid(&field, format!("`{other}` is not a decimal string like \"12.50\"")));
        }
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (units, decimals) = text.split_once('.').unwrap_or((text, "0"));
    if !digits_only(units) || !digits_only(decimals) {
        return Err(invalid(
            &field,
            format!("`{text}` is not a decimal string like \"12.50\" (digits, one dot, no sign)"),
        ));
    }
    parse_amount(text, currency).map(Some).map_err(|e| invalid(&field, e))
}

/// An id: a non-empty string of at most [`MAX_ID_CHARS`] characters, trimmed.
fn id(object: &Map<String, Value>, path: &str, key: &str) -> Result<String, AppError> {
    let id = text(object, path, key)?.trim();
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(invalid(&join(path, key), format!("must be 1 to {MAX_ID_CHARS} characters")));
    }
    Ok(id.to_string())
}

/// A string field that must be present.
fn text<'v>(object: &'v Map<String, Value>, path: &str, key: &str) -> Result<&'v str, AppError> {
    optional_text(object, path, key)?.ok_or_else(|| invalid(&join(path, key), "is missing"))
}

/// A string field, `None` when absent or null.
fn optional_text<'v>(
    object: &'v Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<&'v str>, AppError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(invalid(&join(path, key), format!("`{other}` is not a string"))),
    }
}

fn only_known(object: &Map<String, Value>, path: &str, known: &[&str]) -> Result<(), AppError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => {
            Err(invalid(&join(path, unknown), format!("is not a field here (known: {})", known.join(", "))))
        }
        None => Ok(()),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"source": "api", "external_id": "A-1", "placed_at": "2024-05-01T12:00:00+02:00",
        "currency": "EUR", "total": "12.50", "status": "partially_refunded", "refunded": "2.5",
        "customer": {"external_id": "c-17", "email": " Eve@Example.com", "name": "Eve", "marketing_consent": true}}"#;

    fn error(body: &str) -> String {
        match parse_body(body.as_bytes()) {
            Err(AppError::Invalid(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_body_becomes_the_record_an_import_would_make() {
        let (source, record) = parse_body(BODY.as_bytes()).unwrap();
        assert_eq!(source.as_str(), "api");
        assert_eq!(record.order.placed_at.to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert_eq!((record.order.total_minor, record.order.refunded_minor), (1250, 250));
        assert_eq!(record.order.status, OrderStatus::PartiallyRefunded);
        assert_eq!(record.customer.email.as_ref().map(Email::as_str), Some("eve@example.com"));
        assert_eq!(record.customer.marketing_consent, Some(true));
    }

    #[test]
    fn every_refusal_names_the_field_and_the_reason() {
        let cases = [
            ("\"12.50\"", "12.5", "`total`: `12.5` is not a decimal string"),
            ("\"12.50\"", "\"-12.50\"", "`total`: `-12.50` is not a decimal string"),
            ("\"12.50\"", "\"12.505\"", "`total`: `12.505` has more decimals than EUR allows (2)"),
            ("\"EUR\"", "\"euros\"", "`currency`: `euros` is not an ISO-4217"),
            ("\"partially_refunded\"", "\"shipped\"", "`status`: `shipped` is not an order status"),
            ("\"2.5\"", "\"13\"", "`refunded`: is more than the total"),
            (
                "\"2024-05-01T12:00:00+02:00\"",
                "\"2024-05-01\"",
                "`placed_at`: `2024-05-01` is not an RFC 3339 time",
            ),
            (" Eve@Example.com", "eve", "`customer.email`: `eve` is not an e-mail address"),
            ("\"c-17\"", "17", "`customer.external_id`: `17` is not a string"),
            ("\"refunded\"", "\"refund\"", "`refund`: is not a field here"),
            ("\"api\"", "\"Not A Source!\"", "`source`: `Not A Source!` is not a source name"),
        ];
        for (from, to, expected) in cases {
            let message = error(&BODY.replacen(from, to, 1));
            assert!(message.starts_with(expected), "{from} → {to}: {message}");
        }
        assert!(error("[]").contains("not a JSON object"));
        assert!(error("{").contains("not valid JSON"));
        assert_eq!(error(&BODY.replace("\"status\": \"partially_refunded\", ", "")), "`status`: is missing");
        let paid = BODY.replace("partially_refunded", "paid");
        assert!(error(&paid).starts_with("`refunded`: is above 0 but the status is paid"));
    }

    #[test]
    fn a_refunded_order_without_an_amount_is_refunded_in_full() {
        let body = BODY.replace("partially_refunded", "refunded").replace(", \"refunded\": \"2.5\"", "");
        assert_eq!(parse_body(body.as_bytes()).unwrap().1.order.refunded_minor, 1250);
    }

    #[test]
    fn webhook_data_may_repeat_its_own_source_and_no_other() {
        let value: Value = serde_json::from_str(BODY).unwrap();
        let api = SourceName::parse("api").unwrap();
        assert!(parse_data(&value, "data", &api).is_ok());
        let other = SourceName::parse("shop").unwrap();
        let Err(AppError::Invalid(message)) = parse_data(&value, "data", &other) else { panic!("refused") };
        assert!(message.starts_with("`data.source`: names `api`"), "{message}");
    }
}
