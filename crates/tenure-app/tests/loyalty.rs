//! The loyalty programme through the app on both engines: concurrent redemptions that never
//! overspend, refunds against hand-worked balances under both refund policies, an earning job
//! that counts each order once however often it runs, and a nightly job that releases, expires,
//! warns and downgrades once.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_app::loyalty::earn::earn_from_orders;
use tenure_app::loyalty::programme::{save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust, redeem};
use tenure_app::loyalty::{Mailing, nightly, rows};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, CustomerRef, Email, ImportRecord, OrderRecord, OrderStatus,
    SourceName,
};
use tenure_loyalty::{PointsExpiry, RefundPolicy, Reward, RewardKind, Tier};
use tenure_store::{OutboxQuery, Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn mailing() -> Mailing {
    Mailing { shop: "Juniper & Pine".into(), links: Some(("https://shop.example".into(), vec![9; 32])) }
}

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("tenure.db").display())
}

/// Runs `test` with a fresh database URL on each engine.
fn on_both_engines(test: impl Fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    test(&sqlite(&dir));
    if let Some(database) = tenure_store::testing::postgres_database() {
        tenure_store::open(&database.url, now()).unwrap().migrate(now()).unwrap();
        test(&database.url);
    }
}

/// Imports (or re-imports, changing status and refunds) one order of customer `key`.
fn order(
    store: &mut dyn Store,
    key: &str,
    id: &str,
    placed_at: DateTime<Utc>,
    total: i64,
    refunded: i64,
) -> CustomerId {
    let status = match refunded {
        0 => OrderStatus::Paid,
        r if r == total => OrderStatus::Refunded,
        _ => OrderStatus::PartiallyRefunded,
    };
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: key.into(),
            email: Some(Email::parse(&format!("{key}@example.com")).unwrap()),
            name: Some(format!("Customer {key}")),
            marketing_consent: Some(true),
        },
        order: OrderRecord {
            external_id: id.into(),
            placed_at,
            status,
            currency: Currency::USD,
            total_minor: total,
            refunded_minor: refunded,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    let email = Email::parse(&format!("{key}@example.com")).unwrap();
    store.resolve_customers(&[CustomerRef::Email(email)]).unwrap()[0].unwrap()
}

/// One point per dollar, one tier, nothing expires, no return window, a 120-point reward.
fn plain_programme(store: &mut dyn Store, policy: RefundPolicy) {
    let mut rules = template(Currency::USD);
    rules.tiers.levels = vec![Tier { name: "Member".into(), threshold: 0, multiplier_percent: 100 }];
    rules.expiry = PointsExpiry::Never;
    rules.return_window_days = 0;
    rules.refund_policy = policy;
    rules.rewards.push(Reward {
        id: "one-twenty".into(),
        name: "Sampler".into(),
        cost: 120,
        kind: RewardKind::Gift { description: "Tea sampler".into() },
    });
    let json = serde_json::to_string(&rules).unwrap();
    save_programme(store, &json, Some(now() - Duration::days(365)), "owner@shop.example", now()).unwrap();
}

fn standing(store: &mut dyn Store, customer: CustomerId) -> (i64, i64) {
    let account = store.loyalty_account(customer).unwrap().unwrap();
    let ledger = rows::fold(&store.ledger(customer).unwrap()).unwrap();
    assert_eq!(account.summary.balance, ledger.balance(), "the kept balance is the ledger's sum");
    assert_eq!(account.summary.owed, ledger.owed());
    (ledger.balance(), ledger.owed())
}

fn earn(store: &mut dyn Store, at: DateTime<Utc>) -> tenure_app::loyalty::earn::EarnReport {
    earn_from_orders(store, &mailing(), at, &mut |_| {}).unwrap()
}

/// The fixture, worked by hand (one point per dollar; spending takes the oldest lot first):
///
/// | step                          | lots (remaining)   | balance | owed |
/// |-------------------------------|--------------------|--------:|-----:|
/// | A $100 → 100, B $50 → 50      | A 100, B 50        |     150 |    0 |
/// | redeem 120                    | A 0, B 30          |      30 |    0 |
/// | A refunded $40: 40 back; A has 0, so B gives 30 and 10 are short | B 0 | 0 (−10) | 10 (0) |
/// | C $25 → 25, repays the 10     | C 15               |      15 |    0 |
/// | A refunded the other $60: 60 back; C gives 15, 45 short | C 0 | 0 (−45) | 45 (0) |
///
/// (in brackets: under `allow_negative`, where the shortfall is a negative balance instead.)
fn refunds_follow_the_hand_worked_balances(url: &str, policy: RefundPolicy) {
    let mut store = tenure_store::open(url, now()).unwrap();
    let store = store.as_mut();
    plain_programme(store, policy);
    let negative = policy == RefundPolicy::AllowNegative;
    let day = |n| now() - Duration::days(100) + Duration::days(n);

    let c = order(store, "ann", "A", day(0), 10_000, 0);
    order(store, "ann", "B", day(1), 5_000, 0);
    let report = earn(store, day(2));
    assert_eq!((report.orders, report.earned), (2, 150));
    assert_eq!(standing(store, c), (150, 0));

    redeem(store, &mailing(), c, "one-twenty", "r1", day(3)).unwrap();
    assert_eq!(standing(store, c), (30, 0));

    order(store, "ann", "A", day(0), 10_000, 4_000);
    let report = earn(store, day(4));
    assert_eq!((report.orders, report.reversed), (1, 40));
    assert_eq!(standing(store, c), if negative { (-10, 0) } else { (0, 10) });

    order(store, "ann", "C", day(5), 2_500, 0);
    earn(store, day(6));
    assert_eq!(standing(store, c), (15, 0));
    assert_eq!(store.loyalty_account(c).unwrap().unwrap().summary.available, 15);

    order(store, "ann", "A", day(0), 10_000, 10_000);
    let report = earn(store, day(7));
    assert_eq!(report.reversed, 60);
    assert_eq!(standing(store, c), if negative { (-45, 0) } else { (0, 45) });

    // Again, and again: nothing is looked at twice.
    let rows = store.ledger(c).unwrap().len();
    assert_eq!(earn(store, day(8)).orders, 0);
    assert_eq!(store.ledger(c).unwrap().len(), rows);
    let refused = redeem(store, &mailing(), c, "one-twenty", "r2", day(9)).unwrap_err().to_string();
    assert!(refused.contains("120 points asked"), "{refused}");
}

#[test]
fn refunds_claw_back_from_future_earnings_as_worked_by_hand() {
    on_both_engines(|url| refunds_follow_the_hand_worked_balances(url, RefundPolicy::ClawBackFromFuture));
}

#[test]
fn refunds_may_take_the_balance_below_zero_as_worked_by_hand() {
    on_both_engines(|url| refunds_follow_the_hand_worked_balances(url, RefundPolicy::AllowNegative));
}

/// 1,000 redemptions of 300 points from eight connections at once against 10,000 points: 33
/// succeed, the other 967 are refused saying how many points were asked and available, and the
/// ledger, the kept balance and the coupons agree.
fn concurrent_redemptions(url: &str) {
    const REQUESTS: usize = 1_000;
    const THREADS: usize = 8;
    let mut store = tenure_store::open(url, now()).unwrap();
    plain_programme(store.as_mut(), RefundPolicy::ClawBackFromFuture);
    let c = order(store.as_mut(), "bo", "B1", now() - Duration::days(3), 100, 0);
    let gift = Adjustment {
        customer: c,
        points: 10_000,
        reason: "launch gift",
        by: "owner@shop.example",
        key: "gift",
    };
    adjust(store.as_mut(), &mailing(), &gift, now()).unwrap();

    let outcomes: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                scope.spawn(move || {
                    let mut store = tenure_store::open(url, now()).unwrap();
                    (thread..REQUESTS)
                        .step_by(THREADS)
                        .map(|n| {
                            redeem(store.as_mut(), &mailing(), c, "free-shipping", &format!("req-{n}"), now())
                                .map(|r| r.coupon.code)
                                .map_err(|e| e.to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect()
    });

    let granted: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(granted.len(), 33, "10,000 points buy 33 rewards of 300");
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert!(refused.contains("300 points asked,") && refused.contains("available"), "{refused}");
    }
    assert_eq!(standing(store.as_mut(), c), (10_000 - 33 * 300, 0));
    let coupons = store.coupons(Some(c), None, 100).unwrap();
    assert_eq!(coupons.len(), 33);
    let mut codes: Vec<&str> = coupons.iter().map(|k| k.coupon.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 33, "every coupon code is different");

    // A retried request answers its coupon again and spends nothing.
    let again = redeem(store.as_mut(), &mailing(), c, "free-shipping", "req-0", now());
    if let Ok(again) = again {
        assert!(again.replayed);
        assert!(granted.contains(&&again.coupon.code));
    }
    assert_eq!(standing(store.as_mut(), c), (100, 0));
}

#[test]
fn a_thousand_concurrent_redemptions_overspend_nothing() {
    on_both_engines(concurrent_redemptions);
}

/// A pending lot released after its window, points expiring with a warning a month before, and
/// a tier lost only at the end of its period — each once, however often the job runs.
fn nightly_releases_expires_warns_and_downgrades_once(url: &str) {
    let mut store = tenure_store::open(url, now()).unwrap();
    let store = store.as_mut();
    let mut rules = template(Currency::USD);
    rules.tiers.period = tenure_loyalty::TierPeriod::TwelveMonths;
    let json = serde_json::to_string(&rules).unwrap();
    save_programme(store, &json, Some(now() - Duration::days(30)), "owner@shop.example", now()).unwrap();

    // $600 on day 0: 600 points (Silver at 500), pending for 30 days, expiring in 12 months.
    let start = now() - Duration::days(10);
    let c = order(store, "cy", "O1", start, 60_000, 0);
    earn(store, now());
    let account = store.loyalty_account(c).unwrap().unwrap();
    assert_eq!(account.summary.tier.as_ref().unwrap().tier, "Silver");
    assert_eq!(
        (account.summary.balance, account.summary.available),
        (600, 0),
        "pending in the return window"
    );

    let run = |store: &mut dyn Store, at| nightly::run(store, &mailing(), at).unwrap();
    assert_eq!(run(store, now()).accounts, 0, "nothing due yet");
    let released = run(store, start + Duration::days(31));
    assert_eq!((released.accounts, released.released), (1, 1));
    assert_eq!(store.loyalty_account(c).unwrap().unwrap().summary.available, 600);
    assert_eq!(run(store, start + Duration::days(32)).accounts, 0);

    let expires = start.checked_add_months(chrono::Months::new(12)).unwrap();
    let warned = run(store, expires - Duration::days(29));
    assert_eq!(warned.notices, 1);
    assert_eq!(run(store, expires - Duration::days(28)).notices, 0, "warned once");

    let lapsed = run(store, expires + Duration::hours(1));
    assert_eq!((lapsed.expired, lapsed.tier_changes), (600, 0), "Silver is kept until its period ends");
    assert_eq!(store.loyalty_account(c).unwrap().unwrap().summary.balance, 0);
    assert_eq!(run(store, expires + Duration::hours(2)).accounts, 0);

    let period_end = now().checked_add_months(chrono::Months::new(12)).unwrap();
    let downgraded = run(store, period_end + Duration::hours(1));
    assert_eq!(downgraded.tier_changes, 1, "nothing earned in Silver's twelve months");
    let account = store.loyalty_account(c).unwrap().unwrap();
    assert_eq!(account.summary.tier.unwrap().tier, "Member");
    assert_eq!(run(store, period_end + Duration::hours(2)).accounts, 0);

    let mails = store.messages(&OutboxQuery { limit: 50, ..Default::default() }).unwrap();
    let topics: Vec<&str> = mails.iter().map(|m| m.topic.as_str()).collect();
    assert_eq!(topics.iter().filter(|t| **t == "loyalty.expiry").count(), 1, "{topics:?}");
    assert_eq!(
        topics.iter().filter(|t| **t == "loyalty.tier").count(),
        2,
        "up to Silver, down to Member: {topics:?}"
    );
}

#[test]
fn the_nightly_job_releases_expires_warns_and_downgrades_once() {
    on_both_engines(nightly_releases_expires_warns_and_downgrades_once);
}

#[test]
fn an_unknown_customer_or_reward_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = tenure_store::open(&sqlite(&dir), now()).unwrap();
    plain_programme(store.as_mut(), RefundPolicy::AllowNegative);
    let c = order(store.as_mut(), "di", "D1", now() - Duration::days(3), 1_000, 0);
    let error = redeem(store.as_mut(), &mailing(), c, "yacht", "k", now()).unwrap_err().to_string();
    assert!(error.contains("no reward `yacht`") && error.contains("free-shipping"), "{error}");
    let error = redeem(store.as_mut(), &mailing(), CustomerId(999), "free-shipping", "k", now()).unwrap_err();
    assert!(matches!(error, tenure_app::AppError::Store(StoreError::NotFound(_))), "{error}");
    let blank = Adjustment { customer: c, points: 5, reason: " ", by: "owner@shop.example", key: "k2" };
    let error = adjust(store.as_mut(), &mailing(), &blank, now()).unwrap_err();
    assert!(error.to_string().contains("reason"), "{error}");
}
