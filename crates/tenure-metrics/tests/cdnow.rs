//! The CDNOW master file (23,570 customers, 69,659 orders) through the crate, checked against the
//! acceptance figures of issue 3 and against `tests/reference/cdnow_retention.py`, an independent
//! stdlib-only Python computation of the same definitions (PRODUCT.md §2).
//!
//! The test parses the file itself; the app will feed the same columns from the store.

use std::path::PathBuf;

use tenure_metrics::{
    ActivityWindow, CustomerFacts, Date, LifecycleParams, Period, PurchaseColumns, PurchaseColumnsBuilder,
    SegmentParams, cohort_table, lifecycle_stages, retention_report, segment_customers,
};

/// Tolerance on percentages and means: both sides compute the same ratio of integers in f64.
const RATIO_TOLERANCE: f64 = 1e-9;

fn master_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cdnow/CDNOW_master.txt")
}

/// Parses a field of the CDNOW file, naming it when it is malformed.
fn field<T: std::str::FromStr>(text: &str, what: &str) -> T {
    text.parse().unwrap_or_else(|_| panic!("CDNOW: `{text}` is not a valid {what}"))
}

/// `11.77` → 1177 cents, without floating point.
fn cents(dollars: &str) -> i64 {
    let (whole, frac) = dollars.split_once('.').unwrap_or((dollars, ""));
    let frac = format!("{frac:0<2}");
    assert_eq!(frac.len(), 2, "more than two decimals in {dollars}");
    field::<i64>(whole, "amount") * 100 + field::<i64>(&frac, "amount")
}

/// Every data row is one paid order: `customer_id YYYYMMDD cds dollars`.
fn load_cdnow() -> PurchaseColumns {
    let text = std::fs::read_to_string(master_path()).expect("data/cdnow/CDNOW_master.txt is bundled");
    let mut rows: Vec<(u32, i32, i64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ymd = fields[1];
            let (y, m, d) = (field(&ymd[..4], "year"), field(&ymd[4..6], "month"), field(&ymd[6..], "day"));
            let day = Date::from_ymd(y, m, d).unwrap_or_else(|| panic!("CDNOW: {ymd} is not a date"));
            (field(fields[0], "customer id"), day.days(), cents(fields[3]))
        })
        .collect();
    rows.sort_by_key(|&(id, day, _)| (id, day));
    let mut ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    ids.dedup();
    let mut builder = PurchaseColumnsBuilder::with_capacity(ids.len() as u32, rows.len());
    for (id, day, revenue) in rows {
        let dense = ids.partition_point(|&x| x < id) as u32;
        builder.push(dense, day, revenue).expect("rows are sorted by customer and day");
    }
    builder.finish()
}

fn date(s: &str) -> Date {
    s.parse().expect("test dates are valid")
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < RATIO_TOLERANCE, "{actual} != {expected}");
}

#[test]
fn the_cdnow_file_loads_as_23570_customers_and_69659_orders() {
    let cols = load_cdnow();
    assert_eq!((cols.n_customers(), cols.n_purchases()), (23_570, 69_659));
}

#[test]
fn the_monthly_cohort_table_starts_with_the_published_cdnow_cohorts() {
    // Issue 3 acceptance: 7,846 / 8,476 / 7,248 customers, month-1 retention 14.7 / 15.5 / 14.2 %.
    let table = cohort_table(&load_cdnow(), Period::Month, date("1998-06-30"));
    assert_eq!(table.cohorts.len(), 3, "CDNOW customers were all acquired in Q1 1997");
    let expected =
        [("1997-01", 7_846, 14.7, 1_157), ("1997-02", 8_476, 15.5, 1_312), ("1997-03", 7_248, 14.2, 1_032)];
    for (row, (label, size, month1, month1_customers)) in table.cohorts.iter().zip(expected) {
        assert_eq!((row.cohort.as_str(), row.size), (label, size));
        assert_eq!(row.retention[0], 100.0);
        assert_eq!((row.retention[1] * 10.0).round() / 10.0, month1, "{label}");
        // Exact month-1 counts from tests/reference/cdnow_retention.py.
        assert_eq!(row.customers[1], month1_customers, "{label}");
        // 1997-01 through 1998-06 is 18 months; the March cohort has 16 columns.
        assert!(row.complete.iter().all(|&c| c));
    }
    assert_eq!(table.cohorts[0].retention.len(), 18);
    assert_eq!(table.cohorts[2].retention.len(), 16);
    let json = serde_json::to_value(&table).unwrap();
    assert_eq!(json["period"], "month");
    assert_eq!(json["cohorts"][0]["cohort"], "1997-01");
    assert_eq!(json["cohorts"][0]["size"], 7_846);
}

#[test]
fn the_yearly_retention_report_matches_the_python_reference() {
    // Expected values printed by tests/reference/cdnow_retention.py for [1997-06-30, 1998-06-30],
    // W = 365 (run: python3 crates/tenure-metrics/tests/reference/cdnow_retention.py).
    let r =
        retention_report(&load_cdnow(), date("1997-06-30"), date("1998-06-30"), ActivityWindow::default())
            .unwrap();
    assert_eq!((r.s, r.e, r.n, r.lost, r.retained), (23_570, 8_332, 0, 15_238, 8_332));
    close(r.crr, 35.350021213406876);
    close(r.churn_rate, 64.64997878659314);
    close(r.cohort_exact_retention, 35.350021213406876);
    assert_eq!((r.ordering_customers, r.orders, r.revenue_minor), (8_350, 28_224, 107_253_830));
    close(r.repeat_purchase_rate, 62.01197604790419);
    close(r.purchase_frequency, 3.380119760479042);
    close(r.average_order_value, 3800.093183106576);
    close(r.mean_days_between_orders, 46.450035221897956);
}

#[test]
fn the_quarterly_retention_report_with_a_90_day_window_matches_the_python_reference() {
    // From tests/reference/cdnow_retention.py: [1997-12-31, 1998-03-31], W = 90. CRR exceeds
    // cohort-exact retention because E counts customers who came back during the quarter.
    let window = ActivityWindow::new(90).unwrap();
    let r = retention_report(&load_cdnow(), date("1997-12-31"), date("1998-03-31"), window).unwrap();
    assert_eq!((r.s, r.e, r.n, r.lost, r.retained), (4_176, 3_817, 0, 2_238, 1_938));
    close(r.crr, 91.40325670498083);
    close(r.churn_rate, 53.59195402298851);
    close(r.cohort_exact_retention, 46.40804597701149);
    assert_eq!((r.ordering_customers, r.orders, r.revenue_minor), (3_831, 6_899, 26_444_335));
    close(r.repeat_purchase_rate, 38.21456538762725);
    close(r.purchase_frequency, 1.800835291046724);
    close(r.average_order_value, 3833.067835918249);
    close(r.mean_days_between_orders, 18.23207301173403);
}

#[test]
fn the_retention_report_serialises_with_exactly_the_contract_field_names() {
    let r =
        retention_report(&load_cdnow(), date("1997-06-30"), date("1998-06-30"), ActivityWindow::default())
            .unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = [
        "start",
        "end",
        "window_days",
        "S",
        "E",
        "N",
        "lost",
        "crr",
        "churn_rate",
        "cohort_exact_retention",
        "repeat_purchase_rate",
        "purchase_frequency",
        "average_order_value",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(json["start"], "1997-06-30");
    assert_eq!(json["window_days"], 365);
    assert_eq!(json["S"], 23_570);
}

#[test]
fn every_cdnow_customer_gets_one_stage_and_one_segment() {
    let cols = load_cdnow();
    let facts = CustomerFacts::as_of(&cols, date("1998-06-30"));
    let stages = lifecycle_stages(&cols, &facts, &LifecycleParams::default()).unwrap();
    let report = tenure_metrics::LifecycleReport::from_stages(facts.as_of_date(), &stages);
    assert_eq!(report.stages.total(), 23_570);
    // E at 1998-06-30 with W = 365 is 8,332 (Python reference): exactly the non-churned customers.
    assert_eq!(report.stages.churned, 23_570 - 8_332);
    assert_eq!((report.stages.new, report.stages.prospect), (0, 0));
    let segments = segment_customers(&facts, &SegmentParams::default()).unwrap().report(&facts);
    assert_eq!(segments.segments.iter().map(|s| s.customers).sum::<u64>(), 23_570);
    // Total revenue is the sum of every segment's revenue.
    let revenue: i64 = cols.revenues().iter().sum();
    assert_eq!(segments.segments.iter().map(|s| s.revenue_minor).sum::<i64>(), revenue);
}
