//! Order versions and driver errors, on SQLite and PostgreSQL (issue 17): a delivery of an older
//! version of an order than the stored one writes nothing and leaves a note in the delivery log;
//! a uniqueness conflict the engine enforces reaches the caller in words, without the stored
//! values the engine's own message holds (`Key (token_sha256)=(…) already exists`).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, TimeZone, Utc};
use tenure_domain::{
    Currency, CustomerRecord, ImportRecord, OrderRecord, OrderStatus, Role, SourceName, WebhookKind,
    WebhookSecret,
};
use tenure_store::{Delivery, DeliveryOutcome, Store, StoreError, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

fn at_hour(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

fn order(status: OrderStatus, refunded_minor: i64) -> ImportRecord {
    ImportRecord {
        line: 1,
        customer: CustomerRecord {
            external_id: "ann@example.com".into(),
            email: None,
            name: None,
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: "#1001".into(),
            placed_at: at_hour(9),
            status,
            currency: Currency::USD,
            total_minor: 2000,
            refunded_minor,
            items: vec![],
        },
    }
}

fn deliver(
    store: &mut dyn Store,
    id: &str,
    record: &ImportRecord,
    version: DateTime<Utc>,
) -> DeliveryOutcome {
    let source = SourceName::parse("shop").unwrap();
    let delivery = Delivery {
        source: &source,
        delivery_id: id,
        topic: "orders/updated",
        record,
        modified_at: Some(version),
    };
    store.receive_delivery(&delivery, now()).unwrap()
}

/// Reads one text or time column of one row, as text, with the engine's own client.
type Query = Box<dyn FnMut(&str) -> Option<String>>;

/// A refunded order, then the captured "paid" delivery replayed under a new id: the replay is
/// older, writes nothing, and the delivery log's row says why.
fn an_older_delivery_writes_nothing_and_the_delivery_log_says_why(store: &mut dyn Store, mut query: Query) {
    let source = SourceName::parse("shop").unwrap();
    store.add_webhook(&source, WebhookKind::Shopify, &WebhookSecret::new("s"), now()).unwrap();
    assert!(matches!(
        deliver(store, "d-1", &order(OrderStatus::Paid, 0), at_hour(10)),
        DeliveryOutcome::Written(_)
    ));
    let refunded = order(OrderStatus::Refunded, 2000);
    assert!(matches!(deliver(store, "d-2", &refunded, at_hour(15)), DeliveryOutcome::Written(_)));
    let replay = deliver(store, "d-forged", &order(OrderStatus::Paid, 0), at_hour(10));
    assert!(matches!(replay, DeliveryOutcome::Older { .. }), "{replay:?}");
    let note = query("SELECT note FROM webhook_deliveries WHERE delivery_id = 'd-forged'").unwrap();
    assert!(note.starts_with("not written: the shop changed this order at 2026-03-01T10:00:00"), "{note}");
    assert_eq!(query("SELECT note FROM webhook_deliveries WHERE delivery_id = 'd-2'"), None);
    assert_eq!(query("SELECT status FROM orders WHERE external_id = '#1001'").unwrap(), "refunded");
}

/// Two tokens with the same hash: the engine's unique rule refuses the second, and what the
/// caller gets names the rule, not the stored hash.
fn a_unique_conflict_says_no_stored_value(store: &mut dyn Store, _query: Query) {
    let hash = "5e1f0c0ffee5e1f0c0ffee";
    store.create_token("first", Role::Analyst, hash, now()).unwrap();
    let error = store.create_token("second", Role::Analyst, hash, now()).unwrap_err();
    let StoreError::Conflict(message) = &error else { panic!("a conflict, got {error:?}") };
    assert!(
        !message.contains(hash) && !message.contains("Key (") && !message.contains("token_sha256"),
        "{message}"
    );
}

macro_rules! both_engines {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("tenure.db");
                    let mut store = tenure_store::open(&format!("sqlite:{}", path.display()), super::now()).unwrap();
                    let conn = rusqlite::Connection::open(&path).unwrap();
                    let query: super::Query = Box::new(move |sql: &str| {
                        conn.query_row(sql, [], |row| row.get::<_, Option<String>>(0)).unwrap()
                    });
                    super::$test(store.as_mut(), query);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    let Some(database) = super::testing::postgres_database() else { return };
                    let mut store = tenure_store::open(&database.url, super::now()).unwrap();
                    store.migrate(super::now()).unwrap();
                    let mut client = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
                    let query: super::Query = Box::new(move |sql: &str| {
                        let text = format!("SELECT CAST(({sql}) AS TEXT)");
                        client.query_one(text.as_str(), &[]).unwrap().get::<_, Option<String>>(0)
                    });
                    super::$test(store.as_mut(), query);
                    drop(store);
                }
            )*
        }
    };
}

both_engines!(
    an_older_delivery_writes_nothing_and_the_delivery_log_says_why,
    a_unique_conflict_says_no_stored_value
);
