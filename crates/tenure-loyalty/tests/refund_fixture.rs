//! The refunds fixture: orders, partial refunds inside and after the return window, and
//! redemptions, with balances worked out by hand, under both refund policies.
//!
//! Programme: USD, 1 point per dollar, points pending for 14 days, expiring after 12 months.
//! Day n is n days after 1 January 2025. Columns: balance / available / pending / owed, for
//! ClawBackFromFuture (CB) and AllowNegative (AN); one value when both agree.
//!
//! | day | event                                  | reasoning                                          | CB              | AN               |
//! |-----|----------------------------------------|----------------------------------------------------|-----------------|------------------|
//! |   0 | order A $200.00                        | 200 pts, pending until day 14                      | 200/0/200/0     |                  |
//! |   5 | order B $100.00                        | 100 pts, pending until day 19                      | 300/0/300/0     |                  |
//! |  10 | refund A $50.00 (inside the window)    | ⌊200×5000/20000⌋ = 50, cancelled from A's lot      | 250/0/250/0     |                  |
//! |  20 | settle                                 | A (150) and B (100) released                       | 250/250/0/0     |                  |
//! |  21 | redeem 180                             | A expires first (day 365 < 370): A 150, B 30       | 70/70/0/0       |                  |
//! |  25 | refund A $70.00 (total $120.00)        | ⌊200×12000/20000⌋ = 120, less 50 = 70; A is empty, | 0/0/0/0         |                  |
//! |     |                                        | its points were spent: 70 taken from B             |                 |                  |
//! |  26 | order C $33.33                         | ⌊33.33⌋ = 33 pts, pending until day 40             | 33/0/33/0       |                  |
//! |  30 | refund A $80.00 (total $200.00)        | 200 − 120 = 80, all spent, no available lot:       | 33/0/33/80      | −47/−80/33/0     |
//! |     |                                        | shortfall 80                                       |                 |                  |
//! |  31 | refund B $100.00 (whole order)         | 100; B is empty, 30 redeemed + 70 taken by A's     | 33/0/33/180     | −147/−180/33/0   |
//! |     |                                        | refund = 100 spent: shortfall 100                  |                 |                  |
//! |  40 | settle                                 | C released and all 33 repay the debt               | 0/0/0/147       | −147/−147/0/0    |
//! |  41 | order D $500.00                        | 500 pts, pending until day 55                      | 500/0/500/147   | 353/−147/500/0   |
//! |  55 | settle                                 | D released, 147 of it repays the debt              | 353/353/0/0     |                  |
//! |  56 | refund D $250.01                       | ⌊500×25001/50000⌋ = ⌊250.01⌋ = 250 from D          | 103/103/0/0     |                  |
//! |  57 | refund D $249.99 (whole order)         | 500 − 250 = 250: 103 left in D, 147 of D spent on  | 0/0/0/147       | −147/−147/0/0    |
//! |     |                                        | the debt: shortfall 147                            |                 |                  |
//! |  58 | redeem 10                              | refused: nothing available                         | unchanged       | unchanged        |
//!
//! Both policies end owing 147 = 180 redeemed − 33 earned by the one order never refunded.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeDelta, TimeZone, Utc};
use tenure_domain::{Currency, Timestamp};
use tenure_loyalty::{
    ActionPoints, Bonuses, Cause, Entry, Ledger, LedgerError, PointsExpiry, Programme, ReferralRules,
    RefundPolicy, Tier, TierBasis, TierPeriod, TierRules,
};

fn day(n: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + TimeDelta::days(n)
}

fn programme(refund_policy: RefundPolicy) -> Programme {
    Programme {
        version: 1,
        currency: Currency::USD,
        points_per_unit: 1,
        actions: ActionPoints { survey_answered: 0, review: 0 },
        tiers: TierRules {
            basis: TierBasis::PointsEarned,
            period: TierPeriod::CalendarYear,
            levels: vec![Tier { name: "Member".into(), threshold: 0, multiplier_percent: 100 }],
        },
        bonuses: Bonuses { birthday: 0, anniversary: 0 },
        expiry: PointsExpiry::MonthsAfterEarning(12),
        return_window_days: 14,
        refund_policy,
        rewards: Vec::new(),
        referral: ReferralRules {
            minimum_first_order_minor: 0,
            referrer_points: 0,
            referred_points: 0,
            max_rewards_per_period: 1,
            period_days: 1,
        },
        point_value: None,
    }
}

struct Shop {
    programme: Programme,
    ledger: Ledger,
    rows: Vec<Entry>,
}

impl Shop {
    fn append(&mut self, rows: Vec<Entry>) {
        self.ledger.apply_all(&rows).unwrap();
        self.rows.extend(rows);
    }

    fn order(&mut self, at: i64, id: &str, amount_minor: i64) {
        let points = self.programme.order_points(amount_minor, "Member");
        let terms = self.programme.lot_terms(day(at), true);
        let cause = Cause::Order { order_id: id.into(), amount_minor };
        let rows = self.ledger.earn(&format!("order:{id}:earn"), day(at), cause, points, terms).unwrap();
        self.append(rows);
    }

    fn refund(&mut self, at: i64, id: &str, minor: i64) {
        let key = format!("order:{id}:refund:{at}");
        let rows = self.ledger.refund(&key, day(at), id, minor, self.programme.refund_policy).unwrap();
        self.append(rows);
    }

    fn settle(&mut self, at: i64) {
        let rows = self.ledger.settle_pending(day(at));
        self.append(rows);
    }

    fn redeem(&mut self, at: i64, points: i64) -> Result<(), LedgerError> {
        let rows = self.ledger.redeem(&format!("redeem:{at}"), day(at), "ten-off", "TEN-TEST", points)?;
        self.append(rows);
        Ok(())
    }

    /// balance / available / pending / owed, checked against the sum of the rows too.
    fn state(&self) -> [i64; 4] {
        assert_eq!(self.ledger.balance(), self.rows.iter().map(|row| row.points).sum::<i64>());
        [self.ledger.balance(), self.ledger.available(), self.ledger.pending(), self.ledger.owed()]
    }
}

/// Runs the fixture, checking the table's row for each step: `(CB, AN)` expected states.
fn run(policy: RefundPolicy) -> Shop {
    let mut shop = Shop { programme: programme(policy), ledger: Ledger::new(), rows: Vec::new() };
    let pick = |cb: [i64; 4], an: [i64; 4]| if policy == RefundPolicy::ClawBackFromFuture { cb } else { an };

    shop.order(0, "A", 20_000);
    assert_eq!(shop.state(), [200, 0, 200, 0]);
    shop.order(5, "B", 10_000);
    assert_eq!(shop.state(), [300, 0, 300, 0]);
    shop.refund(10, "A", 5_000);
    assert_eq!(shop.state(), [250, 0, 250, 0]);
    shop.settle(20);
    assert_eq!(shop.state(), [250, 250, 0, 0]);
    shop.redeem(21, 180).unwrap();
    assert_eq!(shop.state(), [70, 70, 0, 0]);
    assert_eq!(shop.ledger.lot("order:A:earn").unwrap().spent, 150);
    shop.refund(25, "A", 7_000);
    assert_eq!(shop.state(), [0, 0, 0, 0]);
    shop.order(26, "C", 3_333);
    assert_eq!(shop.state(), [33, 0, 33, 0]);
    shop.refund(30, "A", 8_000);
    assert_eq!(shop.state(), pick([33, 0, 33, 80], [-47, -80, 33, 0]));
    shop.refund(31, "B", 10_000);
    assert_eq!(shop.state(), pick([33, 0, 33, 180], [-147, -180, 33, 0]));
    shop.settle(40);
    assert_eq!(shop.state(), pick([0, 0, 0, 147], [-147, -147, 0, 0]));
    shop.order(41, "D", 50_000);
    assert_eq!(shop.state(), pick([500, 0, 500, 147], [353, -147, 500, 0]));
    shop.settle(55);
    assert_eq!(shop.state(), [353, 353, 0, 0]);
    shop.refund(56, "D", 25_001);
    assert_eq!(shop.state(), [103, 103, 0, 0]);
    shop.refund(57, "D", 24_999);
    assert_eq!(shop.state(), pick([0, 0, 0, 147], [-147, -147, 0, 0]));
    let available = pick([0; 4], [-147; 4])[0];
    assert_eq!(shop.redeem(58, 10), Err(LedgerError::InsufficientPoints { available, asked: 10 }));
    shop
}

#[test]
fn clawback_policy_gives_the_hand_worked_balances() {
    let shop = run(RefundPolicy::ClawBackFromFuture);
    // Every balance along the way was at least 0; the debt is outside the balance.
    assert_eq!(shop.ledger.owed(), 147);
    assert!(shop.rows.iter().all(|row| row.lot.is_some() || row.points == 0), "no lot-less points");
}

#[test]
fn allow_negative_policy_gives_the_hand_worked_balances() {
    let shop = run(RefundPolicy::AllowNegative);
    assert_eq!(shop.ledger.owed(), 0);
    assert!(shop.rows.iter().all(|row| row.debt == 0), "no debt rows");
}

#[test]
fn the_fixture_rebuilds_from_its_rows_and_its_refunds_reverse_each_order_exactly() {
    for policy in [RefundPolicy::ClawBackFromFuture, RefundPolicy::AllowNegative] {
        let shop = run(policy);
        assert_eq!(Ledger::from_entries(&shop.rows).unwrap(), shop.ledger);
        // Every order was refunded in full: what its refunds took, charged or recorded as owed
        // adds up to what it earned.
        for (order, earned) in [("A", 200), ("B", 100), ("D", 500)] {
            let reversed: i64 = shop
                .rows
                .iter()
                .filter(|row| matches!(&row.cause, Cause::Refund { order_id, .. } if order_id == order))
                .map(|row| row.debt - row.points)
                .sum();
            assert_eq!(reversed, earned, "order {order} under {policy:?}");
        }
    }
}
