//! Calendar arithmetic on day numbers: civil dates, the [`Date`] newtype that serialises as
//! `YYYY-MM-DD`, and calendar periods (ISO week, month, quarter) of a day.
//!
//! A day number counts days since 1970-01-01 in the proleptic Gregorian calendar, in the shop's
//! time zone (PRODUCT.md §2: "dates are calendar days in the shop's time zone"). Converting an
//! instant to a day is the caller's job; this module knows no time zones and no clock.

use std::fmt;
use std::str::FromStr;

use crate::MetricsError;

/// First supported day: 0000-01-01.
pub const MIN_DAY: i32 = -719_528;
/// Last supported day: 9999-12-31.
pub const MAX_DAY: i32 = 2_932_896;

/// Day number (days since 1970-01-01) of the civil date `year-month-day`.
///
/// Proleptic Gregorian calendar; `month` is 1–12 and `day` 1–31 (not checked against the month:
/// use [`Date::from_ymd`] for a validated date). Era-based arithmetic on 400-year cycles.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let (m, d) = (month as i32, day as i32);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = if m > 2 { m - 3 } else { m + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Civil date `(year, month 1–12, day 1–31)` of a day number; inverse of [`days_from_civil`].
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    (year, month as u32, day as u32)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next =
        if month == 12 { days_from_civil(year + 1, 1, 1) } else { days_from_civil(year, month + 1, 1) };
    (next - days_from_civil(year, month, 1)) as u32
}

/// A calendar day between 0000-01-01 and 9999-12-31, stored as its day number.
///
/// Serialises as `"YYYY-MM-DD"`; parses from the same form. `Date` values mean "the end of that
/// day" wherever PRODUCT.md §2 speaks of a date `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// The date of a day number, or an error when outside 0000-01-01..=9999-12-31.
    pub fn from_days(days: i32) -> Result<Self, MetricsError> {
        if (MIN_DAY..=MAX_DAY).contains(&days) {
            Ok(Self(days))
        } else {
            Err(MetricsError::DayOutOfRange(days))
        }
    }

    /// A validated civil date, or `None` if it does not exist (e.g. 1997-02-29) or is out of range.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (0..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then(|| Self(days_from_civil(year, month, day)))
    }

    /// The date of a day number clamped into the supported range.
    pub(crate) fn saturating(days: i32) -> Self {
        Self(days.clamp(MIN_DAY, MAX_DAY))
    }

    /// Day number (days since 1970-01-01).
    pub fn days(self) -> i32 {
        self.0
    }

    /// `(year, month, day)` of this date.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Date {
    type Err = MetricsError;

    /// Parses exactly `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || MetricsError::InvalidDate(text.to_owned());
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |range: std::ops::Range<usize>| -> Result<u32, MetricsError> {
            let part = &text[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Date::from_ymd(y as i32, m, d).ok_or_else(bad)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    /// Reads `YYYY-MM-DD`, as [`Date`] serialises.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A calendar period used for cohorts and series.
///
/// Weeks are ISO weeks (Monday to Sunday); months and quarters are civil ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO week, Monday to Sunday; labelled `YYYY-Www` with the ISO week-numbering year.
    Week,
    /// Calendar month; labelled `YYYY-MM`.
    Month,
    /// Calendar quarter (Jan–Mar, …); labelled `YYYY-Qn`.
    Quarter,
}

impl Period {
    /// Index of the period containing `day`; consecutive periods have consecutive indices.
    ///
    /// Months count from 0000-01, quarters from 0000-Q1, weeks from the Monday 1969-12-29.
    pub fn index_of(self, day: i32) -> i32 {
        match self {
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                y * 12 + m as i32 - 1
            }
            Period::Quarter => {
                let (y, m, _) = civil_from_days(day);
                y * 4 + (m as i32 - 1) / 3
            }
        }
    }

    /// First day of the period with this index.
    pub fn first_day(self, index: i32) -> i32 {
        match self {
            Period::Week => index * 7 - 3,
            Period::Month => days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1),
            Period::Quarter => days_from_civil(index.div_euclid(4), index.rem_euclid(4) as u32 * 3 + 1, 1),
        }
    }

    /// Last day of the period with this index.
    pub fn last_day(self, index: i32) -> i32 {
        self.first_day(index + 1) - 1
    }

    /// Human label of the period with this index: `1997-01`, `1997-Q1`, `1997-W01`.
    pub fn label(self, index: i32) -> String {
        match self {
            Period::Week => {
                let thursday = index * 7;
                let (iso_year, _, _) = civil_from_days(thursday);
                let week = (thursday - days_from_civil(iso_year, 1, 1)) / 7 + 1;
                format!("{iso_year:04}-W{week:02}")
            }
            Period::Month => format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Period::Quarter => format!("{:04}-Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
        }
    }
}

impl FromStr for Period {
    type Err = MetricsError;

    /// Parses `week`, `month` or `quarter`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            _ => Err(MetricsError::InvalidPeriodName(text.to_owned())),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_and_known_dates_have_the_expected_day_numbers() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        // 2000-03-01: 30 years incl. 7 leap days (72..96, 2000 is leap) = 10957 to 2000-01-01, +31+29.
        assert_eq!(days_from_civil(2000, 3, 1), 10_957 + 60);
        assert_eq!(days_from_civil(0, 1, 1), MIN_DAY);
        assert_eq!(days_from_civil(9999, 12, 31), MAX_DAY);
    }

    #[test]
    fn civil_from_days_inverts_days_from_civil_over_the_whole_range() {
        let mut expected = (0, 1, 1);
        for day in MIN_DAY..=MAX_DAY {
            assert_eq!(civil_from_days(day), expected, "day {day}");
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), day);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn february_has_29_days_only_in_gregorian_leap_years() {
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1996, 2), 29);
        assert_eq!(days_in_month(1997, 2), 28);
    }

    #[test]
    fn dates_parse_and_print_as_iso_and_reject_impossible_days() {
        let d: Date = "1997-01-31".parse().unwrap();
        assert_eq!(d.to_string(), "1997-01-31");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1997-01-31\"");
        assert_eq!(serde_json::from_str::<Date>("\"1997-01-31\"").unwrap(), d);
        assert!(serde_json::from_str::<Date>("\"1997-02-29\"").is_err());
        for bad in ["1997-02-29", "1997-13-01", "1997-1-01", "19970101", "1997-01-32", "+997-01-01"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!(Date::from_days(MAX_DAY + 1).is_err());
    }

    #[test]
    fn iso_weeks_start_on_monday_and_use_the_iso_year() {
        // 1970-01-01 was a Thursday, so its ISO week began Monday 1969-12-29.
        let w = Period::Week.index_of(0);
        assert_eq!(Period::Week.first_day(w), days_from_civil(1969, 12, 29));
        assert_eq!(Period::Week.label(w), "1970-W01");
        // 2021-01-03 (Sunday) belongs to 2020-W53; 2021-01-04 (Monday) starts 2021-W01.
        assert_eq!(Period::Week.label(Period::Week.index_of(days_from_civil(2021, 1, 3))), "2020-W53");
        assert_eq!(Period::Week.label(Period::Week.index_of(days_from_civil(2021, 1, 4))), "2021-W01");
        // 2008-12-29 (Monday) is in 2009-W01.
        assert_eq!(Period::Week.label(Period::Week.index_of(days_from_civil(2008, 12, 29))), "2009-W01");
    }

    #[test]
    fn months_and_quarters_have_civil_bounds_and_labels() {
        let feb = Period::Month.index_of(days_from_civil(1996, 2, 10));
        assert_eq!(Period::Month.label(feb), "1996-02");
        assert_eq!(Period::Month.first_day(feb), days_from_civil(1996, 2, 1));
        assert_eq!(Period::Month.last_day(feb), days_from_civil(1996, 2, 29));
        let q = Period::Quarter.index_of(days_from_civil(1997, 12, 31));
        assert_eq!(Period::Quarter.label(q), "1997-Q4");
        assert_eq!(Period::Quarter.first_day(q), days_from_civil(1997, 10, 1));
        assert_eq!(Period::Quarter.last_day(q), days_from_civil(1997, 12, 31));
        assert_eq!(Period::Quarter.index_of(days_from_civil(1998, 1, 1)), q + 1);
    }
}
