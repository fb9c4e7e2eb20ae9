//! Hand-worked examples of the ledger's rules: spending order, expiry, replays, the fold's
//! refusals, adjustments, and what rows look like when stored.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeDelta, TimeZone, Utc};
use tenure_domain::Timestamp;
use tenure_loyalty::{Cause, Entry, FoldError, Ledger, LedgerError, LotTerms, Occasion, RefundPolicy};

fn day(n: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + TimeDelta::days(n)
}

fn expiring(days: i64) -> LotTerms {
    LotTerms { expires_at: Some(day(days)), pending_until: None }
}

fn review(id: &str) -> Cause {
    Cause::Review { review_id: id.into() }
}

fn order(id: &str, amount_minor: i64) -> Cause {
    Cause::Order { order_id: id.into(), amount_minor }
}

/// Runs an operation on the ledger and applies the rows it returns, as a store would.
fn apply(
    ledger: &mut Ledger,
    operation: impl FnOnce(&Ledger) -> Result<Vec<Entry>, LedgerError>,
) -> Vec<Entry> {
    let rows = operation(ledger).unwrap();
    ledger.apply_all(&rows).unwrap();
    rows
}

#[test]
fn spends_soonest_expiring_first_never_expiring_last_ties_by_earning_time() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("forever", day(0), review("1"), 100, LotTerms::FOREVER));
    apply(&mut ledger, |l| l.earn("late", day(1), review("2"), 100, expiring(300)));
    apply(&mut ledger, |l| l.earn("soon-b", day(3), review("3"), 100, expiring(200)));
    apply(&mut ledger, |l| l.earn("soon-a", day(2), review("4"), 100, expiring(200)));
    let rows = apply(&mut ledger, |l| l.redeem("redeem:1", day(5), "gift", "TEN-1", 350));
    let taken: Vec<(&str, i64)> = rows.iter().map(|row| (row.lot.as_deref().unwrap(), row.points)).collect();
    assert_eq!(taken, [("soon-a", -100), ("soon-b", -100), ("late", -100), ("forever", -50)]);
    assert_eq!((ledger.balance(), ledger.available()), (50, 50));
}

#[test]
fn refuses_a_redemption_beyond_the_available_points_saying_how_many_there_are() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("a", day(0), review("1"), 100, LotTerms::FOREVER));
    let pending = LotTerms { expires_at: None, pending_until: Some(day(14)) };
    apply(&mut ledger, |l| l.earn("b", day(0), order("o1", 5000), 50, pending));
    assert_eq!(
        ledger.redeem("redeem:1", day(1), "gift", "TEN-1", 120),
        Err(LedgerError::InsufficientPoints { available: 100, asked: 120 })
    );
    assert_eq!(
        ledger.redeem("redeem:1", day(1), "gift", "TEN-1", 0),
        Err(LedgerError::NotPositive { points: 0 })
    );
}

#[test]
fn replaying_any_operation_writes_nothing() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 10_000), 100, LotTerms::FOREVER));
    assert_eq!(ledger.earn("order:1:earn", day(0), order("1", 10_000), 100, LotTerms::FOREVER), Ok(vec![]));
    apply(&mut ledger, |l| l.redeem("redeem:1", day(1), "gift", "TEN-1", 30));
    // The key wins even when the arguments differ: a retry can never spend twice.
    assert_eq!(ledger.redeem("redeem:1", day(1), "gift", "TEN-1", 50), Ok(vec![]));
    apply(&mut ledger, |l| l.refund("refund:1", day(2), "1", 5_000, RefundPolicy::AllowNegative));
    assert_eq!(ledger.refund("refund:1", day(2), "1", 5_000, RefundPolicy::AllowNegative), Ok(vec![]));
    apply(&mut ledger, |l| l.adjust("adjust:1", day(3), "ann", "goodwill", 5, LotTerms::FOREVER));
    assert_eq!(ledger.adjust("adjust:1", day(3), "ann", "goodwill", 5, LotTerms::FOREVER), Ok(vec![]));
    assert_eq!(ledger.balance(), 100 - 30 - 50 + 5);
}

#[test]
fn an_order_earns_once_even_under_another_key() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 10_000), 100, LotTerms::FOREVER));
    assert_eq!(
        ledger.earn("import:order:1", day(0), order("1", 10_000), 100, LotTerms::FOREVER),
        Err(LedgerError::OrderAlreadyEarned { order_id: "1".into() })
    );
}

#[test]
fn the_fold_refuses_a_row_twice_and_rows_for_unknown_lots() {
    let mut ledger = Ledger::new();
    let rows = apply(&mut ledger, |l| l.earn("a", day(0), review("1"), 100, LotTerms::FOREVER));
    assert!(matches!(ledger.apply(&rows[0]), Err(FoldError::OutOfOrder { part: 0, expected: 1, .. })));
    let stray = Entry {
        key: "x".into(),
        part: 0,
        lot: Some("nowhere".into()),
        opens: None,
        points: -1,
        ..rows[0].clone()
    };
    assert!(matches!(ledger.apply(&stray), Err(FoldError::UnknownLot { .. })));
    let overdraw = Entry {
        key: "y".into(),
        part: 0,
        lot: Some("a".into()),
        opens: None,
        points: -101,
        ..rows[0].clone()
    };
    assert!(matches!(ledger.apply(&overdraw), Err(FoldError::Invalid { .. })));
    assert_eq!(ledger.balance(), 100, "refused rows change nothing");
}

#[test]
fn expiry_takes_what_is_left_of_lots_whose_time_has_come_once() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("a", day(0), review("1"), 100, expiring(365)));
    apply(&mut ledger, |l| l.earn("b", day(10), review("2"), 40, expiring(375)));
    apply(&mut ledger, |l| l.redeem("redeem:1", day(20), "gift", "TEN-1", 30));
    assert!(ledger.expire(day(364)).is_empty());
    let rows = apply(&mut ledger, |l| Ok(l.expire(day(365))));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].key.as_str(), rows[0].points, rows[0].cause.clone()),
        ("expiry:a", -70, Cause::Expiry)
    );
    assert!(ledger.expire(day(365)).is_empty(), "a second run writes nothing");
    assert_eq!(ledger.balance(), 40);
}

#[test]
fn pending_points_wait_for_settlement_then_expire() {
    let mut ledger = Ledger::new();
    let terms = LotTerms { expires_at: Some(day(30)), pending_until: Some(day(14)) };
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 5_000), 50, terms));
    assert_eq!((ledger.balance(), ledger.available(), ledger.pending()), (50, 0, 50));
    assert!(ledger.settle_pending(day(13)).is_empty());
    // A late job: pending lots are left to settlement, which comes first.
    assert!(ledger.expire(day(40)).is_empty());
    let rows = apply(&mut ledger, |l| Ok(l.settle_pending(day(40))));
    assert_eq!((rows.len(), rows[0].key.as_str(), rows[0].points), (1, "release:order:1:earn", 0));
    assert_eq!((ledger.available(), ledger.pending()), (50, 0));
    apply(&mut ledger, |l| Ok(l.expire(day(40))));
    assert_eq!(ledger.balance(), 0);
}

#[test]
fn a_refund_does_not_charge_again_for_points_that_expired() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 10_000), 100, expiring(365)));
    apply(&mut ledger, |l| l.earn("later", day(300), review("r"), 500, LotTerms::FOREVER));
    apply(&mut ledger, |l| l.redeem("redeem:1", day(10), "gift", "TEN-1", 30));
    apply(&mut ledger, |l| Ok(l.expire(day(365))));
    assert_eq!(ledger.balance(), 500);
    // The whole order is refunded: 30 of its points were spent (charged to the other lot),
    // 70 expired unused (not charged).
    let rows =
        apply(&mut ledger, |l| l.refund("refund:1", day(400), "1", 10_000, RefundPolicy::ClawBackFromFuture));
    let moved: Vec<(Option<&str>, i64)> = rows.iter().map(|row| (row.lot.as_deref(), row.points)).collect();
    assert_eq!(moved, [(Some("order:1:earn"), 0), (Some("later"), -30)]);
    assert_eq!((ledger.balance(), ledger.owed()), (470, 0));
}

#[test]
fn refunds_are_checked_against_the_order() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 10_000), 100, LotTerms::FOREVER));
    let policy = RefundPolicy::AllowNegative;
    assert_eq!(
        ledger.refund("refund:9", day(1), "9", 100, policy),
        Err(LedgerError::NothingEarned { order_id: "9".into() })
    );
    apply(&mut ledger, |l| l.refund("refund:1", day(1), "1", 6_000, policy));
    assert_eq!(
        ledger.refund("refund:2", day(1), "1", 4_001, policy),
        Err(LedgerError::RefundExceedsOrder {
            order_id: "1".into(),
            refunded_minor: 10_001,
            amount_minor: 10_000
        })
    );
    assert_eq!(
        ledger.refund("refund:2", day(1), "1", 0, policy),
        Err(LedgerError::InvalidAmount { amount_minor: 0 })
    );
}

#[test]
fn a_refund_too_small_to_reverse_a_point_still_counts_towards_the_next() {
    let mut ledger = Ledger::new();
    apply(&mut ledger, |l| l.earn("order:1:earn", day(0), order("1", 1_000), 10, LotTerms::FOREVER));
    // 10 × 50/1000 = 0.5 → 0 points now; 10 × 150/1000 = 1.5 → 1 point after the second.
    let first = apply(&mut ledger, |l| l.refund("refund:1", day(1), "1", 50, RefundPolicy::AllowNegative));
    assert_eq!((first.len(), first[0].points), (1, 0));
    apply(&mut ledger, |l| l.refund("refund:2", day(1), "1", 100, RefundPolicy::AllowNegative));
    assert_eq!(ledger.balance(), 9);
}

#[test]
fn adjustments_name_who_and_why_and_cannot_overdraw() {
    let mut ledger = Ledger::new();
    let adjust = |ledger: &Ledger, user: &str, reason: &str, points: i64| {
        ledger.adjust("adjust:1", day(0), user, reason, points, LotTerms::FOREVER)
    };
    assert_eq!(adjust(&ledger, " ", "goodwill", 10), Err(LedgerError::AnonymousAdjustment));
    assert_eq!(adjust(&ledger, "ann", "", 10), Err(LedgerError::AdjustmentWithoutReason));
    assert_eq!(adjust(&ledger, "ann", "goodwill", 0), Err(LedgerError::ZeroAdjustment));
    apply(&mut ledger, |l| adjust(l, "ann", "late parcel", 10));
    assert_eq!(
        ledger.adjust("adjust:2", day(0), "ann", "typo", -11, LotTerms::FOREVER),
        Err(LedgerError::InsufficientPoints { available: 10, asked: 11 })
    );
    let rows = apply(&mut ledger, |l| l.adjust("adjust:2", day(0), "ann", "typo", -4, LotTerms::FOREVER));
    assert_eq!(rows[0].cause, Cause::Adjustment { by_user: "ann".into(), reason: "typo".into() });
    assert_eq!(ledger.balance(), 6);
}

#[test]
fn keys_and_causes_are_checked() {
    let ledger = Ledger::new();
    assert_eq!(ledger.earn(" ", day(0), review("1"), 1, LotTerms::FOREVER), Err(LedgerError::EmptyKey));
    assert!(matches!(
        ledger.earn("expiry:x", day(0), review("1"), 1, LotTerms::FOREVER),
        Err(LedgerError::ReservedKey { .. })
    ));
    assert_eq!(
        ledger.earn("k", day(0), Cause::Expiry, 1, LotTerms::FOREVER),
        Err(LedgerError::NotAnEarningCause)
    );
    let backwards = LotTerms { expires_at: Some(day(5)), pending_until: Some(day(5)) };
    assert_eq!(ledger.earn("k", day(0), review("1"), 1, backwards), Err(LedgerError::PendingOutlivesExpiry));
}

#[test]
fn rows_round_trip_through_json_with_a_tagged_cause() {
    let mut ledger = Ledger::new();
    let cause = Cause::Bonus { occasion: Occasion::Birthday };
    let rows = apply(&mut ledger, |l| l.earn("bonus:birthday:2025", day(0), cause, 25, expiring(365)));
    let json = serde_json::to_value(&rows[0]).unwrap();
    assert_eq!(json["cause"], serde_json::json!({ "kind": "bonus", "occasion": "birthday" }));
    let back: Entry = serde_json::from_value(json).unwrap();
    assert_eq!(back, rows[0]);
    assert_eq!(Ledger::from_entries([&back]).unwrap(), ledger);
}
