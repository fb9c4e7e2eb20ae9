//! The bundled sample exports and CDNOW data, read in full and checked against figures computed
//! independently by `tests/reference_counts.py` (Python standard library only, written from the
//! format descriptions, not from this crate's code).

mod common;

use std::collections::BTreeMap;

use common::{Tally, assert_distinct_order_ids, import, repo_file, tally};
use tenure_domain::OrderStatus;
use tenure_import::Format;

/// Figures printed by `python3 crates/tenure-import/tests/reference_counts.py`: every sample has
/// 2,000 customers and 6,503 paid orders worth $237,363.65.
fn reference_sample_tally() -> Tally {
    Tally { customers: 2_000, paid_orders: 6_503, revenue: BTreeMap::from([("USD".to_string(), 23_736_365)]) }
}

#[test]
fn etsy_sample_matches_the_reference_figures_and_joins_every_item() {
    let outcome = import(
        Format::Etsy,
        &[repo_file("data/samples/EtsySoldOrders.csv"), repo_file("data/samples/EtsySoldOrderItems.csv")],
    );
    assert_eq!(outcome.messages(), Vec::<String>::new());
    assert_eq!(tally(&outcome.records), reference_sample_tally());
    assert_distinct_order_ids(&outcome.records);
    let items: usize = outcome.records.iter().map(|record| record.order.items.len()).sum();
    assert_eq!(items, 15_752, "every row of EtsySoldOrderItems.csv belongs to an order");
    assert_eq!(outcome.summary.rows_read, 6_503 + 15_752);
    let first = &outcome.records[0];
    assert_eq!(
        (first.line, first.customer.external_id.as_str(), first.customer.marketing_consent),
        (2, "eve1", None)
    );
}

#[test]
fn shopify_sample_matches_the_reference_figures() {
    let outcome = import(Format::Shopify, &[repo_file("data/samples/shopify_orders_export.csv")]);
    assert_eq!(outcome.messages(), Vec::<String>::new());
    assert_eq!(tally(&outcome.records), reference_sample_tally());
    assert_distinct_order_ids(&outcome.records);
    assert_eq!(outcome.summary.rows_read, 12_289, "one row per line item");
    let first = &outcome.records[0];
    assert_eq!(first.customer.external_id, "eve.brown1@example.com");
    assert_eq!(first.customer.marketing_consent, Some(true));
}

#[test]
fn opencart_sample_matches_the_reference_figures() {
    let outcome = import(Format::Opencart, &[repo_file("data/samples/opencart_oc_order.csv")]);
    assert_eq!(outcome.messages(), Vec::<String>::new());
    assert_eq!(tally(&outcome.records), reference_sample_tally());
    assert_distinct_order_ids(&outcome.records);
    assert_eq!(outcome.summary.abandoned_checkouts, 0);
}

#[test]
fn woocommerce_sample_matches_the_reference_figures() {
    let outcome = import(Format::Woocommerce, &[repo_file("data/samples/woocommerce_orders.json")]);
    assert_eq!(outcome.messages(), Vec::<String>::new());
    assert_eq!(tally(&outcome.records), reference_sample_tally());
    assert_distinct_order_ids(&outcome.records);
    assert_eq!(outcome.records[0].line, 2, "the first order object opens on line 2");
    assert_eq!(outcome.records[1].line, 35);
}

#[test]
fn cdnow_master_gives_the_published_counts() {
    let started = std::time::Instant::now();
    let outcome = import(Format::Cdnow, &[repo_file("data/cdnow/CDNOW_master.txt")]);
    let elapsed = started.elapsed();
    eprintln!("CDNOW master: {} records in {elapsed:?}", outcome.records.len());
    assert_eq!(outcome.messages(), Vec::<String>::new());
    let figures = tally(&outcome.records);
    // FORMATS.md and reference_counts.py: 69,659 rows, 23,570 customers, $2,500,315.63.
    assert_eq!(outcome.records.len(), 69_659);
    assert_eq!(figures.customers, 23_570);
    assert_eq!(figures.revenue, BTreeMap::from([("USD".to_string(), 250_031_563)]));
    assert!(outcome.records.iter().all(|record| record.order.status == OrderStatus::Paid));
    assert_distinct_order_ids(&outcome.records);
}

#[test]
fn cdnow_sample_reuses_the_master_ids_of_the_same_purchases() {
    let master = import(Format::Cdnow, &[repo_file("data/cdnow/CDNOW_master.txt")]);
    let sample = import(Format::Cdnow, &[repo_file("data/cdnow/CDNOW_sample.txt")]);
    assert_eq!(sample.messages(), Vec::<String>::new());
    assert_eq!(sample.records.len(), 6_919);
    let by_id: std::collections::HashMap<&str, i64> =
        master.records.iter().map(|r| (r.order.external_id.as_str(), r.order.total_minor)).collect();
    for record in &sample.records {
        assert_eq!(
            by_id.get(record.order.external_id.as_str()),
            Some(&record.order.total_minor),
            "{}",
            record.order.external_id
        );
    }
}

#[test]
fn reimporting_a_file_yields_the_same_ids() {
    let first = import(Format::Cdnow, &[repo_file("data/cdnow/CDNOW_sample.txt")]);
    let second = import(Format::Cdnow, &[repo_file("data/cdnow/CDNOW_sample.txt")]);
    assert_eq!(first.records, second.records);
}
