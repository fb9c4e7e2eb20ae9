//! Property tests of the ledger: for any sequence of earnings, redemptions, refunds, adjustments,
//! expiries, settlements and replays, under either refund policy, the balance is the sum of the
//! entries, it never passes below the policy's floor, lots are spent in spending order, replays
//! write nothing, and folding the stored rows rebuilds the same state.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use tenure_domain::Timestamp;
use tenure_loyalty::{Cause, Entry, Ledger, LedgerError, LotTerms, RefundPolicy};

#[derive(Debug, Clone)]
enum Op {
    Earn { points: i64, amount_minor: i64, expiry_days: Option<i64>, pending_days: Option<i64> },
    Redeem { points: i64 },
    Refund { pick: usize, percent: i64 },
    Adjust { points: i64, expiry_days: Option<i64> },
    Advance { days: i64 },
    Expire,
    Settle,
    Replay { pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..400i64, 1..50_000i64, proptest::option::of(1..200i64), proptest::option::of(1..20i64))
            .prop_map(|(points, amount_minor, expiry_days, pending_days)| Op::Earn { points, amount_minor, expiry_days, pending_days }),
        3 => (1..600i64).prop_map(|points| Op::Redeem { points }),
        3 => (any::<usize>(), 1..=100i64).prop_map(|(pick, percent)| Op::Refund { pick, percent }),
        1 => (-300..300i64, proptest::option::of(1..200i64))
            .prop_filter("an adjustment moves points", |(points, _)| *points != 0)
            .prop_map(|(points, expiry_days)| Op::Adjust { points, expiry_days }),
        2 => (0..40i64).prop_map(|days| Op::Advance { days }),
        1 => Just(Op::Expire),
        2 => Just(Op::Settle),
        2 => any::<usize>().prop_map(|pick| Op::Replay { pick }),
    ]
}

/// A keyed operation as called, so it can be called again.
#[derive(Debug, Clone)]
enum Call {
    Earn { key: String, at: Timestamp, cause: Cause, points: i64, terms: LotTerms },
    Redeem { key: String, at: Timestamp, points: i64 },
    Refund { key: String, at: Timestamp, order_id: String, minor: i64 },
    Adjust { key: String, at: Timestamp, points: i64, terms: LotTerms },
}

impl Call {
    fn run(&self, ledger: &Ledger, policy: RefundPolicy) -> Result<Vec<Entry>, LedgerError> {
        match self {
            Call::Earn { key, at, cause, points, terms } => {
                ledger.earn(key, *at, cause.clone(), *points, *terms)
            }
            Call::Redeem { key, at, points } => ledger.redeem(key, *at, "reward", "TEN-CODE", *points),
            Call::Refund { key, at, order_id, minor } => ledger.refund(key, *at, order_id, *minor, policy),
            Call::Adjust { key, at, points, terms } => {
                ledger.adjust(key, *at, "staff", "goodwill", *points, *terms)
            }
        }
    }
}

struct World {
    policy: RefundPolicy,
    ledger: Ledger,
    entries: Vec<Entry>,
    now: Timestamp,
    orders: Vec<(String, i64, i64)>,
    calls: Vec<Call>,
    counter: usize,
}

impl World {
    fn new(policy: RefundPolicy) -> World {
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        World {
            policy,
            ledger: Ledger::new(),
            entries: Vec::new(),
            now,
            orders: Vec::new(),
            calls: Vec::new(),
            counter: 0,
        }
    }

    fn terms(&self, expiry_days: Option<i64>, pending_days: Option<i64>) -> LotTerms {
        LotTerms {
            expires_at: expiry_days.map(|days| self.now + TimeDelta::days(days)),
            pending_until: pending_days.map(|days| self.now + TimeDelta::days(days)),
        }
    }

    /// The call an operation makes, or `None` for the ones without a key.
    fn call_for(&mut self, op: &Op) -> Option<Call> {
        self.counter += 1;
        let (n, at) = (self.counter, self.now);
        match *op {
            Op::Earn { points, amount_minor, expiry_days, pending_days } => {
                let cause = Cause::Order { order_id: format!("o{n}"), amount_minor };
                Some(Call::Earn {
                    key: format!("order:{n}"),
                    at,
                    cause,
                    points,
                    terms: self.terms(expiry_days, pending_days),
                })
            }
            Op::Redeem { points } => Some(Call::Redeem { key: format!("redeem:{n}"), at, points }),
            Op::Refund { pick, percent } => {
                if self.orders.is_empty() {
                    return None;
                }
                let index = pick % self.orders.len();
                let (order_id, amount, refunded) = self.orders[index].clone();
                let minor = (amount * percent / 100).max(1).min(amount - refunded);
                (minor > 0).then(|| Call::Refund { key: format!("refund:{n}"), at, order_id, minor })
            }
            Op::Adjust { points, expiry_days } => Some(Call::Adjust {
                key: format!("adjust:{n}"),
                at,
                points,
                terms: self.terms(expiry_days, None),
            }),
            Op::Replay { pick } if !self.calls.is_empty() => {
                Some(self.calls[pick % self.calls.len()].clone())
            }
            _ => None,
        }
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let before = self.ledger.clone();
        let rows = match op {
            Op::Advance { days } => {
                self.now += TimeDelta::days(*days);
                Vec::new()
            }
            Op::Expire => self.ledger.expire(self.now),
            Op::Settle => self.ledger.settle_pending(self.now),
            _ => match self.call_for(op) {
                None => Vec::new(),
                Some(call) => {
                    let replay = matches!(op, Op::Replay { .. });
                    let result = call.run(&self.ledger, self.policy);
                    if replay {
                        prop_assert_eq!(result.as_ref().map(Vec::len), Ok(0), "a replay wrote rows");
                    }
                    let rows = match result {
                        Ok(rows) => rows,
                        Err(error) => {
                            check_refusal(&before, op, &error)?;
                            Vec::new()
                        }
                    };
                    if !replay && !rows.is_empty() {
                        self.record(&call);
                        check_spend_order(&before, &call, &rows)?;
                    }
                    rows
                }
            },
        };
        self.append(&rows)?;
        check_invariants(self, &before, op, &rows)?;
        check_replays(self, op)
    }

    fn record(&mut self, call: &Call) {
        match call {
            Call::Earn { cause: Cause::Order { order_id, amount_minor }, .. } => {
                self.orders.push((order_id.clone(), *amount_minor, 0));
            }
            Call::Refund { order_id, minor, .. } => {
                if let Some(order) = self.orders.iter_mut().find(|(id, _, _)| id == order_id) {
                    order.2 += minor;
                }
            }
            _ => {}
        }
        self.calls.push(call.clone());
    }

    fn append(&mut self, rows: &[Entry]) -> Result<(), TestCaseError> {
        self.ledger
            .apply_all(rows)
            .map_err(|error| TestCaseError::fail(format!("fold refused new rows: {error}")))?;
        self.entries.extend_from_slice(rows);
        // The store's unique (key, part) is mirrored by the fold: the same rows twice are refused.
        if !rows.is_empty() {
            prop_assert!(self.ledger.clone().apply_all(rows).is_err(), "the fold accepted duplicate rows");
        }
        Ok(())
    }
}

/// Refusals are for the stated reason only.
fn check_refusal(before: &Ledger, op: &Op, error: &LedgerError) -> Result<(), TestCaseError> {
    match (op, error) {
        (Op::Redeem { points }, LedgerError::InsufficientPoints { available, asked }) => {
            prop_assert_eq!(*asked, *points);
            prop_assert_eq!(*available, before.available());
            let spendable: i64 = before.spend_order().iter().map(|lot| lot.remaining).sum();
            prop_assert!(spendable < *points);
        }
        (Op::Adjust { points, .. }, LedgerError::InsufficientPoints { asked, .. }) => {
            prop_assert_eq!(*asked, -points)
        }
        (Op::Earn { .. } | Op::Adjust { .. }, LedgerError::PendingOutlivesExpiry) => {}
        (_, error) => prop_assert!(false, "unexpected refusal of {:?}: {}", op, error),
    }
    Ok(())
}

/// Rows taken from lots other than a refund's own follow the spending order, checked here
/// without the ledger's own sort: every lot touched but the last is emptied, and no available
/// lot left with points expires sooner (or, expiring together, was earned earlier) than a lot
/// that was touched.
fn check_spend_order(before: &Ledger, call: &Call, rows: &[Entry]) -> Result<(), TestCaseError> {
    let own = match call {
        Call::Refund { .. } => rows.first().and_then(|row| row.lot.clone()),
        Call::Redeem { .. } | Call::Adjust { points: ..0, .. } => None,
        _ => return Ok(()),
    };
    let rank = |lot: &tenure_loyalty::Lot| {
        (lot.terms.expires_at.map_or(i64::MAX, |at| at.timestamp()), lot.earned_at)
    };
    let taken: Vec<(&str, i64)> = rows
        .iter()
        .skip(usize::from(own.is_some()))
        .filter_map(|row| row.lot.as_deref().map(|lot| (lot, -row.points)))
        .collect();
    for (position, &(id, points)) in taken.iter().enumerate() {
        let lot = before.lot(id).unwrap();
        prop_assert!(lot.is_available(), "took from a lot that was not available");
        if position + 1 < taken.len() {
            prop_assert_eq!(points, lot.remaining, "a lot was left before it was empty");
        }
        let left_with_points = before.lots().iter().filter(|other| {
            other.is_available()
                && Some(&other.id) != own.as_ref()
                && !taken.iter().any(|&(id, points)| id == other.id && points == other.remaining)
        });
        for other in left_with_points {
            prop_assert!(rank(other) >= rank(lot), "{} was spent before {}", lot.id, other.id);
        }
    }
    Ok(())
}

fn check_invariants(world: &World, before: &Ledger, op: &Op, rows: &[Entry]) -> Result<(), TestCaseError> {
    let ledger = &world.ledger;
    prop_assert_eq!(ledger.balance(), world.entries.iter().map(|entry| entry.points).sum::<i64>());
    prop_assert_eq!(&Ledger::from_entries(&world.entries).unwrap(), ledger, "the fold of the rows differs");
    for lot in ledger.lots() {
        prop_assert!(lot.remaining >= 0);
        prop_assert_eq!(lot.remaining, lot.earned - lot.spent - lot.expired - lot.reversed);
    }
    prop_assert!(ledger.owed() >= 0);
    if ledger.owed() > 0 || ledger.available() < 0 {
        prop_assert!(ledger.spend_order().is_empty(), "points spendable while some are owed");
    }
    match world.policy {
        RefundPolicy::ClawBackFromFuture => prop_assert!(ledger.balance() >= 0 && ledger.available() >= 0),
        RefundPolicy::AllowNegative => {
            let refund = rows.first().is_some_and(|row| matches!(row.cause, Cause::Refund { .. }));
            if !refund && before.balance() >= 0 {
                prop_assert!(ledger.balance() >= 0, "{:?} took the balance below zero", op);
            }
            if matches!(op, Op::Redeem { .. }) && !rows.is_empty() {
                prop_assert!(ledger.balance() >= 0, "a redemption took the balance below zero");
            }
        }
    }
    Ok(())
}

/// Every keyed call made so far, and the jobs at the same instant, write nothing when repeated.
fn check_replays(world: &World, op: &Op) -> Result<(), TestCaseError> {
    if matches!(op, Op::Expire) {
        prop_assert!(world.ledger.expire(world.now).is_empty(), "expiry twice wrote rows");
    }
    if matches!(op, Op::Settle) {
        prop_assert!(world.ledger.settle_pending(world.now).is_empty(), "settling twice wrote rows");
    }
    if let Some(call) = world.calls.last() {
        prop_assert_eq!(call.run(&world.ledger, world.policy), Ok(Vec::new()));
    }
    Ok(())
}

fn policy() -> impl Strategy<Value = RefundPolicy> {
    prop_oneof![Just(RefundPolicy::AllowNegative), Just(RefundPolicy::ClawBackFromFuture)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ledger_invariants_hold_for_any_sequence(policy in policy(), ops in proptest::collection::vec(op(), 1..80)) {
        let mut world = World::new(policy);
        for op in &ops {
            world.step(op)?;
        }
    }

    #[test]
    fn refunds_of_a_whole_order_in_parts_reverse_exactly_what_it_earned(
        points in 1..10_000i64,
        amount in 1..1_000_000i64,
        cuts in proptest::collection::vec(1..1_000_000i64, 0..6),
    ) {
        let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let mut ledger = Ledger::new();
        let cause = Cause::Order { order_id: "o".into(), amount_minor: amount };
        let rows = ledger.earn("order:o", at, cause, points, LotTerms::FOREVER).unwrap();
        ledger.apply_all(&rows).unwrap();
        // Split the amount at the cut points into consecutive partial refunds.
        let mut cuts: Vec<i64> = cuts.into_iter().map(|cut| cut % amount).filter(|&cut| cut > 0).collect();
        cuts.extend([0, amount]);
        cuts.sort_unstable();
        cuts.dedup();
        for (index, pair) in cuts.windows(2).enumerate() {
            let rows = ledger.refund(&format!("refund:{index}"), at, "o", pair[1] - pair[0], RefundPolicy::AllowNegative).unwrap();
            ledger.apply_all(&rows).unwrap();
        }
        prop_assert_eq!(ledger.balance(), 0);
        prop_assert_eq!(ledger.lots()[0].reversed, points);
    }
}
