//! `tenure customers export | erase | retention` and `tenure audit list` as a seller runs them,
//! on SQLite and PostgreSQL: a Shopify export imported, one customer exported and erased (not
//! without --yes), their address gone from the database, the export imported again without
//! bringing them back, and every step in the audit log.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use common::{data, json, run, tenure};
use serde_json::Value;

const SHOPIFY: &str = "samples/shopify_orders_export.csv";

fn import(db: &str) -> Value {
    let file = data(SHOPIFY);
    json(
        db,
        &[
            "import",
            "--format",
            "shopify",
            "--progress",
            "none",
            "--no-refresh",
            "--json",
            file.to_str().unwrap(),
        ],
    )
}

/// Everything the database holds, as bytes.
fn everything(db: &str) -> Vec<u8> {
    if let Some(path) = db.strip_prefix("sqlite:") {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        return bytes;
    }
    let dump = std::process::Command::new("pg_dump").args(["--data-only", db]).output().unwrap();
    assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
    dump.stdout
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// A customer whose name nobody else has and whose address is in no other address (the sample
/// has several Eve Browns, and eve.brown1@ is inside eve.brown108@): (id, e-mail, name).
fn someone_alone(customers: &[Value]) -> (String, String, String) {
    let text = |c: &Value, field: &str| c[field].as_str().unwrap_or_default().to_string();
    customers
        .iter()
        .find(|c| {
            let (email, name) = (text(c, "email"), text(c, "name"));
            !email.is_empty()
                && !name.is_empty()
                && customers.iter().filter(|o| text(o, "name") == name).count() == 1
                && customers.iter().filter(|o| text(o, "email").contains(&email)).count() == 1
        })
        .map(|c| (c["id"].as_i64().unwrap().to_string(), text(c, "email"), text(c, "name")))
        .expect("the sample has someone with a name of their own")
}

fn walk(db: &str) {
    let first = import(db);
    assert!(first["orders_added"].as_u64().unwrap() > 0);
    let customers = json(db, &["customers", "list", "--limit", "5000", "--json"]);
    let (id, email, name) = someone_alone(customers.as_array().unwrap());
    let stats_before = json(db, &["stats", "--json"]);

    let export = json(db, &["customers", "export", &id]);
    assert_eq!(export["format"], "tenure.customer-export/1");
    assert_eq!(export["tables"]["customers"][0]["name"], name.as_str());
    assert!(!export["tables"]["orders"].as_array().unwrap().is_empty());

    let unconfirmed = tenure(db).args(["customers", "erase", &id]).output().unwrap();
    assert_eq!(unconfirmed.status.code(), Some(2), "nothing is erased without --yes");
    assert!(holds(&everything(db), &email));

    let erased = json(db, &["customers", "erase", &id, "--yes", "--json"]);
    assert_eq!(erased["erased_now"], true, "{erased}");
    let bytes = everything(db);
    assert!(!holds(&bytes, &email) && !holds(&bytes, &name), "{name} <{email}> is still in {db}");
    let again = json(db, &["customers", "erase", &id, "--yes", "--json"]);
    assert_eq!(again["erased_now"], false);

    let reimport = import(db);
    assert!(reimport["records_of_erased"].as_u64().unwrap() > 0, "{reimport}");
    assert_eq!(reimport["orders_added"], 0, "{reimport}");
    assert!(!holds(&everything(db), &email), "the re-import brought {name} back");
    let stats_after = json(db, &["stats", "--json"]);
    assert_eq!(stats_after["orders"], stats_before["orders"]);
    assert_eq!(stats_after["revenue"], stats_before["revenue"]);

    let retention = json(db, &["customers", "retention", "--years", "5", "--json"]);
    assert_eq!(retention["years"], 5);

    let log = json(db, &["audit", "list", "--json"]);
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["import", "customers.export", "customers.erase", "settings.change"] {
        assert!(actions.contains(&expected), "{expected} is not in the audit log: {actions:?}");
    }
    assert!(log.as_array().unwrap().iter().all(|e| e["actor"] == "cli"));
    let erasures = json(db, &["audit", "list", "--action", "customers.erase", "--json"]);
    assert_eq!(erasures.as_array().unwrap().len(), 2, "both erase runs are recorded: {erasures}");
    let table = run(tenure(db).args(["audit", "list", "--limit", "3"]));
    assert!(String::from_utf8_lossy(&table.stdout).contains("settings.change"));
}

#[test]
fn a_customer_is_exported_erased_and_not_brought_back_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    walk(&common::sqlite_url(&dir));
}

#[test]
fn a_customer_is_exported_erased_and_not_brought_back_on_postgres() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    run(tenure(&database.url).args(["migrate"]));
    walk(&database.url);
}
