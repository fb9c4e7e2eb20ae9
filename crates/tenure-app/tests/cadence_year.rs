//! Acceptance (issue 14): "Cadence alerts: a fixture of customers and interactions over a simulated
//! year (explicit clock) gives exactly the expected alerts, none doubled, snoozes respected."
//!
//! A shop of 60 customers is run through 2025 one day at a time. Each day at 19:00 UTC that day's
//! changes are made — orders imported, model scores replaced, interactions logged (some late, dated
//! before ones logged earlier), edited and deleted, owners, keep-in-touch intervals and snoozes set,
//! a rule added or removed — and at 20:00 UTC `cadence::check` runs. Then everything the store
//! recorded (alerts, owner e-mails, follow-ups, each day's counts) is compared with what
//! [`expected`] computes from the fixture alone: a plain restatement of the rules in
//! `tenure_calendar::cadence`'s module doc and `tenure_app::calendar::cadence`'s (silent since the
//! last interaction by when it happened, else 00:00 UTC of the first purchase day; the smallest
//! threshold wins, keep-in-touch before rules on a tie, then the lowest rule id; due when
//! `now ≥ silent_since + days × 24 h`; snoozed while `snoozed_until > now`; one alert per
//! `(customer, silent_since)`). It reads no store and calls no code under test.
//!
//! The audiences, and why the restatement can compute their members without the code under test:
//! - `all` (90 days): everyone.
//! - `segment:Regulars` (45 days, opens follow-ups): the shop's segment table is set to two rules,
//!   "Regulars" (frequency score 2–5) and a catch-all, so membership depends on the frequency score
//!   alone, whose formula is documented (`1 + ⌊5 × below / n⌋`, `below` = buyers with strictly fewer
//!   orders, `n` = buyers, both as of the day) and restated here. Orders during the year move
//!   customers in (a second order) and change `n`.
//! - `stage:new` (10 days, opens follow-ups) and `stage:churned` (60 days; removed on 1 October):
//!   the two lifecycle stages that depend on purchase dates alone — new = first purchase within the
//!   last 30 days, churned = no purchase within the last 365 days (both checked before the
//!   probability-alive rule of "at risk", so the scores do not touch them). Customers enter "new"
//!   with their first order and leave it 30 days later; they enter "churned" as their last
//!   purchase ages past a year.
//! - `clv:100..500` (30 days, no owner) and `clv:500..` (20 days, opens follow-ups; added on 1 April):
//!   the CLVs are the stored scores the fixture writes — a first set before the year and a second
//!   one on 1 July, which moves customers between bands and gives a CLV to customers who first
//!   bought in the spring. Boundaries are included (100.00 and 500.00 exactly).
//!
//! Customers 0–40 first bought before the year, 41–52 during it (generated from a seed); 53–59 are
//! hand-made scenarios whose alerts are also worked out by hand in
//! [`hand_made_customers_alert_as_worked_out_by_hand`] (a check of the restatement itself).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tenure_app::calendar::cadence::{self, ALERT_TOPIC, CheckOutcome, SettingsChange};
use tenure_app::calendar::interactions::{self, LogRequest};
use tenure_app::reports::{Purchases, ReportScope};
use tenure_domain::{
    Channel, Currency, CustomerId, CustomerRecord, CustomerRef, Direction, Email, ImportRecord,
    InteractionRecord, OrderRecord, OrderStatus, Role, SourceName,
};
use tenure_metrics::{ScoreRange, SegmentRule, SegmentRules};
use tenure_store::{
    CustomerScore, FollowUpOrigin, FollowUpQuery, InteractionEdit, NewUser, OutboxQuery, Store,
};

const SEED: u64 = 14;
/// Customers 0..41: first purchase before the year.
const RANDOM_EXISTING: usize = 41;
/// Customers 41..53: first purchase during the year.
const RANDOM_NEW: usize = 12;
/// Customers 53..60: the hand-made scenarios S1–S7.
const HAND_MADE: usize = RANDOM_EXISTING + RANDOM_NEW;
const CUSTOMERS: usize = 60;
/// Days of the year, 0 = 1 January 2025.
const DAYS: i64 = 365;
/// The "day" of the setup, on the evening of 31 December 2024.
const SETUP: i64 = -1;

const ANN: &str = "ann@shop.example";
const BOB: &str = "bob@shop.example";
const CAT: &str = "cat@shop.example";
const DAN: &str = "dan@shop.example";
const EVE: &str = "eve@shop.example";
const URL: &str = "https://shop.example";

/// CLVs the scores use, in cents: either side of both band boundaries, and on them.
const CLVS: [i64; 8] = [5_000, 9_999, 10_000, 25_000, 49_999, 50_000, 80_000, 150_000];

fn year_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// 00:00 UTC of a day.
fn day_start(day: i64) -> DateTime<Utc> {
    year_start() + Duration::days(day)
}

fn at(day: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    day_start(day) + Duration::minutes(i64::from(hour * 60 + minute))
}

/// The setup's clock: 31 December 2024, 21:00 UTC.
fn now() -> DateTime<Utc> {
    at(SETUP, 21, 0)
}

/// When a day's changes are made.
fn changes_at(day: i64) -> DateTime<Utc> {
    if day == SETUP { now() } else { at(day, 19, 0) }
}

/// When a day's check runs.
fn check_at(day: i64) -> DateTime<Utc> {
    at(day, 20, 0)
}

/// The day (0 = 1 January 2025) of an instant.
fn day_of(instant: DateTime<Utc>) -> i64 {
    (instant - year_start()).num_seconds().div_euclid(86_400)
}

// ---------------------------------------------------------------------------------------------
// The fixture.

#[derive(Debug, Clone)]
struct Order {
    customer: usize,
    at: DateTime<Utc>,
}

/// An interaction: when it happened, the day it was logged, its later edits of the time (day of
/// the edit, new time) and the day it was deleted.
#[derive(Debug, Clone)]
struct Contact {
    customer: usize,
    at: DateTime<Utc>,
    direction: Direction,
    logged: i64,
    edits: Vec<(i64, DateTime<Utc>)>,
    deleted: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Setting {
    Owner(Option<&'static str>),
    KeepInTouch(Option<u32>),
    Snooze(Option<DateTime<Utc>>),
}

#[derive(Debug, Clone)]
struct SettingChange {
    day: i64,
    customer: usize,
    setting: Setting,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Audience {
    All,
    Regulars,
    NewStage,
    Churned,
    Clv(f64, Option<f64>),
}

impl Audience {
    fn text(self) -> String {
        match self {
            Audience::All => "all".into(),
            Audience::Regulars => "segment:Regulars".into(),
            Audience::NewStage => "stage:new".into(),
            Audience::Churned => "stage:churned".into(),
            Audience::Clv(min, max) => {
                format!("clv:{min}..{}", max.map(|m| m.to_string()).unwrap_or_default())
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    audience: Audience,
    quiet_days: u32,
    owner: Option<&'static str>,
    follow_up: bool,
    added: i64,
    removed: Option<i64>,
}

impl Rule {
    fn live(&self, day: i64) -> bool {
        self.added <= day && self.removed.is_none_or(|removed| removed > day)
    }
}

/// Model scores written on `day` (replacing the earlier ones): (customer, probability alive, CLV
/// in cents).
#[derive(Debug, Clone)]
struct Scores {
    day: i64,
    as_of: NaiveDate,
    rows: Vec<(usize, f64, i64)>,
}

#[derive(Debug, Clone, Default)]
struct Fixture {
    orders: Vec<Order>,
    contacts: Vec<Contact>,
    settings: Vec<SettingChange>,
    rules: Vec<Rule>,
    scores: Vec<Scores>,
}

impl Fixture {
    fn order(&mut self, customer: usize, at: DateTime<Utc>) {
        self.orders.push(Order { customer, at });
    }

    fn set(&mut self, day: i64, customer: usize, setting: Setting) {
        self.settings.push(SettingChange { day, customer, setting });
    }

    /// A contact at 10:00 of `day`, logged that day (or at the setup, before the year).
    fn call(&mut self, customer: usize, day: i64) -> usize {
        self.contacts.push(Contact {
            customer,
            at: at(day, 10, 0),
            direction: Direction::Outbound,
            logged: day.max(SETUP),
            edits: Vec::new(),
            deleted: None,
        });
        self.contacts.len() - 1
    }

    /// The day of a customer's first order (in the whole fixture).
    fn first_order_day(&self, customer: usize) -> i64 {
        self.orders.iter().filter(|o| o.customer == customer).map(|o| day_of(o.at)).min().unwrap()
    }
}

/// A time between 08:00 and 18:59 on `day`.
fn random_time(rng: &mut StdRng, day: i64) -> DateTime<Utc> {
    at(day, rng.random_range(8..=18), rng.random_range(0..60))
}

fn fixture() -> Fixture {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut fx = Fixture::default();
    for c in 0..HAND_MADE {
        let existing = c < RANDOM_EXISTING;
        let first = if existing { rng.random_range(-420..=-3) } else { rng.random_range(0..=330) };
        fx.order(c, random_time(&mut rng, first));
        if existing && rng.random::<f64>() < 0.4 {
            for _ in 0..rng.random_range(1..=3) {
                let day = rng.random_range(first..=-1);
                fx.order(c, random_time(&mut rng, day));
            }
        }
        if rng.random::<f64>() < 0.35 {
            let from = if existing { 0 } else { first + 1 };
            if from < DAYS {
                let day = rng.random_range(from..DAYS);
                fx.order(c, random_time(&mut rng, day));
            }
        }

        // Settings, from the setup or from the day the customer first bought.
        let set_day = if existing { SETUP } else { first };
        if c % 5 == 0 {
            fx.set(set_day, c, Setting::Owner(Some(DAN)));
        } else if c % 7 == 3 {
            fx.set(set_day, c, Setting::Owner(Some(EVE)));
        }
        // 45 ties the segment rule and 90 the rule for everyone: keep-in-touch wins both ties;
        // 120 never wins against the rule for everyone.
        let keep = match c {
            _ if c % 6 == 1 => Some(30),
            _ if c % 11 == 2 => Some(45),
            _ if c % 13 == 4 => Some(90),
            _ if c % 17 == 8 => Some(120),
            _ => None,
        };
        if let Some(days) = keep {
            fx.set(set_day, c, Setting::KeepInTouch(Some(days)));
        }
        let earliest = if existing { 0 } else { first };
        for _ in 0..2 {
            if rng.random::<f64>() < 0.3 && earliest <= 340 {
                let day = rng.random_range(earliest..=340);
                let until = at(day + rng.random_range(5..=60), rng.random_range(0..24), 0);
                fx.set(day, c, Setting::Snooze(Some(until)));
            }
        }

        // Interactions, every 5 to 110 days; one customer in twelve is never contacted.
        if c % 12 == 11 {
            continue;
        }
        let mut day =
            if existing { rng.random_range(-150..=-1).max(first) } else { first + rng.random_range(0..=12) };
        while day < DAYS {
            let when = random_time(&mut rng, day);
            let logged = if day < 0 {
                if rng.random::<f64>() < 0.2 { rng.random_range(0..=10) } else { SETUP }
            } else if rng.random::<f64>() < 0.25 {
                // Logged late: after contacts that happened later were logged.
                (day + rng.random_range(1..=25)).min(DAYS - 1)
            } else {
                day
            };
            let mut edits = Vec::new();
            if rng.random::<f64>() < 0.12 {
                let edit_day = logged.max(0) + rng.random_range(1..=20);
                if edit_day < DAYS {
                    let shift = [-15, -7, -2, 2, 7, 15][rng.random_range(0..6)];
                    let new_day = (day + shift).min(edit_day);
                    edits.push((edit_day, random_time(&mut rng, new_day)));
                }
            }
            let mut deleted = None;
            if rng.random::<f64>() < 0.08 {
                let after = edits.last().map_or(logged.max(0), |&(edit_day, _)| edit_day);
                let delete_day = after + rng.random_range(1..=30);
                deleted = (delete_day < DAYS).then_some(delete_day);
            }
            let direction = if rng.random::<f64>() < 0.5 { Direction::Inbound } else { Direction::Outbound };
            fx.contacts.push(Contact { customer: c, at: when, direction, logged, edits, deleted });
            day += rng.random_range(5..=110);
        }
    }
    // Changes during the year to generated customers' settings.
    fx.set(120, 13, Setting::Owner(Some(DAN)));
    fx.set(150, 26, Setting::Owner(Some(EVE)));
    fx.set(180, 10, Setting::Owner(None));
    fx.set(100, 19, Setting::KeepInTouch(Some(14)));
    fx.set(250, 19, Setting::KeepInTouch(None));
    fx.set(40, 22, Setting::Snooze(Some(at(200, 12, 0))));
    fx.set(70, 22, Setting::Snooze(None));

    hand_made(&mut fx);

    fx.rules = vec![
        Rule {
            audience: Audience::All,
            quiet_days: 90,
            owner: Some(ANN),
            follow_up: false,
            added: SETUP,
            removed: None,
        },
        Rule {
            audience: Audience::Regulars,
            quiet_days: 45,
            owner: Some(BOB),
            follow_up: true,
            added: SETUP,
            removed: None,
        },
        Rule {
            audience: Audience::NewStage,
            quiet_days: 10,
            owner: Some(CAT),
            follow_up: true,
            added: SETUP,
            removed: None,
        },
        Rule {
            audience: Audience::Clv(100.0, Some(500.0)),
            quiet_days: 30,
            owner: None,
            follow_up: false,
            added: SETUP,
            removed: None,
        },
        Rule {
            audience: Audience::Churned,
            quiet_days: 60,
            owner: Some(ANN),
            follow_up: false,
            added: SETUP,
            removed: Some(273),
        },
        Rule {
            audience: Audience::Clv(500.0, None),
            quiet_days: 20,
            owner: Some(DAN),
            follow_up: true,
            added: 90,
            removed: None,
        },
    ];

    let first_set = (0..RANDOM_EXISTING)
        .filter(|c| c % 9 != 4)
        .map(|c| (c, ((c * 7) % 20) as f64 / 20.0, CLVS[(c * 3) % CLVS.len()]))
        .collect();
    let second_set = (0..HAND_MADE)
        .filter(|&c| c % 9 != 5 && fx.first_order_day(c) <= 181)
        .map(|c| (c, ((c * 11) % 20) as f64 / 20.0, CLVS[(c * 5 + 1) % CLVS.len()]))
        .collect();
    fx.scores = vec![
        Scores { day: SETUP, as_of: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(), rows: first_set },
        Scores { day: 181, as_of: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), rows: second_set },
    ];
    fx.settings.sort_by_key(|s| s.day);
    fx
}

/// S1–S7: one order each (frequency score 1: never "Regulars"), no scores (in no CLV band), no
/// owner of their own but S7. See [`hand_made_customers_alert_as_worked_out_by_hand`].
fn hand_made(fx: &mut Fixture) {
    let [s1, s2, s3, s4, s5, s6, s7] = std::array::from_fn(|n| HAND_MADE + n);
    // S1: a snooze holds back a due alert until it ends; later "churned" brings a shorter rule.
    fx.order(s1, at(-200, 10, 0));
    fx.call(s1, -20);
    fx.call(s1, 10);
    fx.call(s1, 140);
    fx.set(95, s1, Setting::Snooze(Some(at(130, 12, 0))));
    // S2: a call logged late, dated between two others, starts a new silence; deleting it brings
    // back the silence alerted before, which is not alerted again.
    fx.order(s2, at(-100, 10, 0));
    fx.call(s2, -30);
    fx.call(s2, 5);
    let late = fx.call(s2, 60);
    fx.contacts[late].logged = 100;
    fx.contacts[late].deleted = Some(160);
    let later = fx.call(s2, 168);
    fx.contacts[later].logged = 170;
    // S3: a call's date edited later starts a new silence; edited back, the old one (alerted
    // before) is not alerted again.
    fx.order(s3, at(-50, 10, 0));
    fx.call(s3, -10);
    let edited = fx.call(s3, 20);
    fx.contacts[edited].edits = vec![(120, at(25, 10, 0)), (130, at(20, 10, 0))];
    fx.call(s3, 200);
    // S4: snoozed until exactly the moment of a check: not snoozed at that check.
    fx.order(s4, at(-50, 10, 0));
    fx.call(s4, 30);
    fx.set(110, s4, Setting::Snooze(Some(check_at(125))));
    // S5: woken early from a snooze; snoozed again while already alerted; a later silence waits
    // for the second snooze to end.
    fx.order(s5, at(-50, 10, 0));
    fx.call(s5, 35);
    fx.set(120, s5, Setting::Snooze(Some(at(250, 12, 0))));
    fx.set(140, s5, Setting::Snooze(None));
    fx.set(141, s5, Setting::Snooze(Some(at(300, 12, 0))));
    fx.call(s5, 200);
    // S6: a new customer whose pre-sale call (three days before the first order) is logged the
    // day of the order.
    fx.order(s6, at(200, 10, 0));
    let pre_sale = fx.call(s6, 197);
    fx.contacts[pre_sale].at = at(197, 14, 0);
    fx.contacts[pre_sale].logged = 200;
    fx.call(s6, 215);
    // S7: their own owner and keep-in-touch interval, which ties the rule for everyone, then is
    // shortened, then removed.
    fx.order(s7, at(-50, 10, 0));
    fx.set(SETUP, s7, Setting::Owner(Some(EVE)));
    fx.set(SETUP, s7, Setting::KeepInTouch(Some(90)));
    fx.call(s7, 10);
    fx.set(150, s7, Setting::KeepInTouch(Some(30)));
    fx.call(s7, 160);
    fx.set(200, s7, Setting::KeepInTouch(None));
    fx.call(s7, 250);
}

fn segment_table() -> SegmentRules {
    SegmentRules::new(vec![
        SegmentRule {
            name: "Regulars".into(),
            recency: ScoreRange::ANY,
            frequency: ScoreRange::new(2, 5),
            monetary: ScoreRange::ANY,
        },
        SegmentRule {
            name: "Occasional".into(),
            recency: ScoreRange::ANY,
            frequency: ScoreRange::ANY,
            monetary: ScoreRange::ANY,
        },
    ])
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// The restatement: what should happen, from the fixture alone.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    KeepInTouch,
    /// The fixture's rule index.
    Rule(usize),
}

/// One alert: the day of the check that records it, whose silence, why, and who is told.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Alert {
    day: i64,
    customer: usize,
    silent_since: DateTime<Utc>,
    cause: String,
    quiet_days: u32,
    owner: Option<String>,
}

struct Expected {
    alerts: Vec<Alert>,
    /// Per alert (same order): CLV × (1 − probability alive) when scored.
    value_at_risk: Vec<Option<f64>>,
    /// Per alert (same order): whether it opens a follow-up.
    follow_up: Vec<bool>,
    /// Per day: customers due and not snoozed at the check.
    quiet: Vec<usize>,
    /// Silences that were due but held back by a snooze on some check, and alerted later.
    deferred_by_snooze: usize,
}

fn order_days(fx: &Fixture, customer: usize, day: i64) -> Vec<i64> {
    let mut days: Vec<i64> = fx
        .orders
        .iter()
        .filter(|o| o.customer == customer)
        .map(|o| day_of(o.at))
        .filter(|&d| d <= day)
        .collect();
    days.sort_unstable();
    days
}

/// When the customer was last in touch, as the store knows it at the check of `day`.
fn last_contact(fx: &Fixture, customer: usize, day: i64) -> Option<DateTime<Utc>> {
    fx.contacts
        .iter()
        .filter(|k| {
            k.customer == customer && k.logged <= day && k.deleted.is_none_or(|deleted| deleted > day)
        })
        .map(|k| k.edits.iter().rev().find(|(edit_day, _)| *edit_day <= day).map_or(k.at, |&(_, new)| new))
        .max()
}

/// The customer's latest setting of a kind made by `day`.
fn setting<T>(fx: &Fixture, customer: usize, day: i64, pick: impl Fn(&Setting) -> Option<T>) -> Option<T> {
    fx.settings
        .iter()
        .filter(|s| s.customer == customer && s.day <= day)
        .filter_map(|s| pick(&s.setting))
        .last()
}

fn own_owner(fx: &Fixture, customer: usize, day: i64) -> Option<&'static str> {
    setting(fx, customer, day, |s| if let Setting::Owner(o) = s { Some(*o) } else { None }).flatten()
}

fn keep_in_touch(fx: &Fixture, customer: usize, day: i64) -> Option<u32> {
    setting(fx, customer, day, |s| if let Setting::KeepInTouch(k) = s { Some(*k) } else { None }).flatten()
}

fn snoozed_until(fx: &Fixture, customer: usize, day: i64) -> Option<DateTime<Utc>> {
    setting(fx, customer, day, |s| if let Setting::Snooze(u) = s { Some(*u) } else { None }).flatten()
}

/// (CLV in dollars, probability alive) from the latest scores written by `day`.
fn score(fx: &Fixture, customer: usize, day: i64) -> Option<(f64, f64)> {
    let scores = fx.scores.iter().rev().find(|s| s.day <= day)?;
    scores.rows.iter().find(|row| row.0 == customer).map(|&(_, p, clv_cents)| (clv_cents as f64 / 100.0, p))
}

/// Every customer's number of orders by `day`.
fn order_counts(fx: &Fixture, day: i64) -> Vec<usize> {
    (0..CUSTOMERS).map(|c| order_days(fx, c, day).len()).collect()
}

/// Frequency score 2 or more, `1 + ⌊5 × below / n⌋ ≥ 2`, where `n` counts the customers who have
/// bought and `below` those of them with fewer orders than this customer (`counts`: every
/// customer's orders by the day).
fn regular(counts: &[usize], customer: usize) -> bool {
    let buyers: Vec<usize> = counts.iter().copied().filter(|&n| n > 0).collect();
    let below = buyers.iter().filter(|&&n| n < counts[customer]).count();
    1 + (5 * below) / buyers.len() >= 2
}

/// Whether a customer with an order by `day` is in the audience at that day's check.
fn in_audience(fx: &Fixture, counts: &[usize], audience: Audience, customer: usize, day: i64) -> bool {
    let days = order_days(fx, customer, day);
    let (first, last) = (days[0], days[days.len() - 1]);
    match audience {
        Audience::All => true,
        Audience::Regulars => regular(counts, customer),
        Audience::NewStage => first >= day - 29,
        Audience::Churned => last < day - 364,
        Audience::Clv(min, max) => {
            score(fx, customer, day).is_some_and(|(clv, _)| clv >= min && max.is_none_or(|max| clv < max))
        }
    }
}

fn expected(fx: &Fixture, rule_ids: &[i64]) -> Expected {
    let mut out = Expected {
        alerts: Vec::new(),
        value_at_risk: Vec::new(),
        follow_up: Vec::new(),
        quiet: Vec::new(),
        deferred_by_snooze: 0,
    };
    let mut alerted: BTreeSet<(usize, DateTime<Utc>)> = BTreeSet::new();
    let mut held_back: BTreeSet<(usize, DateTime<Utc>)> = BTreeSet::new();
    for day in 0..DAYS {
        let now = check_at(day);
        let counts = order_counts(fx, day);
        let mut quiet = 0;
        for c in 0..CUSTOMERS {
            let days = order_days(fx, c, day);
            let Some(&first) = days.first() else { continue };
            let silent_since = last_contact(fx, c, day).unwrap_or(day_start(first));
            // (days, keep-in-touch before rules, rule id, why)
            let mut thresholds: Vec<(u32, u8, i64, Why)> = Vec::new();
            if let Some(days) = keep_in_touch(fx, c, day) {
                thresholds.push((days, 0, 0, Why::KeepInTouch));
            }
            for (index, rule) in fx.rules.iter().enumerate() {
                if rule.live(day) && in_audience(fx, &counts, rule.audience, c, day) {
                    thresholds.push((rule.quiet_days, 1, rule_ids[index], Why::Rule(index)));
                }
            }
            let Some((quiet_days, _, _, why)) = thresholds.into_iter().min() else { continue };
            if now < silent_since + Duration::days(i64::from(quiet_days)) {
                continue;
            }
            if snoozed_until(fx, c, day).is_some_and(|until| until > now) {
                held_back.insert((c, silent_since));
                continue;
            }
            quiet += 1;
            if !alerted.insert((c, silent_since)) {
                continue;
            }
            if held_back.contains(&(c, silent_since)) {
                out.deferred_by_snooze += 1;
            }
            let (cause, rule_owner, wants_follow_up) = match why {
                Why::KeepInTouch => ("keep_in_touch".to_string(), None, false),
                Why::Rule(index) => {
                    let rule = &fx.rules[index];
                    (format!("rule:{}", rule_ids[index]), rule.owner, rule.follow_up)
                }
            };
            let owner = own_owner(fx, c, day).or(rule_owner);
            out.alerts.push(Alert {
                day,
                customer: c,
                silent_since,
                cause,
                quiet_days,
                owner: owner.map(str::to_string),
            });
            out.value_at_risk.push(score(fx, c, day).map(|(clv, p)| clv * (1.0 - p)));
            out.follow_up.push(wants_follow_up && owner.is_some());
        }
        out.quiet.push(quiet);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The run: the year through the code under test.

struct Run {
    /// Store id per fixture customer, once they exist.
    ids: Vec<Option<CustomerId>>,
    /// Store id per fixture rule.
    rule_ids: Vec<i64>,
    /// The outcome of each day's check.
    outcomes: Vec<CheckOutcome>,
}

fn scope() -> ReportScope {
    ReportScope { segment_rules: segment_table(), ..ReportScope::default() }
}

fn shop_source() -> SourceName {
    SourceName::parse("shop").unwrap()
}

/// Imports the orders placed on `day` (before the year: all of them at the setup).
fn import_orders(store: &mut dyn Store, fx: &Fixture, day: i64, run: &mut Run) -> bool {
    let orders: Vec<(usize, &Order)> = fx
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| if day == SETUP { day_of(o.at) < 0 } else { day_of(o.at) == day })
        .collect();
    if orders.is_empty() {
        return false;
    }
    let mut session = store.begin_import(&shop_source(), changes_at(day)).unwrap();
    for (line, (n, order)) in orders.iter().enumerate() {
        let c = order.customer;
        session
            .ingest(ImportRecord {
                line: line as u64 + 2,
                customer: CustomerRecord {
                    external_id: format!("c{c}"),
                    email: Some(Email::parse(&format!("c{c}@example.com")).unwrap()),
                    name: Some(format!("Customer {c}")),
                    marketing_consent: None,
                },
                order: OrderRecord {
                    external_id: format!("o{n}"),
                    placed_at: order.at,
                    status: OrderStatus::Paid,
                    currency: Currency::USD,
                    total_minor: 2_000 + 100 * *n as i64,
                    refunded_minor: 0,
                    items: vec![],
                },
            })
            .unwrap();
    }
    session.commit().unwrap();
    for (_, order) in orders {
        let c = order.customer;
        if run.ids[c].is_none() {
            let reference = CustomerRef::Identity { source: shop_source(), external_id: format!("c{c}") };
            run.ids[c] = Some(store.resolve_customers(&[reference]).unwrap()[0].unwrap());
        }
    }
    true
}

fn write_scores(store: &mut dyn Store, fx: &Fixture, day: i64, run: &Run) -> bool {
    let Some(scores) = fx.scores.iter().find(|s| s.day == day) else { return false };
    let rows: Vec<CustomerScore> = scores
        .rows
        .iter()
        .map(|&(c, p, clv_minor)| CustomerScore {
            customer: run.ids[c].unwrap(),
            currency: "USD".into(),
            model: "bgnbd".into(),
            as_of: scores.as_of,
            probability_alive: p,
            expected_purchases: 1.0,
            horizon_days: 364,
            expected_spend_minor: 1_000,
            clv_minor,
        })
        .collect();
    store.replace_scores(&rows).unwrap();
    true
}

fn apply_settings(store: &mut dyn Store, fx: &Fixture, day: i64, run: &Run) {
    for change in fx.settings.iter().filter(|s| s.day == day) {
        let settings = match change.setting {
            Setting::Owner(owner) => {
                SettingsChange { owner: Some(owner.map(str::to_string)), ..Default::default() }
            }
            Setting::KeepInTouch(days) => {
                SettingsChange { keep_in_touch_days: Some(days), ..Default::default() }
            }
            Setting::Snooze(until) => SettingsChange { snoozed_until: Some(until), ..Default::default() },
        };
        cadence::set_customer(store, run.ids[change.customer].unwrap(), &settings).unwrap();
    }
}

fn apply_contacts(
    store: &mut dyn Store,
    fx: &Fixture,
    day: i64,
    run: &Run,
    logged: &mut HashMap<usize, i64>,
) {
    let at = changes_at(day);
    for (n, contact) in fx.contacts.iter().enumerate().filter(|(_, k)| k.logged == day) {
        let request = LogRequest {
            record: InteractionRecord {
                customer: CustomerRef::Id(run.ids[contact.customer].unwrap()),
                occurred_at: contact.at,
                channel: [Channel::Phone, Channel::Email, Channel::Chat][n % 3],
                direction: contact.direction,
                duration_seconds: None,
                subject: format!("Contact {n}"),
                notes: String::new(),
                outcome: String::new(),
                staff: Some(Email::parse(ANN).unwrap()),
                state: None,
                key: format!("year:{n}"),
            },
            order_id: None,
            response_id: None,
            case_id: None,
            reply_to: None,
            logged_by: Some(ANN.into()),
        };
        let (_, interaction) = interactions::log(store, &request, at).unwrap();
        logged.insert(n, interaction.id);
    }
    for (n, contact) in fx.contacts.iter().enumerate() {
        for &(_, new_time) in contact.edits.iter().filter(|(edit_day, _)| *edit_day == day) {
            let edit = InteractionEdit { occurred_at: Some(new_time), ..Default::default() };
            interactions::edit(store, logged[&n], &edit, at).unwrap();
        }
        if contact.deleted == Some(day) {
            interactions::delete(store, logged[&n], at).unwrap();
        }
    }
}

fn apply_rules(store: &mut dyn Store, fx: &Fixture, day: i64, purchases: &Purchases, run: &mut Run) {
    for (index, rule) in fx.rules.iter().enumerate() {
        if rule.added == day {
            let text = rule.audience.text();
            let added = cadence::add_rule(
                store,
                Some(purchases),
                &text,
                rule.quiet_days,
                rule.owner,
                rule.follow_up,
                changes_at(day),
            )
            .unwrap();
            assert_eq!((added.audience.as_str(), added.follow_up), (text.as_str(), rule.follow_up));
            run.rule_ids[index] = added.id;
        }
        if rule.removed == Some(day) {
            cadence::remove_rule(store, run.rule_ids[index], changes_at(day)).unwrap();
        }
    }
}

/// One day's changes; true when the purchases or scores changed (the report data must be
/// reloaded).
fn apply_day(
    store: &mut dyn Store,
    fx: &Fixture,
    day: i64,
    run: &mut Run,
    logged: &mut HashMap<usize, i64>,
) -> bool {
    let orders = import_orders(store, fx, day, run);
    let scores = write_scores(store, fx, day, run);
    apply_settings(store, fx, day, run);
    apply_contacts(store, fx, day, run, logged);
    orders || scores
}

fn run_year(store: &mut dyn Store, fx: &Fixture) -> Run {
    for email in [ANN, BOB, CAT, DAN, EVE] {
        let user = NewUser { email, name: "Staff", role: Role::Agent, password_hash: "not-a-real-hash" };
        store.create_user(&user, now()).unwrap();
    }
    let mut run = Run { ids: vec![None; CUSTOMERS], rule_ids: vec![0; fx.rules.len()], outcomes: Vec::new() };
    let mut logged = HashMap::new();
    apply_day(store, fx, SETUP, &mut run, &mut logged);
    let mut purchases = Purchases::load(store, &scope()).unwrap();
    apply_rules(store, fx, SETUP, &purchases, &mut run);
    for day in 0..DAYS {
        if apply_day(store, fx, day, &mut run, &mut logged) {
            purchases = Purchases::load(store, &scope()).unwrap();
        }
        apply_rules(store, fx, day, &purchases, &mut run);
        run.outcomes.push(cadence::check(store, &purchases, URL, check_at(day)).unwrap());
    }
    run
}

// ---------------------------------------------------------------------------------------------
// The comparison.

fn hand_made_customers_alert_as_worked_out_by_hand(expected: &Expected, rule_ids: &[i64]) {
    let [s1, s2, s3, s4, s5, s6, s7] = std::array::from_fn(|n| HAND_MADE + n);
    let rule = |index: usize| format!("rule:{}", rule_ids[index]);
    let all = |day, customer, since| Alert {
        day,
        customer,
        silent_since: since,
        cause: rule(0),
        quiet_days: 90,
        owner: Some(ANN.into()),
    };
    let mut by_hand = vec![
        // S1: the day-10 call is 90 days old on day 100, but snoozed until day 130 at 12:00: alerted
        // at day 130's check. The day-140 call: the last order (day −200) is over 364 days old
        // from day 165, so "churned" (60 days) applies: due day 200.
        all(130, s1, at(10, 10, 0)),
        Alert {
            day: 200,
            customer: s1,
            silent_since: at(140, 10, 0),
            cause: rule(4),
            quiet_days: 60,
            owner: Some(ANN.into()),
        },
        // S2: day 5 + 90 = 95. On day 100 a day-60 call is logged: due day 150. It is deleted on
        // day 160: silent since day 5 again, alerted before. The day-168 call (logged day 170):
        // due day 258 (churned only from day 265: already alerted by then).
        all(95, s2, at(5, 10, 0)),
        all(150, s2, at(60, 10, 0)),
        all(258, s2, at(168, 10, 0)),
        // S3: day 20 + 90 = 110. Edited to day 25 on day 120: due day 115, so at once. Edited back
        // on day 130: the day-20 silence was alerted. The day-200 call: due day 290.
        all(110, s3, at(20, 10, 0)),
        all(120, s3, at(25, 10, 0)),
        all(290, s3, at(200, 10, 0)),
        // S4: due day 120, snoozed until exactly day 125's check, which is therefore not snoozed.
        all(125, s4, at(30, 10, 0)),
        // S5: due day 125, snoozed from day 120, woken on day 140. The day-200 call is due on day
        // 290, snoozed until day 300 at 12:00.
        all(140, s5, at(35, 10, 0)),
        all(300, s5, at(200, 10, 0)),
        // S6: new from day 200 to day 229 ("new", 10 days): silent since the pre-sale call of day
        // 197 at 14:00, due day 207; the day-215 call, due day 225.
        Alert {
            day: 207,
            customer: s6,
            silent_since: at(197, 14, 0),
            cause: rule(2),
            quiet_days: 10,
            owner: Some(CAT.into()),
        },
        Alert {
            day: 225,
            customer: s6,
            silent_since: at(215, 10, 0),
            cause: rule(2),
            quiet_days: 10,
            owner: Some(CAT.into()),
        },
        // S7: keep in touch every 90 days ties the rule for everyone and wins: due day 100, told to
        // their own owner eve. Every 30 days from day 150: the day-160 call is due day 190. No
        // interval from day 200: the rule for everyone, due day 340, still told to eve.
        Alert {
            day: 100,
            customer: s7,
            silent_since: at(10, 10, 0),
            cause: "keep_in_touch".into(),
            quiet_days: 90,
            owner: Some(EVE.into()),
        },
        Alert {
            day: 190,
            customer: s7,
            silent_since: at(160, 10, 0),
            cause: "keep_in_touch".into(),
            quiet_days: 30,
            owner: Some(EVE.into()),
        },
        Alert {
            day: 340,
            customer: s7,
            silent_since: at(250, 10, 0),
            cause: rule(0),
            quiet_days: 90,
            owner: Some(EVE.into()),
        },
    ];
    by_hand.sort();
    let restated: Vec<Alert> = expected.alerts.iter().filter(|a| a.customer >= HAND_MADE).cloned().collect();
    assert_eq!(restated, by_hand, "the restatement agrees with the hand-worked scenarios");
}

/// The fixture exercises what it is meant to: every cause, alerts nobody is told of, follow-ups,
/// silences held back by a snooze, late, edited and deleted interactions, customers changing band.
fn the_fixture_covers_every_case(fx: &Fixture, expected: &Expected, rule_ids: &[i64]) {
    let causes: BTreeSet<&str> = expected.alerts.iter().map(|a| a.cause.as_str()).collect();
    let mut wanted: BTreeSet<String> = rule_ids.iter().map(|id| format!("rule:{id}")).collect();
    wanted.insert("keep_in_touch".into());
    assert_eq!(causes, wanted.iter().map(String::as_str).collect(), "every rule and keep-in-touch alert");
    assert!(expected.alerts.iter().any(|a| a.owner.is_none()), "an alert nobody is told of");
    assert!(expected.follow_up.iter().filter(|&&f| f).count() >= 5, "follow-ups");
    assert!(expected.deferred_by_snooze >= 5, "snoozes held back {} alerts", expected.deferred_by_snooze);
    let random = |k: &&Contact| k.customer < HAND_MADE;
    assert!(fx.contacts.iter().filter(random).filter(|k| k.logged > day_of(k.at).max(SETUP)).count() >= 20);
    assert!(fx.contacts.iter().filter(random).filter(|k| !k.edits.is_empty()).count() >= 10);
    assert!(fx.contacts.iter().filter(random).filter(|k| k.deleted.is_some()).count() >= 8);
    let (start, end) = (order_counts(fx, 0), order_counts(fx, DAYS - 1));
    let band = |c: usize, day: i64| in_audience(fx, &start, Audience::Clv(100.0, Some(500.0)), c, day);
    assert!((0..HAND_MADE).any(|c| fx.first_order_day(c) < 0 && band(c, 100) != band(c, 200)), "rescored");
    let regular_later = |c: usize| fx.first_order_day(c) < 0 && !regular(&start, c) && regular(&end, c);
    assert!((0..HAND_MADE).any(regular_later), "a customer becomes a regular");
    let many = expected.alerts.len();
    assert!((150..2000).contains(&many), "{many} alerts in the year");
}

fn a_year_of_checks_alerts_exactly_once_per_silence(store: &mut dyn Store) {
    let fx = fixture();
    let run = run_year(store, &fx);
    let expected = expected(&fx, &run.rule_ids);
    hand_made_customers_alert_as_worked_out_by_hand(&expected, &run.rule_ids);
    the_fixture_covers_every_case(&fx, &expected, &run.rule_ids);
    let index_of: HashMap<CustomerId, usize> =
        run.ids.iter().enumerate().map(|(c, id)| (id.unwrap(), c)).collect();

    // The alerts, every field, none missing and none doubled.
    let recorded = store.cadence_alerts(1_000_000).unwrap();
    let mut got: Vec<(Alert, Option<f64>)> = recorded
        .iter()
        .map(|a| {
            let alert = Alert {
                day: day_of(a.created_at),
                customer: index_of[&a.customer_id],
                silent_since: a.silent_since,
                cause: a.cause.clone(),
                quiet_days: a.quiet_days,
                owner: a.owner_email.clone(),
            };
            assert_eq!(a.created_at, check_at(alert.day), "recorded by a check");
            (alert, a.value_at_risk)
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let got_alerts: Vec<Alert> = got.iter().map(|(a, _)| a.clone()).collect();
    let mut wanted: Vec<(Alert, Option<f64>)> =
        expected.alerts.iter().cloned().zip(expected.value_at_risk.iter().copied()).collect();
    wanted.sort_by(|a, b| a.0.cmp(&b.0));
    let wanted_alerts: Vec<Alert> = wanted.iter().map(|(a, _)| a.clone()).collect();
    if got_alerts != wanted_alerts {
        let extra: Vec<&Alert> = got_alerts.iter().filter(|a| !wanted_alerts.contains(a)).collect();
        let missing: Vec<&Alert> = wanted_alerts.iter().filter(|a| !got_alerts.contains(a)).collect();
        panic!(
            "{} alerts recorded, {} expected.\nrecorded, not expected: {extra:#?}\nexpected, not recorded: {missing:#?}",
            got_alerts.len(),
            wanted_alerts.len()
        );
    }
    for ((alert, got), (_, want)) in got.iter().zip(&wanted) {
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{alert:?}: value at risk {g}, expected {w}"),
            (g, w) => assert_eq!(g, w, "{alert:?}: value at risk"),
        }
    }
    let silences: BTreeSet<(usize, DateTime<Utc>)> =
        got_alerts.iter().map(|a| (a.customer, a.silent_since)).collect();
    assert_eq!(silences.len(), got_alerts.len(), "no silence alerted twice");

    // One e-mail per owner per day with new alerts, counting that owner's new alerts.
    let mut wanted_mail: BTreeMap<(DateTime<Utc>, String), usize> = BTreeMap::new();
    for alert in &expected.alerts {
        if let Some(owner) = &alert.owner {
            *wanted_mail.entry((check_at(alert.day), owner.clone())).or_default() += 1;
        }
    }
    let messages = store.messages(&OutboxQuery { limit: 1_000_000, ..Default::default() }).unwrap();
    let mut got_mail: BTreeMap<(DateTime<Utc>, String), usize> = BTreeMap::new();
    for message in messages.iter().filter(|m| m.topic == ALERT_TOPIC) {
        let payload: serde_json::Value = serde_json::from_str(&message.payload).unwrap();
        let subject = payload["subject"].as_str().unwrap();
        let count: usize = subject.split(' ').next().unwrap().parse().unwrap();
        let previous = got_mail.insert((message.not_before, message.recipient.clone()), count);
        assert!(previous.is_none(), "two e-mails to {} at {}", message.recipient, message.not_before);
    }
    assert_eq!(got_mail, wanted_mail, "the owners' e-mails: (when, whom) → how many customers");

    // Follow-ups, only for alerts of rules that ask for them, for the alert's owner, due a day on.
    let alert_silence: HashMap<i64, (usize, DateTime<Utc>)> =
        recorded.iter().map(|a| (a.id, (index_of[&a.customer_id], a.silent_since))).collect();
    let mut got_follow_ups: Vec<(usize, DateTime<Utc>, String, DateTime<Utc>)> = store
        .followups(&FollowUpQuery { limit: 1_000_000, ..Default::default() })
        .unwrap()
        .into_iter()
        .filter(|f| f.origin == FollowUpOrigin::Cadence)
        .map(|f| {
            let (customer, since) = alert_silence[&f.alert_id.unwrap()];
            assert_eq!(f.customer_id, Some(run.ids[customer].unwrap()));
            (customer, since, f.owner_email, f.due_at)
        })
        .collect();
    got_follow_ups.sort();
    let mut wanted_follow_ups: Vec<(usize, DateTime<Utc>, String, DateTime<Utc>)> = expected
        .alerts
        .iter()
        .zip(&expected.follow_up)
        .filter(|(_, wanted)| **wanted)
        .map(|(a, _)| {
            (a.customer, a.silent_since, a.owner.clone().unwrap(), check_at(a.day) + Duration::days(1))
        })
        .collect();
    wanted_follow_ups.sort();
    assert_eq!(got_follow_ups, wanted_follow_ups, "follow-ups: (customer, silent since, owner, due)");

    // Each day's check reports how many were quiet, how many it alerted and how many follow-ups
    // it opened.
    let mut wanted_outcomes: Vec<CheckOutcome> =
        expected.quiet.iter().map(|&quiet| CheckOutcome { quiet, alerted: 0, follow_ups: 0 }).collect();
    for (alert, follow_up) in expected.alerts.iter().zip(&expected.follow_up) {
        let outcome = &mut wanted_outcomes[alert.day as usize];
        outcome.alerted += 1;
        outcome.follow_ups += usize::from(*follow_up);
    }
    for (day, (got, want)) in run.outcomes.iter().zip(&wanted_outcomes).enumerate() {
        assert_eq!(got, want, "the check of day {day} ({})", check_at(day as i64));
    }
}

tenure_store::contract_tests!(a_year_of_checks_alerts_exactly_once_per_silence);
