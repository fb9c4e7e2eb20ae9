//! Importing files through the app: files without order ids are first read keeping only the id
//! counts an ordered file needs; a file in no such order is read again keeping them all, and
//! gets the same ids either way.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use tenure_app::import::{ImportReport, ImportRequest, NoProgress, import_files};
use tenure_import::{Format, ImportOptions};
use tenure_store::{CustomerQuery, Store};

fn import(store: &mut dyn Store, path: PathBuf) -> ImportReport {
    let request = ImportRequest {
        format: Format::Cdnow,
        paths: vec![path],
        source: None,
        skip_invalid: false,
        options: ImportOptions::default(),
        time_zone: None,
    };
    import_files(store, &request, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(), &NoProgress).unwrap()
}

/// Every stored order id, by customer then time.
fn order_ids(store: &mut dyn Store) -> Vec<String> {
    let customers = store.customers(&CustomerQuery::default()).unwrap();
    let orders = customers.iter().flat_map(|c| store.customer(c.id).unwrap().orders);
    orders.map(|order| order.external_id).collect()
}

fn stored(text: &str) -> (tempfile::TempDir, Box<dyn Store>, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cdnow.txt");
    std::fs::write(&path, text).unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let store = tenure_store::open(&url, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()).unwrap();
    (dir, store, path)
}

#[test]
fn a_file_in_neither_customer_nor_date_order_is_read_again_with_every_count() {
    // Customer 1 comes back after customer 2, on a day before 2's: the third row needs the count
    // of (1, 1997-01-02), which an ordered reading has dropped.
    let (_dir, mut store, path) = stored(
        "customer_id date number_of_cds dollar_value\n\
         1 19970102 1 10.00\n\
         2 19970101 1 10.00\n\
         1 19970102 1 11.00\n",
    );
    let report = import(store.as_mut(), path.clone());
    assert!(report.committed);
    assert_eq!((report.rows_read, report.orders_added, report.customers_added), (3, 3, 2));
    assert_eq!(
        order_ids(store.as_mut()),
        ["0000000001-19970102-1", "0000000001-19970102-2", "0000000002-19970101-1"]
    );
    let again = import(store.as_mut(), path);
    assert_eq!((again.orders_added, again.orders_unchanged), (0, 3));
}

#[test]
fn a_file_ordered_by_date_keeps_its_ids() {
    let (_dir, mut store, path) = stored(
        "customer_id date number_of_cds dollar_value\n\
         2 19970101 1 10.00\n\
         1 19970101 1 10.00\n\
         2 19970101 1 12.00\n\
         1 19970103 1 11.00\n",
    );
    let report = import(store.as_mut(), path);
    assert_eq!((report.rows_read, report.orders_added), (4, 4));
    assert_eq!(
        order_ids(store.as_mut()),
        ["0000000002-19970101-1", "0000000002-19970101-2", "0000000001-19970101-1", "0000000001-19970103-1"]
    );
}

#[test]
fn a_source_imported_before_padding_keeps_its_unpadded_order_ids() {
    let header = "customer_id date number_of_cds dollar_value\n";
    let (dir, mut store, path) = stored(header);
    // The source exists from an earlier import, and migration 9 marked it.
    assert_eq!(import(store.as_mut(), path.clone()).orders_added, 0);
    tenure_store::testing::mark_source_unpadded(&dir.path().join("tenure.db"), "cdnow");
    std::fs::write(&path, format!("{header}7 19970101 1 10.00\n7 19970101 2 20.00\n")).unwrap();
    assert_eq!(import(store.as_mut(), path.clone()).orders_added, 2);
    let again = import(store.as_mut(), path);
    assert_eq!((again.orders_added, again.orders_unchanged), (0, 2), "the same ids again");
    assert_eq!(order_ids(store.as_mut()), ["7-19970101-1", "7-19970101-2"]);
}
