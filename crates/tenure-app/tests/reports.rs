//! The reports use cases over a real (SQLite) store: purchases land on the shop's calendar day,
//! refunds and cancellations stay out, and an empty store gives absent rates, never NaN.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, TimeZone, Utc};
use tenure_app::reports::{
    ActivityWindow, CohortMetric, CustomerSelection, Date, Period, Purchases, ReportScope, SegmentRules,
    ShopTimeZone,
};
use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderRecord, OrderStatus, SourceName};
use tenure_store::Store;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// An order of `customer`: `total` minor units charged, `refunded` of it given back.
fn order(
    customer: &str,
    id: &str,
    at: DateTime<Utc>,
    status: OrderStatus,
    total: i64,
    refunded: i64,
) -> ImportRecord {
    ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: None,
            name: None,
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: id.into(),
            placed_at: at,
            status,
            currency: Currency::USD,
            total_minor: total,
            refunded_minor: refunded,
            items: vec![],
        },
    }
}

fn paid(customer: &str, id: &str, at: DateTime<Utc>) -> ImportRecord {
    order(customer, id, at, OrderStatus::Paid, 1000, 0)
}

/// A new SQLite store in `dir` holding `records`.
fn store_with(dir: &tempfile::TempDir, records: &[ImportRecord]) -> Box<dyn Store> {
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let mut store = tenure_store::open(&url, utc(2026, 1, 1, 0, 0)).unwrap();
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), utc(2026, 1, 1, 0, 0)).unwrap();
    for record in records {
        session.ingest(record.clone()).unwrap();
    }
    session.commit().unwrap();
    store
}

fn load(store: &mut dyn Store, zone: &str) -> Purchases {
    let scope = ReportScope { time_zone: ShopTimeZone::parse(zone).unwrap(), ..ReportScope::default() };
    Purchases::load(store, &scope).unwrap()
}

#[test]
fn an_order_at_23_30_utc_counts_on_the_next_day_in_berlin_and_the_same_day_in_utc() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(&dir, &[paid("a", "1", utc(2024, 1, 15, 23, 30))]);
    let in_utc = load(store.as_mut(), "UTC");
    let in_berlin = load(store.as_mut(), "Europe/Berlin");
    assert_eq!(in_utc.last_day(), Some(date("2024-01-15")));
    assert_eq!(in_berlin.last_day(), Some(date("2024-01-16")));
    // The day reaches the numbers: with W = 1, the customer is active at the end of the 15th in
    // UTC only, and a first purchase in (15th, 16th] only in Berlin.
    let one_day = ActivityWindow::new(1).unwrap();
    let utc_report = in_utc.retention(date("2024-01-15"), date("2024-01-16"), one_day).unwrap();
    let berlin_report = in_berlin.retention(date("2024-01-15"), date("2024-01-16"), one_day).unwrap();
    assert_eq!((utc_report.s, utc_report.n), (1, 0));
    assert_eq!((berlin_report.s, berlin_report.n), (0, 1));
}

#[test]
fn daylight_saving_changes_in_new_york_do_not_shift_calendar_days() {
    // 2024-03-10: clocks go from 02:00 EST (UTC−5) to 03:00 EDT (UTC−4); 2024-11-03: back from
    // 02:00 EDT to 01:00 EST. Each UTC time below is 23:30 or 00:30 local, the worst case for a
    // fixed offset: −5 h all year would move the two EDT evenings and −4 h the two EST ones.
    let times = [
        (utc(2024, 3, 10, 4, 30), "2024-03-09"), // 23:30 EST
        (utc(2024, 3, 10, 5, 30), "2024-03-10"), // 00:30 EST
        (utc(2024, 3, 11, 3, 30), "2024-03-10"), // 23:30 EDT, same local day after the change
        (utc(2024, 3, 11, 4, 30), "2024-03-11"), // 00:30 EDT
        (utc(2024, 11, 3, 3, 30), "2024-11-02"), // 23:30 EDT
        (utc(2024, 11, 4, 4, 30), "2024-11-03"), // 23:30 EST, after the change back
        (utc(2024, 11, 4, 5, 30), "2024-11-04"), // 00:30 EST
    ];
    let records: Vec<ImportRecord> =
        times.iter().enumerate().map(|(i, (at, _))| paid("a", &i.to_string(), *at)).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(&dir, &records);
    let purchases = load(store.as_mut(), "America/New_York");
    let expected: Vec<i32> = times.iter().map(|(_, day)| date(day).days()).collect();
    assert_eq!(purchases.columns().customer_days(0), expected.as_slice());
}

#[test]
fn refunded_and_cancelled_orders_do_not_count_and_partial_refunds_lower_revenue() {
    let day = utc(2024, 5, 1, 12, 0);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(
        &dir,
        &[
            order("paid", "1", day, OrderStatus::Paid, 1000, 0),
            order("refunded", "2", day, OrderStatus::Refunded, 5000, 5000),
            order("cancelled", "3", day, OrderStatus::Cancelled, 7000, 0),
            order("partial", "4", day, OrderStatus::PartiallyRefunded, 5000, 2000),
        ],
    );
    let purchases = load(store.as_mut(), "UTC");
    assert_eq!(purchases.columns().n_customers(), 2, "only buyers with purchases are customers here");
    let report =
        purchases.retention(date("2024-05-01"), date("2024-05-01"), ActivityWindow::default()).unwrap();
    assert_eq!((report.s, report.detail.orders, report.detail.revenue_minor), (2, 2, 4000));
    // (10.00 + 30.00) / 2 orders, in dollars.
    assert_eq!(report.average_order_value, Some(20.0));
}

#[test]
fn an_empty_store_gives_absent_rates_and_empty_tables_never_nan() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(&dir, &[]);
    let purchases = load(store.as_mut(), "UTC");
    assert_eq!((purchases.currency(), purchases.last_day()), (None, None));
    let report =
        purchases.retention(date("2024-01-01"), date("2024-12-31"), ActivityWindow::default()).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    for rate in ["crr", "churn_rate", "cohort_exact_retention", "repeat_purchase_rate", "purchase_frequency"]
    {
        assert_eq!(json[rate], serde_json::Value::Null, "{rate}");
    }
    assert_eq!(json["average_order_value"], serde_json::Value::Null);
    assert_eq!((json["S"].as_u64(), json["E"].as_u64()), (Some(0), Some(0)));
    assert!(purchases.cohorts(Period::Month, CohortMetric::Customers, date("2024-12-31")).cohorts.is_empty());
    assert_eq!(purchases.lifecycle(date("2024-12-31"), ActivityWindow::default()).unwrap().stages.total(), 0);
    let segments = purchases.segments(date("2024-12-31")).unwrap();
    assert!(segments.segments.iter().all(|s| s.customers == 0 && s.revenue == 0.0));
    let list = purchases
        .customers_in(
            &CustomerSelection::segment("Champions", &SegmentRules::default()).unwrap(),
            date("2024-12-31"),
            ActivityWindow::default(),
        )
        .unwrap();
    assert!(list.customers.is_empty());
}

#[test]
fn the_default_currency_is_the_one_with_the_most_revenue_and_an_absent_one_is_refused() {
    let day = utc(2024, 5, 1, 12, 0);
    let mut euro = order("b", "2", day, OrderStatus::Paid, 9000, 0);
    euro.order.currency = Currency::parse("EUR").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(&dir, &[order("a", "1", day, OrderStatus::Paid, 1000, 0), euro]);
    let purchases = load(store.as_mut(), "UTC");
    assert_eq!(purchases.currency().map(|c| c.to_string()), Some("EUR".into()));
    assert_eq!(purchases.columns().n_purchases(), 1);
    let scope = ReportScope { currency: Some(Currency::parse("GBP").unwrap()), ..ReportScope::default() };
    let error = Purchases::load(store.as_mut(), &scope).unwrap_err().to_string();
    assert!(error.contains("no purchases in GBP") && error.contains("EUR, USD"), "{error}");
}

#[test]
fn customer_lists_name_customers_by_their_store_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with(
        &dir,
        &[paid("first", "1", utc(2024, 1, 2, 12, 0)), paid("second", "2", utc(2024, 6, 2, 12, 0))],
    );
    let purchases = load(store.as_mut(), "UTC");
    let churned = CustomerSelection::stage("churned").unwrap();
    let window = ActivityWindow::new(30).unwrap();
    let list = purchases.customers_in(&churned, date("2024-06-30"), window).unwrap();
    assert_eq!(list.customers.len(), 1);
    let detail = store.customer(list.customers[0].id).unwrap();
    assert_eq!(detail.identities[0].external_id, "first");
    assert_eq!(list.customers[0].last_purchase, Some(date("2024-01-02")));
}

#[test]
fn unknown_time_zones_are_refused_with_an_example_of_a_valid_name() {
    let error = ShopTimeZone::parse("Europe/Atlantis").unwrap_err().to_string();
    assert!(
        error.contains("unknown time zone `Europe/Atlantis`") && error.contains("Europe/Berlin"),
        "{error}"
    );
    assert_eq!(ShopTimeZone::parse("Asia/Tokyo").unwrap().name(), "Asia/Tokyo");
}

#[test]
fn a_report_is_as_of_the_day_asked_else_the_latest_purchase_else_today_where_the_shop_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = store_with(&dir, &[]);
    let late_evening_utc = utc(2026, 12, 6, 20, 0);
    // 20:00 UTC is already the 7th in Auckland, still the 6th in New York.
    assert_eq!(
        load(empty.as_mut(), "Pacific/Auckland").report_day(None, late_evening_utc).unwrap(),
        date("2026-12-07")
    );
    assert_eq!(
        load(empty.as_mut(), "America/New_York").report_day(None, late_evening_utc).unwrap(),
        date("2026-12-06")
    );
    let other = tempfile::tempdir().unwrap();
    let mut shop = store_with(&other, &[paid("a", "1", utc(2024, 3, 1, 12, 0))]);
    let purchases = load(shop.as_mut(), "UTC");
    assert_eq!(
        purchases.report_day(None, late_evening_utc).unwrap(),
        date("2024-03-01"),
        "the latest purchase"
    );
    assert_eq!(purchases.report_day(Some(date("2025-01-01")), late_evening_utc).unwrap(), date("2025-01-01"));
}
