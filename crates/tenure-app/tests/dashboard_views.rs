//! The use cases behind the dashboard's RFM grid, score list and customer history, on five
//! customers whose scores are known by hand: customer i bought on days 1..=i of January 2024, so
//! their recency and frequency ranks are both i of 5 and each lands on the grid's diagonal.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{NaiveDate, TimeZone, Utc};
use tenure_app::models::{ScoreListQuery, ScoreSort, list_scores, purchase_history};
use tenure_app::reports::{Date, Purchases, ReportScope, ShopTimeZone};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, ImportRecord, OrderRecord, OrderStatus, SourceName,
};
use tenure_store::{CustomerScore, Store};

/// Customers 1..=5; customer i has paid orders on 2024-01-01 ..= 2024-01-i, 10.00 each.
fn five_customers(dir: &tempfile::TempDir) -> Box<dyn Store> {
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut store = tenure_store::open(&url, now).unwrap();
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now).unwrap();
    for customer in 1..=5u32 {
        for day in 1..=customer {
            session
                .ingest(ImportRecord {
                    line: 2,
                    customer: CustomerRecord {
                        external_id: format!("c{customer}"),
                        email: None,
                        name: Some(format!("Customer c{customer}")),
                        marketing_consent: None,
                    },
                    order: OrderRecord {
                        external_id: format!("c{customer}-{day}"),
                        placed_at: Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap(),
                        status: OrderStatus::Paid,
                        currency: Currency::USD,
                        total_minor: 1000,
                        refunded_minor: 0,
                        items: vec![],
                    },
                })
                .unwrap();
        }
    }
    session.commit().unwrap();
    store
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

#[test]
fn the_rfm_grid_puts_each_customer_in_the_cell_of_their_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = five_customers(&dir);
    let grid = Purchases::load(store.as_mut(), &ReportScope::default())
        .unwrap()
        .rfm_grid(date("2024-01-31"))
        .unwrap();
    for r in 0..5 {
        for f in 0..5 {
            assert_eq!(grid.customers[r][f], u64::from(r == f), "R {} F {}", r + 1, f + 1);
        }
    }
    assert_eq!((grid.total(), grid.without_orders), (5, 0));
    let before = Purchases::load(store.as_mut(), &ReportScope::default())
        .unwrap()
        .rfm_grid(date("2023-12-31"))
        .unwrap();
    assert_eq!((before.total(), before.without_orders), (0, 5), "nobody had bought yet");
}

fn score(customer: i64, probability_alive: f64, clv_minor: i64) -> CustomerScore {
    CustomerScore {
        customer: CustomerId(customer),
        currency: "USD".into(),
        model: "bgnbd".into(),
        as_of: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
        probability_alive,
        expected_purchases: 1.0,
        horizon_days: 364,
        expected_spend_minor: 1000,
        clv_minor,
    }
}

#[test]
fn stored_scores_are_filtered_sorted_paged_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = five_customers(&dir);
    store
        .replace_scores(&[score(1, 0.9, 100), score(2, 0.2, 300), score(3, 0.4, 200), score(4, 0.2, 50)])
        .unwrap();
    let purchases = Purchases::load(store.as_mut(), &ReportScope::default()).unwrap();
    let ids = |query: &ScoreListQuery, store: &mut dyn Store| {
        list_scores(store, &purchases, query)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.score.customer.0)
            .collect::<Vec<_>>()
    };
    let below = ScoreListQuery { below: Some(0.5), ..ScoreListQuery::default() };
    assert_eq!(ids(&below, store.as_mut()), [2, 4, 3], "lowest first, ties by id");
    let by_clv = ScoreListQuery { sort: ScoreSort::Clv, min_clv: Some(1.5), ..ScoreListQuery::default() };
    assert_eq!(ids(&by_clv, store.as_mut()), [2, 3], "CLV at least USD 1.50, highest first");
    let quiet = ScoreListQuery {
        sort: ScoreSort::LastPurchase,
        offset: 1,
        limit: Some(2),
        ..ScoreListQuery::default()
    };
    let list = list_scores(store.as_mut(), &purchases, &quiet).unwrap();
    assert_eq!(
        list.rows.iter().map(|r| r.score.customer.0).collect::<Vec<_>>(),
        [2, 3],
        "page 2 of 1, 2, 3, 4"
    );
    assert_eq!((list.scored, list.matching), (4, 4));
    assert_eq!(list.rows[0].last_purchase, Some(date("2024-01-02")));
    assert_eq!(list.rows[0].name.as_deref(), Some("Customer c2"));
}

#[test]
fn a_customers_history_counts_purchase_days_up_to_the_day_of_the_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = five_customers(&dir);
    let detail = store.customer(CustomerId(3)).unwrap();
    let history = purchase_history(&detail, "USD", ShopTimeZone::UTC, date("2024-01-10")).unwrap().unwrap();
    assert_eq!(
        (history.purchase_days, history.first, history.last),
        (3, date("2024-01-01"), date("2024-01-03"))
    );
    assert_eq!((history.days_since_last, history.mean_days_between), (7, Some(1.0)));
    let early = purchase_history(&detail, "USD", ShopTimeZone::UTC, date("2024-01-01")).unwrap().unwrap();
    assert_eq!((early.purchase_days, early.mean_days_between), (1, None), "later purchases are not seen");
    assert!(purchase_history(&detail, "EUR", ShopTimeZone::UTC, date("2024-01-10")).unwrap().is_none());
}
