//! A rule that opens follow-ups, added over a shop where many customers are already silent,
//! alerts every one of them but gives its owner only the most valuable few as follow-ups.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeZone, Utc};
use tenure_app::calendar::cadence::{self, FOLLOW_UPS_PER_OWNER_PER_CHECK};
use tenure_app::reports::{Purchases, ReportScope};
use tenure_domain::{
    Currency, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, Role, SourceName,
};
use tenure_store::{CustomerScore, FollowUpQuery, Store};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

#[test]
fn a_first_check_alerts_everyone_but_opens_only_the_most_valuable_follow_ups() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        tenure_store::open(&format!("sqlite:{}", dir.path().join("t.db").display()), now()).unwrap();
    let store: &mut dyn Store = store.as_mut();
    let silent = FOLLOW_UPS_PER_OWNER_PER_CHECK + 15;
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    for n in 0..silent {
        session
            .ingest(ImportRecord {
                line: n as u64 + 2,
                customer: CustomerRecord {
                    external_id: format!("c-{n}"),
                    email: Some(Email::parse(&format!("c{n}@example.com")).unwrap()),
                    name: None,
                    marketing_consent: None,
                },
                order: OrderRecord {
                    external_id: format!("o-{n}"),
                    placed_at: now() - chrono::Duration::days(200),
                    status: OrderStatus::Paid,
                    currency: Currency::USD,
                    total_minor: 1000,
                    refunded_minor: 0,
                    items: vec![],
                },
            })
            .unwrap();
    }
    session.commit().unwrap();
    // Scores: customer n is worth n × 10 USD, half likely gone, so value at risk grows with n.
    let customers = store.customers(&tenure_store::CustomerQuery { limit: 1000, after: None }).unwrap();
    let scores: Vec<CustomerScore> = customers
        .iter()
        .enumerate()
        .map(|(n, c)| CustomerScore {
            customer: c.id,
            currency: "USD".into(),
            model: "bgnbd".into(),
            as_of: (now() - chrono::Duration::days(1)).date_naive(),
            probability_alive: 0.5,
            expected_purchases: 0.1,
            horizon_days: 365,
            expected_spend_minor: 0,
            clv_minor: 1000 * n as i64,
        })
        .collect();
    store.replace_scores(&scores).unwrap();
    tenure_app::users::add_user(store, "ann@shop.example", None, Role::Agent, "a long password", now())
        .unwrap();
    let purchases = Purchases::load(store, &ReportScope::default()).unwrap();
    cadence::add_rule(store, Some(&purchases), "all", 90, Some("ann@shop.example"), true, now()).unwrap();

    let done = cadence::check(store, &purchases, "https://shop.example", now()).unwrap();
    assert_eq!((done.quiet, done.alerted, done.follow_ups), (silent, silent, FOLLOW_UPS_PER_OWNER_PER_CHECK));
    let opened = store.followups(&FollowUpQuery { limit: 1000, ..Default::default() }).unwrap();
    assert_eq!(opened.len(), FOLLOW_UPS_PER_OWNER_PER_CHECK);
    // The most valuable: the customers with the highest CLV.
    let mut followed: Vec<i64> = opened.iter().map(|f| f.customer_id.unwrap().0).collect();
    followed.sort_unstable();
    let mut expected: Vec<i64> =
        customers.iter().rev().take(FOLLOW_UPS_PER_OWNER_PER_CHECK).map(|c| c.id.0).collect();
    expected.sort_unstable();
    assert_eq!(followed, expected);
    // A second check alerts nobody again and opens nothing more.
    let again = cadence::check(store, &purchases, "https://shop.example", now() + chrono::Duration::hours(1))
        .unwrap();
    assert_eq!((again.alerted, again.follow_ups), (0, 0));
}
