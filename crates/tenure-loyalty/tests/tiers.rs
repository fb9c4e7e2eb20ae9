//! Tier timing: upgrades at once, downgrades only at period ends, renewals, missed periods and
//! the rolling 12-month window's edges.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeZone, Utc};
use tenure_domain::Timestamp;
use tenure_loyalty::Tier;
use tenure_loyalty::tiers::{initial_status, period_end, qualifying_total};
use tenure_loyalty::{
    Activity, TierBasis, TierChange, TierError, TierPeriod, TierRules, TierStatus, evaluate,
};

fn at(year: i32, month: u32, day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).unwrap()
}

/// Member from 0, Silver from 500, Gold from 1500 points over 12 months.
fn rules(period: TierPeriod) -> TierRules {
    let tier =
        |name: &str, threshold, multiplier_percent| Tier { name: name.into(), threshold, multiplier_percent };
    TierRules {
        basis: TierBasis::PointsEarned,
        period,
        levels: vec![tier("Member", 0, 100), tier("Silver", 500, 125), tier("Gold", 1500, 150)],
    }
}

fn points(when: Timestamp, points: i64) -> Activity {
    Activity { at: when, points, spend_minor: 0 }
}

fn status(tier: &str, reached_at: Timestamp, period_end: Timestamp) -> TierStatus {
    TierStatus { tier: tier.into(), reached_at, period_end }
}

#[test]
fn upgrades_the_moment_the_threshold_is_reached_and_tells_the_customer() {
    let rules = rules(TierPeriod::CalendarYear);
    let member = initial_status(&rules, at(2025, 1, 1)).unwrap();
    let history = [points(at(2025, 2, 1), 300), points(at(2025, 3, 10), 250)];
    let result = evaluate(&rules, &history, &member, at(2025, 3, 10)).unwrap();
    assert_eq!(result.change, TierChange::Upgraded { from: "Member".into(), to: "Silver".into() });
    assert!(result.notify);
    // Reached in 2025: kept for the rest of 2025 and all of 2026.
    assert_eq!(result.status, status("Silver", at(2025, 3, 10), at(2027, 1, 1)));
}

#[test]
fn a_tier_reached_in_late_december_is_not_lost_days_later() {
    assert_eq!(period_end(TierPeriod::CalendarYear, at(2025, 12, 30)), at(2027, 1, 1));
    assert_eq!(period_end(TierPeriod::TwelveMonths, at(2025, 12, 30)), at(2026, 12, 30));
}

#[test]
fn does_not_downgrade_before_the_period_ends_even_with_no_activity() {
    let rules = rules(TierPeriod::CalendarYear);
    let silver = status("Silver", at(2025, 3, 10), at(2027, 1, 1));
    let history = [points(at(2025, 3, 10), 550)];
    let result = evaluate(&rules, &history, &silver, at(2026, 12, 31)).unwrap();
    assert_eq!((result.change, result.notify), (TierChange::Unchanged, false));
    assert_eq!(result.status, silver);
}

#[test]
fn downgrades_at_the_period_end_to_what_the_last_12_months_qualify_for() {
    let rules = rules(TierPeriod::CalendarYear);
    let gold = status("Gold", at(2025, 3, 10), at(2027, 1, 1));
    let history = [points(at(2025, 3, 10), 1600), points(at(2026, 6, 1), 100)];
    // The job runs a day late: the period end still decides, over 2026.
    let result = evaluate(&rules, &history, &gold, at(2027, 1, 2)).unwrap();
    assert_eq!(result.change, TierChange::Downgraded { from: "Gold".into(), to: "Member".into() });
    assert!(result.notify);
    assert_eq!(result.status, status("Member", at(2027, 1, 1), at(2028, 1, 1)));
}

#[test]
fn keeps_the_tier_for_another_year_when_it_still_qualifies_without_telling() {
    let rules = rules(TierPeriod::CalendarYear);
    let silver = status("Silver", at(2025, 3, 10), at(2027, 1, 1));
    let history = [points(at(2026, 11, 1), 700)];
    let result = evaluate(&rules, &history, &silver, at(2027, 1, 1)).unwrap();
    assert_eq!((result.change, result.notify), (TierChange::Renewed, false));
    assert_eq!(result.status, status("Silver", at(2027, 1, 1), at(2028, 1, 1)));
}

#[test]
fn twelve_month_periods_end_on_the_anniversary_of_reaching_the_tier() {
    let rules = rules(TierPeriod::TwelveMonths);
    let member = status("Member", at(2025, 1, 1), at(2026, 1, 1));
    let history = [points(at(2025, 4, 15), 500)];
    let up = evaluate(&rules, &history, &member, at(2025, 4, 15)).unwrap();
    assert_eq!(up.status, status("Silver", at(2025, 4, 15), at(2026, 4, 15)));
    // The day before the anniversary nothing happens; on it, the 500 points (earned exactly
    // 12 months earlier) have left the window, and the tier goes.
    let before = evaluate(&rules, &history, &up.status, at(2026, 4, 14)).unwrap();
    assert_eq!(before.change, TierChange::Unchanged);
    let on = evaluate(&rules, &history, &up.status, at(2026, 4, 15)).unwrap();
    assert_eq!(on.change, TierChange::Downgraded { from: "Silver".into(), to: "Member".into() });
}

#[test]
fn catches_up_on_missed_period_ends_in_order() {
    let rules = rules(TierPeriod::TwelveMonths);
    let gold = status("Gold", at(2022, 6, 1), at(2023, 6, 1));
    // Enough for Gold until mid-2023, for Silver over the year to mid-2024, nothing after.
    let history = [points(at(2022, 7, 1), 1600), points(at(2023, 7, 1), 600)];
    let result = evaluate(&rules, &history, &gold, at(2025, 7, 1)).unwrap();
    assert_eq!(result.change, TierChange::Downgraded { from: "Gold".into(), to: "Member".into() });
    assert_eq!(result.status, status("Member", at(2025, 6, 1), at(2026, 6, 1)));
}

#[test]
fn upgrades_again_right_after_a_downgrade_when_the_customer_is_back() {
    let rules = rules(TierPeriod::TwelveMonths);
    let gold = status("Gold", at(2024, 1, 1), at(2025, 1, 1));
    let history = [points(at(2024, 1, 1), 1500), points(at(2025, 1, 20), 600)];
    let result = evaluate(&rules, &history, &gold, at(2025, 1, 20)).unwrap();
    assert_eq!(result.change, TierChange::Downgraded { from: "Gold".into(), to: "Silver".into() });
    assert_eq!(result.status, status("Silver", at(2025, 1, 20), at(2026, 1, 20)));
}

#[test]
fn the_rolling_window_excludes_its_start_and_includes_its_end() {
    let history = [points(at(2024, 3, 1), 1), points(at(2024, 3, 2), 10), points(at(2025, 3, 1), 100)];
    assert_eq!(qualifying_total(TierBasis::PointsEarned, &history, at(2025, 3, 1)), 110);
    let spend = [Activity { at: at(2025, 1, 1), points: 5, spend_minor: 12_000 }];
    assert_eq!(qualifying_total(TierBasis::Spend, &spend, at(2025, 3, 1)), 12_000);
}

#[test]
fn refuses_a_tier_the_rules_do_not_have() {
    let rules = rules(TierPeriod::TwelveMonths);
    let platinum = status("Platinum", at(2025, 1, 1), at(2026, 1, 1));
    assert_eq!(
        evaluate(&rules, &[], &platinum, at(2025, 2, 1)),
        Err(TierError::UnknownTier { tier: "Platinum".into() })
    );
}
