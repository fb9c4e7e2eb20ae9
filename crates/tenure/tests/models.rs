//! `tenure model fit | evaluate`, `tenure predict`, `tenure clv` and the stored scores, run as a
//! user runs them on the bundled CDNOW data (issue 4).
//!
//! Published figures, with their sources:
//! - BG/NBD on the 2,357 CDNOW sample customers, weeks: r = 0.243, α = 4.414, a = 0.793,
//!   b = 2.426, LL = −9582.4 (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
//!   *Marketing Science* 24(2), 275–284, section 5);
//! - Gamma-Gamma on the 946 repeat buyers' mean spend: p = 6.25, q = 3.74, γ = 15.44 (Fader,
//!   Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
//!   *Journal of Marketing Research* 42(4), 415–430; Fader & Hardie 2013, "The Gamma-Gamma Model
//!   of Monetary Value");
//! - BG/BB on the 11,104 donors: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783 (Fader, Hardie &
//!   Shang 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
//!   *Marketing Science* 29(6), 1086–1108);
//! - 1,882 purchase days of the sample customers from 1997-10-01 to 1998-06-30 (issue 4; also
//!   counted from `CDNOW_sample.txt` with a few lines of Python, see the report of that issue).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::collections::HashMap;

use common::{data, json, run, sqlite_url, tenure};
use serde_json::Value;
use tenure_app::models::{PurchaseDays, Split, Summaries, TimeUnit};
use tenure_app::reports::{Date, ReportScope};
use tenure_store::testing;

/// A value printed with `digits` decimals, as the papers print their estimates.
fn rounded(value: &Value, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value.as_f64().unwrap_or_else(|| panic!("{value} is not a number")) * scale).round() / scale
}

fn summary_fit(model: &str, file: &str) -> Value {
    let path = data(&format!("cdnow/{file}"));
    json(
        "sqlite::memory:",
        &["model", "fit", "--model", model, "--summary", path.to_str().unwrap(), "--json"],
    )
}

/// A temporary SQLite database holding CDNOW_sample.txt (2,357 customers).
fn cdnow_sample(extra: &[&str]) -> (tempfile::TempDir, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let report = import_sample(&db, extra);
    (dir, db, report)
}

fn import_sample(db: &str, extra: &[&str]) -> Value {
    let sample = data("cdnow/CDNOW_sample.txt");
    let mut args = vec!["import", "--format", "cdnow", "--progress", "none", "--json"];
    args.extend_from_slice(extra);
    args.push(sample.to_str().unwrap());
    json(db, &args)
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn bgnbd_on_the_cdnow_summary_reproduces_the_published_estimates_and_log_likelihood() {
    let fit = summary_fit("bgnbd", "cdnow_customers_summary.csv");
    assert_eq!(
        keys(&fit),
        ["converged", "iterations", "log_likelihood", "model", "n", "params", "standard_errors"]
    );
    assert_eq!(
        (fit["model"].as_str(), fit["n"].as_u64(), fit["converged"].as_bool()),
        (Some("bgnbd"), Some(2357), Some(true))
    );
    let p = &fit["params"];
    assert_eq!(keys(p), ["a", "alpha", "b", "r"]);
    let estimates = [rounded(&p["r"], 3), rounded(&p["alpha"], 3), rounded(&p["a"], 3), rounded(&p["b"], 3)];
    assert_eq!(estimates, [0.243, 4.414, 0.793, 2.426]);
    assert_eq!(rounded(&fit["log_likelihood"], 1), -9582.4);
}

#[test]
fn gamma_gamma_on_the_repeat_buyers_mean_spend_reproduces_p_q_gamma() {
    let fit = summary_fit("gamma-gamma", "cdnow_customers_summary_with_transactions.csv");
    assert_eq!(fit["n"], 946, "only the customers with x > 0");
    let p = &fit["params"];
    assert_eq!([rounded(&p["p"], 2), rounded(&p["q"], 2)], [6.25, 3.74]);
    // The file rounds z̄ to cents, which moves γ by about 0.004: 15.448 here. The exact z̄ built
    // from the store gives the published 15.44 (next test).
    assert!((p["gamma"].as_f64().unwrap() - 15.44).abs() < 0.01, "{p}");
}

#[test]
fn from_the_store_gamma_gamma_and_pareto_nbd_reproduce_their_published_estimates() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let fit = |model: &str| {
        json(&db, &["model", "fit", "--model", model, "--calibration-end", "1997-09-30", "--json"])
    };
    let spend = fit("gamma-gamma");
    assert_eq!(spend["n"], 946);
    let p = &spend["params"];
    assert_eq!([rounded(&p["p"], 2), rounded(&p["q"], 2), rounded(&p["gamma"], 2)], [6.25, 3.74, 15.44]);
    // Pareto/NBD on the same calibration data: r = 0.553, α = 10.578, s = 0.606, β = 11.669
    // (Fader, Hardie & Lee 2005, "A Note on Implementing the Pareto/NBD Model in MATLAB").
    let pareto = fit("pareto-nbd");
    let p = &pareto["params"];
    assert_eq!(keys(p), ["alpha", "beta", "r", "s"]);
    let estimates =
        [rounded(&p["r"], 3), rounded(&p["alpha"], 3), rounded(&p["s"], 3), rounded(&p["beta"], 3)];
    assert_eq!(estimates, [0.553, 10.578, 0.606, 11.669]);
}

#[test]
fn bgbb_on_the_donations_reproduces_alpha_beta_gamma_delta() {
    let fit = summary_fit("bgbb", "donations.csv");
    assert_eq!(fit["n"], 11_104, "the weights are customers");
    let p = &fit["params"];
    let estimates =
        [rounded(&p["alpha"], 3), rounded(&p["beta"], 3), rounded(&p["gamma"], 3), rounded(&p["delta"], 3)];
    assert_eq!(estimates, [1.204, 0.750, 0.657, 2.783]);
}

#[test]
fn a_bad_summary_cell_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.csv");
    std::fs::write(&path, "Frequency,Recency,T\n1,2,3\n2,abc,5\n").unwrap();
    let output = tenure("sqlite::memory:")
        .args(["model", "fit", "--model", "bgnbd", "--summary", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:3: column Recency: `abc` is not a number", path.display())),
        "{stderr}"
    );
}

#[test]
fn the_holdout_has_1882_purchase_days_and_the_bgnbd_forecast_is_shown_beside_it() {
    let (_dir, db, _) = cdnow_sample(&[]);
    let args = ["model", "evaluate", "--model", "bgnbd", "--calibration-end", "1997-09-30"];
    let e = json(&db, &[&args[..], &["--holdout-end", "1998-06-30", "--json"]].concat());
    let h = &e["holdout"];
    assert_eq!((h["customers"].as_u64(), h["actual_repeat_purchases"].as_u64()), (Some(2357), Some(1882)));
    let predicted = h["predicted_repeat_purchases"].as_f64().unwrap();
    assert!((1500.0..2000.0).contains(&predicted), "forecast {predicted}");
    assert!(h["correlation"].as_f64().unwrap() > 0.5);
    // The store-built calibration data is the published one: the published estimates come back.
    let p = &e["params"];
    assert_eq!(
        [rounded(&p["r"], 3), rounded(&p["alpha"], 3), rounded(&p["a"], 3), rounded(&p["b"], 3)],
        [0.243, 4.414, 0.793, 2.426]
    );
    // Tracking: 39 weeks, cumulative, ending at the holdout totals.
    let tracking = e["tracking"].as_array().unwrap();
    assert_eq!(tracking.len(), 39);
    let last = tracking.last().unwrap();
    assert_eq!((last["end"].as_str(), last["actual"].as_u64()), (Some("1998-06-30"), Some(1882)));
    assert!((last["predicted"].as_f64().unwrap() - predicted).abs() < 1e-6 * predicted);
    // On a terminal: the totals side by side, and the tracking table.
    let text =
        String::from_utf8(run(tenure(&db).args(&args[..]).args(["--holdout-end", "1998-06-30"])).stdout)
            .unwrap();
    assert!(text.contains("1,882") && text.contains("Tracking"), "{text}");
}

#[test]
fn comparing_models_ranks_the_three_purchase_models_by_holdout_error() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let args = ["model", "evaluate", "--model", "bgnbd", "--calibration-end", "1997-09-30"];
    let e = json(&db, &[&args[..], &["--holdout-end", "1998-06-30", "--compare", "--json"]].concat());
    let rows = e["comparison"].as_array().unwrap();
    let mut models: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    let rmse: Vec<f64> = rows.iter().map(|r| r["rmse"].as_f64().unwrap()).collect();
    assert!(rmse.windows(2).all(|w| w[0] <= w[1]), "{rmse:?}");
    let bgnbd = rows.iter().find(|r| r["model"] == "bgnbd").unwrap();
    assert_eq!(bgnbd["rmse"], e["holdout"]["rmse"], "the same fit as the evaluation itself");
    models.sort_unstable();
    assert_eq!(models, ["bgnbd", "mbgnbd", "pareto-nbd"]);
}

/// CDNOW_sample.txt: master customer id → sample id (the summaries' `ID`).
fn sample_ids() -> HashMap<String, String> {
    let text = std::fs::read_to_string(data("cdnow/CDNOW_sample.txt")).unwrap();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields[0].trim_start_matches('0').to_string(), fields[1].trim_start_matches('0').to_string())
        })
        .collect()
}

/// `ID → [columns…]` of a published summary file.
fn published(file: &str) -> HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(data(&format!("cdnow/{file}"))).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',');
            let id = fields.next().unwrap().to_string();
            (id, fields.map(|f| f.parse().unwrap()).collect())
        })
        .collect()
}

#[test]
fn the_store_built_calibration_summary_equals_the_published_one_for_every_customer() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let mut store = tenure_store::open(&db, chrono::Utc::now()).unwrap();
    let days = PurchaseDays::load(store.as_mut(), &ReportScope::default()).unwrap();
    let split = Split {
        calibration_end: "1997-09-30".parse::<Date>().unwrap(),
        holdout_end: None,
        unit: TimeUnit::Week,
    };
    let summaries = Summaries::build(&days, split).unwrap();
    let (ids, summary, with_spend) = (
        sample_ids(),
        published("cdnow_customers_summary.csv"),
        published("cdnow_customers_summary_with_transactions.csv"),
    );
    assert_eq!(summaries.customers.len(), summary.len());
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    for (c, customer) in summaries.customers.iter().enumerate() {
        let external = store.customer(*customer).unwrap().identities[0].external_id.clone();
        let id = &ids[&external];
        let row = summaries.rows[c];
        assert_eq!(vec![row.x, round2(row.t_x), round2(row.big_t)], summary[id], "customer {id}");
        // z̄ in dollars; the file rounds halves either way, so allow half a cent.
        let zbar = days.major(summaries.mean_repeat_spend_minor[c]);
        assert!(
            (zbar - with_spend[id][3]).abs() <= 0.005 + 1e-9,
            "customer {id}: {zbar} vs {}",
            with_spend[id][3]
        );
    }
}

#[test]
fn predict_lists_the_top_customers_by_expected_purchases_with_names() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let p = json(&db, &["predict", "--as-of", "1998-06-30", "--horizon", "52", "--top", "5", "--json"]);
    assert_eq!(
        keys(&p),
        [
            "as_of",
            "currency",
            "customers",
            "customers_scored",
            "expected_purchases_total",
            "fit",
            "horizon_weeks"
        ]
    );
    assert_eq!((p["customers_scored"].as_u64(), p["fit"]["model"].as_str()), (Some(2357), Some("bgnbd")));
    let customers = p["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 5);
    assert_eq!(
        keys(&customers[0]),
        ["T", "email", "expected_purchases", "frequency", "id", "name", "probability_alive", "recency"]
    );
    let expected: Vec<f64> = customers.iter().map(|c| c["expected_purchases"].as_f64().unwrap()).collect();
    assert!(expected.windows(2).all(|w| w[0] >= w[1]), "{expected:?}");
    assert!(expected[0] < p["expected_purchases_total"].as_f64().unwrap());
}

#[test]
fn predicted_customers_are_named_from_the_shop_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let export = data("samples/shopify_orders_export.csv");
    run(tenure(&db).args(["import", "--format", "shopify", "--progress", "none"]).arg(export));
    let p = json(&db, &["predict", "--as-of", "2025-06-30", "--top", "3", "--json"]);
    for customer in p["customers"].as_array().unwrap() {
        assert!(customer["name"].is_string() && customer["email"].is_string(), "{customer}");
    }
}

#[test]
fn predict_by_probability_alive_lists_the_customers_slipping_away_first() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let p = json(&db, &["predict", "--as-of", "1998-06-30", "--by", "p-alive", "--top", "20", "--json"]);
    let alive: Vec<f64> =
        p["customers"].as_array().unwrap().iter().map(|c| c["probability_alive"].as_f64().unwrap()).collect();
    assert_eq!(alive.len(), 20);
    assert!(alive.windows(2).all(|w| w[0] <= w[1]), "{alive:?}");
    assert!(alive[0] < 0.01, "CDNOW has customers who clearly left: {alive:?}");
}

#[test]
fn clv_values_customers_with_bgnbd_and_gamma_gamma() {
    let (_dir, db, _) = cdnow_sample(&["--no-refresh"]);
    let args =
        ["clv", "--as-of", "1998-06-30", "--months", "12", "--discount-rate", "0.01", "--top", "3", "--json"];
    let v = json(&db, &args);
    assert_eq!(
        keys(&v),
        [
            "as_of",
            "currency",
            "customers",
            "customers_scored",
            "discount_rate",
            "fit",
            "margin",
            "months",
            "spend_fit",
            "total_clv"
        ]
    );
    assert_eq!(v["spend_fit"]["model"], "gamma-gamma");
    let top = &v["customers"][0];
    let clv = top["clv"].as_f64().unwrap();
    // Discounting only lowers the value: CLV ≤ spend × purchases, and ≥ it discounted a full year.
    let undiscounted = top["expected_spend"].as_f64().unwrap() * top["expected_purchases"].as_f64().unwrap();
    assert!(clv <= undiscounted && clv >= undiscounted / 1.01f64.powi(12), "{clv} vs {undiscounted}");
    let half = json(&db, &[&args[..], &["--margin", "0.5"]].concat());
    assert!((half["total_clv"].as_f64().unwrap() * 2.0 - v["total_clv"].as_f64().unwrap()).abs() < 1e-6);
}

#[test]
fn an_import_refreshes_the_scores_and_lifecycle_at_risk_then_follows_the_model() {
    let as_of = ["report", "lifecycle", "--as-of", "1998-06-30", "--json"];
    let (_plain_dir, plain, report) = cdnow_sample(&["--no-refresh"]);
    assert_eq!(report["scores_refreshed"], false);
    let overdue = json(&plain, &as_of)["stages"].clone();
    let (_dir, db, report) = cdnow_sample(&[]);
    assert_eq!(report["scores_refreshed"], true);
    let mut store = tenure_store::open(&db, chrono::Utc::now()).unwrap();
    let query = tenure_store::ScoreQuery {
        currency: "USD".into(),
        order: tenure_store::ScoreOrder::LowestProbabilityAlive,
        limit: None,
    };
    let scores = store.scores(&query).unwrap();
    assert_eq!(scores.len(), 2357);
    assert_eq!(scores[0].as_of.to_string(), "1998-06-30", "as of the last purchase day");
    let by_model = json(&db, &as_of)["stages"].clone();
    assert_ne!(by_model["at_risk"], overdue["at_risk"]);
    assert_eq!((by_model["at_risk"].as_u64(), overdue["at_risk"].as_u64()), (Some(121), Some(233)));
    for stage in ["new", "churned", "prospect"] {
        assert_eq!(by_model[stage], overdue[stage], "{stage} does not depend on the at-risk rule");
    }
    // A report on an earlier day must not see the later purchases behind the scores.
    let earlier = ["report", "lifecycle", "--as-of", "1998-01-31", "--json"];
    assert_eq!(json(&db, &earlier), json(&plain, &earlier));
    // Importing the same file again changes no order, so the scores are left alone.
    assert_eq!(import_sample(&db, &[])["scores_refreshed"], false);
}

#[test]
fn postgresql_gives_the_same_store_fit_as_sqlite() {
    let Some(database) = testing::postgres_database() else { return };
    run(tenure(&database.url).args(["migrate"]));
    import_sample(&database.url, &["--no-refresh"]);
    let (_dir, sqlite, _) = cdnow_sample(&["--no-refresh"]);
    let fit = ["model", "fit", "--model", "bgnbd", "--calibration-end", "1997-09-30", "--json"];
    let on_postgres = json(&database.url, &fit);
    assert_eq!(on_postgres, json(&sqlite, &fit));
    assert_eq!(on_postgres["n"], 2357);
}
