//! Orders written one at a time by several connections at once (several API requests, several
//! servers) for the same new customer: every write succeeds, the customer exists once, and every
//! order once — on SQLite, whose writers queue, and on PostgreSQL, where two transactions can
//! race to create the same identity. And on PostgreSQL, a customer written while the source's
//! first import runs is found by that import.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeZone, Utc};
use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderRecord, OrderStatus, SourceName};
use tenure_store::{KeptResponse, KeyedWrite, OrderWrite, open, testing};

fn record(customer: &str, order: &str) -> ImportRecord {
    ImportRecord {
        line: 1,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: None,
            name: None,
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: order.into(),
            placed_at: Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap(),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 1_990,
            refunded_minor: 0,
            items: vec![],
        },
    }
}

/// Four connections each write 25 orders, round after round for the same new customers.
fn race(url: &str) {
    let source = SourceName::parse("api").unwrap();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (url, source) = (url.to_string(), source.clone());
            std::thread::spawn(move || {
                let mut store = open(&url, Utc::now()).unwrap();
                for round in 0..25 {
                    let record = record(&format!("customer-{round}"), &format!("order-{round}-{writer}"));
                    let write = OrderWrite { source: &source, record: &record, key: None };
                    let respond = |_: &_| KeptResponse { status: 201, body: String::new() };
                    let answer = store.write_order(&write, &respond, Utc::now());
                    assert!(
                        matches!(answer, Ok(KeyedWrite::Fresh(_))),
                        "writer {writer}, round {round}: {answer:?}"
                    );
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let stats = open(url, Utc::now()).unwrap().stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (25, 100));
}

#[test]
fn concurrent_writes_for_the_same_new_customer_all_succeed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    open(&url, Utc::now()).unwrap();
    race(&url);
}

#[test]
fn concurrent_writes_for_the_same_new_customer_all_succeed_on_postgres() {
    let Some(database) = testing::postgres_database() else { return };
    open(&database.url, Utc::now()).unwrap().migrate(Utc::now()).unwrap();
    race(&database.url);
}

/// On PostgreSQL a source's first customer can be written (a webhook, the API) while the source's
/// history is being imported: the import must find that customer when it reaches their rows, not
/// create them again. (On SQLite the write waits for the import to end, as writers queue.)
#[test]
fn a_customer_written_during_a_first_import_is_found_by_it_on_postgres() {
    let Some(database) = testing::postgres_database() else { return };
    let mut importer = open(&database.url, Utc::now()).unwrap();
    importer.migrate(Utc::now()).unwrap();
    let source = SourceName::parse("shop").unwrap();
    importer.set_source_time_zone(&source, "UTC", Utc::now()).unwrap(); // the source, without customers
    let mut session = importer.begin_import(&source, Utc::now()).unwrap();
    for n in 0..300 {
        // More than a batch: the import has written customers before the live order comes.
        session.ingest(record(&format!("history-{n}"), &format!("h-{n}"))).unwrap();
    }
    let mut live = open(&database.url, Utc::now()).unwrap();
    let order = record("live", "live-1");
    let write = OrderWrite { source: &source, record: &order, key: None };
    let respond = |_: &_| KeptResponse { status: 201, body: String::new() };
    assert!(matches!(live.write_order(&write, &respond, Utc::now()), Ok(KeyedWrite::Fresh(_))));
    session.ingest(record("live", "h-live")).unwrap();
    let counts = session.commit().unwrap();
    assert_eq!((counts.customers_added, counts.orders_added), (300, 301));
    let stats = live.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (301, 302));
}
