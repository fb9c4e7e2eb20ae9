//! The four sample shop exports, imported through the binary into the store: customers, paid
//! orders and revenue as the files contain them, and one customer across shops by e-mail.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use common::data;
use serde_json::Value;

/// Each sample export holds the purchases of CDNOW customers 1–2000 (data/README.md). Figures from
/// `crates/tenure-import/tests/reference_counts.py`, a stdlib-only script written apart from the
/// importers: 2,000 customers, 6,503 paid orders, 23,736,365 US cents in every one of the four.
const SAMPLE_CUSTOMERS: u64 = 2_000;
const SAMPLE_PAID_ORDERS: u64 = 6_503;
const SAMPLE_REVENUE_CENTS: i64 = 23_736_365;

fn tenure(db: &str, args: &[&str]) -> Value {
    common::json(db, args)
}

fn import(db: &str, format: &str, files: &[&str]) -> Value {
    let paths: Vec<String> =
        files.iter().map(|f| data(&format!("samples/{f}")).display().to_string()).collect();
    let mut args = vec!["import", "--json", "--format", format];
    args.extend(paths.iter().map(String::as_str));
    tenure(db, &args)
}

/// In import order: the e-mail shops first, so customer 1 is a Shopify customer.
const SAMPLES: [(&str, &[&str]); 4] = [
    ("shopify", &["shopify_orders_export.csv"]),
    ("opencart", &["opencart_oc_order.csv"]),
    ("woocommerce", &["woocommerce_orders.json"]),
    ("etsy", &["EtsySoldOrders.csv", "EtsySoldOrderItems.csv"]),
];

#[test]
fn each_sample_export_stores_the_customers_paid_orders_and_revenue_it_contains() {
    for (format, files) in SAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("t.db").display());
        let report = import(&db, format, files);
        assert_eq!(report["customers_added"], SAMPLE_CUSTOMERS, "{format}");
        let stats = tenure(&db, &["stats", "--json"]);
        assert_eq!(stats["customers"], SAMPLE_CUSTOMERS, "{format}");
        assert_eq!(stats["paid_orders"], SAMPLE_PAID_ORDERS, "{format}");
        assert_eq!(stats["revenue"]["USD"], SAMPLE_REVENUE_CENTS, "{format}");
        let again = import(&db, format, files);
        assert_eq!(again["orders_added"], 0, "{format}: a second import added orders");
    }
}

#[test]
fn shops_with_the_same_emails_share_customers_until_a_merge_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    for (format, files) in SAMPLES {
        import(&db, format, files);
    }
    // Shopify, OpenCart and WooCommerce know the same 2,000 e-mails; Etsy buyers have none.
    let stats = tenure(&db, &["stats", "--json"]);
    assert_eq!(stats["customers"], 2 * SAMPLE_CUSTOMERS);
    assert_eq!(stats["revenue"]["USD"], 4 * SAMPLE_REVENUE_CENTS);

    let first = tenure(&db, &["customers", "list", "--limit", "1", "--json"]);
    let id = first[0]["id"].as_i64().unwrap().to_string();
    let customer = tenure(&db, &["customers", "show", &id, "--json"]);
    let sources: Vec<&str> =
        customer["identities"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["shopify", "opencart", "woocommerce"]);
    let merge = customer["merges"][0]["id"].as_i64().unwrap().to_string();
    let orders_before = customer["orders"].as_array().unwrap().len();

    let undone = tenure(&db, &["customers", "unmerge", &merge, "--json"]);
    let split = undone["customer"].as_i64().unwrap().to_string();
    assert_eq!(tenure(&db, &["stats", "--json"])["customers"], 2 * SAMPLE_CUSTOMERS + 1);
    let split_orders =
        tenure(&db, &["customers", "show", &split, "--json"])["orders"].as_array().unwrap().len();
    let kept_orders = tenure(&db, &["customers", "show", &id, "--json"])["orders"].as_array().unwrap().len();
    assert!(split_orders > 0);
    assert_eq!(split_orders + kept_orders, orders_before, "orders were lost or doubled by the unmerge");
}

#[test]
fn segment_lists_name_the_customers_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    import(&db, "shopify", &["shopify_orders_export.csv"]);
    let list = tenure(&db, &["customers", "list", "--segment", "Champions", "--limit", "3", "--json"]);
    let customers = list["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 3);
    for customer in customers {
        let id = customer["id"].as_i64().unwrap().to_string();
        let shown = tenure(&db, &["customers", "show", &id, "--json"]);
        assert_eq!(customer["name"], shown["name"]);
        assert_eq!(customer["email"], shown["email"]);
        assert!(customer["email"].as_str().unwrap().contains('@'), "{customer}");
    }
}
