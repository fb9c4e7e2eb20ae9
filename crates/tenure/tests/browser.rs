//! The dashboard in a real browser (headless Chromium through chromedriver), as a seller uses
//! it: sign in, read the overview (the same numbers as `tenure report retention`), open the
//! cohort heat table, the at-risk list and a customer page, upload a shop export, sign out. Screenshots of each page go to `target/screenshots/` for review.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/test` installs them as root). Where
//! they are missing the test fails and says so; `TENURE_TEST_BROWSER=skip` skips it loudly.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;

use common::{data, json, run, serve, sqlite_url, tenure};
use webdriver::{Driver, Session};

const EMAIL: &str = "owner@shop.example";
const PASSWORD: &str = "the owner's password";

/// A store with the CDNOW sample, fitted models and an admin.
fn shop(dir: &tempfile::TempDir) -> String {
    let db = sqlite_url(dir);
    run(tenure(&db)
        .args(["import", "--format", "cdnow", "--progress", "none"])
        .arg(data("cdnow/CDNOW_sample.txt")));
    common::add_admin(&db, EMAIL, PASSWORD);
    db
}

fn screenshot(session: &Session, name: &str) {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    session.screenshot(&folder.join(format!("{name}.png")));
}

/// The browser, or `None` (loudly) when told to skip.
fn browser() -> Option<(PathBuf, PathBuf)> {
    webdriver::browser_or_skip("the browser test")
}

fn sign_in(session: &Session, base: &str) {
    session.open(&format!("{base}/"));
    assert!(session.url().contains("/login"), "signed out, the dashboard asks to sign in");
    session.find("#email").type_text(EMAIL);
    session.find("#password").type_text(PASSWORD);
    session.find("#sign-in").click();
    session.find("#sign-out"); // waits for the first signed-in page
}

#[test]
fn a_seller_signs_in_reads_the_overview_opens_the_pages_and_signs_out() {
    let Some((driver_path, chromium)) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = shop(&dir);
    let server = serve(&db);
    let driver = Driver::start(&driver_path);
    let session = driver.session(&chromium);
    let base = &server.base();

    session.open(&format!("{base}/login"));
    screenshot(&session, "login");
    sign_in(&session, base);
    assert_eq!(session.url(), format!("{base}/"), "signed in, the overview");
    screenshot(&session, "overview");

    // The overview's figures are the retention report of the period it names.
    let from = session.find("#from").attribute("value").unwrap();
    let to = session.find("#to").attribute("value").unwrap();
    let window = session.find("#window").attribute("value").unwrap();
    let report =
        json(&db, &["report", "retention", "--from", &from, "--to", &to, "--window", &window, "--json"]);
    for (id, key) in [("crr", "crr"), ("churn", "churn_rate"), ("repeat", "repeat_purchase_rate")] {
        let shown = session.find(&format!("data#{id}")).attribute("value").unwrap();
        assert_eq!(shown.parse::<f64>().unwrap(), report[key].as_f64().unwrap(), "{id}");
        let text = session.find(&format!("data#{id}")).text();
        assert_eq!(text, format!("{:.1} %", report[key].as_f64().unwrap()), "{id} as shown");
    }
    for key in ["S", "E", "N"] {
        let shown = session.find(&format!("data#{key}")).attribute("value").unwrap();
        assert_eq!(shown, report[key].to_string(), "{key}");
    }

    // The cohort heat table: the cohorts of `tenure report cohorts`, each with its size.
    session.open(&format!("{base}/cohorts"));
    let cohorts = json(&db, &["report", "cohorts", "--json"]);
    let expected = cohorts["cohorts"].as_array().unwrap();
    assert_eq!(session.count("#cohorts tbody tr"), expected.len());
    let first_size = session.find("#cohorts tbody tr data.size").attribute("value").unwrap();
    assert_eq!(first_size, expected[0]["size"].to_string());
    screenshot(&session, "cohorts");

    // The at-risk list (scores were fitted by the import), and a customer page from it.
    session.open(&format!("{base}/at-risk"));
    assert!(session.count("#at-risk tbody tr data.probability") > 0, "customers at risk are listed");
    let probability: f64 =
        session.find("#at-risk tbody tr data.probability").attribute("value").unwrap().parse().unwrap();
    assert!(probability < 0.5, "the default filter lists customers below one chance in two: {probability}");
    screenshot(&session, "at-risk");
    session.find("#at-risk tbody tr a").click();
    let id = session.find("#customer-id").attribute("value").unwrap();
    assert!(session.url().ends_with(&format!("/customers/{id}")), "{}", session.url());
    assert!(session.count("#orders tbody tr") > 0, "the customer's orders");
    screenshot(&session, "customer");

    // Upload a Shopify export: its orders are added, as `tenure stats` then shows.
    let before = json(&db, &["stats", "--json"])["orders"].as_i64().unwrap();
    session.open(&format!("{base}/import"));
    let export = data("samples/shopify_orders_export.csv").canonicalize().unwrap();
    session.find("#file").type_text(export.to_str().unwrap());
    session.find("form.upload button[type=submit]").click();
    let added = session.find("#orders-added").attribute("value").unwrap();
    let added: i64 =
        added.parse().unwrap_or_else(|_| panic!("orders added: {added:?}\n{}", session.source()));
    assert!(added > 0);
    assert_eq!(json(&db, &["stats", "--json"])["orders"].as_i64().unwrap(), before + added);
    screenshot(&session, "import");

    // The outbox: a test message written by the CLI is listed on Deliveries.
    run(tenure(&db).args(["mail", "test", "owner@shop.example"]));
    session.open(&format!("{base}/deliveries"));
    assert!(session.source().contains("owner@shop.example"), "{}", session.source());
    assert!(session.count("#deliveries tbody tr") >= 1);
    screenshot(&session, "deliveries");

    // On a phone the pages fit the screen: wide tables scroll inside their own box.
    session.resize(390, 844);
    for (path, name) in [
        ("/", "phone-overview"),
        ("/cohorts", "phone-cohorts"),
        ("/at-risk", "phone-at-risk"),
        ("/deliveries", "phone-deliveries"),
    ] {
        session.open(&format!("{base}{path}"));
        screenshot(&session, name);
        let width = session.page_width();
        assert!(width <= 400, "{path} is {width} px wide on a 390 px screen: {}", session.wider_than(390));
    }
    session.resize(1280, 1000);

    session.open(&format!("{base}/account"));
    assert_eq!(session.find("#account-email").text(), EMAIL);
    screenshot(&session, "account");

    session.find("#sign-out").click();
    session.find("#sign-in"); // waits for the login page
    assert!(session.url().contains("/login"), "signed out: {}", session.url());
    session.open(&format!("{base}/"));
    assert!(session.url().contains("/login"), "the session is over");
}
