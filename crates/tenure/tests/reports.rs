//! `tenure report …` and `tenure customers list --segment/--stage`, run as a user runs them, on the
//! bundled CDNOW data imported into a temporary database.
//!
//! Expected figures come from outside the Rust code: issue 3's acceptance cohorts, and
//! `crates/tenure-metrics/tests/reference/cdnow_retention.py`, a stdlib-only Python computation
//! written from PRODUCT.md §2 (run it to reprint them).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use common::{import_cdnow, run, tenure};
use serde_json::Value;
use tenure_store::testing;

const CDNOW_CUSTOMERS: u64 = 23_570;
/// Both sides divide the same integers in f64.
const RATIO_TOLERANCE: f64 = 1e-9;

/// Runs `tenure ARGS --json` and parses stdout.
fn json(db: &str, args: &[&str]) -> Value {
    common::json(db, &[args, &["--json"]].concat())
}

/// Runs a command expected to fail and returns its stderr.
fn failure(db: &str, args: &[&str]) -> String {
    let output = tenure(db).args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A temporary SQLite database holding CDNOW_master.txt.
fn cdnow_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("tenure.db").display());
    import_cdnow(&db);
    (dir, db)
}

fn close(actual: &Value, expected: f64) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((actual - expected).abs() < RATIO_TOLERANCE, "{actual} != {expected}");
}

#[test]
fn the_cdnow_cohort_table_starts_7846_8476_7248_with_month_one_retention_14_7_15_5_14_2() {
    let (_dir, db) = cdnow_sqlite();
    let table = json(&db, &["report", "cohorts", "--period", "month"]);
    assert_eq!(table["period"], "month");
    let cohorts = table["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 3, "CDNOW customers were all acquired in Q1 1997");
    let expected = [("1997-01", 7_846, 14.7), ("1997-02", 8_476, 15.5), ("1997-03", 7_248, 14.2)];
    for (cohort, (label, size, month1)) in cohorts.iter().zip(expected) {
        assert_eq!((cohort["cohort"].as_str(), cohort["size"].as_u64()), (Some(label), Some(size)));
        assert_eq!(cohort["retention"][0], 100.0);
        assert_eq!(cohort["retention"][1], month1, "{label}");
    }
    // On a terminal: the same numbers, as a triangle with one decimal.
    let text = String::from_utf8(run(tenure(&db).args(["report", "cohorts"])).stdout).unwrap();
    let row = text.lines().find(|l| l.contains("1997-02")).unwrap();
    for cell in ["8,476", "100.0", "15.5"] {
        assert!(row.contains(cell), "{cell} missing from {row}");
    }
}

#[test]
fn the_yearly_retention_report_matches_the_python_reference_field_for_field() {
    let (_dir, db) = cdnow_sqlite();
    let r = json(&db, &["report", "retention", "--from", "1997-06-30", "--to", "1998-06-30"]);
    let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "E",
            "N",
            "S",
            "average_order_value",
            "churn_rate",
            "cohort_exact_retention",
            "crr",
            "end",
            "lost",
            "purchase_frequency",
            "repeat_purchase_rate",
            "start",
            "window_days"
        ]
    );
    assert_eq!(
        (r["start"].as_str(), r["end"].as_str(), r["window_days"].as_u64()),
        (Some("1997-06-30"), Some("1998-06-30"), Some(365))
    );
    assert_eq!(
        (r["S"].as_u64(), r["E"].as_u64(), r["N"].as_u64(), r["lost"].as_u64()),
        (Some(23_570), Some(8_332), Some(0), Some(15_238))
    );
    close(&r["crr"], 35.350021213406876);
    close(&r["churn_rate"], 64.64997878659314);
    close(&r["cohort_exact_retention"], 35.350021213406876);
    close(&r["repeat_purchase_rate"], 62.01197604790419);
    close(&r["purchase_frequency"], 3.380119760479042);
    // The reference prints 3800.093183106576 cents; the report is in dollars.
    close(&r["average_order_value"], 38.00093183106576);
}

#[test]
fn a_90_day_window_report_matches_the_python_reference_and_the_series_row_for_the_same_period() {
    let (_dir, db) = cdnow_sqlite();
    let quarter = ["--from", "1997-12-31", "--to", "1998-03-31", "--window", "90"];
    let r = json(&db, &[&["report", "retention"][..], &quarter].concat());
    assert_eq!(
        (r["S"].as_u64(), r["E"].as_u64(), r["lost"].as_u64()),
        (Some(4_176), Some(3_817), Some(2_238))
    );
    close(&r["crr"], 91.40325670498083);
    close(&r["cohort_exact_retention"], 46.40804597701149);
    close(&r["repeat_purchase_rate"], 38.21456538762725);
    // A series row is exactly the report of its own period.
    let series = json(
        &db,
        &[
            "report",
            "retention-series",
            "--from",
            "1998-01-01",
            "--to",
            "1998-03-31",
            "--every",
            "month",
            "--window",
            "90",
        ],
    );
    let february = &series["periods"][1];
    let single =
        json(&db, &["report", "retention", "--from", "1998-02-01", "--to", "1998-02-28", "--window", "90"]);
    assert_eq!(february, &single);
    assert_eq!(series["periods"].as_array().unwrap().len(), 3);
}

#[test]
fn every_customer_has_one_stage_and_one_segment_and_the_lists_agree_with_the_reports() {
    let (_dir, db) = cdnow_sqlite();
    let lifecycle = json(&db, &["report", "lifecycle", "--as-of", "1998-06-30"]);
    let stages = lifecycle["stages"].as_object().unwrap();
    assert_eq!(stages.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), CDNOW_CUSTOMERS);
    // Churned = not active at 1998-06-30: 23,570 − E, E = 8,332 from the Python reference.
    assert_eq!(stages["churned"], CDNOW_CUSTOMERS - 8_332);
    let segments = json(&db, &["report", "segments", "--as-of", "1998-06-30"]);
    let rows = segments["segments"].as_array().unwrap();
    assert_eq!(rows.iter().map(|s| s["customers"].as_u64().unwrap()).sum::<u64>(), CDNOW_CUSTOMERS);
    // Every dollar of CDNOW (2,500,315.63, summed by awk in tests/cli.rs) is in one segment.
    let revenue: f64 = rows.iter().map(|s| s["revenue"].as_f64().unwrap()).sum();
    assert!((revenue - 2_500_315.63).abs() < 1e-6, "{revenue}");
    assert_eq!(segments["flags"]["influencer"], Value::Null);
    let lost = rows.iter().find(|s| s["name"] == "Lost").unwrap();
    let listed = json(&db, &["customers", "list", "--segment", "lost", "--as-of", "1998-06-30"]);
    assert_eq!(listed["customers"].as_array().unwrap().len() as u64, lost["customers"].as_u64().unwrap());
    let at_risk = json(&db, &["customers", "list", "--stage", "at_risk", "--as-of", "1998-06-30"]);
    assert_eq!(at_risk["customers"].as_array().unwrap().len() as u64, stages["at_risk"].as_u64().unwrap());
}

#[test]
fn listed_customers_are_store_ids_that_customers_show_opens() {
    let (_dir, db) = cdnow_sqlite();
    let list =
        json(&db, &["customers", "list", "--segment", "Champions", "--as-of", "1998-06-30", "--limit", "1"]);
    let top = &list["customers"][0];
    let id = top["id"].as_i64().unwrap().to_string();
    let shown = json(&db, &["customers", "show", &id]);
    assert_eq!(shown["orders"].as_array().unwrap().len() as u64, top["orders"].as_u64().unwrap());
}

#[test]
fn the_timezone_flag_moves_cdnow_noon_orders_to_the_next_day_in_kiritimati() {
    // CDNOW orders are stored at 12:00 UTC; in Pacific/Kiritimati (UTC+14) that is 02:00 the next
    // day, so January 31 buyers join the February cohort. Sizes by a one-line Python count of
    // first dates + 1 day: 7,579 / 8,456 / 7,535.
    let (_dir, db) = cdnow_sqlite();
    let table = json(&db, &["--timezone", "Pacific/Kiritimati", "report", "cohorts"]);
    let sizes: Vec<u64> =
        table["cohorts"].as_array().unwrap().iter().map(|c| c["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [7_579, 8_456, 7_535]);
    let stderr = failure(&db, &["--timezone", "Mars/Olympus", "report", "cohorts"]);
    assert!(stderr.contains("unknown time zone `Mars/Olympus`"), "{stderr}");
}

#[test]
fn bad_periods_and_unknown_names_are_refused_with_what_would_be_valid() {
    let (_dir, db) = cdnow_sqlite();
    let stderr = failure(&db, &["report", "retention", "--from", "1998-06-30", "--to", "1997-06-30"]);
    assert!(stderr.contains("--from 1998-06-30 is after --to 1997-06-30"), "{stderr}");
    let stderr = failure(&db, &["customers", "list", "--segment", "Whales"]);
    assert!(stderr.contains("unknown segment `Whales`") && stderr.contains("Champions, Loyal"), "{stderr}");
    let stderr = failure(&db, &["customers", "list", "--stage", "asleep"]);
    assert!(stderr.contains("new, active, at_risk, reactivated, churned, prospect"), "{stderr}");
    let stderr = failure(&db, &["report", "lifecycle", "--as-of", "1998-02-30"]);
    assert!(stderr.contains("`1998-02-30` is not a date"), "{stderr}");
    let stderr = failure(&db, &["report", "segments", "--as-of", "1998-06-30", "--currency", "EUR"]);
    assert!(stderr.contains("no purchases in EUR") && stderr.contains("USD"), "{stderr}");
}

#[test]
fn the_investor_summary_is_one_markdown_file_with_trend_cohorts_and_revenue() {
    let (dir, db) = cdnow_sqlite();
    let out = dir.path().join("investor.md");
    run(tenure(&db)
        .args(["report", "investor", "--from", "1997-06-30", "--to", "1998-06-30", "--out"])
        .arg(&out));
    let markdown = std::fs::read_to_string(&out).unwrap();
    for expected in [
        "# Customer retention, 1997-06-30 to 1998-06-30",
        "| Customer retention rate (E − N) / S | 35.4 % |",
        "| Repeat purchase rate | 62.0 % |",
        "## Retention and churn by month",
        "| 1997-07-01 – 1997-07-31 |",
        "| 1997-01 | 7,846 | 100.0 | 14.7 |",
        "## Revenue per cohort",
    ] {
        assert!(markdown.contains(expected), "`{expected}` missing from:\n{markdown}");
    }
}

#[test]
fn an_empty_database_reports_absent_rates_as_null() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("empty.db").display());
    let r = json(&db, &["report", "retention", "--from", "2024-01-01", "--to", "2024-12-31"]);
    assert_eq!(
        (r["S"].as_u64(), r["crr"].clone(), r["average_order_value"].clone()),
        (Some(0), Value::Null, Value::Null)
    );
    let text = String::from_utf8(
        run(tenure(&db).args(["report", "retention", "--from", "2024-01-01", "--to", "2024-12-31"])).stdout,
    )
    .unwrap();
    assert!(!text.contains("NaN") && text.contains("—"), "{text}");
}

/// The report commands whose JSON must not depend on the engine.
const SAME_ON_BOTH_ENGINES: [&[&str]; 5] = [
    &["report", "retention", "--from", "1997-06-30", "--to", "1998-06-30"],
    &["report", "retention-series", "--from", "1997-01-01", "--to", "1998-06-30", "--every", "quarter"],
    &["report", "cohorts", "--metric", "revenue"],
    &["report", "lifecycle", "--as-of", "1998-01-31"],
    &["report", "segments", "--as-of", "1998-06-30"],
];

#[test]
fn postgres_and_sqlite_give_the_same_reports_on_cdnow() {
    let Some(database) = testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    import_cdnow(&database.url);
    let (_dir, sqlite) = cdnow_sqlite();
    for args in SAME_ON_BOTH_ENGINES {
        assert_eq!(json(&database.url, args), json(&sqlite, args), "{args:?}");
    }
}

#[test]
fn report_all_gives_each_report_as_its_own_command_does() {
    let (_dir, db) = cdnow_sqlite();
    let (from, to) = ("1997-06-30", "1998-06-30");
    let all = json(&db, &["report", "all", "--from", from, "--to", to]);
    assert_eq!(all["retention"], json(&db, &["report", "retention", "--from", from, "--to", to]));
    assert_eq!(
        all["series"],
        json(&db, &["report", "retention-series", "--from", from, "--to", to, "--every", "month"])
    );
    assert_eq!(all["cohorts"], json(&db, &["report", "cohorts", "--as-of", to]));
    assert_eq!(all["lifecycle"], json(&db, &["report", "lifecycle", "--as-of", to]));
    assert_eq!(all["segments"], json(&db, &["report", "segments", "--as-of", to]));
    let tables = run(tenure(&db).args(["report", "all", "--from", from, "--to", to]));
    let text = String::from_utf8_lossy(&tables.stdout);
    for heading in
        ["Retention 1997-06-30", "Retention by month", "Cohorts by month", "Lifecycle stages", "RFM segments"]
    {
        assert!(text.contains(heading), "no `{heading}` in:\n{text}");
    }
}

#[test]
fn a_sellers_own_segment_table_replaces_the_default_one() {
    let (dir, db) = cdnow_sqlite();
    let rules = dir.path().join("segments.json");
    let any = r#"{"min": 1, "max": 5}"#;
    std::fs::write(
        &rules,
        format!(
            r#"[{{"name": "Repeat buyers", "recency": {any}, "frequency": {{"min": 2, "max": 5}}, "monetary": {any}}},
                {{"name": "Everyone else", "recency": {any}, "frequency": {any}, "monetary": {any}}}]"#
        ),
    )
    .unwrap();
    let rules_path = rules.to_str().unwrap();
    let report = json(&db, &["report", "segments", "--as-of", "1998-06-30", "--segment-rules", rules_path]);
    let segments = report["segments"].as_array().unwrap();
    let names: Vec<&str> = segments.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Repeat buyers", "Everyone else"]);
    let counts: Vec<u64> = segments.iter().map(|s| s["customers"].as_u64().unwrap()).collect();
    // F ≥ 2 means "more orders than the one-time buyers": customers with two orders or more,
    // `awk 'NR>1 {c[$1]++} END {for (k in c) n += c[k] >= 2; print n}' CDNOW_master.txt` = 11,662.
    assert_eq!(counts, [11_662, 23_570 - 11_662]);
    let listed = json(
        &db,
        &[
            "customers",
            "list",
            "--segment",
            "repeat-buyers",
            "--as-of",
            "1998-06-30",
            "--segment-rules",
            rules_path,
        ],
    );
    assert_eq!(listed["customers"].as_array().unwrap().len() as u64, counts[0]);

    std::fs::write(&rules, format!(r#"[{{"name": "Only", "recency": {any}, "frequency": {{"min": 2, "max": 5}}, "monetary": {any}}}]"#)).unwrap();
    let error = failure(&db, &["report", "segments", "--as-of", "1998-06-30", "--segment-rules", rules_path]);
    assert!(error.contains("segments.json") && error.contains("last rule"), "{error}");
}
