//! Imports are written a batch at a time; the rules are stated one record at a time. These tests
//! import the same mixed-up records twice — in one import (batches of many records, with
//! customers that come back, e-mails learned and shared, orders repeated) and one import per
//! record (batches of one) — and require the same customers, identities, merges, orders and
//! counts, on both engines.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, TimeZone, Utc};
use tenure_domain::{Currency, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, SourceName};
use tenure_store::{CustomerDetail, CustomerQuery, ImportCounts, Store, open, testing};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

/// A small deterministic generator (64-bit LCG, Knuth's constants): the same records every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// `count` records of one source: 70 customers, some always with an e-mail, some never, some
/// only from their third row on; pairs of customers sharing an e-mail (also with the other
/// source); order ids repeating with other amounts or a refund.
fn records(seed: u64, count: usize) -> Vec<ImportRecord> {
    let mut lcg = Lcg(seed);
    let mut seen = std::collections::HashMap::<u64, u32>::new();
    (0..count)
        .map(|_| {
            let customer = lcg.below(70);
            let rows = seen.entry(customer).or_default();
            *rows += 1;
            let email = match customer % 4 {
                0 => None,
                1 => Some(format!("p{}@example.com", customer % 9)),
                2 if *rows >= 3 => Some(format!("late{}@example.com", customer % 5)),
                2 => None,
                _ => Some(format!("c{customer}@example.com")),
            };
            let order = lcg.below(400);
            let mut status = OrderStatus::Paid;
            let mut refunded_minor = 0;
            if lcg.below(10) == 0 {
                status = OrderStatus::Refunded;
                refunded_minor = 500;
            }
            ImportRecord {
                line: 2,
                customer: CustomerRecord {
                    external_id: format!("c{customer}"),
                    email: email.map(|e| Email::parse(&e).unwrap()),
                    name: Some(format!("Customer {customer}")),
                    marketing_consent: Some(customer.is_multiple_of(3)),
                },
                order: OrderRecord {
                    external_id: format!("o{order}"),
                    placed_at: Utc.with_ymd_and_hms(2024, 1, 1 + (order % 28) as u32, 12, 0, 0).unwrap(),
                    status,
                    currency: Currency::USD,
                    total_minor: 500 + lcg.below(3) as i64,
                    refunded_minor,
                    items: vec![],
                },
            }
        })
        .collect()
}

fn add(total: &mut ImportCounts, counts: ImportCounts) {
    total.orders_added += counts.orders_added;
    total.orders_unchanged += counts.orders_unchanged;
    total.orders_updated += counts.orders_updated;
    total.customers_added += counts.customers_added;
    total.customers_merged += counts.customers_merged;
}

fn import(store: &mut dyn Store, source: &str, records: &[ImportRecord]) -> ImportCounts {
    let mut session = store.begin_import(&SourceName::parse(source).unwrap(), now()).unwrap();
    for record in records {
        session.ingest(record.clone()).unwrap();
    }
    session.commit().unwrap()
}

/// Every customer with identities, merges and orders.
fn customer_file(store: &mut dyn Store) -> Vec<CustomerDetail> {
    let list = store.customers(&CustomerQuery { after: None, limit: 10_000 }).unwrap();
    list.iter().map(|summary| store.customer(summary.id).unwrap()).collect()
}

/// Imports source `shop`, then `web`, then `shop` again with changes, into `batched` (one
/// import each) and `one_by_one` (one import per record); both must end up alike.
fn batched_and_one_by_one_imports_agree(batched: &mut dyn Store, one_by_one: &mut dyn Store) {
    let steps = [("shop", records(1, 700)), ("web", records(2, 600)), ("shop", records(3, 300))];
    let mut total = ImportCounts::default();
    for (source, records) in &steps {
        let together = import(batched, source, records);
        let mut apart = ImportCounts::default();
        for record in records {
            add(&mut apart, import(one_by_one, source, std::slice::from_ref(record)));
        }
        assert_eq!(together, apart, "counts of the {source} import");
        add(&mut total, together);
    }
    assert!(total.customers_merged > 0 && total.orders_updated > 0, "the records mix it up: {total:?}");
    let (file, reference) = (customer_file(batched), customer_file(one_by_one));
    assert!(file.iter().any(|customer| !customer.merges.is_empty()));
    assert_eq!(file.len(), reference.len(), "customers");
    for (customer, expected) in file.iter().zip(&reference) {
        assert_eq!(customer, expected, "customer {}", expected.id);
    }
}

#[test]
fn batched_and_one_by_one_imports_agree_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite:{}", dir.path().join(name).display());
    let mut batched = open(&url("batched.db"), now()).unwrap();
    let mut one_by_one = open(&url("one_by_one.db"), now()).unwrap();
    batched_and_one_by_one_imports_agree(batched.as_mut(), one_by_one.as_mut());
}

#[test]
fn batched_and_one_by_one_imports_agree_on_postgres() {
    let (Some(first), Some(second)) = (testing::postgres_database(), testing::postgres_database()) else {
        return;
    };
    let mut batched = open(&first.url, now()).unwrap();
    batched.migrate(now()).unwrap();
    let mut one_by_one = open(&second.url, now()).unwrap();
    one_by_one.migrate(now()).unwrap();
    batched_and_one_by_one_imports_agree(batched.as_mut(), one_by_one.as_mut());
}
