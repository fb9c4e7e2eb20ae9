//! Reading the fields of one JSON object (a WooCommerce or Shopify order, or an object nested in
//! one) into typed values, or into a [`RowError`] naming the field by its JSON path
//! (`billing.email`, `refunds[0].total`). Shared by the JSON formats.

use serde_json::Value;
use tenure_domain::{Currency, Timestamp};

use crate::error::RowError;
use crate::fields::At;

/// A JSON object of an order (or a nested one), with the path used in messages.
pub(crate) struct Fields<'a> {
    /// Where the order is.
    pub at: At<'a>,
    /// The object.
    pub value: &'a Value,
    /// Its path inside the order ("" for the order itself).
    pub path: &'a str,
}

impl Fields<'_> {
    /// The path of `key` inside this object.
    pub fn name(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// The field `key`, `None` when missing or null.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.value.get(key).filter(|value| !value.is_null())
    }

    /// A string field that must be present.
    pub fn text(&self, key: &str) -> Result<&str, RowError> {
        match self.get(key) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(self.at.error(&self.name(key), format!("`{other}` is not a text"))),
            None => Err(self.at.error(&self.name(key), "is missing")),
        }
    }

    /// A time field that may be missing or null (`None`), else must read with `parse`.
    pub fn optional_time(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<Timestamp>,
        expected: &str,
    ) -> Result<Option<Timestamp>, RowError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(_) => self.at.time(&self.name(key), self.text(key)?, parse, expected).map(Some),
        }
    }

    /// A string field, "" when missing, null or not a string.
    pub fn text_or_empty(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// An id: a number or a non-empty string.
    pub fn id(&self, key: &str) -> Result<String, RowError> {
        match self.get(key) {
            Some(Value::Number(number)) => Ok(number.to_string()),
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_string()),
            Some(other) => Err(self.at.error(&self.name(key), format!("`{other}` is not an id"))),
            None => Err(self.at.error(&self.name(key), "is missing")),
        }
    }

    /// Money as shops write it in JSON (a string; numbers accepted too).
    pub fn money(&self, key: &str, currency: Currency) -> Result<i64, RowError> {
        let text = match self.get(key) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            Some(other) => return Err(self.at.error(&self.name(key), format!("`{other}` is not an amount"))),
            None => return Err(self.at.error(&self.name(key), "is missing")),
        };
        self.at.amount(&self.name(key), &text, currency)
    }

    /// Money, 0 when missing or null.
    pub fn money_or_zero(&self, key: &str, currency: Currency) -> Result<i64, RowError> {
        if self.get(key).is_none() { Ok(0) } else { self.money(key, currency) }
    }

    /// A whole number of units ≥ 0 (a number or a string of digits).
    pub fn quantity(&self, key: &str) -> Result<i64, RowError> {
        let quantity = match self.get(key) {
            Some(Value::Number(number)) => number.as_i64().filter(|q| *q >= 0),
            Some(Value::String(text)) => text.trim().parse().ok().filter(|q: &i64| *q >= 0),
            _ => None,
        };
        quantity.ok_or_else(|| self.at.error(&self.name(key), "is not a whole number ≥ 0"))
    }

    /// The elements of an array field (none when missing), each with its path.
    pub fn each(&self, key: &str) -> Result<Vec<(String, &Value)>, RowError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(values)) => Ok(values
                .iter()
                .enumerate()
                .map(|(index, value)| (format!("{}[{index}]", self.name(key)), value))
                .collect()),
            Some(_) => Err(self.at.error(&self.name(key), "is not a list")),
        }
    }
}

/// `bytes` as one JSON object, or an error pointing at the line where it breaks.
pub(crate) fn object(at: At<'_>, bytes: &[u8]) -> Result<Value, RowError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| {
        let line = at.line + error.line().saturating_sub(1) as u64;
        RowError::new(at.file, line, "", format!("is not valid JSON: {error}"))
    })?;
    if value.is_object() { Ok(value) } else { Err(at.error("", "is not an order object")) }
}
