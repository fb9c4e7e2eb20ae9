//! Turning one cell's text into a typed value, or into a [`RowError`] that says which file, line
//! and column held what, and what was expected. Shared by every format.

use tenure_domain::{Currency, Email, OrderStatus, Timestamp, parse_amount};

use crate::error::RowError;

/// Where a record is: the file and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    /// The input's name.
    pub file: &'a str,
    /// The record's first line.
    pub line: u64,
}

impl At<'_> {
    /// An error in `column` of this record.
    pub fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError::new(self.file, self.line, column, reason)
    }

    /// `text`, or an error when it is blank.
    pub fn required<'t>(&self, column: &str, text: &'t str) -> Result<&'t str, RowError> {
        if text.trim().is_empty() { Err(self.error(column, "is empty")) } else { Ok(text.trim()) }
    }

    /// An amount in minor units of `currency` (symbols and thousands separators allowed).
    pub fn amount(&self, column: &str, text: &str, currency: Currency) -> Result<i64, RowError> {
        parse_amount(text, currency).map_err(|error| self.error(column, error.to_string()))
    }

    /// An amount, or 0 when the cell is blank.
    pub fn amount_or_zero(&self, column: &str, text: &str, currency: Currency) -> Result<i64, RowError> {
        if text.trim().is_empty() { Ok(0) } else { self.amount(column, text, currency) }
    }

    /// An ISO-4217 code.
    pub fn currency(&self, column: &str, text: &str) -> Result<Currency, RowError> {
        Currency::parse(self.required(column, text)?).map_err(|error| self.error(column, error.to_string()))
    }

    /// An e-mail address, `None` when blank.
    pub fn email(&self, column: &str, text: &str) -> Result<Option<Email>, RowError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        Email::parse(text).map(Some).map_err(|error| self.error(column, error.to_string()))
    }

    /// A whole number of units.
    pub fn quantity(&self, column: &str, text: &str) -> Result<i64, RowError> {
        let text = self.required(column, text)?;
        text.parse::<i64>().ok().filter(|quantity| *quantity >= 0).ok_or_else(|| {
            self.error(column, format!("`{text}` is not a quantity (expected a whole number ≥ 0)"))
        })
    }

    /// A yes/no cell: `None` when blank.
    pub fn consent(&self, column: &str, text: &str) -> Result<Option<bool>, RowError> {
        let value = text.trim().to_ascii_lowercase();
        match value.as_str() {
            "" => Ok(None),
            "yes" | "y" | "true" | "1" | "subscribed" | "opted in" | "opted_in" => Ok(Some(true)),
            "no" | "n" | "false" | "0" | "unsubscribed" | "not subscribed" | "opted out" | "opted_out" => {
                Ok(Some(false))
            }
            _ => Err(self.error(column, format!("`{}` is not yes or no", text.trim()))),
        }
    }

    /// A date or time read by `parse`; `expected` describes the format for the message.
    pub fn time(
        &self,
        column: &str,
        text: &str,
        parse: impl Fn(&str) -> Option<Timestamp>,
        expected: &str,
    ) -> Result<Timestamp, RowError> {
        let text = self.required(column, text)?;
        parse(text).ok_or_else(|| self.error(column, format!("`{text}` is not a date (expected {expected})")))
    }
}

/// "First Last" from optional parts, `None` when both are blank.
pub(crate) fn full_name(first: &str, last: &str) -> Option<String> {
    let name = format!("{} {}", first.trim(), last.trim());
    Some(name.trim().to_string()).filter(|name| !name.is_empty())
}

/// A paid order's status once its refunds are known: partially refunded when
/// 0 < refunded < total, refunded when refunded ≥ total. Other statuses are kept.
pub(crate) fn refund_status(status: OrderStatus, total: i64, refunded: i64) -> OrderStatus {
    match status {
        OrderStatus::Paid if refunded > 0 && refunded >= total => OrderStatus::Refunded,
        OrderStatus::Paid if refunded > 0 => OrderStatus::PartiallyRefunded,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: At<'static> = At { file: "orders.csv", line: 1234 };

    #[test]
    fn a_bad_date_names_the_value_and_the_expected_format() {
        let error = AT.time(
            "Sale Date",
            "13/45/24",
            |t| crate::dates::us_date(t).map(crate::dates::noon_utc),
            "MM/DD/YY",
        );
        assert_eq!(
            error.unwrap_err().to_string(),
            "orders.csv:1234: column `Sale Date`: `13/45/24` is not a date (expected MM/DD/YY)"
        );
    }

    #[test]
    fn amounts_accept_symbols_and_report_what_is_wrong() {
        assert_eq!(AT.amount("Total", "£1,234.50", Currency::USD), Ok(123_450));
        let error = AT.amount("Total", "abc", Currency::USD).unwrap_err();
        assert_eq!(error.reason, "`abc` is not an amount");
        assert_eq!(AT.amount_or_zero("Total", " ", Currency::USD), Ok(0));
    }

    #[test]
    fn consent_reads_yes_no_and_blank() {
        assert_eq!(AT.consent("Accepts Marketing", "Yes"), Ok(Some(true)));
        assert_eq!(AT.consent("Accepts Marketing", "no"), Ok(Some(false)));
        assert_eq!(AT.consent("Accepts Marketing", ""), Ok(None));
        assert!(AT.consent("Accepts Marketing", "maybe").is_err());
    }

    #[test]
    fn quantities_are_whole_and_not_negative() {
        assert_eq!(AT.quantity("Quantity", "3"), Ok(3));
        assert!(AT.quantity("Quantity", "-1").is_err());
        assert!(AT.quantity("Quantity", "1.5").is_err());
        assert_eq!(AT.quantity("Quantity", "").unwrap_err().reason, "is empty");
    }

    #[test]
    fn refunds_turn_paid_orders_into_partly_or_fully_refunded_ones() {
        assert_eq!(refund_status(OrderStatus::Paid, 100, 0), OrderStatus::Paid);
        assert_eq!(refund_status(OrderStatus::Paid, 100, 1), OrderStatus::PartiallyRefunded);
        assert_eq!(refund_status(OrderStatus::Paid, 100, 100), OrderStatus::Refunded);
        assert_eq!(refund_status(OrderStatus::Paid, 100, 150), OrderStatus::Refunded);
        assert_eq!(refund_status(OrderStatus::Cancelled, 100, 100), OrderStatus::Cancelled);
    }

    #[test]
    fn names_join_the_parts_that_are_there() {
        assert_eq!(full_name("Eve", "Brown"), Some("Eve Brown".into()));
        assert_eq!(full_name("", "Brown"), Some("Brown".into()));
        assert_eq!(full_name(" ", ""), None);
    }
}
