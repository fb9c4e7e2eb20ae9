//! Exact decimal arithmetic for OpenCart's `total × currency_value`: both are plain decimals
//! (`decimal(15,4)`, `float(15,8)` printed), multiplied without floating point and rounded once,
//! half away from zero, to the currency's minor unit — as OpenCart's PHP `round()` does.

/// A decimal number `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Digits accepted on each side of the point; keeps every product inside i128.
const MAX_DIGITS: usize = 18;

impl Decimal {
    /// 1.
    pub const ONE: Decimal = Decimal { mantissa: 1, scale: 0 };

    /// Parses `-12.3400`, `12`, `.5`; `None` for anything else (no exponents, no separators).
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (integer, fraction) = body.split_once('.').unwrap_or((body, ""));
        let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit()) && part.len() <= MAX_DIGITS;
        if (integer.is_empty() && fraction.is_empty()) || !digits_only(integer) || !digits_only(fraction) {
            return None;
        }
        let mantissa: i128 = format!("{integer}{fraction}").parse().ok()?;
        let scale = u32::try_from(fraction.len()).ok()?;
        Some(Decimal { mantissa: if negative { -mantissa } else { mantissa }, scale })
    }

    /// True when greater than zero.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    /// The exact product; `None` on overflow.
    pub fn times(self, other: Decimal) -> Option<Decimal> {
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale: self.scale + other.scale,
        })
    }

    /// Rounded half away from zero to `exponent` decimals, as an integer of minor units.
    pub fn to_minor_units(self, exponent: u32) -> Option<i64> {
        let minor = if self.scale <= exponent {
            self.mantissa.checked_mul(10i128.checked_pow(exponent - self.scale)?)?
        } else {
            let divisor = 10i128.checked_pow(self.scale - exponent)?;
            let quotient = self.mantissa / divisor;
            let remainder = self.mantissa % divisor;
            if remainder.abs() * 2 >= divisor { quotient + self.mantissa.signum() } else { quotient }
        };
        i64::try_from(minor).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(total: &str, rate: &str, exponent: u32) -> Option<i64> {
        Decimal::parse(total)?.times(Decimal::parse(rate)?)?.to_minor_units(exponent)
    }

    #[test]
    fn converts_exactly_and_rounds_half_away_from_zero() {
        assert_eq!(convert("11.7700", "1.00000000", 2), Some(1177));
        assert_eq!(convert("10.0000", "0.78460002", 2), Some(785));
        assert_eq!(convert("0.0050", "1", 2), Some(1));
        assert_eq!(convert("0.0049", "1", 2), Some(0));
        assert_eq!(convert("-0.0050", "1", 2), Some(-1));
        assert_eq!(convert("100.0000", "151.23", 0), Some(15123));
        assert_eq!(convert("1.0000", "0.3450", 3), Some(345));
        // 0.1 × 3 is 0.30000000000000004 in f64; here it is exact.
        assert_eq!(convert("0.1", "3", 2), Some(30));
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for bad in ["", "-", ".", "1e5", "1,000.00", "abc", "1.2.3", "12345678901234567890"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Decimal::parse(".5"), Some(Decimal { mantissa: 5, scale: 1 }));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".*", rate in ".*", exponent in 0u32..8) {
            if let (Some(a), Some(b)) = (Decimal::parse(&text), Decimal::parse(&rate)) {
                let _ = a.times(b).and_then(|product| product.to_minor_units(exponent));
            }
        }

        #[test]
        fn a_rate_of_one_keeps_cents(cents in -10_000_000_000i64..10_000_000_000) {
            let text = format!("{}{}.{:02}00", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100);
            proptest::prop_assert_eq!(convert(&text, "1.00000000", 2), Some(cents));
        }
    }
}
