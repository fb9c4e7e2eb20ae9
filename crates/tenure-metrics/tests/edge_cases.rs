//! Edge cases of issue 3's acceptance list: an empty store, customers without purchases, one
//! customer, a period with S = 0, refunds and zero-revenue orders.
//!
//! Time zones (midnight, daylight saving) are converted to day numbers before this crate; they
//! are tested where that conversion lives.

use tenure_metrics::{
    ActivityWindow, CustomerFacts, Date, LifecycleParams, Period, PurchaseColumns, PurchaseColumnsBuilder,
    SegmentParams, Stage, cohort_table, lifecycle_stages, retention_report, retention_series,
    segment_customers,
};

fn date(s: &str) -> Date {
    s.parse().expect("test dates are valid")
}

fn one_customer(purchases: &[(&str, i64)]) -> PurchaseColumns {
    let mut b = PurchaseColumnsBuilder::with_capacity(1, purchases.len());
    for &(d, cents) in purchases {
        b.push(0, date(d).days(), cents).expect("rows given in day order");
    }
    b.finish()
}

#[test]
fn an_empty_store_gives_zero_counts_and_absent_rates_everywhere() {
    let cols = PurchaseColumnsBuilder::with_capacity(0, 0).finish();
    let r =
        retention_report(&cols, date("2024-01-01"), date("2024-12-31"), ActivityWindow::default()).unwrap();
    assert_eq!((r.s, r.e, r.n, r.lost), (0, 0, 0, 0));
    let rates = [
        r.crr,
        r.churn_rate,
        r.cohort_exact_retention,
        r.repeat_purchase_rate,
        r.purchase_frequency,
        r.average_order_value,
        r.mean_days_between_orders,
    ];
    assert!(rates.iter().all(Option::is_none));
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"crr\":null") && !json.contains("NaN"), "{json}");
    let series = retention_series(
        &cols,
        date("2024-01-01"),
        date("2024-03-31"),
        Period::Quarter,
        ActivityWindow::default(),
    )
    .unwrap();
    assert_eq!(series.len(), 1);
    assert!(cohort_table(&cols, Period::Week, date("2024-01-01")).cohorts.is_empty());
    let facts = CustomerFacts::as_of(&cols, date("2024-01-01"));
    assert!(lifecycle_stages(&cols, &facts, &LifecycleParams::default()).unwrap().is_empty());
    let seg = segment_customers(&facts, &SegmentParams::default()).unwrap().report(&facts);
    assert!(seg.segments.iter().all(|s| s.customers == 0));
    assert_eq!((seg.without_orders, seg.flags.big_spender, seg.flags.influencer), (0, 0, None));
}

#[test]
fn customers_without_purchases_are_prospects_in_no_segment() {
    let cols = PurchaseColumnsBuilder::with_capacity(3, 0).finish();
    let facts = CustomerFacts::as_of(&cols, date("2024-01-01"));
    let stages = lifecycle_stages(&cols, &facts, &LifecycleParams::default()).unwrap();
    assert_eq!(stages, [Stage::Prospect; 3]);
    let seg = segment_customers(&facts, &SegmentParams::default()).unwrap();
    assert!(seg.segment.iter().all(Option::is_none));
    assert_eq!(seg.report(&facts).without_orders, 3);
}

#[test]
fn a_period_with_no_active_customer_at_start_has_absent_rates_but_order_numbers() {
    // First purchase 2024-03-10, period [2024-03-01, 2024-03-31]: S = 0 (nobody active at 03-01),
    // E = N = 1. Retention rates are absent; the two orders still give repeat rate 100 %.
    let cols = one_customer(&[("2024-03-10", 1000), ("2024-03-20", 3000)]);
    let r =
        retention_report(&cols, date("2024-03-01"), date("2024-03-31"), ActivityWindow::default()).unwrap();
    assert_eq!((r.s, r.e, r.n), (0, 1, 1));
    assert_eq!((r.crr, r.churn_rate, r.cohort_exact_retention), (None, None, None));
    assert_eq!(r.repeat_purchase_rate, Some(100.0));
    assert_eq!(r.purchase_frequency, Some(2.0));
    assert_eq!(r.average_order_value, Some(2000.0));
    assert_eq!(r.mean_days_between_orders, Some(10.0));
}

#[test]
fn one_customer_moves_from_new_to_active_to_churned() {
    // One order on 2024-01-10, W = 365, new = 30 days.
    let cols = one_customer(&[("2024-01-10", 500)]);
    let stage_at = |d: &str| {
        let facts = CustomerFacts::as_of(&cols, date(d));
        lifecycle_stages(&cols, &facts, &LifecycleParams::default()).unwrap()[0]
    };
    assert_eq!(stage_at("2024-01-09"), Stage::Prospect); // before the order
    assert_eq!(stage_at("2024-01-10"), Stage::New);
    assert_eq!(stage_at("2024-02-08"), Stage::New); // 01-10 is the 30th day back from 02-08
    assert_eq!(stage_at("2024-02-09"), Stage::Active);
    // 2025-01-08 is 364 days after 2024-01-10 (2024 is leap): the window [t − 364, t] starts on
    // 01-10 exactly. One day later it starts on 01-11.
    assert_eq!(stage_at("2025-01-08"), Stage::Active);
    assert_eq!(stage_at("2025-01-09"), Stage::Churned);
    let table = cohort_table(&cols, Period::Month, date("2024-03-15"));
    assert_eq!(table.cohorts.len(), 1);
    assert_eq!(table.cohorts[0].retention, [100.0, 0.0, 0.0]);
    assert_eq!(table.cohorts[0].complete, [true, true, false]);
}

#[test]
fn a_partially_refunded_or_free_order_is_a_purchase_with_its_remaining_revenue() {
    // The app drops fully refunded orders and passes the others' revenue after refunds: a $50
    // order refunded $30 arrives as 2000 cents, a free order as 0. Both count as orders.
    let cols = one_customer(&[("2024-05-01", 2000), ("2024-05-02", 0)]);
    let r =
        retention_report(&cols, date("2024-05-01"), date("2024-05-31"), ActivityWindow::default()).unwrap();
    assert_eq!((r.orders, r.revenue_minor), (2, 2000));
    assert_eq!(r.average_order_value, Some(1000.0));
    let refused = PurchaseColumns::from_columns(&[0], vec![date("2024-05-01").days()], vec![-1], 1);
    assert!(refused.is_err(), "a negative revenue means an over-refund upstream");
}

#[test]
fn a_one_day_period_has_e_equal_to_s_and_no_new_customers() {
    let cols = one_customer(&[("2024-05-01", 2000)]);
    let r =
        retention_report(&cols, date("2024-05-01"), date("2024-05-01"), ActivityWindow::default()).unwrap();
    assert_eq!((r.s, r.e, r.n, r.lost), (1, 1, 0, 0));
    assert_eq!(r.crr, Some(100.0));
}
