//! Date and time formats found in shop exports, all turned into UTC instants.
//!
//! Date-only values (CDNOW `YYYYMMDD`, Etsy `MM/DD/YY`) become 12:00:00 UTC of that day, so the
//! calendar day stays the same in every shop time zone from UTC−11 to UTC+11. Local times without
//! a zone (OpenCart `date_added`, generic CSV date-times without an offset) are read in the zone
//! the import is given (`--source-time-zone`, UTC by default); WooCommerce's `date_created_gmt`
//! is UTC by name.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tenure_domain::Timestamp;

/// 12:00:00 UTC on `date`: the instant that stands for a date-only value.
pub(crate) fn noon_utc(date: NaiveDate) -> Timestamp {
    let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("12:00:00 is a valid time");
    date.and_time(noon).and_utc()
}

/// `19970101` (CDNOW).
pub(crate) fn yyyymmdd(text: &str) -> Option<NaiveDate> {
    let digits = text.as_bytes();
    if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Read directly rather than through a strftime pattern: CDNOW files have a date on every
    // line, and parsing the pattern each time cost more than the rest of the line.
    let number = |range: std::ops::Range<usize>| {
        digits[range].iter().fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0'))
    };
    let year = i32::try_from(number(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, number(4..6), number(6..8))
}

/// `01/31/24` (Etsy), also `01/31/2024`. Two-digit years 00–68 are 2000–2068, 69–99 are 1969–1999.
pub(crate) fn us_date(text: &str) -> Option<NaiveDate> {
    let year_digits = text.rsplit('/').next().map_or(0, str::len);
    match year_digits {
        2 => NaiveDate::parse_from_str(text, "%m/%d/%y").ok(),
        4 => NaiveDate::parse_from_str(text, "%m/%d/%Y").ok(),
        _ => None,
    }
}

/// `2024-05-01 10:00:00 -0500` (Shopify), or any RFC 3339 / ISO 8601 time with an offset.
pub(crate) fn with_offset(text: &str) -> Option<Timestamp> {
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z")
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M %z"))
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// `2024-01-01 10:00:00` or `2024-01-01T10:00:00(.fff)`, without a zone: read as UTC.
pub(crate) fn naive_utc(text: &str) -> Option<Timestamp> {
    naive(text).map(|time| time.and_utc())
}

/// The same, read as a wall-clock time in `zone` ([`local_to_utc`]).
pub(crate) fn naive_in(text: &str, zone: Tz) -> Option<Timestamp> {
    naive(text).map(|time| local_to_utc(time, zone))
}

fn naive(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// The instant a clock in `zone` showed `local`. When clocks go back, the hour shown twice is
/// read as its first occurrence; when they go forward, a time in the skipped hour (which a
/// server's clock cannot show, but a typed or converted one can) is read with the offset before
/// the change, so 02:30 on a spring-forward day in Berlin is 01:30 UTC.
pub(crate) fn local_to_utc(local: NaiveDateTime, zone: Tz) -> Timestamp {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) | LocalResult::Ambiguous(time, _) => time.with_timezone(&Utc),
        LocalResult::None => {
            // An hour earlier exists (no zone skips more than an hour at a time but a few that
            // skipped a day, for which this still gives a time on the right side).
            let before = zone.from_local_datetime(&(local - Duration::hours(1))).earliest();
            before.map_or_else(|| local.and_utc(), |time| time.with_timezone(&Utc) + Duration::hours(1))
        }
    }
}

/// ISO 8601: a date (noon UTC), a date-time without offset (in `zone`) or with one (`Z`,
/// `+02:00`).
pub(crate) fn iso8601(text: &str, zone: Tz) -> Option<Timestamp> {
    match plain_date_time(text) {
        Some((time, true)) => Some(time.and_utc()),
        Some((time, false)) => Some(local_to_utc(time, zone)),
        None => iso8601_by_patterns(text, zone),
    }
}

/// [`iso8601`] through chrono's patterns only.
fn iso8601_by_patterns(text: &str, zone: Tz) -> Option<Timestamp> {
    with_offset(text)
        .or_else(|| naive_in(text, zone))
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(noon_utc))
}

/// The two shapes most exports write, read directly: `2024-01-01 10:00:00` (no zone: `false`)
/// and `2024-01-01T10:00:00Z` (UTC: `true`); `None` for anything else, even a valid time, which
/// the patterns then read. An import of interactions spent a tenth of its time trying chrono's
/// patterns one after the other on each row. The same answers as the patterns: a property test
/// below compares them.
fn plain_date_time(text: &str) -> Option<(NaiveDateTime, bool)> {
    let b = text.as_bytes();
    let utc = match (b.len(), b.get(10)) {
        (19, Some(b' ')) => false,
        (20, Some(b'T')) if b[19] == b'Z' => true,
        _ => return None,
    };
    let separators_right = b[4] == b'-' && b[7] == b'-' && b[13] == b':' && b[16] == b':';
    let number = |at: usize, len: usize| {
        b[at..at + len].iter().try_fold(0u32, |value, &digit| {
            digit.is_ascii_digit().then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    if !separators_right {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0, 4)?).ok()?, number(5, 2)?, number(8, 2)?)?;
    // A 60th second (a leap second) is left to the patterns.
    let time = NaiveTime::from_hms_opt(number(11, 2)?, number(14, 2)?, number(17, 2)?)?;
    Some((date.and_time(time), utc))
}

/// `text` in a chrono `strftime` format: with an offset, as a date-time in `zone`, or as a date
/// (noon UTC).
pub(crate) fn with_format(text: &str, format: &str, zone: Tz) -> Option<Timestamp> {
    DateTime::parse_from_str(text, format)
        .map(|time| time.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, format).ok().map(|time| local_to_utc(time, zone)))
        .or_else(|| NaiveDate::parse_from_str(text, format).ok().map(noon_utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The direct reading of the two common shapes agrees with chrono's patterns on any
        /// digits in them (impossible dates and times included) and in any zone.
        #[test]
        fn plain_date_times_read_as_the_patterns_read_them(
            digits in proptest::collection::vec(0u8..10, 14),
            separator in prop_oneof![Just(" "), Just("T")],
            end in prop_oneof![Just(""), Just("Z")],
            zone in prop_oneof![Just(chrono_tz::UTC), Just(chrono_tz::Europe::Berlin), Just(chrono_tz::America::New_York)],
        ) {
            let d: String = digits.iter().map(|n| char::from(b'0' + n)).collect();
            let text = format!(
                "{}-{}-{}{separator}{}:{}:{}{end}",
                &d[0..4], &d[4..6], &d[6..8], &d[8..10], &d[10..12], &d[12..14]
            );
            prop_assert_eq!(iso8601(&text, zone), iso8601_by_patterns(&text, zone), "{}", text);
        }

        /// Likely values too: real dates and times, where the digits above are mostly impossible.
        #[test]
        fn plain_real_date_times_read_as_the_patterns_read_them(
            seconds in 0i64..4_102_444_800,
            separator in prop_oneof![Just(" "), Just("T")],
            end in prop_oneof![Just(""), Just("Z")],
        ) {
            let time = DateTime::from_timestamp(seconds, 0).unwrap().naive_utc();
            let text = format!("{}{separator}{}{end}", time.format("%Y-%m-%d"), time.format("%H:%M:%S"));
            let zone = chrono_tz::Europe::Berlin;
            prop_assert_eq!(iso8601(&text, zone), iso8601_by_patterns(&text, zone), "{}", text);
            if (separator, end) == (" ", "") || (separator, end) == ("T", "Z") {
                prop_assert!(plain_date_time(&text).is_some(), "the quick path reads {}", text);
            }
        }
    }

    fn utc(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn date_only_values_are_noon_utc() {
        assert_eq!(yyyymmdd("19970101").map(noon_utc), Some(utc("1997-01-01T12:00:00Z")));
        assert_eq!(us_date("01/31/24").map(noon_utc), Some(utc("2024-01-31T12:00:00Z")));
        assert_eq!(us_date("01/31/2024").map(noon_utc), Some(utc("2024-01-31T12:00:00Z")));
    }

    #[test]
    fn yyyymmdd_reads_what_the_strftime_pattern_reads() {
        // Every day from year 0 to 9999 would take long; these cover month and day edges,
        // leap years and impossible dates in several centuries.
        for year in [0, 1, 4, 99, 100, 400, 1900, 1996, 1997, 2000, 2024, 2100, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32, 99] {
                    let text = format!("{year:04}{month:02}{day:02}");
                    assert_eq!(yyyymmdd(&text), NaiveDate::parse_from_str(&text, "%Y%m%d").ok(), "{text}");
                }
            }
        }
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert_eq!(us_date("13/45/24"), None);
        assert_eq!(yyyymmdd("19970231"), None);
        assert_eq!(yyyymmdd("1997011"), None);
        assert_eq!(us_date("1/2/345"), None);
    }

    #[test]
    fn shopify_times_carry_their_offset() {
        assert_eq!(with_offset("2024-05-01 10:00:00 -0500"), Some(utc("2024-05-01T15:00:00Z")));
        assert_eq!(with_offset("2024-05-01T10:00:00+02:00"), Some(utc("2024-05-01T08:00:00Z")));
    }

    #[test]
    fn zoneless_times_are_utc() {
        assert_eq!(naive_utc("2024-01-01 10:00:00"), Some(utc("2024-01-01T10:00:00Z")));
        assert_eq!(naive_utc("2024-01-01T10:00:00"), Some(utc("2024-01-01T10:00:00Z")));
        assert_eq!(naive_utc("0000-00-00 00:00:00"), None);
    }

    #[test]
    fn iso8601_accepts_dates_and_times_with_or_without_offset() {
        let utc_zone = Tz::UTC;
        assert_eq!(iso8601("2024-03-02", utc_zone), Some(utc("2024-03-02T12:00:00Z")));
        assert_eq!(iso8601("2024-03-02T08:00:00Z", utc_zone), Some(utc("2024-03-02T08:00:00Z")));
        assert_eq!(iso8601("2024-03-02 08:00:00", utc_zone), Some(utc("2024-03-02T08:00:00Z")));
        assert_eq!(iso8601("2024-03-02T08:00:00-01:00", utc_zone), Some(utc("2024-03-02T09:00:00Z")));
        assert_eq!(iso8601("yesterday", utc_zone), None);
        // Only the time without an offset moves with the zone; a date stays noon UTC.
        let berlin = Tz::Europe__Berlin;
        assert_eq!(iso8601("2024-03-02 08:00:00", berlin), Some(utc("2024-03-02T07:00:00Z")));
        assert_eq!(iso8601("2024-03-02T08:00:00Z", berlin), Some(utc("2024-03-02T08:00:00Z")));
        assert_eq!(iso8601("2024-03-02", berlin), Some(utc("2024-03-02T12:00:00Z")));
    }

    #[test]
    fn custom_formats_read_dates_and_times() {
        assert_eq!(with_format("02.03.2024", "%d.%m.%Y", Tz::UTC), Some(utc("2024-03-02T12:00:00Z")));
        assert_eq!(
            with_format("02/03/2024 14:05", "%d/%m/%Y %H:%M", Tz::UTC),
            Some(utc("2024-03-02T14:05:00Z"))
        );
        let new_york = Tz::America__New_York;
        assert_eq!(
            with_format("02/03/2024 14:05", "%d/%m/%Y %H:%M", new_york),
            Some(utc("2024-03-02T19:05:00Z"))
        );
    }

    #[test]
    fn local_times_follow_the_zones_daylight_saving_rules() {
        let berlin = Tz::Europe__Berlin;
        let at = |text: &str| naive_in(text, berlin);
        assert_eq!(at("2024-01-15 23:30:00"), Some(utc("2024-01-15T22:30:00Z")), "winter: UTC+1");
        assert_eq!(at("2024-07-15 23:30:00"), Some(utc("2024-07-15T21:30:00Z")), "summer: UTC+2");
        // 2024-03-31 02:00 → 03:00: 02:30 does not exist; read with the offset before (+1).
        assert_eq!(at("2024-03-31 02:30:00"), Some(utc("2024-03-31T01:30:00Z")));
        assert_eq!(at("2024-03-31 03:30:00"), Some(utc("2024-03-31T01:30:00Z")));
        // 2024-10-27 03:00 → 02:00: 02:30 happens twice; the first is taken (+2).
        assert_eq!(at("2024-10-27 02:30:00"), Some(utc("2024-10-27T00:30:00Z")));
        let new_york = |text: &str| naive_in(text, Tz::America__New_York);
        assert_eq!(
            new_york("2024-11-03 01:30:00"),
            Some(utc("2024-11-03T05:30:00Z")),
            "EDT, the first 01:30"
        );
        assert_eq!(
            new_york("2024-03-10 02:30:00"),
            Some(utc("2024-03-10T07:30:00Z")),
            "the skipped hour, read as EST"
        );
    }
}
