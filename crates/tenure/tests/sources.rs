//! `tenure source add | list | remove`, run as a user runs them: secrets printed once, stored
//! usable, never listed; removing a source's webhooks keeps its data.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::process::{Command, Output};

use common::{data, json, run, sqlite_url, tenure};
use serde_json::Value;
use tenure_store::testing;

const SHOPIFY_SECRET: &str = "shpss_test_0123456789";

/// `tenure --db DB source ARGS`, without a secret in the environment.
fn source(db: &str, args: &[&str]) -> Command {
    let mut command = tenure(db);
    command.env_remove("TENURE_SOURCE_SECRET").arg("source").args(args);
    command
}

fn fails(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(!output.status.success(), "{command:?} should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The round trip every engine must support: add (generated and given secrets), list, remove.
fn sources_round_trip(db: &str) {
    run(tenure(db)
        .args(["import", "--format", "cdnow", "--source", "shop", "--progress", "none"])
        .arg(data("cdnow/CDNOW_sample.txt")));
    let orders_before = json(db, &["stats", "--json"])["orders"].clone();

    let added = common::stdout_json(&run(&mut source(db, &["add", "etsy", "--kind", "standard", "--json"])));
    let generated = added["secret"].as_str().unwrap().to_string();
    // `whsec_` + base64 of 32 bytes: 44 characters, the last one padding.
    assert!(
        generated.starts_with("whsec_") && generated.len() == 6 + 44 && generated.ends_with('='),
        "{generated}"
    );
    assert_eq!((added["kind"].as_str(), added["path"].as_str()), (Some("standard"), Some("/webhooks/etsy")));

    let given = run(&mut source(db, &["add", "shop", "--kind", "shopify", "--secret", SHOPIFY_SECRET]));
    assert!(!stdout(&given).contains(SHOPIFY_SECRET), "a given secret is not echoed");
    assert!(
        fails(&mut source(db, &["add", "shop", "--kind", "shopify", "--secret", "x"])).contains("already")
    );
    assert!(fails(&mut source(db, &["add", "woo", "--kind", "woocommerce"])).contains("--secret"));
    assert!(fails(&mut source(db, &["add", "woo", "--kind", "magento", "--secret", "x"])).contains("--kind"));
    let mut from_environment = source(db, &["add", "woo", "--kind", "woocommerce"]);
    run(from_environment.env("TENURE_SOURCE_SECRET", "wc-secret"));

    let listed = json(db, &["source", "list", "--json"]);
    let by_name = |name: &str| listed.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(
        (by_name("etsy")["webhook"].as_str(), by_name("shop")["webhook"].as_str()),
        (Some("standard"), Some("shopify"))
    );
    assert_eq!(
        by_name("shop")["orders"],
        orders_before,
        "the imported source is the one that takes webhooks"
    );
    let table = stdout(&run(&mut source(db, &["list"])));
    for secret in [generated.as_str(), SHOPIFY_SECRET, "wc-secret"] {
        assert!(
            !listed.to_string().contains(secret) && !table.contains(secret),
            "list never prints a secret"
        );
    }
    assert!(table.contains("shopify") && table.contains("woocommerce"), "{table}");

    let removed = stdout(&run(&mut source(db, &["remove", "shop"])));
    assert!(removed.contains("no longer accepts webhooks"), "{removed}");
    let shop = json(db, &["source", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "shop")
        .cloned();
    assert_eq!(shop.as_ref().map(|s| s["webhook"].clone()), Some(Value::Null));
    assert_eq!(json(db, &["stats", "--json"])["orders"], orders_before, "its data stays");
    assert!(fails(&mut source(db, &["remove", "shop"])).contains("accepts no webhooks"));
    assert!(fails(&mut source(db, &["remove", "nowhere"])).contains("not found"));
}

#[test]
fn sources_round_trip_on_sqlite_and_the_secret_is_stored_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    sources_round_trip(&db);
    // The generated secret goes to the sender once — and is kept as printed, since HMAC needs it.
    let printed = stdout(&run(&mut source(&db, &["add", "etsy2", "--kind", "standard"]))).trim().to_string();
    let file = dir.path().join("tenure.db");
    let stored: String = rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT webhook_secret FROM sources WHERE name = 'etsy2'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored, printed);
}

#[test]
fn sources_round_trip_on_postgres() {
    let Some(database) = testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    sources_round_trip(&database.url);
}
