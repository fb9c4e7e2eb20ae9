//! Writes through the router, in process: `POST /api/v1/orders` with and without an
//! Idempotency-Key, and signed webhook deliveries from Shopify, WooCommerce and Standard Webhooks
//! senders. Signatures come from an independent signer (Python's `hmac`, see `common`); "changes
//! nothing" is checked on the store's own figures before and after.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::{STANDARD_SECRET, body_signature, now_seconds, standard_headers};
use http_body_util::BodyExt;
use serde_json::Value;
use tenure_app::access::create_token;
use tenure_app::reports::ShopTimeZone;
use tenure_app::sources::{add_source, remove_source};
use tenure_domain::{CustomerId, Role, WebhookKind};
use tenure_store::{Stats, Store};
use tenure_web::{AppState, MAX_BODY_BYTES, StorePool, router};
use tower::ServiceExt;

const SHOPIFY_SECRET: &str = "shpss_0123456789abcdef";
const WOO_SECRET: &str = "wc-secret-for-tests";

/// An empty store with an admin and an analyst token and three webhook sources: `shop`
/// (Shopify), `woo` (WooCommerce), `etsy` (Standard Webhooks, the specification's test secret).
struct Fixture {
    _dir: tempfile::TempDir,
    url: String,
    state: AppState,
    admin: String,
    analyst: String,
}

/// What the server answered.
struct Answer {
    status: StatusCode,
    body: Value,
    text: String,
    headers: HeaderMap,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let now = chrono::Utc::now();
    let mut store = tenure_store::open(&url, now).unwrap();
    let admin = create_token(store.as_mut(), Role::Admin, "test", now).unwrap().token;
    let analyst = create_token(store.as_mut(), Role::Analyst, "test", now).unwrap().token;
    add_source(store.as_mut(), "shop", WebhookKind::Shopify, Some(SHOPIFY_SECRET), now).unwrap();
    add_source(store.as_mut(), "woo", WebhookKind::Woocommerce, Some(WOO_SECRET), now).unwrap();
    add_source(store.as_mut(), "etsy", WebhookKind::Standard, Some(STANDARD_SECRET), now).unwrap();
    let state = AppState::new(StorePool::open(&url, 2, now).unwrap(), ShopTimeZone::UTC);
    Fixture { _dir: dir, url, state, admin, analyst }
}

impl Fixture {
    fn store(&self) -> Box<dyn Store> {
        tenure_store::open(&self.url, chrono::Utc::now()).unwrap()
    }

    fn stats(&self) -> Stats {
        self.store().stats().unwrap()
    }

    async fn post(&self, uri: &str, headers: &[(&str, String)], body: impl Into<Vec<u8>>) -> Answer {
        let mut request = Request::post(uri).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response =
            router(self.state.clone()).oneshot(request.body(Body::from(body.into())).unwrap()).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body, text, headers }
    }

    async fn post_order(&self, body: &str, key: Option<&str>) -> Answer {
        let mut headers = vec![("authorization", format!("Bearer {}", self.admin))];
        if let Some(key) = key {
            headers.push(("idempotency-key", key.to_string()));
        }
        self.post("/api/v1/orders", &headers, body).await
    }

    /// A Shopify delivery to `/webhooks/shop`, signed with `secret`.
    async fn shopify(&self, delivery: &str, topic: &str, body: &str, secret: &str) -> Answer {
        let headers = [
            ("x-shopify-hmac-sha256", body_signature(secret, body.as_bytes())),
            ("x-shopify-webhook-id", delivery.to_string()),
            ("x-shopify-topic", topic.to_string()),
        ];
        self.post("/webhooks/shop", &headers, body).await
    }

    async fn standard(&self, id: &str, timestamp: i64, body: &str) -> Answer {
        self.post("/webhooks/etsy", &standard_headers(STANDARD_SECRET, id, timestamp, body.as_bytes()), body)
            .await
    }
}

const ORDER: &str = r#"{"source": "api", "external_id": "A-1001", "placed_at": "2024-05-01T10:00:00.750Z",
    "currency": "EUR", "total": "12.50", "status": "paid",
    "customer": {"external_id": "c-17", "email": "Eve@Example.com", "name": "Eve", "marketing_consent": true}}"#;

/// Shaped like the example order of Shopify's REST reference.
const SHOPIFY_ORDER: &str = r##"{"id": 450789469, "name": "#1001", "email": "bob.norman@mail.example.com",
    "created_at": "2008-01-10T11:00:00-05:00", "currency": "USD", "total_price": "598.94",
    "financial_status": "paid", "cancelled_at": null, "buyer_accepts_marketing": false,
    "customer": {"id": 207119551, "email": "bob.norman@mail.example.com", "first_name": "Bob", "last_name": "Norman"},
    "line_items": [{"name": "IPod Nano - 8GB", "price": "199.00", "quantity": 3, "total_discount": "-1.94"}],
    "refunds": []}"##;

/// A WooCommerce REST order of a guest.
const WOO_ORDER: &str = r#"{"id": 727, "status": "processing", "currency": "EUR",
    "date_created_gmt": "2024-01-01T12:00:00", "total": "50.00", "customer_id": 0,
    "billing": {"email": "Eve@Example.com", "first_name": "Eve", "last_name": "Brown"},
    "line_items": [{"name": "Mug", "quantity": 2, "total": "50.00"}], "refunds": []}"#;

fn standard_payload(kind: &str, external_id: &str) -> String {
    format!(
        r#"{{"type": "{kind}", "timestamp": "2024-05-01T10:00:00Z", "data": {{"external_id": "{external_id}",
        "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR", "total": "20.00", "status": "paid",
        "customer": {{"external_id": "etsy-buyer", "name": "Ann"}}}}}}"#
    )
}

#[test]
fn the_test_signer_reproduces_the_published_standard_webhooks_vector() {
    let headers = standard_headers(
        STANDARD_SECRET,
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1_614_265_330,
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(headers[2].1, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

#[tokio::test]
async fn a_posted_order_is_created_once_and_a_replay_changes_nothing() {
    let fixture = fixture();
    let first = fixture.post_order(ORDER, None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["result"], "created");
    let order = &first.body["order"];
    assert_eq!((order["source"].as_str(), order["external_id"].as_str()), (Some("api"), Some("A-1001")));
    assert_eq!((order["total_minor"].as_i64(), order["currency"].as_str()), (Some(1250), Some("EUR")));
    assert_eq!(order["placed_at"], "2024-05-01T10:00:00Z", "stored to the second");
    let customer_id = CustomerId(first.body["customer_id"].as_i64().unwrap());
    let customer = fixture.store().customer(customer_id).unwrap();
    assert_eq!(
        (customer.email.as_deref(), customer.marketing_consent),
        (Some("eve@example.com"), Some(true))
    );
    assert_eq!(customer.orders[0].external_id, "A-1001");

    let before = fixture.stats();
    let replay = fixture.post_order(ORDER, None).await;
    assert_eq!((replay.status, replay.body["result"].as_str()), (StatusCode::OK, Some("unchanged")));
    assert_eq!(replay.body["order"]["id"], order["id"]);
    assert_eq!(fixture.stats(), before, "a replay changes nothing");
    assert_eq!((before.customers, before.orders, before.revenue.get("EUR")), (1, 1, Some(&1250)));
}

#[tokio::test]
async fn a_later_post_with_a_refund_updates_the_order_as_an_import_would() {
    let fixture = fixture();
    fixture.post_order(ORDER, None).await;
    let refunded =
        ORDER.replace(r#""status": "paid""#, r#""status": "partially_refunded", "refunded": "2.50""#);
    let answer = fixture.post_order(&refunded, None).await;
    assert_eq!(
        (answer.status, answer.body["result"].as_str()),
        (StatusCode::OK, Some("updated")),
        "{}",
        answer.text
    );
    let stats = fixture.stats();
    assert_eq!((stats.orders, stats.revenue.get("EUR")), (1, Some(&1000)));
}

#[tokio::test]
async fn a_posted_order_joins_the_customer_of_another_source_with_the_same_email() {
    let fixture = fixture();
    let shopify = fixture
        .shopify("d-1", "orders/create", &SHOPIFY_ORDER.replace("bob.norman", "eve"), SHOPIFY_SECRET)
        .await;
    assert_eq!(shopify.body["status"], "written", "{}", shopify.text);
    let answer = fixture.post_order(&ORDER.replace("Eve@Example.com", "eve@mail.example.com"), None).await;
    assert_eq!(answer.body["customer_id"], shopify.body["customer_id"], "one e-mail, one customer");
    let customer =
        fixture.store().customer(CustomerId(answer.body["customer_id"].as_i64().unwrap())).unwrap();
    assert_eq!((customer.identities.len(), customer.merges.len()), (2, 1), "the merge is recorded");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let fixture = fixture();
    let first = fixture.post_order(ORDER, Some("order-A-1001-try")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let before = fixture.stats();
    let replay = fixture.post_order(ORDER, Some("order-A-1001-try")).await;
    assert_eq!(
        (replay.status, &replay.text),
        (StatusCode::CREATED, &first.text),
        "the first answer, exactly"
    );
    assert_eq!(replay.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let other = fixture.post_order(&ORDER.replace("12.50", "99.00"), Some("order-A-1001-try")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.text);
    assert_eq!(other.body["error"]["code"], "idempotency_key_reused");
    assert_eq!(fixture.stats(), before, "neither the replay nor the refused body wrote anything");
    assert_eq!(fixture.post_order(ORDER, Some("with space")).await.status, StatusCode::BAD_REQUEST);
    let fresh = fixture.post_order(ORDER, Some("another-key")).await;
    assert_eq!((fresh.status, fresh.body["result"].as_str()), (StatusCode::OK, Some("unchanged")));
}

#[tokio::test]
async fn bad_order_bodies_are_400_naming_the_field_and_the_reason() {
    let fixture = fixture();
    let cases = [
        (ORDER.replace(r#""currency": "EUR", "#, ""), "`currency`: is missing"),
        (ORDER.replace(r#""12.50""#, "12.5"), "`total`: `12.5` is not a decimal string"),
        (ORDER.replace(r#""paid""#, r#""shipped""#), "`status`: `shipped` is not an order status"),
        (ORDER.replace("Eve@Example.com", "eve"), "`customer.email`: `eve` is not an e-mail address"),
        (
            ORDER.replace("2024-05-01T10:00:00.750Z", "yesterday"),
            "`placed_at`: `yesterday` is not an RFC 3339",
        ),
        ("{\"source\": ".to_string(), "the body is not valid JSON"),
    ];
    for (body, expected) in cases {
        let answer = fixture.post_order(&body, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{expected}");
        assert_eq!(answer.body["error"]["code"], "bad_request");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(expected), "{message} should start with {expected}");
    }
    assert_eq!(fixture.stats().orders, 0);
    // Strangers and other roles learn nothing about the body.
    let analyst = [("authorization", format!("Bearer {}", fixture.analyst))];
    assert_eq!(fixture.post("/api/v1/orders", &analyst, "{").await.status, StatusCode::FORBIDDEN);
    assert_eq!(fixture.post("/api/v1/orders", &[], "{").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let fixture = fixture();
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    let answer = fixture.post_order(std::str::from_utf8(&huge).unwrap(), None).await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    assert_eq!(fixture.post("/webhooks/shop", &[], huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let at_limit = fixture.post("/webhooks/shop", &[], vec![b' '; MAX_BODY_BYTES]).await;
    assert_eq!(at_limit.status, StatusCode::UNAUTHORIZED, "1 MiB itself is read (and, unsigned, refused)");
}

#[tokio::test]
async fn a_shopify_delivery_writes_its_order_once_and_a_repeat_changes_nothing() {
    let fixture = fixture();
    let first = fixture.shopify("b54557e4-bdd9", "orders/create", SHOPIFY_ORDER, SHOPIFY_SECRET).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(
        (first.body["status"].as_str(), first.body["result"].as_str()),
        (Some("written"), Some("created"))
    );
    let customer = fixture.store().customer(CustomerId(first.body["customer_id"].as_i64().unwrap())).unwrap();
    assert_eq!(
        customer.identities[0].external_id, "bob.norman@mail.example.com",
        "keyed as the CSV import keys it"
    );
    assert_eq!((customer.orders[0].external_id.as_str(), customer.orders[0].total_minor), ("#1001", 59_894));
    let before = fixture.stats();
    let repeat = fixture.shopify("b54557e4-bdd9", "orders/create", SHOPIFY_ORDER, SHOPIFY_SECRET).await;
    assert_eq!((repeat.status, repeat.body["status"].as_str()), (StatusCode::OK, Some("repeated")));
    assert_eq!(fixture.stats(), before, "a repeated delivery changes nothing");
    let refunded =
        SHOPIFY_ORDER.replace(r#""financial_status": "paid""#, r#""financial_status": "refunded""#);
    let update = fixture.shopify("c0ffee", "orders/updated", &refunded, SHOPIFY_SECRET).await;
    assert_eq!(update.body["result"], "updated", "{}", update.text);
    assert_eq!(fixture.stats().paid_orders, 0);
    let other = fixture.shopify("d00d", "orders/fulfilled", SHOPIFY_ORDER, SHOPIFY_SECRET).await;
    assert_eq!((other.status, other.body["status"].as_str()), (StatusCode::OK, Some("ignored")));
}

#[tokio::test]
async fn tampered_unsigned_or_wrongly_signed_deliveries_are_401_and_write_nothing() {
    let fixture = fixture();
    let signature = body_signature(SHOPIFY_SECRET, SHOPIFY_ORDER.as_bytes());
    let tampered_body = SHOPIFY_ORDER.replace("598.94", "5.94");
    let delivery = |signature: Option<&str>| {
        let mut headers = vec![
            ("x-shopify-webhook-id", "d-1".to_string()),
            ("x-shopify-topic", "orders/create".to_string()),
        ];
        headers.extend(signature.map(|s| ("x-shopify-hmac-sha256", s.to_string())));
        headers
    };
    let attempts = [
        fixture.post("/webhooks/shop", &delivery(Some(&signature)), tampered_body.as_str()).await,
        fixture.shopify("d-1", "orders/create", SHOPIFY_ORDER, "not-the-secret").await,
        fixture.post("/webhooks/shop", &delivery(None), SHOPIFY_ORDER).await,
        // The right signature sent to a source that does not exist, and to one of another kind.
        fixture.post("/webhooks/nowhere", &delivery(Some(&signature)), SHOPIFY_ORDER).await,
        fixture.post("/webhooks/woo", &delivery(Some(&signature)), SHOPIFY_ORDER).await,
        fixture.post("/webhooks/Not%20A%20Name", &delivery(Some(&signature)), SHOPIFY_ORDER).await,
        fixture
            .post("/webhooks/shop", &[("authorization", format!("Bearer {}", fixture.admin))], SHOPIFY_ORDER)
            .await,
    ];
    for (n, answer) in attempts.iter().enumerate() {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {n}: {}", answer.text);
        assert_eq!(answer.text, attempts[0].text, "attempt {n}: one answer, no hint of which check failed");
    }
    assert_eq!(attempts[0].body["error"]["code"], "invalid_signature");
    assert_eq!(fixture.stats().orders, 0);
}

#[tokio::test]
async fn a_signed_delivery_whose_order_is_bad_is_400_naming_the_field() {
    let fixture = fixture();
    let bad = SHOPIFY_ORDER.replace(r#""598.94""#, r#""lots""#);
    let answer = fixture.shopify("d-1", "orders/create", &bad, SHOPIFY_SECRET).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"]["message"], "`total_price`: `lots` is not an amount");
    let no_id = [("x-shopify-hmac-sha256", body_signature(SHOPIFY_SECRET, SHOPIFY_ORDER.as_bytes()))];
    let answer = fixture.post("/webhooks/shop", &no_id, SHOPIFY_ORDER).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "signed, so the sender may be told what is missing");
    assert!(answer.text.contains("X-Shopify-Webhook-Id"), "{}", answer.text);
    assert_eq!(fixture.stats().orders, 0);
}

#[tokio::test]
async fn a_woocommerce_delivery_is_read_by_the_import_mapping_and_its_ping_writes_nothing() {
    let fixture = fixture();
    for uri in ["/webhooks/woo", "/webhooks/nowhere"] {
        let ping = fixture
            .post(uri, &[("content-type", "application/x-www-form-urlencoded".into())], "webhook_id=12")
            .await;
        assert_eq!(
            (ping.status, ping.body["status"].as_str()),
            (StatusCode::OK, Some("ping")),
            "{uri}: same answer"
        );
    }
    assert_eq!(fixture.stats().orders, 0, "a ping writes nothing");
    let delivery = |id: &str, topic: &str, body: &str| {
        vec![
            ("x-wc-webhook-signature", body_signature(WOO_SECRET, body.as_bytes())),
            ("x-wc-webhook-delivery-id", id.to_string()),
            ("x-wc-webhook-topic", topic.to_string()),
        ]
    };
    let answer =
        fixture.post("/webhooks/woo", &delivery("1a2b", "order.created", WOO_ORDER), WOO_ORDER).await;
    assert_eq!(answer.body["status"], "written", "{}", answer.text);
    let customer =
        fixture.store().customer(CustomerId(answer.body["customer_id"].as_i64().unwrap())).unwrap();
    assert_eq!(
        customer.identities[0].external_id, "email:eve@example.com",
        "a guest, as the importer keys guests"
    );
    assert_eq!((customer.orders[0].external_id.as_str(), customer.orders[0].total_minor), ("727", 5000));
    let before = fixture.stats();
    let repeat =
        fixture.post("/webhooks/woo", &delivery("1a2b", "order.created", WOO_ORDER), WOO_ORDER).await;
    assert_eq!(repeat.body["status"], "repeated");
    let draft = WOO_ORDER.replace("processing", "checkout-draft").replace("727", "728");
    let ignored =
        fixture.post("/webhooks/woo", &delivery("3c4d", "order.created", &draft), draft.as_str()).await;
    assert_eq!(ignored.body["status"], "ignored", "{}", ignored.text);
    assert_eq!(fixture.stats(), before);
}

#[tokio::test]
async fn a_standard_webhooks_delivery_writes_its_data_once() {
    let fixture = fixture();
    let body = standard_payload("order.created", "E-1");
    let first = fixture.standard("msg_1", now_seconds(), &body).await;
    assert_eq!(
        (first.status, first.body["result"].as_str()),
        (StatusCode::OK, Some("created")),
        "{}",
        first.text
    );
    let before = fixture.stats();
    let repeat = fixture.standard("msg_1", now_seconds(), &body).await;
    assert_eq!(repeat.body["status"], "repeated");
    assert_eq!(fixture.stats(), before);
    let other = fixture.standard("msg_2", now_seconds(), &standard_payload("order.deleted", "E-1")).await;
    assert_eq!(other.body["status"], "ignored");
    let foreign = body.replace(r#""external_id": "E-1","#, r#""external_id": "E-1", "source": "api","#);
    let refused = fixture.standard("msg_3", now_seconds(), &foreign).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.body["error"]["message"].as_str().unwrap().starts_with("`data.source`"));
}

#[tokio::test]
async fn stale_future_tampered_or_unsigned_standard_deliveries_are_401() {
    let fixture = fixture();
    let body = standard_payload("order.created", "E-1");
    let stale = fixture.standard("msg_1", now_seconds() - 6 * 60, &body).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "older than 5 minutes");
    let future = fixture.standard("msg_1", now_seconds() + 6 * 60, &body).await;
    assert_eq!(future.status, StatusCode::UNAUTHORIZED, "more than 5 minutes ahead");
    let mut headers = standard_headers(STANDARD_SECRET, "msg_1", now_seconds(), body.as_bytes());
    let tampered = fixture.post("/webhooks/etsy", &headers, body.replace("20.00", "2.00")).await;
    assert_eq!(tampered.status, StatusCode::UNAUTHORIZED);
    headers.pop();
    assert_eq!(
        fixture.post("/webhooks/etsy", &headers, body.as_str()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(fixture.stats().orders, 0);
}

#[tokio::test]
async fn a_removed_source_refuses_deliveries_and_keeps_its_orders() {
    let fixture = fixture();
    let first = fixture.standard("msg_1", now_seconds(), &standard_payload("order.created", "E-1")).await;
    assert_eq!(first.body["status"], "written");
    remove_source(fixture.store().as_mut(), "etsy").unwrap();
    let after = fixture.standard("msg_2", now_seconds(), &standard_payload("order.created", "E-2")).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fixture.stats().orders, 1, "its data stays");
}
