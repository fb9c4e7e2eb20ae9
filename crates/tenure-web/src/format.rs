//! Numbers as the dashboard shows them: thousands separators, percentages with one decimal,
//! money in the currency's units, a dash where a figure is undefined.

use tenure_domain::Currency;

/// `1234567` → `1,234,567`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A percentage with one decimal (`14.3 %`), or `—` when undefined.
pub(crate) fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.1} %"))
}

/// `minor` units of `currency` in major units with separators: `USD 1,234.56`.
pub(crate) fn money(minor: i64, currency: Option<Currency>) -> String {
    let exponent = currency.map_or(2, |c| c.exponent());
    let code = currency.map_or_else(String::new, |c| format!("{} ", c.code()));
    let sign = if minor < 0 { "-" } else { "" };
    let scale = 10u64.pow(exponent);
    let magnitude = minor.unsigned_abs();
    let whole = count(magnitude / scale);
    if exponent == 0 {
        return format!("{sign}{code}{whole}");
    }
    let fraction = magnitude % scale;
    format!("{sign}{code}{whole}.{fraction:0width$}", width = exponent as usize)
}

/// How a figure moved from the previous period: the words shown and whether that is good news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trend {
    /// `▲ 2.1 pts`, `▼ 120`, `no change`, or `—`.
    pub text: String,
    /// `up`, `down` or `flat` (for the style sheet).
    pub direction: &'static str,
    /// Whether the move is good for the shop (churn going down is).
    pub good: bool,
}

impl Trend {
    /// The move from `before` to `now`; `higher_is_better` says which way is good; `unit`
    /// follows the number (` pts` for rates).
    pub(crate) fn between(
        before: Option<f64>,
        now: Option<f64>,
        higher_is_better: bool,
        show: impl Fn(f64) -> String,
    ) -> Trend {
        let (Some(before), Some(now)) = (before, now) else {
            return Trend { text: "—".into(), direction: "flat", good: true };
        };
        let change = now - before;
        if change.abs() < 1e-9 {
            return Trend { text: "no change".into(), direction: "flat", good: true };
        }
        let (arrow, direction) = if change > 0.0 { ("▲", "up") } else { ("▼", "down") };
        Trend {
            text: format!("{arrow} {}", show(change.abs())),
            direction,
            good: (change > 0.0) == higher_is_better,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_percentages_and_money_read_like_a_report() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(23_570), "23,570");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(percent(Some(14.2857)), "14.3 %");
        assert_eq!(percent(None), "—");
        let usd = Currency::parse("USD").ok();
        assert_eq!(money(250_031_563, usd), "USD 2,500,315.63");
        assert_eq!(money(-5, usd), "-USD 0.05");
        assert_eq!(money(1500, Currency::parse("JPY").ok()), "JPY 1,500");
    }

    #[test]
    fn trends_say_which_way_and_whether_it_is_good() {
        let pts = |v: f64| format!("{v:.1} pts");
        let up = Trend::between(Some(10.0), Some(12.5), true, pts);
        assert_eq!((up.text.as_str(), up.direction, up.good), ("▲ 2.5 pts", "up", true));
        let churn_up = Trend::between(Some(10.0), Some(12.5), false, pts);
        assert!(!churn_up.good);
        assert_eq!(Trend::between(None, Some(1.0), true, pts).text, "—");
        assert_eq!(Trend::between(Some(1.0), Some(1.0), true, pts).direction, "flat");
    }
}
