//! The loyalty programme from the command line: a programme started from the template earns
//! from imported orders once however often `loyalty run` runs, a redemption issues a coupon the
//! shop's CSV carries and the liability drops by its value, and a bad programme file is refused
//! naming the field or the line, with nothing saved.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::path::Path;

use chrono::{Duration, SecondsFormat, Utc};
use common::{json, run, sqlite_url, tenure};
use serde_json::Value;

/// Imports three orders of two customers: Ann $24.50 and $612.00, Bo $80.99.
fn import_orders(dir: &Path, db: &str) {
    let csv = dir.join("orders.csv");
    let when = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let text = format!(
        "Order,Buyer,Email,Name,Date,Total\n\
         A-1,b-1,ann@example.com,Ann Linde,{},24.50\n\
         A-2,b-1,ann@example.com,Ann Linde,{},612.00\n\
         B-1,b-2,bo@example.com,Bo Sand,{},80.99\n",
        when(40),
        when(20),
        when(10)
    );
    std::fs::write(&csv, text).unwrap();
    run(tenure(db)
        .args(["import", "--format", "csv", "--progress", "none"])
        .arg(&csv)
        .args(["--map", "order_id=Order,customer_id=Buyer,email=Email,name=Name,date=Date,amount=Total"]));
}

/// The template with points available at once, saved with past orders counting.
fn start_programme(dir: &Path, db: &str) {
    let template = run(tenure(db).args(["loyalty", "programme", "template", "--currency", "USD"]));
    let mut programme: Value = serde_json::from_slice(&template.stdout).unwrap();
    programme["return_window_days"] = 0.into();
    let file = dir.join("programme.json");
    std::fs::write(&file, programme.to_string()).unwrap();
    let earn_from = (Utc::now() - Duration::days(365)).format("%Y-%m-%d").to_string();
    let saved = json(
        db,
        &["loyalty", "programme", "set", file.to_str().unwrap(), "--earn-from", &earn_from, "--json"],
    );
    assert_eq!(saved["version"], 1);
}

fn customer_id(db: &str, email: &str) -> i64 {
    let customers = json(db, &["customers", "list", "--json"]);
    customers.as_array().unwrap().iter().find(|c| c["email"] == email).unwrap()["id"].as_i64().unwrap()
}

#[test]
fn orders_earn_once_a_redemption_issues_a_coupon_and_the_liability_drops_by_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    import_orders(dir.path(), &db);
    start_programme(dir.path(), &db);

    // One point per whole dollar: 24 + 612 for Ann, 80 for Bo.
    let first = json(&db, &["loyalty", "run", "--json"]);
    assert_eq!((first["earn"]["orders"].as_u64(), first["earn"]["earned"].as_i64()), (Some(3), Some(716)));
    let again = json(&db, &["loyalty", "run", "--json"]);
    assert_eq!((again["earn"]["orders"].as_u64(), again["earn"]["earned"].as_i64()), (Some(0), Some(0)));

    let ann = customer_id(&db, "ann@example.com");
    let ledger = json(&db, &["loyalty", "ledger", &ann.to_string(), "--json"]);
    assert_eq!((ledger["balance"].as_i64(), ledger["available"].as_i64()), (Some(636), Some(636)));
    assert_eq!(ledger["tier"]["name"], "Silver", "612 points in a year pass Silver's 500");

    // The best amount-off reward sets the rate: 500 points for 5.00 USD, a cent a point.
    let before = json(&db, &["loyalty", "liability", "--json"]);
    assert_eq!(before["totals"]["outstanding"], 716);
    assert_eq!(before["value"]["minor"], 716);

    let redeemed = json(&db, &["loyalty", "redeem", &ann.to_string(), "five-off", "--key", "k-1", "--json"]);
    let code = redeemed["coupon"]["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("TEN-") && code.len() == 4 + 24, "{code}");
    assert_eq!(redeemed["available"], 136);
    let replayed = json(&db, &["loyalty", "redeem", &ann.to_string(), "five-off", "--key", "k-1", "--json"]);
    assert_eq!(
        (replayed["coupon"]["code"].as_str(), replayed["replayed"].as_bool()),
        (Some(code.as_str()), Some(true))
    );

    let after = json(&db, &["loyalty", "liability", "--json"]);
    assert_eq!(before["value"]["minor"].as_i64().unwrap() - after["value"]["minor"].as_i64().unwrap(), 500);
    assert_eq!(after["totals"]["coupons_issued"], 1);

    let csv = run(tenure(&db).args(["loyalty", "coupons", "export"]));
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("code,customer_id,email,"), "{csv}");
    assert!(csv.contains(&format!("{code},{ann},ann@example.com,five-off,")), "{csv}");

    // Too few points: refused, saying how many.
    let refused = tenure(&db).args(["loyalty", "redeem", &ann.to_string(), "tote"]).output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("1500 points asked, 136 available"), "{stderr}");

    // The shop took the coupon; a second use is refused.
    run(tenure(&db).args(["loyalty", "coupons", "use", &code.to_lowercase()]));
    let twice = tenure(&db).args(["loyalty", "coupons", "use", &code]).output().unwrap();
    assert!(!twice.status.success() && String::from_utf8_lossy(&twice.stderr).contains("already used"));
}

#[test]
fn a_bad_programme_is_refused_naming_the_field_or_line_and_nothing_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let template = run(tenure(&db).args(["loyalty", "programme", "template"]));
    let mut programme: Value = serde_json::from_slice(&template.stdout).unwrap();
    programme["rewards"][1]["cost"] = (-5).into();
    let file = dir.path().join("bad.json");
    std::fs::write(&file, serde_json::to_string_pretty(&programme).unwrap()).unwrap();
    let refused = tenure(&db).args(["loyalty", "programme", "set"]).arg(&file).output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("bad.json") && stderr.contains("rewards[1].cost"), "{stderr}");

    std::fs::write(&file, "{\n  \"version\": 1,\n  \"currency\": \"USD\",\n  oops\n}").unwrap();
    let refused = tenure(&db).args(["loyalty", "programme", "set"]).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("line 4"), "{stderr}");

    let shown = tenure(&db).args(["loyalty", "programme", "show"]).output().unwrap();
    assert!(
        !shown.status.success()
            && String::from_utf8_lossy(&shown.stderr).contains("no loyalty programme yet")
    );
}
