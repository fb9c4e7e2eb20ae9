//! Money as integer minor units of an ISO-4217 currency, and the parsing of shop amounts
//! (`$1,234.50`, `£12.00`, `1.234,50 €`, `11.7700`) into them without floating point.

use std::fmt;

/// An ISO-4217 currency code (three upper-case ASCII letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// Why a text is not a currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO-4217 currency code (three letters, like USD)")]
pub struct CurrencyError(pub String);

/// Currencies whose minor unit is not 1/100 (ISO-4217 table A.1). Everything else has 2 decimals.
const EXPONENTS: &[(&str, u32)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLF", 4),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("UYW", 4),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
];

impl Currency {
    /// US dollars, the currency of the CDNOW data.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code, accepting lower case and surrounding whitespace.
    pub fn parse(raw: &str) -> Result<Self, CurrencyError> {
        let code = raw.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if code.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Currency([*a, *b, *c])),
            _ => Err(CurrencyError(raw.trim().to_string())),
        }
    }

    /// The code, like `USD`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("constructed from ASCII letters only")
    }

    /// Number of decimals of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u32 {
        // Compared as bytes: every amount of an import asks, so no UTF-8 check per table entry.
        EXPONENTS.iter().find(|(code, _)| code.as_bytes() == self.0).map_or(2, |(_, exponent)| *exponent)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Currency::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units (cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money {
    /// Amount in minor units (1/100 of a dollar for USD).
    pub minor: i64,
    /// Its currency.
    pub currency: Currency,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = self.currency.exponent();
        let scale = 10i64.pow(exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let (major, minor) = (abs / scale as u64, abs % scale as u64);
        if exponent == 0 {
            write!(f, "{sign}{major} {}", self.currency)
        } else {
            write!(f, "{sign}{major}.{minor:0width$} {}", self.currency, width = exponent as usize)
        }
    }
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing to parse.
    #[error("the amount is empty")]
    Empty,
    /// Not a number once symbols and separators are removed.
    #[error("`{0}` is not an amount")]
    NotANumber(String),
    /// More decimals than the currency has, and they are not zeros (`11.7700` is fine for USD).
    #[error("`{text}` has more decimals than {currency} allows ({exponent})")]
    TooPrecise {
        /// The text as given.
        text: String,
        /// The currency it was read in.
        currency: Currency,
        /// The currency's decimals.
        exponent: u32,
    },
    /// Does not fit in 64-bit minor units.
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// Parses a shop amount into minor units of `currency`.
///
/// Accepts currency symbols and codes around the number (`$`, `£`, `€`, `USD`), a leading `-` or
/// surrounding parentheses for negatives, and thousands separators. The decimal separator is the
/// last `.` or `,` — except that a lone `,` followed by exactly three digits (`1,234`) is a
/// thousands separator, since that is how the English-language exports sellers have write it.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, MoneyError> {
    match plain_amount(text.as_bytes(), currency.exponent()) {
        Some(minor) => Ok(minor),
        None => parse_any_amount(text, currency),
    }
}

/// The common case without allocating: `12`, `11.77`, `.5`, `11.7700` — ASCII digits with at
/// most one `.` and no more significant decimals than the currency has. `None` for anything
/// else (symbols, signs, separators, errors), which [`parse_any_amount`] reads; both give the same
/// value wherever this one gives one.
fn plain_amount(text: &[u8], exponent: u32) -> Option<i64> {
    let (integer, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &text[..0]),
    };
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    // 14 integer digits and 4 decimals at most: 18 digits always fit in an i64.
    if integer.len() + fraction.len() == 0
        || integer.len() > 14
        || !all_digits(integer)
        || !all_digits(fraction)
    {
        return None;
    }
    let significant = fraction.len() - fraction.iter().rev().take_while(|&&b| b == b'0').count();
    if significant > exponent as usize {
        return None;
    }
    let digits = integer.iter().chain(fraction[..significant].iter());
    let mut minor = digits.fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0'));
    for _ in significant..exponent as usize {
        minor *= 10;
    }
    Some(minor)
}

/// Parses any amount [`parse_amount`] accepts, the general (allocating) way.
fn parse_any_amount(text: &str, currency: Currency) -> Result<i64, MoneyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(MoneyError::Empty);
    }
    let not_a_number = || MoneyError::NotANumber(trimmed.to_string());
    let (negative, body) = strip_sign(trimmed);
    let digits_and_separators: String = body
        .chars()
        .filter(|c| !c.is_alphabetic() && !is_currency_symbol(*c) && !c.is_whitespace() && *c != '\'')
        .collect();
    if digits_and_separators.is_empty()
        || !digits_and_separators.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not_a_number());
    }
    let (integer, fraction) = split_decimal(&digits_and_separators);
    let integer: String = integer.chars().filter(char::is_ascii_digit).collect();
    if integer.is_empty() && fraction.is_empty() {
        return Err(not_a_number());
    }
    if fraction.contains(['.', ',']) {
        return Err(not_a_number());
    }
    let exponent = currency.exponent() as usize;
    let significant = fraction.trim_end_matches('0');
    if significant.len() > exponent {
        return Err(MoneyError::TooPrecise {
            text: trimmed.to_string(),
            currency,
            exponent: exponent as u32,
        });
    }
    let padded = format!("{integer}{significant:0<exponent$}");
    let magnitude: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| MoneyError::Overflow(trimmed.to_string()))?
    };
    Ok(if negative { -magnitude } else { magnitude })
}

fn strip_sign(text: &str) -> (bool, &str) {
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return (true, inner.trim());
    }
    let without_symbol = text.trim_start_matches(|c: char| is_currency_symbol(c) || c.is_whitespace());
    if let Some(rest) = without_symbol.strip_prefix('-') {
        return (true, rest);
    }
    match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

fn is_currency_symbol(c: char) -> bool {
    matches!(c, '$' | '£' | '€' | '¥' | '₹' | '₩' | '₽' | '₺' | '₪' | '฿' | '₫' | '₱' | '¢' | '+')
}

/// Splits `1.234,50` into (`1.234`, `50`): the decimal separator is the last `.` or `,`, unless
/// it is a lone comma followed by three digits.
fn split_decimal(text: &str) -> (&str, &str) {
    let Some(position) = text.rfind(['.', ',']) else {
        return (text, "");
    };
    let separator = text.as_bytes()[position];
    let after = &text[position + 1..];
    let commas = text.matches(',').count();
    let dots = text.matches('.').count();
    let thousands_only = (separator == b',' && dots == 0 && (commas > 1 || after.len() == 3))
        || (separator == b'.' && commas == 0 && dots > 1);
    if thousands_only { (text, "") } else { (&text[..position], after) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_plain_shortcut_agrees_with_the_general_parser(
            text in "[0-9.,$ -]{0,20}|[0-9]{0,16}(\\.[0-9]{0,6})?",
            exponent in prop::sample::select(vec!["USD", "JPY", "KWD", "CLF"]),
        ) {
            let currency = Currency::parse(exponent).unwrap();
            if let Some(minor) = plain_amount(text.as_bytes(), currency.exponent()) {
                prop_assert_eq!(Ok(minor), parse_any_amount(&text, currency));
            }
        }
    }

    #[test]
    fn the_plain_shortcut_takes_only_plain_amounts() {
        assert_eq!(plain_amount(b"11.7700", 2), Some(1177));
        assert_eq!(plain_amount(b".5", 2), Some(50));
        assert_eq!(plain_amount(b"12.", 0), Some(12));
        assert_eq!(plain_amount(b"15.5", 0), None, "too precise: the general parser says why");
        for other in [&b""[..], b".", b"1.2.3", b"-1", b"1,5", b" 1", b"123456789012345"] {
            assert_eq!(plain_amount(other, 2), None, "{other:?}");
        }
    }

    fn usd(text: &str) -> Result<i64, MoneyError> {
        parse_amount(text, Currency::USD)
    }

    #[test]
    fn parses_plain_and_padded_decimals() {
        assert_eq!(usd("11.77"), Ok(1177));
        assert_eq!(usd("11.7700"), Ok(1177));
        assert_eq!(usd("12"), Ok(1200));
        assert_eq!(usd("0.5"), Ok(50));
        assert_eq!(usd(".5"), Ok(50));
    }

    #[test]
    fn strips_symbols_codes_and_thousands_separators() {
        assert_eq!(usd("$1,234.50"), Ok(123_450));
        assert_eq!(usd("£12.00"), Ok(1200));
        assert_eq!(usd("1.234,50 €"), Ok(123_450));
        assert_eq!(usd("USD 7.10"), Ok(710));
        assert_eq!(usd("1,234"), Ok(123_400));
        assert_eq!(usd("1,234,567"), Ok(123_456_700));
        assert_eq!(usd("12,5"), Ok(1250));
        assert_eq!(usd("1 234,56"), Ok(123_456));
    }

    #[test]
    fn reads_negative_amounts() {
        assert_eq!(usd("-3.10"), Ok(-310));
        assert_eq!(usd("(3.10)"), Ok(-310));
        assert_eq!(usd("$-3.10"), Ok(-310));
    }

    #[test]
    fn respects_the_currency_exponent() {
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(parse_amount("1,500", jpy), Ok(1500));
        assert!(matches!(parse_amount("15.5", jpy), Err(MoneyError::TooPrecise { .. })));
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(parse_amount("1.250", kwd), Ok(1250));
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        assert_eq!(usd(""), Err(MoneyError::Empty));
        assert!(matches!(usd("abc"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("12.345"), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(usd("99999999999999999999"), Err(MoneyError::Overflow(_))));
    }

    #[test]
    fn formats_in_major_units() {
        assert_eq!(Money { minor: 123_456, currency: Currency::USD }.to_string(), "1234.56 USD");
        assert_eq!(Money { minor: -5, currency: Currency::USD }.to_string(), "-0.05 USD");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".*") {
            let _ = usd(&text);
        }

        #[test]
        fn round_trips_cents(cents in -1_000_000_000i64..1_000_000_000) {
            let text = format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100);
            proptest::prop_assert_eq!(usd(&text), Ok(cents));
        }
    }
}
