//! The loyalty programme through the app on both engines: concurrent redemptions that never
//! overspend, refunds against hand-worked balances under both refund policies, an earning job
//! that counts each order once however often it runs, and a nightly job that releases, expires,
//! warns and downgrades once.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_app::loyalty::earn::earn_from_orders;
use tenure_app::loyalty::programme::{save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust, redeem};
use tenure_app::loyalty::referrals::{self, ReferralReport};
use tenure_app::loyalty::{Mailing, join, nightly, rows};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, CustomerRef, Email, ImportRecord, OrderRecord, OrderStatus,
    SourceName,
};
use tenure_loyalty::{PointsExpiry, RefundPolicy, Reward, RewardKind, Tier};
use tenure_store::{OutboxQuery, ReferralStatus, Store, StoreError};

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
    let (email, name) = (format!("{key}@example.com"), format!("Customer {key}"));
    order_as(store, key, (&email, &name), (id, placed_at, total, refunded))
}

/// Imports one order of customer `key` with this e-mail and name.
fn order_as(
    store: &mut dyn Store,
    key: &str,
    (email, name): (&str, &str),
    (id, placed_at, total, refunded): (&str, DateTime<Utc>, i64, i64),
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
            email: Some(Email::parse(email).unwrap()),
            name: Some(name.to_string()),
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
    store.resolve_customers(&[CustomerRef::Email(Email::parse(email).unwrap())]).unwrap()[0].unwrap()
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
    rules.bonuses = tenure_loyalty::Bonuses { birthday: 0, anniversary: 0 }; // see the bonus test
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

/// The fraud fixture: every referral below is made a week ago and judged today, each referred
/// customer buying after it (one point per dollar, no return window, $20 minimum, 500 points to
/// the referrer and 250 to the referred, at most 5 rewards per referrer in 30 days).
///
/// | referrer → referred                                   | expected                     |
/// |-------------------------------------------------------|------------------------------|
/// | Ann → Bo ($50)                                        | paid: Ann +500, Bo +250      |
/// | Ann → `Ann.Linde+gift@googlemail.com` ($40)          | held: same e-mail            |
/// | Ann → "Linde, Ann" at another address ($40)           | held: same name              |
/// | Jo → Kim and Kim → Jo, both new (each $30)            | both held: a loop            |
/// | Eve → seven new customers ($25 each)                  | five paid, two held: a burst |
/// | Ann → Fay, who bought before being referred           | refused: not new             |
/// | Ann → Gus ($10)                                       | refused: below the minimum   |
fn referral_fixture(url: &str) {
    let mut store = tenure_store::open(url, now()).unwrap();
    let store = store.as_mut();
    let mut rules = template(Currency::USD);
    rules.return_window_days = 0;
    save_programme(
        store,
        &serde_json::to_string(&rules).unwrap(),
        Some(now() - Duration::days(365)),
        "o",
        now(),
    )
    .unwrap();
    let week_ago = now() - Duration::days(7);
    let bought = now() - Duration::days(3);
    let person = |store: &mut dyn Store, key: &str, email: &str, name: &str, at, total| {
        order_as(store, key, (email, name), (&format!("{key}-1"), at, total, 0))
    };
    let ann = person(store, "ann", "annlinde@gmail.com", "Ann Linde", now() - Duration::days(90), 3_000);
    let eve = person(store, "eve", "eve@example.com", "Eve Hart", now() - Duration::days(90), 3_000);
    earn(store, now() - Duration::days(8));
    let code =
        |store: &mut dyn Store, c: CustomerId| store.loyalty_account(c).unwrap().unwrap().referral_code;
    let (ann_code, eve_code) = (code(store, ann), code(store, eve));

    let refer = |store: &mut dyn Store, code: &str, key: &str, email: &str, name: &str, total: i64| {
        let c = person(store, key, email, name, bought, total);
        referrals::record(store, &code.to_lowercase().replace('-', " "), c, week_ago).unwrap();
        c
    };
    let bo = refer(store, &ann_code, "bo", "bo@example.com", "Bo Sand", 5_000);
    refer(store, &ann_code, "twin", "Ann.Linde+gift@googlemail.com", "A. L.", 4_000);
    refer(store, &ann_code, "namesake", "al@elsewhere.example", "Linde, Ann", 4_000);
    let jo = person(store, "jo", "jo@example.com", "Jo Vale", bought, 3_000);
    let kim = person(store, "kim", "kim@example.com", "Kim Ash", bought, 3_000);
    let jo_code = join(store, &mailing(), jo, week_ago).unwrap().referral_code;
    let kim_code = join(store, &mailing(), kim, week_ago).unwrap().referral_code;
    referrals::record(store, &jo_code, kim, week_ago).unwrap();
    referrals::record(store, &kim_code, jo, week_ago + Duration::hours(1)).unwrap();
    for n in 0..7 {
        refer(
            store,
            &eve_code,
            &format!("friend{n}"),
            &format!("friend{n}@example.com"),
            &format!("Friend {n}"),
            2_500,
        );
    }
    let fay = person(store, "fay", "fay@example.com", "Fay Lund", week_ago - Duration::days(30), 9_000);
    referrals::record(store, &ann_code, fay, week_ago).unwrap();
    refer(store, &ann_code, "gus", "gus@example.com", "Gus Berg", 1_000);
    assert!(
        referrals::record(store, &eve_code, bo, now()).unwrap_err().to_string().contains("already referred"),
        "a customer is referred once"
    );

    let before =
        |store: &mut dyn Store, c| store.loyalty_account(c).unwrap().map_or(0, |a| a.summary.balance);
    let (ann_before, bo_before) = (before(store, ann), before(store, bo));
    let report = referrals::judge_waiting(store, &mailing(), now()).unwrap();
    assert_eq!((report.paid, report.held, report.refused, report.waiting), (6, 6, 2, 0), "{report:?}");
    assert_eq!(before(store, ann) - ann_before, 500);
    assert_eq!(before(store, bo) - bo_before, 250);

    let held = store.referrals(Some(ReferralStatus::Held), 100).unwrap();
    let reasons = |who: &str| -> String {
        held.iter()
            .find(|r| r.referred.name.as_deref() == Some(who))
            .map(|r| r.reasons.clone())
            .unwrap_or_default()
    };
    assert!(reasons("A. L.").contains("same_email"), "{held:?}");
    assert!(reasons("Linde, Ann").contains("same_name"), "{held:?}");
    assert!(reasons("Jo Vale").contains("loop") && reasons("Kim Ash").contains("loop"), "{held:?}");
    assert_eq!(held.iter().filter(|r| r.reasons.contains("burst")).count(), 2, "{held:?}");
    let refused = store.referrals(Some(ReferralStatus::Refused), 100).unwrap();
    let refused: Vec<&str> = refused.iter().map(|r| r.reasons.as_str()).collect();
    assert!(
        refused.iter().any(|r| r.contains("not_new")) && refused.iter().any(|r| r.contains("below_minimum")),
        "{refused:?}"
    );

    // Judged once: a second run decides nothing; a reviewer pays one held referral and refuses another.
    assert_eq!(referrals::judge_waiting(store, &mailing(), now()).unwrap(), ReferralReport::default());
    let namesake = held.iter().find(|r| r.referred.name.as_deref() == Some("Linde, Ann")).unwrap();
    let twin = held.iter().find(|r| r.referred.name.as_deref() == Some("A. L.")).unwrap();
    let ann_now = before(store, ann);
    assert_eq!(
        referrals::review(store, &mailing(), namesake.id, true, "owner@shop.example", now()).unwrap().status,
        ReferralStatus::Paid
    );
    assert_eq!(before(store, ann) - ann_now, 500);
    assert_eq!(
        referrals::review(store, &mailing(), twin.id, false, "owner@shop.example", now()).unwrap().status,
        ReferralStatus::Refused
    );
    assert!(
        referrals::review(store, &mailing(), twin.id, true, "owner@shop.example", now()).is_err(),
        "decided for good"
    );
    assert_eq!(before(store, ann) - ann_now, 500);

    let influence: std::collections::HashMap<CustomerId, u32> =
        store.paid_referrals_by_referrer().unwrap().into_iter().collect();
    assert_eq!((influence.get(&ann), influence.get(&eve), influence.get(&jo)), (Some(&2), Some(&5), None));
}

#[test]
fn referral_fraud_is_held_and_clean_referrals_pay_both() {
    on_both_engines(referral_fixture);
}

#[test]
fn a_redemption_announces_its_coupon_to_subscribed_shops_and_mails_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = tenure_store::open(&sqlite(&dir), now()).unwrap();
    let store = store.as_mut();
    plain_programme(store, RefundPolicy::AllowNegative);
    let c = order(store, "ed", "E1", now() - Duration::days(3), 40_000, 0);
    earn(store, now());
    let hook = tenure_app::outbox::add_subscription(
        store,
        "https://shop.example/hooks/tenure",
        &["coupon.issued".to_string()],
        false,
        tenure_store::BodyFormat::Standard,
        now(),
    )
    .unwrap();
    let made = redeem(store, &mailing(), c, "free-shipping", "hook-1", now()).unwrap();

    let messages = store.messages(&OutboxQuery { limit: 20, ..Default::default() }).unwrap();
    let webhook = messages.iter().find(|m| m.topic == "coupon.issued").expect("a coupon.issued delivery");
    assert_eq!(
        (webhook.recipient.as_str(), webhook.subscription_id),
        ("https://shop.example/hooks/tenure", Some(hook.id))
    );
    let body: serde_json::Value = serde_json::from_str(&webhook.payload).unwrap();
    let data = &body["data"];
    assert_eq!(
        (data["code"].as_str(), data["points"].as_i64()),
        (Some(made.coupon.code.as_str()), Some(300)),
        "{body}"
    );
    assert_eq!(
        (data["email"].as_str(), data["reward"]["kind"]["type"].as_str()),
        (Some("ed@example.com"), Some("free_shipping"))
    );
    let mail = messages.iter().find(|m| m.topic == "loyalty.coupon").expect("the member's e-mail");
    assert_eq!(mail.recipient, "ed@example.com");
    assert!(
        mail.payload.contains(&made.coupon.code) && mail.payload.contains("https://shop.example/member/")
    );
}

/// A birthday (set by hand) and the anniversary of the first order pay their bonus once a year,
/// on the day or within a week after; the nightly run wakes for them.
#[test]
fn birthday_and_anniversary_bonuses_are_paid_once_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = tenure_store::open(&sqlite(&dir), now()).unwrap();
    let store = store.as_mut();
    plain_programme(store, RefundPolicy::AllowNegative); // birthday 100, anniversary 50
    let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 3, 0, 0).unwrap();
    let c = order(store, "fi", "F1", at(2025, 3, 5), 1_000, 0);
    earn(store, at(2025, 3, 6));
    let error =
        tenure_app::loyalty::set_birthday(store, &mailing(), c, Some("31-12"), at(2025, 3, 6)).unwrap_err();
    assert!(error.to_string().contains("MM-DD"), "{error}");
    let account =
        tenure_app::loyalty::set_birthday(store, &mailing(), c, Some("03-10"), at(2025, 3, 6)).unwrap();
    assert_eq!(account.summary.next_due_at, Some(Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap()));

    let balance = |store: &mut dyn Store| store.loyalty_account(c).unwrap().unwrap().summary.balance;
    let run = |store: &mut dyn Store, when| nightly::run(store, &mailing(), when).unwrap().accounts;
    assert_eq!(balance(store), 10);
    assert_eq!(run(store, at(2025, 3, 10)), 1);
    assert_eq!(balance(store), 110, "the birthday");
    assert_eq!(run(store, at(2025, 3, 11)), 0, "once");
    assert_eq!(run(store, at(2026, 3, 5)), 1);
    assert_eq!(balance(store), 160, "the first order's anniversary");
    assert_eq!(run(store, at(2026, 3, 12)), 1);
    assert_eq!(balance(store), 260, "two days late, still paid");
    assert_eq!(run(store, at(2026, 3, 13)), 0);
    // A year the server missed by more than a week: woken, but those bonuses lapsed.
    assert_eq!(run(store, at(2027, 3, 20)), 1);
    assert_eq!(run(store, at(2027, 3, 21)), 0, "next wakes in 2028");
    assert_eq!(balance(store), 260);
    let keys: Vec<String> = store.ledger(c).unwrap().into_iter().map(|row| row.key).collect();
    assert!(
        keys.contains(&"bonus:birthday:2025".to_string())
            && keys.contains(&"bonus:anniversary:2026".to_string()),
        "{keys:?}"
    );
}
