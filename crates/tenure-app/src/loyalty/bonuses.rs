//! Birthday and anniversary bonuses: once a year each, on the member's birthday (when known,
//! `MM-DD`) and on the anniversary of their first order, paid by whichever write to the account
//! comes first on or after the day — the nightly run at the latest, since the next occasion is
//! part of the account's `next_due_at`. A day missed (the server was down) is still paid within
//! a week; later than that it lapses rather than arriving months late. Days are UTC days.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use tenure_domain::Timestamp;
use tenure_loyalty::{Cause, Occasion};
use tenure_store::StoreError;

use super::{ActiveProgramme, Decision, Held};

/// How late a bonus may still be paid.
const GRACE_DAYS: i64 = 7;

/// The start (UTC) of the occasion's day in `year`; 29 February falls on 28 February in other years.
fn day_in(year: i32, month: u32, day: u32) -> Option<Timestamp> {
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .or_else(|| NaiveDate::from_ymd_opt(year, month, day - 1))?;
    Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?))
}

/// The member's occasions: `(occasion, month, day, first year it is paid)`.
fn occasions(held: &Held<'_>) -> Vec<(Occasion, u32, u32, i32)> {
    let mut found = Vec::new();
    if let Some((month, day)) = held.account.birthday.as_deref().and_then(parse_birthday) {
        found.push((Occasion::Birthday, month, day, i32::MIN));
    }
    // An order's lot is named after its earning key, `order:ID`.
    let first_order =
        held.ledger.lots().iter().filter(|lot| lot.id.starts_with("order:")).map(|lot| lot.earned_at).min();
    if let Some(first) = first_order {
        found.push((Occasion::Anniversary, first.month(), first.day(), first.year() + 1));
    }
    found
}

/// `MM-DD` as month and day.
pub fn parse_birthday(text: &str) -> Option<(u32, u32)> {
    let (month, day) = text.split_once('-')?;
    let (month, day) = (month.parse().ok()?, day.parse().ok()?);
    // 2000 is a leap year: 02-29 is a birthday.
    NaiveDate::from_ymd_opt(2000, month, day).map(|_| (month, day))
}

/// Pays the bonuses due at `now` into the decision; returns when the next one falls due.
pub(crate) fn award(
    programme: &ActiveProgramme,
    held: &mut Held<'_>,
    decision: &mut Decision,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let mut next = None::<Timestamp>;
    for (occasion, month, day, from_year) in occasions(held) {
        let points = programme.rules.bonus_points(occasion);
        if points <= 0 {
            continue;
        }
        let year = now.year();
        if let Some(this_year) = day_in(year, month, day)
            && year >= from_year
            && this_year <= now
            && now - this_year < Duration::days(GRACE_DAYS)
        {
            let name = match occasion {
                Occasion::Birthday => "birthday",
                Occasion::Anniversary => "anniversary",
            };
            let key = format!("bonus:{name}:{year}");
            let terms = programme.rules.lot_terms(this_year, false);
            let entries = held
                .ledger
                .earn(&key, this_year, Cause::Bonus { occasion }, points, terms)
                .map_err(|e| StoreError::Other(format!("the {name} bonus: {e}")))?;
            held.take(decision, entries)?;
        }
        let upcoming = [year, year + 1]
            .into_iter()
            .filter(|y| *y >= from_year)
            .filter_map(|y| day_in(y, month, day))
            .find(|at| *at > now);
        next = match (next, upcoming) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_are_month_and_day_and_the_29th_of_february_falls_on_the_28th_in_other_years() {
        assert_eq!(parse_birthday("02-29"), Some((2, 29)));
        assert_eq!(parse_birthday("13-01"), None);
        assert_eq!(parse_birthday("04-31"), None);
        assert_eq!(parse_birthday("0429"), None);
        assert_eq!(day_in(2027, 2, 29), day_in(2027, 2, 28));
        assert_eq!(day_in(2028, 2, 29).map(|at| at.day()), Some(29));
    }
}
