//! The column mapping of the generic CSV format: which header holds the order id, the customer,
//! the date, the amount… Read from a small TOML/JSON file (serde) or from `key=Header` pairs
//! given on the command line. It only describes; `generic.rs` does the reading.

use std::collections::BTreeMap;

use tenure_domain::{Currency, OrderStatus};

use crate::error::ImportError;

/// Which columns of a one-row-per-order CSV hold what. Values are header texts, compared
/// ignoring case and spaces.
///
/// Required: `date`, `amount`, and at least one of `customer_id` and `email`. Without
/// `order_id`, each row gets a deterministic id `{customer}-{yyyymmdd}-{n}` (n = the row's rank
/// among that customer's rows on that day in the file), so re-importing a file adds nothing.
///
/// As a file (TOML shown; JSON with the same keys works too):
/// ```toml
/// order_id = "Order No"
/// customer_id = "Buyer"
/// date = "Date"
/// date_format = "%d/%m/%Y"
/// amount = "Total"
/// currency_code = "EUR"
/// status = "State"
/// [status_values]
/// Shipped = "paid"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    /// Column with the shop's order id (optional: see above).
    pub order_id: Option<String>,
    /// Column with the shop's customer id.
    pub customer_id: Option<String>,
    /// Column with the buyer's e-mail; identifies the customer when there is no customer id.
    pub email: Option<String>,
    /// Column with the buyer's display name.
    pub name: Option<String>,
    /// Column with the order date or time (required).
    pub date: Option<String>,
    /// chrono `strftime` format of `date` (like `%d/%m/%Y`); default: ISO 8601 date or date-time,
    /// with or without offset. Times without offset are UTC; dates alone are 12:00 UTC.
    pub date_format: Option<String>,
    /// Column with the amount the buyer was charged (required).
    pub amount: Option<String>,
    /// Column with each row's ISO-4217 currency code.
    pub currency: Option<String>,
    /// One currency code for every row, when there is no currency column (default USD).
    pub currency_code: Option<String>,
    /// Column with the order status (default: every row is paid).
    pub status: Option<String>,
    /// Extra status values, compared ignoring case, to Tenure statuses (`paid`, `refunded`, …).
    /// Built in: Tenure's own names and common words like completed, shipped, canceled.
    #[serde(default)]
    pub status_values: BTreeMap<String, OrderStatus>,
    /// Column with the refunded amount.
    pub refunded: Option<String>,
    /// Column with marketing consent (yes/no, true/false, 1/0; blank = not stated).
    pub marketing_consent: Option<String>,
}

/// The keys `from_pairs` accepts (plus `status.VALUE=STATUS` for `status_values`).
pub const MAPPING_KEYS: [&str; 12] = [
    "order_id",
    "customer_id",
    "email",
    "name",
    "date",
    "date_format",
    "amount",
    "currency",
    "currency_code",
    "status",
    "refunded",
    "marketing_consent",
];

impl CsvMapping {
    /// Parses `key=Header` pairs separated by commas, as given to `--map`:
    /// `"order_id=Order No,customer_id=Buyer,date=Date,amount=Total"`.
    /// `status.Shipped=paid` adds a status value. Unknown keys and repeated keys are errors.
    pub fn from_pairs(text: &str) -> Result<CsvMapping, ImportError> {
        let mut mapping = CsvMapping::default();
        for pair in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| ImportError::BadMapping(format!("`{pair}` is not key=Header")))?;
            mapping.set(key.trim(), value.trim())?;
        }
        Ok(mapping)
    }

    /// Sets one key, as `from_pairs` does for each pair.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ImportError> {
        if let Some(status_value) = key.strip_prefix("status.") {
            let status = OrderStatus::parse(&value.to_ascii_lowercase()).ok_or_else(|| {
                ImportError::BadMapping(format!(
                    "`{value}` is not a status (expected one of: {})",
                    status_names()
                ))
            })?;
            self.status_values.insert(status_value.to_string(), status);
            return Ok(());
        }
        let slot = self.slot(key).ok_or_else(|| {
            ImportError::BadMapping(format!("unknown key `{key}` (known keys: {})", MAPPING_KEYS.join(", ")))
        })?;
        if slot.is_some() {
            return Err(ImportError::BadMapping(format!("`{key}` is given twice")));
        }
        *slot = Some(value.to_string());
        Ok(())
    }

    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "order_id" => &mut self.order_id,
            "customer_id" => &mut self.customer_id,
            "email" => &mut self.email,
            "name" => &mut self.name,
            "date" => &mut self.date,
            "date_format" => &mut self.date_format,
            "amount" => &mut self.amount,
            "currency" => &mut self.currency,
            "currency_code" => &mut self.currency_code,
            "status" => &mut self.status,
            "refunded" => &mut self.refunded,
            "marketing_consent" => &mut self.marketing_consent,
            _ => return None,
        })
    }

    /// Checks the mapping is complete and consistent (before any file is read).
    pub fn validate(&self) -> Result<(), ImportError> {
        let bad = |reason: String| Err(ImportError::BadMapping(reason));
        for (key, value) in [("date", &self.date), ("amount", &self.amount)] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                return bad(format!("`{key}` is required: name the column that holds it"));
            }
        }
        if self.customer_id.is_none() && self.email.is_none() {
            return bad("name a `customer_id` or an `email` column (or both)".to_string());
        }
        if self.currency.is_some() && self.currency_code.is_some() {
            return bad("give either a `currency` column or a fixed `currency_code`, not both".to_string());
        }
        self.fixed_currency()?;
        if let Some(format) = &self.date_format {
            let broken = chrono::format::StrftimeItems::new(format)
                .any(|item| matches!(item, chrono::format::Item::Error));
            if broken || format.trim().is_empty() {
                return bad(format!("`{format}` is not a chrono date format (like %d/%m/%Y)"));
            }
        }
        Ok(())
    }

    /// The currency of every row when there is no currency column: `currency_code` or USD.
    pub(crate) fn fixed_currency(&self) -> Result<Currency, ImportError> {
        match &self.currency_code {
            None => Ok(Currency::USD),
            Some(code) => Currency::parse(code).map_err(|error| ImportError::BadMapping(error.to_string())),
        }
    }
}

fn status_names() -> String {
    OrderStatus::ALL.map(OrderStatus::as_str).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_name_columns_by_key() {
        let mapping =
            CsvMapping::from_pairs("order_id=Order No, customer_id=Buyer,date=Date,amount=Total").unwrap();
        assert_eq!(mapping.order_id.as_deref(), Some("Order No"));
        assert_eq!(mapping.customer_id.as_deref(), Some("Buyer"));
        assert_eq!(mapping.amount.as_deref(), Some("Total"));
        assert!(mapping.validate().is_ok());
    }

    #[test]
    fn pairs_add_status_values() {
        let mapping = CsvMapping::from_pairs("status.Shipped=paid").unwrap();
        assert_eq!(mapping.status_values.get("Shipped"), Some(&OrderStatus::Paid));
        assert!(CsvMapping::from_pairs("status.Shipped=sent").is_err());
    }

    #[test]
    fn unknown_and_repeated_keys_are_errors() {
        let message = CsvMapping::from_pairs("order=Order No").unwrap_err().to_string();
        assert!(message.contains("unknown key `order`"), "{message}");
        assert!(message.contains("order_id"), "{message}");
        assert!(CsvMapping::from_pairs("date=A,date=B").is_err());
        assert!(CsvMapping::from_pairs("date").is_err());
    }

    #[test]
    fn validation_requires_date_amount_and_a_customer() {
        let no_customer = CsvMapping::from_pairs("date=D,amount=A").unwrap();
        assert!(no_customer.validate().unwrap_err().to_string().contains("customer_id"));
        let no_amount = CsvMapping::from_pairs("date=D,email=E").unwrap();
        assert!(no_amount.validate().unwrap_err().to_string().contains("`amount` is required"));
    }

    #[test]
    fn validation_rejects_two_currencies_and_bad_formats() {
        let both = CsvMapping::from_pairs("date=D,email=E,amount=A,currency=C,currency_code=EUR").unwrap();
        assert!(both.validate().is_err());
        let bad_code = CsvMapping::from_pairs("date=D,email=E,amount=A,currency_code=EURO").unwrap();
        assert!(bad_code.validate().is_err());
        let bad_format = CsvMapping::from_pairs("date=D,email=E,amount=A,date_format=%Q").unwrap();
        assert!(bad_format.validate().is_err());
    }

    #[test]
    fn json_mappings_deserialize_and_reject_unknown_keys() {
        let mapping: CsvMapping = serde_json::from_str(
            r#"{"email":"Mail","date":"When","amount":"Sum","status_values":{"Sent":"paid"}}"#,
        )
        .unwrap();
        assert_eq!(mapping.status_values.get("Sent"), Some(&OrderStatus::Paid));
        assert!(serde_json::from_str::<CsvMapping>(r#"{"emial":"Mail"}"#).is_err());
    }
}
