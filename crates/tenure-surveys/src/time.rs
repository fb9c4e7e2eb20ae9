//! RFC 3339 timestamps ⇄ Unix seconds (UTC), for the responses CSV's `submitted_at`.
//!
//! Written here rather than through chrono because the reader runs once per CSV row and parses
//! bytes in place; both directions use the civil-date arithmetic of `tenure-metrics`. Knows no
//! time zones beyond a numeric offset, and reads no clock.

use tenure_metrics::{civil_from_days, days_from_civil};

/// Seconds in a day.
pub const SECONDS_PER_DAY: i64 = 86_400;
/// 0000-01-01T00:00:00Z, the earliest time the CSV can carry.
pub const MIN_SECONDS: i64 = tenure_metrics::MIN_DAY as i64 * SECONDS_PER_DAY;
/// 9999-12-31T23:59:59Z, the latest.
pub const MAX_SECONDS: i64 = (tenure_metrics::MAX_DAY as i64 + 1) * SECONDS_PER_DAY - 1;

/// The day number (days since 1970-01-01, UTC) of a Unix time.
pub fn day_of(seconds: i64) -> i32 {
    seconds.div_euclid(SECONDS_PER_DAY).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time in [`MIN_SECONDS`, `MAX_SECONDS`] (clamped outside).
pub fn format_rfc3339(seconds: i64) -> String {
    let s = seconds.clamp(MIN_SECONDS, MAX_SECONDS);
    let (y, m, d) = civil_from_days(day_of(s));
    let t = s.rem_euclid(SECONDS_PER_DAY);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

/// Unix seconds of an RFC 3339 date-time: `YYYY-MM-DD`, `T` (or `t` or a space),
/// `HH:MM:SS`, an optional fraction (dropped: times are kept to the second), then `Z` or
/// `±HH:MM`. `None` for anything else, including leap second 60 and dates that do not exist.
pub fn parse_rfc3339(text: &[u8]) -> Option<i64> {
    if text.len() < 20 || !matches!(text[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        text.get(at..at + len)?
            .iter()
            .try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| text[i] != c) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &text[19..];
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &rest[1 + digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let [h1, h2, m1, m2] = digits.map(|b| i64::from(b - b'0'));
            let (h, m) = (h1 * 10 + h2, m1 * 10 + m2);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' { h * 3600 + m * 60 } else { -(h * 3600 + m * 60) }
        }
        _ => return None,
    };
    let days = i64::from(days_from_civil(year as i32, month, day));
    let local = days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second);
    Some(local - offset)
}

/// Days in a month of the proleptic Gregorian calendar; `month` is 1–12.
fn days_in_month(year: u32, month: u32) -> u32 {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    DAYS[(month as usize - 1) % 12] + u32::from(month == 2 && leap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_offsets_and_fractions() {
        assert_eq!(parse_rfc3339(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339(b"2025-03-01T12:34:56Z"), Some(1_740_832_496));
        assert_eq!(parse_rfc3339(b"2025-03-01T14:34:56.789+02:00"), Some(1_740_832_496));
        assert_eq!(parse_rfc3339(b"2025-03-01 07:34:56-05:00"), Some(1_740_832_496));
        assert_eq!(parse_rfc3339(b"1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        assert_eq!(parse_rfc3339(b"2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339(b"2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "2025-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-00-01T00:00:00Z",
            "2025-03-01T24:00:00Z",
            "2025-03-01T12:34:56",
            "2025-03-01",
            "2025-03-01T12:34:56.Z",
            "2025-03-01T12:34:56+2:00",
            "２025-03-01T12:34:56Z",
        ] {
            assert_eq!(parse_rfc3339(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn formats_as_utc_and_round_trips() {
        assert_eq!(format_rfc3339(1_740_832_496), "2025-03-01T12:34:56Z");
        for s in [MIN_SECONDS, -1, 0, 951_782_400, MAX_SECONDS] {
            assert_eq!(parse_rfc3339(format_rfc3339(s).as_bytes()), Some(s));
        }
    }
}
