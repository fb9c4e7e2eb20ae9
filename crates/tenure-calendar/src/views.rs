//! The calendar page's views: which days a day, week or month view shows, where "previous" and
//! "next" go, the rows of the month grid and the heading. Weeks start on Monday and are numbered as
//! in ISO 8601; headings are English. Dates only: what falls on them is the caller's business.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How much of the calendar one page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// One day.
    Day,
    /// Monday to Sunday.
    Week,
    /// A month, as the Monday-to-Sunday weeks covering it.
    Month,
}

/// A view name that is not `day`, `week` or `month`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a calendar view: use day, week or month")]
pub struct ViewError(pub String);

impl View {
    /// Every view, in menu order.
    pub const ALL: [View; 3] = [View::Day, View::Week, View::Month];

    /// `day`, `week` or `month`: the name in URLs and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Day => "day",
            View::Week => "week",
            View::Month => "month",
        }
    }
}

impl FromStr for View {
    type Err = ViewError;

    /// The [`as_str`](View::as_str) names, case-insensitive.
    fn from_str(name: &str) -> Result<View, ViewError> {
        View::ALL
            .into_iter()
            .find(|view| view.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ViewError(name.into()))
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first and last day (inclusive) that `view` shows around `date`: the day itself; its
/// Monday-to-Sunday week; or the Monday on or before the 1st of its month to the Sunday on or after
/// the month's last day (4 to 6 whole weeks). Clamped at the ends of [`NaiveDate`]'s range.
pub fn range(view: View, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        View::Day => (date, date),
        View::Week => week_of(date),
        View::Month => {
            let (first, last) = month_of(date);
            (week_of(first).0, week_of(last).1)
        }
    }
}

/// The date `view` shows before `date`'s: a day, a week, or a month earlier (the same day of the
/// month, or the month's last day when it is shorter: 31 March → 28 February). `date` itself at the
/// start of [`NaiveDate`]'s range.
pub fn previous(view: View, date: NaiveDate) -> NaiveDate {
    let earlier = match view {
        View::Day => date.checked_sub_days(Days::new(1)),
        View::Week => date.checked_sub_days(Days::new(7)),
        View::Month => date.checked_sub_months(Months::new(1)),
    };
    earlier.unwrap_or(date)
}

/// The date `view` shows after `date`'s, as [`previous`] but forward (31 January → 28 February).
pub fn next(view: View, date: NaiveDate) -> NaiveDate {
    let later = match view {
        View::Day => date.checked_add_days(Days::new(1)),
        View::Week => date.checked_add_days(Days::new(7)),
        View::Month => date.checked_add_months(Months::new(1)),
    };
    later.unwrap_or(date)
}

/// The Monday-to-Sunday rows covering [`range`]: the month grid for [`View::Month`], one row for
/// the other two (for a day, the week it is in). Empty only at the very ends of [`NaiveDate`]'s range,
/// where a whole week does not fit.
pub fn weeks(view: View, date: NaiveDate) -> Vec<[NaiveDate; 7]> {
    let (first, last) = range(view, date);
    let mut rows = Vec::with_capacity(6);
    let mut monday = week_of(first).0;
    while monday <= last {
        let Some(row) = week_row(monday) else { break };
        rows.push(row);
        let Some(following) = monday.checked_add_days(Days::new(7)) else { break };
        monday = following;
    }
    rows
}

/// The heading of `view` at `date`: `Monday 1 June 2026`, `Week 23, 1–7 June 2026` or `June 2026`.
/// A week across months or years names both ends: `Week 1, 29 December 2025 – 4 January 2026`.
pub fn title(view: View, date: NaiveDate) -> String {
    match view {
        View::Day => format!("{} {}", weekday_name(date.weekday()), long_date(date)),
        View::Week => {
            let (monday, sunday) = week_of(date);
            format!("Week {}, {}", date.iso_week().week(), span_text(monday, sunday))
        }
        View::Month => format!("{} {}", month_name(date), date.year()),
    }
}

/// `1–7 June 2026`, `29 June – 5 July 2026` or `29 December 2025 – 4 January 2026`.
fn span_text(first: NaiveDate, last: NaiveDate) -> String {
    if first.year() != last.year() {
        format!("{} – {}", long_date(first), long_date(last))
    } else if first.month() != last.month() {
        format!("{} {} – {}", first.day(), month_name(first), long_date(last))
    } else {
        format!("{}–{}", first.day(), long_date(last))
    }
}

/// `1 June 2026`.
fn long_date(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), month_name(date), date.year())
}

fn month_name(date: NaiveDate) -> &'static str {
    MONTH_NAMES[date.month0() as usize]
}

fn weekday_name(day: Weekday) -> &'static str {
    const NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    NAMES[day.num_days_from_monday() as usize]
}

/// Monday and Sunday of `date`'s week, clamped at the ends of the date range.
fn week_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from_monday = u64::from(date.weekday().num_days_from_monday());
    let monday = date.checked_sub_days(Days::new(from_monday)).unwrap_or(NaiveDate::MIN);
    let sunday = date.checked_add_days(Days::new(6 - from_monday)).unwrap_or(NaiveDate::MAX);
    (monday, sunday)
}

/// The 1st and last day of `date`'s month.
fn month_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = date.with_day(1).unwrap_or(date);
    let last =
        first.checked_add_months(Months::new(1)).and_then(|next| next.pred_opt()).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Seven days from `monday`, or `None` when they run off the date range.
fn week_row(monday: NaiveDate) -> Option<[NaiveDate; 7]> {
    let mut row = [monday; 7];
    for (offset, day) in (1u64..).zip(row.iter_mut().skip(1)) {
        *day = monday.checked_add_days(Days::new(offset))?;
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or_else(|| panic!("{year}-{month}-{day}"))
    }

    #[test]
    fn names_parse_back() {
        for view in View::ALL {
            assert_eq!(view.as_str().parse::<View>(), Ok(view));
            assert_eq!(view.to_string(), view.as_str());
        }
        assert_eq!(" Month ".parse::<View>(), Ok(View::Month));
        assert_eq!("year".parse::<View>(), Err(ViewError("year".into())));
    }

    #[test]
    fn ranges_cover_the_day_the_week_and_the_month_in_whole_weeks() {
        let wednesday = date(2026, 6, 3);
        assert_eq!(range(View::Day, wednesday), (wednesday, wednesday));
        assert_eq!(range(View::Week, wednesday), (date(2026, 6, 1), date(2026, 6, 7)));
        // June 2026 starts on a Monday and ends on a Tuesday.
        assert_eq!(range(View::Month, wednesday), (date(2026, 6, 1), date(2026, 7, 5)));
        // February 2027 starts on a Monday and ends on a Sunday: exactly four weeks.
        assert_eq!(range(View::Month, date(2027, 2, 14)), (date(2027, 2, 1), date(2027, 2, 28)));
        // A Sunday belongs to the week before it.
        assert_eq!(range(View::Week, date(2026, 6, 7)), (date(2026, 6, 1), date(2026, 6, 7)));
    }

    #[test]
    fn month_grids_have_four_to_six_rows_of_consecutive_days() {
        assert_eq!(weeks(View::Month, date(2027, 2, 1)).len(), 4);
        assert_eq!(weeks(View::Month, date(2026, 6, 1)).len(), 5);
        // August 2026 starts on a Saturday and has 31 days.
        let august = weeks(View::Month, date(2026, 8, 20));
        assert_eq!(august.len(), 6);
        assert_eq!(august[0][0], date(2026, 7, 27));
        assert_eq!(august[5][6], date(2026, 9, 6));
        let days: Vec<NaiveDate> = august.iter().flatten().copied().collect();
        assert!(days.windows(2).all(|pair| pair[0].succ_opt() == Some(pair[1])));
        assert_eq!(weeks(View::Day, date(2026, 6, 3)), weeks(View::Week, date(2026, 6, 1)));
        assert_eq!(weeks(View::Week, date(2026, 6, 3)).len(), 1);
    }

    #[test]
    fn steps_by_a_day_a_week_or_a_month() {
        let day = date(2026, 3, 31);
        assert_eq!(previous(View::Day, day), date(2026, 3, 30));
        assert_eq!(next(View::Day, day), date(2026, 4, 1));
        assert_eq!(previous(View::Week, day), date(2026, 3, 24));
        assert_eq!(next(View::Week, day), date(2026, 4, 7));
        assert_eq!(previous(View::Month, day), date(2026, 2, 28));
        assert_eq!(next(View::Month, date(2028, 1, 31)), date(2028, 2, 29));
        assert_eq!(previous(View::Day, NaiveDate::MIN), NaiveDate::MIN);
        assert_eq!(next(View::Month, NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn titles() {
        assert_eq!(title(View::Day, date(2026, 6, 1)), "Monday 1 June 2026");
        assert_eq!(title(View::Week, date(2026, 6, 4)), "Week 23, 1–7 June 2026");
        assert_eq!(title(View::Month, date(2026, 6, 30)), "June 2026");
        assert_eq!(title(View::Week, date(2026, 7, 1)), "Week 27, 29 June – 5 July 2026");
        assert_eq!(title(View::Week, date(2026, 1, 1)), "Week 1, 29 December 2025 – 4 January 2026");
        assert_eq!(title(View::Week, date(2027, 1, 1)), "Week 53, 28 December 2026 – 3 January 2027");
    }

    #[test]
    fn survives_the_ends_of_the_date_range() {
        for view in View::ALL {
            for day in [NaiveDate::MIN, NaiveDate::MAX] {
                let (first, last) = range(view, day);
                assert!(first <= day && day <= last);
                let _ = weeks(view, day);
                let _ = title(view, day);
            }
        }
    }
}
