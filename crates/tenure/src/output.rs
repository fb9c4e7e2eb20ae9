//! Printing for people and for scripts: tables sized to the terminal, money in major units,
//! times in UTC, and JSON on stdout.

use std::collections::BTreeMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use tenure_domain::{Currency, Money, Timestamp};

/// Prints `value` as one pretty JSON object on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A table with a header row, laid out for the terminal.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// A two-column table of labelled values, without a header.
pub fn key_values(rows: &[(&str, String)]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    for (label, value) in rows {
        table.add_row(vec![(*label).to_string(), value.clone()]);
    }
    table
}

/// The customer file at a glance, as `tenure stats` and `tenure demo` show it.
pub fn stats_table(stats: &tenure_store::Stats) -> Table {
    key_values(&[
        ("Customers", count(stats.customers)),
        ("Orders", count(stats.orders)),
        ("Paid orders", count(stats.paid_orders)),
        ("First order", time(stats.first_order_at)),
        ("Last order", time(stats.last_order_at)),
        ("Revenue (paid, after refunds)", revenue(&stats.revenue)),
    ])
}

/// `1234.56 USD`, from minor units.
pub fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => group_thousands(&Money { minor, currency }.to_string()),
        Err(_) => format!("{minor} (minor units of {currency})"),
    }
}

/// Revenue per currency on one line: `1,234.56 USD, 99.00 EUR`; `—` when none.
pub fn revenue(by_currency: &BTreeMap<String, i64>) -> String {
    if by_currency.is_empty() {
        return "—".into();
    }
    by_currency.iter().map(|(currency, minor)| money(*minor, currency)).collect::<Vec<_>>().join(", ")
}

/// `2024-01-05 12:00` (UTC), or `—`.
pub fn time(value: Option<Timestamp>) -> String {
    value.map_or_else(|| "—".into(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

/// `69659` → `69,659`; leaves decimals and suffixes alone.
pub fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |rest| ("-", rest));
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}{tail}")
}

/// An integer with thousands separators.
pub fn count(value: u64) -> String {
    group_thousands(&value.to_string())
}

/// A percentage to one decimal, `35.4 %`; `—` when absent (a zero denominator).
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |p| format!("{p:.1} %"))
}

/// A number to `digits` decimals; `—` when absent.
pub fn decimal(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "—".into(), |v| group_thousands(&format!("{v:.digits$}")))
}

/// A (possibly fractional) amount of minor units, rounded to the nearest minor unit: `38.00 USD`;
/// `—` when absent. Without a currency (an empty store) the amount is shown as a plain number.
pub fn money_f64(minor: Option<f64>, currency: Option<Currency>) -> String {
    match (minor, currency) {
        (None, _) => "—".into(),
        (Some(minor), Some(currency)) => money(minor.round() as i64, currency.code()),
        (Some(minor), None) => decimal(Some(minor), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_without_touching_decimals() {
        assert_eq!(group_thousands("2500315.63 USD"), "2,500,315.63 USD");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(money(250_031_563, "USD"), "2,500,315.63 USD");
    }

    #[test]
    fn absent_rates_and_amounts_print_as_a_dash_never_nan() {
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(35.350_021)), "35.4 %");
        assert_eq!(money_f64(Some(3800.093), Some(Currency::USD)), "38.00 USD");
        assert_eq!(money_f64(None, Some(Currency::USD)), "—");
        assert_eq!(decimal(Some(1234.5), 1), "1,234.5");
    }
}
