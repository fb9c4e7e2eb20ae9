//! Webhooks that cannot be replayed into the past (issue 17, item 4), on SQLite and PostgreSQL.
//!
//! Shopify and WooCommerce sign the body only, and the delivery id header is not signed: a
//! captured delivery sent again under a new id verifies. Before the order's version (the shop's
//! `updated_at` / `date_modified_gmt`) was kept, such a replay of the "paid" delivery after a
//! "refunded" one rolled the order back to paid. Standard Webhooks sign a timestamp, which must
//! be within 5 minutes of now.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenure_app::sources::add_source;
use tenure_app::webhooks::{ReceiveError, Received, receive};
use tenure_domain::{OrderStatus, SourceName, WebhookKind};
use tenure_store::{CustomerQuery, Store, WriteResult};

const SHOPIFY_SECRET: &str = "shpss_replay_tests";
const WOO_SECRET: &str = "woo-replay-tests";
/// The Standard Webhooks specification's test secret.
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// base64(HMAC-SHA256(body, key)): how Shopify and WooCommerce sign.
fn body_signature(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A Shopify order `#1001` of 20.00 USD in `financial_status`, changed last at `updated_at`
/// (`None`: the field is absent).
fn shopify_body(financial_status: &str, updated_at: Option<&str>) -> Vec<u8> {
    let refunds = if financial_status == "refunded" {
        r#"[{"transactions": [{"amount": "20.00", "kind": "refund", "status": "success"}]}]"#
    } else {
        "[]"
    };
    let updated = updated_at.map_or(String::new(), |time| format!(r#""updated_at": "{time}","#));
    format!(
        r##"{{"id": 1, "name": "#1001", "email": "ann@example.com", "created_at": "2026-03-01T10:00:00Z",
        {updated} "currency": "USD", "total_price": "20.00", "financial_status": "{financial_status}",
        "line_items": [], "refunds": {refunds}}}"##
    )
    .into_bytes()
}

/// A delivery of `body` to the Shopify source `shop` under `delivery_id`, signed as Shopify does.
fn shopify(store: &mut dyn Store, delivery_id: &str, body: &[u8]) -> Result<Received, ReceiveError> {
    let headers = vec![
        ("X-Shopify-Hmac-Sha256".to_string(), body_signature(SHOPIFY_SECRET.as_bytes(), body)),
        ("X-Shopify-Webhook-Id".to_string(), delivery_id.to_string()),
        ("X-Shopify-Topic".to_string(), "orders/updated".to_string()),
    ];
    receive(store, "shop", &headers, body, now())
}

/// A WooCommerce order 7 of 20.00 EUR in `status`, changed last at `date_modified_gmt`.
fn woo_body(status: &str, date_modified_gmt: &str) -> Vec<u8> {
    format!(
        r#"{{"id": 7, "status": "{status}", "currency": "EUR", "date_created_gmt": "2026-03-01T10:00:00",
        "date_modified_gmt": "{date_modified_gmt}", "total": "20.00", "customer_id": 0,
        "billing": {{"email": "bob@example.com"}}, "line_items": [], "refunds": []}}"#
    )
    .into_bytes()
}

fn woo(store: &mut dyn Store, delivery_id: &str, body: &[u8]) -> Result<Received, ReceiveError> {
    let headers = vec![
        ("X-WC-Webhook-Signature".to_string(), body_signature(WOO_SECRET.as_bytes(), body)),
        ("X-WC-Webhook-Delivery-ID".to_string(), delivery_id.to_string()),
        ("X-WC-Webhook-Topic".to_string(), "order.updated".to_string()),
    ];
    receive(store, "woo", &headers, body, now())
}

fn sources(store: &mut dyn Store) {
    add_source(store, "shop", WebhookKind::Shopify, Some(SHOPIFY_SECRET), now()).unwrap();
    add_source(store, "woo", WebhookKind::Woocommerce, Some(WOO_SECRET), now()).unwrap();
    add_source(store, "etsy", WebhookKind::Standard, Some(STANDARD_SECRET), now()).unwrap();
}

/// The status of the only order stored for `external_id`.
fn status_of(store: &mut dyn Store, external_id: &str) -> OrderStatus {
    let customers = store.customers(&CustomerQuery::default()).unwrap();
    let orders: Vec<_> = customers
        .iter()
        .flat_map(|customer| store.customer(customer.id).unwrap().orders)
        .filter(|order| order.external_id == external_id)
        .collect();
    assert_eq!(orders.len(), 1, "one order {external_id}");
    orders[0].status
}

fn written(received: Result<Received, ReceiveError>) -> WriteResult {
    match received {
        Ok(Received::Written(written)) => written.result,
        other => panic!("expected a write, got {other:?}"),
    }
}

fn a_captured_shopify_paid_delivery_replayed_under_a_new_id_after_refunded_changes_nothing(
    store: &mut dyn Store,
) {
    sources(store);
    let paid = shopify_body("paid", Some("2026-03-01T10:00:05Z"));
    let refunded = shopify_body("refunded", Some("2026-03-01T15:30:00+01:00"));
    assert_eq!(written(shopify(store, "d-1", &paid)), WriteResult::Created);
    assert_eq!(written(shopify(store, "d-2", &refunded)), WriteResult::Updated);
    let revision = store.revision().unwrap();
    let replay = shopify(store, "d-forged", &paid).unwrap();
    assert!(matches!(replay, Received::Older(_)), "{replay:?}");
    assert_eq!(status_of(store, "#1001"), OrderStatus::Refunded);
    assert_eq!(store.revision().unwrap(), revision, "nothing changed");
    assert!(matches!(shopify(store, "d-forged", &paid), Ok(Received::Repeated)), "its id is kept");
}

fn a_genuinely_newer_shopify_state_applies(store: &mut dyn Store) {
    sources(store);
    written(shopify(store, "d-1", &shopify_body("refunded", Some("2026-03-01T11:00:00Z"))));
    // The shop took the refund back (a newer state, even if it looks like an older one).
    let newer = shopify_body("paid", Some("2026-03-01T12:00:00Z"));
    assert_eq!(written(shopify(store, "d-2", &newer)), WriteResult::Updated);
    assert_eq!(status_of(store, "#1001"), OrderStatus::Paid);
    // The same version again under another id: the same state, written as unchanged.
    assert_eq!(written(shopify(store, "d-3", &newer)), WriteResult::Unchanged);
}

fn a_captured_woocommerce_processing_delivery_replayed_after_refunded_changes_nothing(store: &mut dyn Store) {
    sources(store);
    let processing = woo_body("processing", "2026-03-01T10:00:00");
    let refunded = woo_body("refunded", "2026-03-01T16:00:00");
    assert_eq!(written(woo(store, "w-1", &processing)), WriteResult::Created);
    assert_eq!(written(woo(store, "w-2", &refunded)), WriteResult::Updated);
    assert!(matches!(woo(store, "w-forged", &processing), Ok(Received::Older(_))));
    assert_eq!(status_of(store, "7"), OrderStatus::Refunded);
    let later = woo_body("completed", "2026-03-02T09:00:00");
    assert_eq!(written(woo(store, "w-3", &later)), WriteResult::Updated, "a newer state applies");
    assert_eq!(status_of(store, "7"), OrderStatus::Paid);
}

/// Orders without a version — an imported file's, or a body without `updated_at` — are written
/// as before: the last one written wins, and a versioned delivery over an imported order applies.
fn orders_without_a_version_are_written_as_before(store: &mut dyn Store) {
    sources(store);
    let imported = tenure_import::shopify_order("file", &shopify_body("refunded", None)).unwrap().record;
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(imported).unwrap();
    session.commit().unwrap();
    assert_eq!(status_of(store, "#1001"), OrderStatus::Refunded);
    let versioned = shopify_body("paid", Some("2026-03-01T10:00:00Z"));
    assert_eq!(written(shopify(store, "d-1", &versioned)), WriteResult::Updated, "imported: no version");
    let unversioned = shopify_body("refunded", None);
    assert_eq!(written(shopify(store, "d-2", &unversioned)), WriteResult::Updated, "no version: as before");
    assert_eq!(status_of(store, "#1001"), OrderStatus::Refunded);
}

/// A Standard Webhooks delivery signed at `timestamp` (Unix seconds).
fn standard(store: &mut dyn Store, timestamp: i64) -> Result<Received, ReceiveError> {
    let body =
        br#"{"type": "order.created", "timestamp": "2026-03-02T12:00:00Z", "data": {"external_id": "E-1",
        "placed_at": "2026-03-01T10:00:00Z", "status": "paid", "currency": "EUR", "total": "9.00",
        "customer": {"external_id": "c-1", "email": "cy@example.com"}}}"#;
    let key = STANDARD.decode(STANDARD_SECRET.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("msg-1.{timestamp}.").as_bytes());
    mac.update(body);
    let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let headers = vec![
        ("webhook-id".to_string(), "msg-1".to_string()),
        ("webhook-timestamp".to_string(), timestamp.to_string()),
        ("webhook-signature".to_string(), signature),
    ];
    receive(store, "etsy", &headers, body, now())
}

fn a_standard_webhook_replayed_more_than_five_minutes_later_is_refused(store: &mut dyn Store) {
    sources(store);
    let sent = now().timestamp() - 5 * 60 - 1;
    assert!(matches!(standard(store, sent), Err(ReceiveError::Unverified)));
    assert_eq!(written(standard(store, now().timestamp() - 5 * 60)), WriteResult::Created);
}

tenure_store::contract_tests!(
    a_captured_shopify_paid_delivery_replayed_under_a_new_id_after_refunded_changes_nothing,
    a_genuinely_newer_shopify_state_applies,
    a_captured_woocommerce_processing_delivery_replayed_after_refunded_changes_nothing,
    orders_without_a_version_are_written_as_before,
    a_standard_webhook_replayed_more_than_five_minutes_later_is_refused,
);
