//! The Deliveries page (admins: counts, errors, skip reasons, sending a dead message again) and
//! the unsubscribe page's refusals (a link that unsubscribes is followed end to end in
//! `crates/tenure/tests/delivery.rs`, against a real SMTP server).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::http::StatusCode;
use common::dashboard;
use tenure_app::outbox::links;
use tenure_domain::{CustomerId, Role};
use tenure_store::{Attempt, Claim, MessageKind, MessageState, NewMessage, Purpose, SendPolicy, Store};

fn open(url: &str) -> Box<dyn Store> {
    tenure_store::open(url, chrono::Utc::now()).unwrap()
}

fn mail(to: &str, purpose: Purpose, customer: Option<CustomerId>) -> NewMessage {
    NewMessage {
        kind: MessageKind::Email,
        purpose,
        topic: "mail.notice".into(),
        customer_id: customer,
        recipient: to.into(),
        subscription_id: None,
        payload: "{}".into(),
        not_before: chrono::Utc::now(),
        dedupe_key: None,
    }
}

#[tokio::test]
async fn admins_see_dead_and_skipped_messages_with_their_reasons_and_send_a_dead_one_again() {
    let dashboard = dashboard();
    let mut store = open(&dashboard.url);
    let now = chrono::Utc::now();
    let ids = store
        .enqueue(
            &[
                mail("ann@example.com", Purpose::Transactional, None),
                mail("<b>x</b>@example.com", Purpose::Marketing, None),
            ],
            now,
        )
        .unwrap();
    let claim = Claim {
        owner: "w",
        now,
        lease_until: now + chrono::Duration::minutes(2),
        limit: 10,
        policy: SendPolicy { cap_days: 7 },
    };
    assert_eq!(store.claim(&claim).unwrap().skipped, 1, "marketing to an unknown address");
    store.complete("w", &[(ids[0], Attempt::Dead { error: "550 5.1.1 no such user".into() })], now).unwrap();

    for role in [Role::Analyst, Role::Agent] {
        let mut other = dashboard.signed_in(role).await;
        assert_eq!(other.get("/deliveries").await.status, StatusCode::FORBIDDEN, "{role}");
    }
    let mut admin = dashboard.signed_in(Role::Admin).await;
    let page = admin.get("/deliveries").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("550 5.1.1 no such user"), "{}", page.body);
    assert!(page.body.contains("no consent: not sent to a known customer"));
    assert!(
        !page.body.contains("<b>x</b>") && page.body.contains("b&#62;x&#60;/b"),
        "escaped: {}",
        page.body
    );
    assert!(page.body.contains(&format!("action=\"/deliveries/{}/retry\"", ids[0])));

    let forged = admin.post_form(&format!("/deliveries/{}/retry", ids[0]), &[("csrf", "forged")]).await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER, "no retry without the session's CSRF token");
    assert_eq!(open(&dashboard.url).message(ids[0]).unwrap().state, MessageState::Dead);
    let token = admin.csrf.clone().unwrap();
    let retried = admin.post_form(&format!("/deliveries/{}/retry", ids[0]), &[("csrf", &token)]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert_eq!(open(&dashboard.url).message(ids[0]).unwrap().state, MessageState::Pending);
    let dead_only = admin.get("/deliveries?state=dead").await;
    assert!(!dead_only.body.contains("550 5.1.1"), "no longer dead");
}

#[tokio::test]
async fn a_link_for_a_customer_without_an_address_or_a_forged_one_changes_nothing() {
    let dashboard = dashboard();
    let mut store = open(&dashboard.url);
    let customer = store.customers(&tenure_store::CustomerQuery { after: None, limit: 1 }).unwrap()[0].id;
    // The CDNOW sample has no e-mail addresses: a link of such a customer stops nothing.
    let detail = store.customer(customer).unwrap();
    assert!(detail.email.is_none());
    drop(store);
    let token = {
        let mut store = open(&dashboard.url);
        links::unsubscribe_token(&links::link_key(store.as_mut()).unwrap(), customer)
    };
    let mut browser = dashboard.browser();
    let without_email = browser.get(&format!("/unsubscribe/{token}")).await;
    assert_eq!(
        without_email.status,
        StatusCode::NOT_FOUND,
        "a customer without an address has nothing to stop"
    );
    let forged = browser
        .post_form(&format!("/unsubscribe/{}.AAAA", customer.0), &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert!(forged.body.contains("This link does not work"));
    assert!(open(&dashboard.url).suppressions().unwrap().is_empty(), "nothing was suppressed");
}
