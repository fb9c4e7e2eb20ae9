//! Business hours: which hours of which weekdays count, in which time zone, and how much of them lies
//! between two instants (the clock of a response-time target). One span per weekday, not running past
//! midnight; no public holidays.
//!
//! The text form is `;`-separated clauses: days and hours (`mon-fri 09:00-17:00`, `sat 10:00-14:00`,
//! `mon,wed-fri 08:30-12:00`) and at most one IANA time zone (`Europe/Berlin`; UTC when none is
//! given). Days are `mon` … `sun`, case-insensitive; a range may wrap (`fri-mon`); `24:00` ends a day.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use tenure_domain::Timestamp;

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// Opening hours per weekday in a time zone. Parsed from and displayed as the text form in the
/// module doc; [`Display`](fmt::Display) writes a canonical form that parses back to the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BusinessHours {
    /// Indexed by days from Monday.
    days: [Option<Span>; 7],
    zone: Tz,
}

/// Minutes after local midnight, `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Span {
    start: u16,
    end: u16,
}

/// Why a business-hours text was refused; quotes the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusinessHoursError {
    /// No day has hours.
    #[error("no business hours given: write days and hours like `mon-fri 09:00-17:00`")]
    NoHours,
    /// A day name that is not one of `mon` … `sun`.
    #[error("`{0}` is not a day: use mon, tue, wed, thu, fri, sat or sun")]
    UnknownDay(String),
    /// Days without hours after them.
    #[error("`{0}` has no hours: write them after the days, like `{0} 09:00-17:00`")]
    MissingHours(String),
    /// Hours not of the form `HH:MM-HH:MM`.
    #[error("`{0}` is not a span of hours: write it like `09:00-17:00`")]
    BadHours(String),
    /// A span that does not end after it starts.
    #[error("`{0}` does not end after it starts (hours cannot run past midnight; 24:00 ends a day)")]
    EmptySpan(String),
    /// The same day in two clauses.
    #[error("`{0}` is given hours twice: at most one span per day")]
    DayTwice(String),
    /// A clause that is neither days with hours nor a time zone.
    #[error(
        "`{0}` is neither days with hours (like `mon-fri 09:00-17:00`) nor a time zone (like `Europe/Berlin`)"
    )]
    UnknownClause(String),
    /// More than one time zone.
    #[error("two time zones given: `{0}` and `{1}`")]
    ZoneTwice(String, String),
}

impl BusinessHours {
    /// The time zone the hours are read in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The same hours read in `zone`.
    pub fn with_zone(self, zone: Tz) -> BusinessHours {
        BusinessHours { zone, ..self }
    }

    /// Seconds of business time in `[from, to)`; 0 when `to <= from`. Sub-second parts of the
    /// instants count, and the sum is truncated to whole seconds.
    ///
    /// Each day's span is turned into instants with the zone's rules for that date, so a span
    /// across a DST change lasts what the clock on the wall says: `00:00-24:00` is 23 hours on the
    /// spring-forward day. A local time that does not exist (in the spring gap) is read with the
    /// offset before the gap, i.e. moved forward by the gap's length, as RFC 5545 §3.3.5 does; one
    /// that exists twice (autumn) is its earlier instant. Linear in the number of days spanned.
    pub fn elapsed_seconds(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        // A day early: a span ending at 24:00, or a time read forward out of a DST gap at midnight,
        // reaches into the next local date.
        let local_first = from.with_timezone(&self.zone).date_naive();
        let first = local_first.pred_opt().unwrap_or(local_first);
        let last = to.with_timezone(&self.zone).date_naive();
        let mut total = TimeDelta::zero();
        for date in first.iter_days().take_while(|date| *date <= last) {
            let Some(span) = self.days[date.weekday().num_days_from_monday() as usize] else {
                continue;
            };
            let start = self.instant(date, span.start).max(from);
            let end = self.instant(date, span.end).min(to);
            if end > start {
                total += end - start;
            }
        }
        total.num_seconds()
    }

    /// The instant of `minutes` after midnight on local `date` (1440: the next midnight).
    fn instant(&self, date: NaiveDate, minutes: u16) -> Timestamp {
        let local =
            date.and_time(chrono::NaiveTime::MIN).checked_add_signed(TimeDelta::minutes(minutes.into()));
        let Some(local) = local else { return DateTime::<Utc>::MAX_UTC };
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            LocalResult::None => self.read_with_offset_before(local),
        }
    }

    /// `local` (inside a DST gap) read with the UTC offset in force a day before it.
    fn read_with_offset_before(&self, local: NaiveDateTime) -> Timestamp {
        let day_before = local.checked_sub_signed(TimeDelta::days(1)).unwrap_or(local).and_utc();
        let offset = self.zone.offset_from_utc_datetime(&day_before.naive_utc()).fix();
        let utc = local.checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into()));
        utc.map_or(DateTime::<Utc>::MAX_UTC, |utc| utc.and_utc())
    }
}

impl FromStr for BusinessHours {
    type Err = BusinessHoursError;

    fn from_str(text: &str) -> Result<BusinessHours, BusinessHoursError> {
        let mut days = [None; 7];
        let mut zone: Option<(Tz, &str)> = None;
        for clause in text.split(';').map(str::trim).filter(|clause| !clause.is_empty()) {
            let Some((day_list, hours)) = clause.split_once(char::is_whitespace) else {
                let parsed = parse_zone(clause)?;
                if let Some((_, earlier)) = zone {
                    return Err(BusinessHoursError::ZoneTwice(earlier.into(), clause.into()));
                }
                zone = Some((parsed, clause));
                continue;
            };
            let span = parse_span(hours)?;
            for day in parse_days(day_list)? {
                if days[day].replace(span).is_some() {
                    return Err(BusinessHoursError::DayTwice(DAY_NAMES[day].into()));
                }
            }
        }
        if days.iter().all(Option::is_none) {
            return Err(BusinessHoursError::NoHours);
        }
        Ok(BusinessHours { days, zone: zone.map_or(Tz::UTC, |(zone, _)| zone) })
    }
}

/// A lone word: a time zone, or days someone forgot to give hours.
fn parse_zone(word: &str) -> Result<Tz, BusinessHoursError> {
    if let Ok(zone) = word.parse::<Tz>() {
        return Ok(zone);
    }
    if parse_days(word).is_ok() {
        return Err(BusinessHoursError::MissingHours(word.into()));
    }
    Err(BusinessHoursError::UnknownClause(word.into()))
}

/// `mon`, `mon-fri`, `fri-mon` (wrapping) or a `,`-list of those, as days from Monday.
fn parse_days(list: &str) -> Result<Vec<usize>, BusinessHoursError> {
    let mut days = Vec::new();
    for item in list.split(',') {
        let (first, last) = item.split_once('-').unwrap_or((item, item));
        let (first, last) = (day_index(first)?, day_index(last)?);
        let count = (last + 7 - first) % 7 + 1;
        days.extend((0..count).map(|step| (first + step) % 7));
    }
    Ok(days)
}

fn day_index(name: &str) -> Result<usize, BusinessHoursError> {
    let name = name.trim();
    DAY_NAMES
        .iter()
        .position(|day| day.eq_ignore_ascii_case(name))
        .ok_or_else(|| BusinessHoursError::UnknownDay(name.into()))
}

/// `HH:MM-HH:MM`, spaces allowed around the dash; hours may have one digit.
fn parse_span(text: &str) -> Result<Span, BusinessHoursError> {
    let text = text.trim();
    let bad = || BusinessHoursError::BadHours(text.into());
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let (start, end) = (minutes_of(start.trim()).ok_or_else(bad)?, minutes_of(end.trim()).ok_or_else(bad)?);
    if start >= end {
        return Err(BusinessHoursError::EmptySpan(text.into()));
    }
    Ok(Span { start, end })
}

/// Minutes after midnight of `H:MM` or `HH:MM`, `00:00` to `24:00`.
fn minutes_of(time: &str) -> Option<u16> {
    let (hours, minutes) = time.split_once(':')?;
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&hours.len()) || minutes.len() != 2 || !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

impl fmt::Display for BusinessHours {
    /// Days sharing a span are one clause, in order of their first day; runs of two or more days
    /// are written as ranges; the zone comes last, always.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = [false; 7];
        for first in 0..7 {
            let Some(span) = self.days[first].filter(|_| !written[first]) else { continue };
            let same: Vec<usize> = (first..7).filter(|&day| self.days[day] == Some(span)).collect();
            same.iter().for_each(|&day| written[day] = true);
            write!(f, "{} {}; ", day_runs(&same), span)?;
        }
        write!(f, "{}", self.zone.name())
    }
}

/// `mon-wed,fri` for days 0, 1, 2 and 4 (given ascending).
fn day_runs(days: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    let run = |&(first, last): &(usize, usize)| {
        if first == last {
            DAY_NAMES[first].to_string()
        } else {
            format!("{}-{}", DAY_NAMES[first], DAY_NAMES[last])
        }
    };
    runs.iter().map(run).collect::<Vec<_>>().join(",")
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", start / 60, start % 60, end / 60, end % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hours(text: &str) -> BusinessHours {
        text.parse().unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn parses_and_displays_canonically() {
        let cases = [
            ("mon-fri 09:00-17:00; sat 10:00-14:00", "mon-fri 09:00-17:00; sat 10:00-14:00; UTC"),
            (
                "Mon,Wed 9:00 - 12:00; fri-sun 08:30-24:00;; Europe/Berlin;",
                "mon,wed 09:00-12:00; fri-sun 08:30-24:00; Europe/Berlin",
            ),
            ("sat-tue 10:00-11:00", "mon-tue,sat-sun 10:00-11:00; UTC"),
            ("America/New_York; sun 00:00-24:00", "sun 00:00-24:00; America/New_York"),
        ];
        for (text, canonical) in cases {
            let parsed = hours(text);
            assert_eq!(parsed.to_string(), canonical);
            assert_eq!(hours(canonical), parsed, "{canonical} parses back");
        }
    }

    #[test]
    fn refuses_bad_text_with_the_part_at_fault() {
        use BusinessHoursError::*;
        let cases = [
            ("", NoHours),
            ("Europe/Berlin", NoHours),
            ("mon-fry 09:00-17:00", UnknownDay("fry".into())),
            ("mon-fri", MissingHours("mon-fri".into())),
            ("mon 9-17", BadHours("9-17".into())),
            ("mon 09:00-24:30", BadHours("09:00-24:30".into())),
            ("mon 17:00-09:00", EmptySpan("17:00-09:00".into())),
            ("mon-fri 09:00-17:00; fri 10:00-12:00", DayTwice("fri".into())),
            ("Mars/Olympus", UnknownClause("Mars/Olympus".into())),
            ("mon 09:00-10:00; UTC; Europe/Berlin", ZoneTwice("UTC".into(), "Europe/Berlin".into())),
        ];
        for (text, error) in cases {
            assert_eq!(text.parse::<BusinessHours>(), Err(error), "{text}");
        }
    }

    #[test]
    fn counts_only_business_time_across_a_weekend() {
        let office = hours("mon-fri 09:00-17:00");
        // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(office.elapsed_seconds(utc("2026-06-05T16:00:00Z"), utc("2026-06-08T10:00:00Z")), 7200);
        // A whole week from Monday midnight.
        assert_eq!(
            office.elapsed_seconds(utc("2026-06-01T00:00:00Z"), utc("2026-06-08T00:00:00Z")),
            5 * 8 * 3600
        );
        assert_eq!(office.elapsed_seconds(utc("2026-06-06T00:00:00Z"), utc("2026-06-07T23:59:59Z")), 0);
        assert_eq!(office.elapsed_seconds(utc("2026-06-01T10:00:00Z"), utc("2026-06-01T10:00:00Z")), 0);
        assert_eq!(office.elapsed_seconds(utc("2026-06-02T10:00:00Z"), utc("2026-06-01T10:00:00Z")), 0);
    }

    #[test]
    fn reads_the_hours_in_the_zone() {
        let berlin = hours("mon-fri 09:00-17:00; Europe/Berlin");
        // 09:00 in Berlin in June is 07:00Z.
        assert_eq!(berlin.elapsed_seconds(utc("2026-06-01T06:00:00Z"), utc("2026-06-01T08:00:00Z")), 3600);
        assert_eq!(berlin.with_zone(Tz::UTC).zone(), Tz::UTC);
    }

    #[test]
    fn follows_the_wall_clock_across_dst_changes_in_berlin() {
        let always = hours("mon-sun 00:00-24:00; Europe/Berlin");
        // 29 March 2026 has 23 hours, 25 October 2026 has 25.
        assert_eq!(
            always.elapsed_seconds(utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z")),
            23 * 3600
        );
        assert_eq!(
            always.elapsed_seconds(utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z")),
            25 * 3600
        );
        let sunday_night = hours("sun 01:00-04:00; Europe/Berlin");
        // Two Sundays: 01:00 CET to 04:00 CEST is two hours, the next one three.
        assert_eq!(
            sunday_night.elapsed_seconds(utc("2026-03-23T00:00:00Z"), utc("2026-04-06T00:00:00Z")),
            5 * 3600
        );
        // 01:00 CEST to 04:00 CET in October, through the repeated hour, is four.
        assert_eq!(
            sunday_night.elapsed_seconds(utc("2026-10-24T00:00:00Z"), utc("2026-10-26T00:00:00Z")),
            4 * 3600
        );
    }

    #[test]
    fn reads_a_start_inside_the_spring_gap_with_the_offset_before_it() {
        // 02:30 does not exist on 29 March 2026 in Berlin: read as 02:30+01:00, i.e. 03:30 CEST.
        let early = hours("sun 02:30-05:00; Europe/Berlin");
        let sunday = (utc("2026-03-28T12:00:00Z"), utc("2026-03-30T00:00:00Z"));
        assert_eq!(early.elapsed_seconds(sunday.0, sunday.1), 90 * 60);
    }

    proptest! {
        #[test]
        fn elapsed_time_adds_up_and_never_exceeds_the_interval(
            a in 1_700_000_000i64..1_900_000_000,
            b in 0i64..3_000_000,
            c in 0i64..3_000_000,
            zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"]),
        ) {
            let office = hours(&format!("mon-fri 08:00-18:30; sat 00:00-02:30; sun 23:00-24:00; {zone}"));
            let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or_default();
            let (from, middle, to) = (at(a), at(a + b), at(a + b + c));
            let whole = office.elapsed_seconds(from, to);
            prop_assert_eq!(whole, office.elapsed_seconds(from, middle) + office.elapsed_seconds(middle, to));
            prop_assert!(whole >= 0 && whole <= b + c);
        }
    }
}
