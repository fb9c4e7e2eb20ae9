//! Customers' data rights and the audit log in storage, on SQLite and PostgreSQL: every column
//! of the schema is in the privacy catalogue; an erased customer's name and e-mail are nowhere
//! in the database (its file read byte by byte, or a dump), reports keep their totals, and an
//! old export imported again does not bring them back; the audit log refuses changes.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, SourceName,
};
use tenure_store::{
    AuditEntry, AuditOutcome, AuditQuery, CustomerQuery, ImportCounts, Store, SuppressionReason,
    catalogued_columns, open, testing,
};

const ANN_EMAIL: &str = "annabel.quist@example.org";
const ANN_NAME: &str = "Annabel Quist";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
}

fn record(customer: &str, email: &str, name: &str, order: &str, day: u32, cents: i64) -> ImportRecord {
    ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: Some(Email::parse(email).unwrap()),
            name: Some(name.into()),
            marketing_consent: Some(true),
        },
        order: OrderRecord {
            external_id: order.into(),
            placed_at: Utc.with_ymd_and_hms(2025, 1, day, 12, 0, 0).unwrap(),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: cents,
            refunded_minor: 0,
            items: vec![],
        },
    }
}

/// The first shop's export: Ann (two orders) and Bob; the second shop knows Ann by her e-mail.
fn shop_a() -> Vec<ImportRecord> {
    vec![
        record("c-17", ANN_EMAIL, ANN_NAME, "1001", 3, 4_500),
        record("c-18", "bob@example.org", "Bob Brandt", "1002", 4, 1_200),
        record("c-17", ANN_EMAIL, ANN_NAME, "1003", 9, 2_250),
    ]
}

fn shop_b() -> Vec<ImportRecord> {
    vec![record("etsy-9", ANN_EMAIL, ANN_NAME, "E-77", 12, 3_000)]
}

fn import(store: &mut dyn Store, source: &str, records: &[ImportRecord]) -> ImportCounts {
    let mut session = store.begin_import(&SourceName::parse(source).unwrap(), now()).unwrap();
    for record in records {
        session.ingest(record.clone()).unwrap();
    }
    session.commit().unwrap()
}

/// Where a test's database lives, to look at it from outside the store.
enum Place {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Place {
    /// Everything the database holds, as bytes: the SQLite file and its write-ahead log, or a
    /// dump of every table's rows.
    fn everything(&self) -> Vec<u8> {
        match self {
            Place::Sqlite(path) => {
                let mut bytes = std::fs::read(path).unwrap();
                let wal = path.with_extension("db-wal");
                if let Ok(log) = std::fs::read(&wal) {
                    bytes.extend(log);
                }
                bytes
            }
            Place::Postgres(url) => {
                let dump = std::process::Command::new("pg_dump").args(["--data-only", url]).output().unwrap();
                assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
                dump.stdout
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

fn on_both(test: fn(&mut dyn Store, &Place)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenure.db");
    let mut store = open(&format!("sqlite:{}", path.display()), now()).unwrap();
    store.migrate(now()).unwrap();
    test(store.as_mut(), &Place::Sqlite(path));
    if let Some(database) = testing::postgres_database() {
        let mut store = open(&database.url, now()).unwrap();
        store.migrate(now()).unwrap();
        test(store.as_mut(), &Place::Postgres(database.url.clone()));
    }
}

fn ann(store: &mut dyn Store) -> CustomerId {
    let page = store.customers(&CustomerQuery { after: None, limit: 100 }).unwrap();
    page.iter().find(|c| c.email.as_deref() == Some(ANN_EMAIL)).map(|c| c.id).expect("Ann is on file")
}

fn scrub(_survey: i64, _version: i64, answers: &str) -> String {
    answers.to_string()
}

fn new_key() -> String {
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".to_string()
}

#[test]
fn every_column_of_the_schema_is_in_the_privacy_catalogue() {
    on_both(|store, _| {
        let schema: BTreeSet<(String, String)> = store.schema_columns().unwrap().into_iter().collect();
        let catalogue: BTreeSet<(String, String)> =
            catalogued_columns().into_iter().map(|(t, c)| (t.to_string(), c.to_string())).collect();
        let missing: Vec<_> = schema.difference(&catalogue).collect();
        let gone: Vec<_> = catalogue.difference(&schema).collect();
        assert!(
            missing.is_empty(),
            "columns the privacy catalogue (tenure-store/src/privacy_catalogue.rs) does not know — say what \
             export and erasure do with them: {missing:?}"
        );
        assert!(gone.is_empty(), "catalogued columns the schema does not have: {gone:?}");
    });
}

#[test]
fn an_erased_customer_is_nowhere_in_the_database_and_not_brought_back_by_a_reimport() {
    on_both(|store, place| {
        import(store, "shop", &shop_a());
        import(store, "etsy", &shop_b());
        let customer = ann(store);
        let before = store.stats().unwrap();
        assert!(contains(&place.everything(), ANN_EMAIL), "the check can see the address before erasure");

        let export = store.export_customer(customer).unwrap();
        assert_eq!(export["customers"][0]["email"], ANN_EMAIL);
        assert_eq!(export["identities"].len(), 2, "both shops' identities");
        assert_eq!(export["orders"].len(), 3);
        assert!(
            export["orders"][0]["placed_at"].as_str().unwrap().starts_with("2025-01-"),
            "times as RFC 3339"
        );

        let erasure = store.erase_customer(customer, &new_key, &scrub, now()).unwrap();
        assert!(erasure.erased_now);
        assert_eq!(erasure.addresses_suppressed, 1);
        let again = store.erase_customer(customer, &new_key, &scrub, now()).unwrap();
        assert!(!again.erased_now && again.rows.is_empty(), "erasing twice changes nothing");

        let everything = place.everything();
        for (what, text) in
            [("e-mail", ANN_EMAIL), ("name", ANN_NAME), ("shop id", "c-17"), ("shop id", "etsy-9")]
        {
            assert!(
                !contains(&everything, text),
                "the erased customer's {what} `{text}` is still in the database"
            );
        }
        assert!(contains(&everything, "bob@example.org"), "other customers are untouched");
        let after = store.stats().unwrap();
        assert_eq!(
            (after.customers, after.orders, after.revenue.clone()),
            (before.customers, before.orders, before.revenue.clone())
        );
        let detail = store.customer(customer).unwrap();
        assert_eq!((detail.email, detail.name), (None, None));
        assert_eq!(
            store.suppression(ANN_EMAIL).unwrap(),
            Some(SuppressionReason::Erased),
            "her address stays suppressed (as a keyed hash)"
        );

        let reimported = import(store, "shop", &shop_a());
        assert_eq!(reimported.records_of_erased, 2, "{reimported:?}");
        assert_eq!((reimported.orders_added, reimported.customers_added), (0, 0), "{reimported:?}");
        assert_eq!(reimported.orders_unchanged, 1, "Bob's order is still his");
        let reimported = import(store, "etsy", &shop_b());
        assert_eq!(reimported.records_of_erased, 1);
        let last = store.stats().unwrap();
        assert_eq!((last.customers, last.orders), (before.customers, before.orders));
        assert!(!contains(&place.everything(), ANN_EMAIL), "the re-import brought her address back");
    });
}

#[test]
fn the_audit_log_is_listed_by_filters_and_refuses_every_change() {
    on_both(|store, place| {
        for (minute, action) in [(1, "signin"), (2, "customers.export"), (3, "customers.erase")] {
            let entry = AuditEntry {
                at: now() + chrono::Duration::minutes(minute),
                actor: "ann@shop.example".into(),
                action: action.into(),
                target: Some("customer:7".into()),
                rows: Some(12),
                address: Some("192.0.2.7".into()),
                outcome: AuditOutcome::Ok,
                detail: serde_json::json!({ "n": minute }),
            };
            store.append_audit(&entry).unwrap();
        }
        let all = store.audit(&AuditQuery { limit: 10, ..AuditQuery::default() }).unwrap();
        assert_eq!(
            all.iter().map(|r| r.entry.action.as_str()).collect::<Vec<_>>(),
            ["customers.erase", "customers.export", "signin"]
        );
        let customers = store
            .audit(&AuditQuery { action: Some("customers".into()), limit: 10, ..AuditQuery::default() })
            .unwrap();
        assert_eq!(customers.len(), 2);
        let since = store
            .audit(&AuditQuery {
                since: Some(now() + chrono::Duration::minutes(2)),
                limit: 10,
                ..AuditQuery::default()
            })
            .unwrap();
        assert_eq!(since.len(), 2);
        assert_eq!(all[0].entry.detail["n"], 3);

        for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            let refused = match place {
                Place::Sqlite(path) => {
                    let conn = rusqlite::Connection::open(path).unwrap();
                    conn.execute(statement, []).err().map(|e| e.to_string())
                }
                Place::Postgres(url) => {
                    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                    client.batch_execute(statement).err().map(|e| format!("{e:?}"))
                }
            };
            let refused = refused.unwrap_or_else(|| panic!("`{statement}` was allowed"));
            assert!(refused.contains("append-only"), "{refused}");
        }
        assert_eq!(store.audit(&AuditQuery { limit: 10, ..AuditQuery::default() }).unwrap().len(), 3);
    });
}
