//! The outbox's contract on both engines: leases, completion, retries, the send-time policy with
//! an explicit clock, webhook fan-out; and on PostgreSQL, claims from many connections at once.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, SourceName,
    WebhookSecret,
};
use tenure_store::{
    Attempt, BodyFormat, Claim, Event, KeptResponse, MessageKind, MessageState, NewMessage, NewSubscription,
    OrderWrite, OutboxQuery, Purpose, RequestKey, SendPolicy, Store, SuppressionReason,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn email(to: &str, purpose: Purpose, customer: Option<CustomerId>, not_before: DateTime<Utc>) -> NewMessage {
    NewMessage {
        kind: MessageKind::Email,
        purpose,
        topic: "mail.notice".into(),
        customer_id: customer,
        recipient: to.into(),
        subscription_id: None,
        payload: "{}".into(),
        not_before,
        dedupe_key: None,
    }
}

fn claim(store: &mut dyn Store, owner: &str, at: DateTime<Utc>, cap_days: i64) -> tenure_store::Claimed {
    store
        .claim(&Claim {
            owner,
            now: at,
            lease_until: at + Duration::minutes(2),
            limit: 100,
            policy: SendPolicy { cap_days },
        })
        .unwrap()
}

fn ids(claimed: &tenure_store::Claimed) -> Vec<i64> {
    claimed.messages.iter().map(|m| m.message.id).collect()
}

/// A customer of the `shop` source with this e-mail and marketing consent; returns its id.
fn customer(store: &mut dyn Store, key: &str, address: &str, marketing: Option<bool>) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: key.into(),
            email: Some(Email::parse(address).unwrap()),
            name: Some(format!("Customer {key}")),
            marketing_consent: marketing,
        },
        order: OrderRecord {
            external_id: format!("order-{key}"),
            placed_at: Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap(),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 2500,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    let listed = store.customers(&tenure_store::CustomerQuery { limit: 1000, after: None }).unwrap();
    listed.iter().find(|c| c.email.as_deref() == Some(address)).unwrap().id
}

fn a_claim_leases_due_messages_once_and_only_the_lease_holder_completes_them(store: &mut dyn Store) {
    let later = now() + Duration::hours(1);
    let written = store
        .enqueue(
            &[
                email("a@example.com", Purpose::Transactional, None, now()),
                email("b@example.com", Purpose::Transactional, None, now()),
                email("c@example.com", Purpose::Transactional, None, later),
            ],
            now(),
        )
        .unwrap();
    assert_eq!(written.len(), 3);
    let first = claim(store, "worker-a", now(), 7);
    assert_eq!(ids(&first), written[..2].to_vec(), "due messages, oldest first; the later one waits");
    assert!(first.messages.iter().all(|m| m.message.attempts == 1));
    assert!(ids(&claim(store, "worker-b", now(), 7)).is_empty(), "leased messages are not handed out twice");

    let retry_at = now() + Duration::seconds(30);
    let outcomes = [
        (written[0], Attempt::Sent),
        (written[1], Attempt::Retry { error: "421 busy".into(), not_before: retry_at }),
    ];
    assert_eq!(store.complete("worker-b", &outcomes, now()).unwrap(), 0, "not worker-b's lease");
    assert_eq!(store.complete("worker-a", &outcomes, now()).unwrap(), 2);
    let sent = store.message(written[0]).unwrap();
    assert_eq!((sent.state, sent.finished_at), (MessageState::Sent, Some(now())));
    let waiting = store.message(written[1]).unwrap();
    assert_eq!((waiting.state, waiting.last_error.as_deref()), (MessageState::Pending, Some("421 busy")));
    assert!(ids(&claim(store, "worker-b", now() + Duration::seconds(29), 7)).is_empty(), "backing off");
    let again = claim(store, "worker-b", retry_at, 7);
    assert_eq!(ids(&again), vec![written[1]]);
    assert_eq!(again.messages[0].message.attempts, 2);
    assert!(store.outbox_has_work(retry_at).unwrap());
    assert_eq!(
        store.outbox_next_due().unwrap(),
        Some(retry_at + Duration::minutes(2)),
        "the lease ends first"
    );
}

fn a_lapsed_lease_lets_another_worker_deliver_and_the_stale_holder_records_nothing(store: &mut dyn Store) {
    let id = store.enqueue(&[email("a@example.com", Purpose::Transactional, None, now())], now()).unwrap()[0];
    assert_eq!(ids(&claim(store, "stalled", now(), 7)), vec![id]);
    let after_lease = now() + Duration::minutes(3);
    assert_eq!(ids(&claim(store, "rescuer", after_lease, 7)), vec![id]);
    assert_eq!(store.complete("rescuer", &[(id, Attempt::Sent)], after_lease).unwrap(), 1);
    let dead = Attempt::Dead { error: "late".into() };
    assert_eq!(store.complete("stalled", &[(id, dead)], after_lease).unwrap(), 0);
    assert_eq!(store.message(id).unwrap().state, MessageState::Sent);
}

fn dead_messages_are_retried_on_request_and_purged(store: &mut dyn Store) {
    let id = store.enqueue(&[email("a@example.com", Purpose::Transactional, None, now())], now()).unwrap()[0];
    claim(store, "w", now(), 7);
    store.complete("w", &[(id, Attempt::Dead { error: "550 no such user".into() })], now()).unwrap();
    let dead = store.message(id).unwrap();
    assert_eq!((dead.state, dead.last_error.as_deref()), (MessageState::Dead, Some("550 no such user")));
    let listed =
        store.messages(&OutboxQuery { state: Some(MessageState::Dead), limit: 10, ..Default::default() });
    assert_eq!(listed.unwrap().len(), 1);

    let later = now() + Duration::hours(1);
    store.retry_message(id, later).unwrap();
    let retried = store.message(id).unwrap();
    assert_eq!((retried.state, retried.attempts, retried.not_before), (MessageState::Pending, 0, later));
    assert!(store.retry_message(id, later).is_err(), "only dead or skipped messages are retried");

    claim(store, "w", later, 7);
    store.complete("w", &[(id, Attempt::Dead { error: "550".into() })], later).unwrap();
    assert_eq!(store.purge_dead(later).unwrap(), 0, "died at `later`, not before it");
    assert_eq!(store.purge_dead(later + Duration::seconds(1)).unwrap(), 1);
    assert!(store.message(id).is_err());
}

/// Who is sent what at send time, and who is not and why: consent by purpose, the suppression
/// list (which reasons stop which purposes), and the frequency cap — across earlier sends and
/// within one batch.
fn the_send_time_policy_decides_who_gets_what_and_says_why_not(store: &mut dyn Store) {
    let agreed = customer(store, "1", "agreed@example.com", Some(true));
    let declined = customer(store, "2", "declined@example.com", Some(false));
    let silent = customer(store, "3", "silent@example.com", None);
    let unsubscribed = customer(store, "4", "unsubscribed@example.com", Some(true));
    let recent = customer(store, "5", "recent@example.com", Some(true));
    let twice = customer(store, "6", "twice@example.com", Some(true));
    store
        .suppress("Unsubscribed@Example.com", SuppressionReason::Unsubscribed, Some(unsubscribed), now())
        .unwrap();
    store.suppress("bounced@example.com", SuppressionReason::HardBounced, None, now()).unwrap();

    // Three days ago `recent` was sent a marketing message (the cap is seven days).
    let earlier = now() - Duration::days(3);
    let old = store
        .enqueue(&[email("recent@example.com", Purpose::Marketing, Some(recent), earlier)], earlier)
        .unwrap();
    claim(store, "w", earlier, 7);
    store.complete("w", &[(old[0], Attempt::Sent)], earlier).unwrap();

    let cases = [
        (email("agreed@example.com", Purpose::Marketing, Some(agreed), now()), None),
        (
            email("declined@example.com", Purpose::Marketing, Some(declined), now()),
            Some("no consent: the customer has not agreed to marketing"),
        ),
        (
            email("silent@example.com", Purpose::Marketing, Some(silent), now()),
            Some("no consent: the customer has not agreed to marketing"),
        ),
        (email("declined@example.com", Purpose::Survey, Some(declined), now()), None),
        (
            email("unsubscribed@example.com", Purpose::Marketing, Some(unsubscribed), now()),
            Some("suppressed: unsubscribed"),
        ),
        (email("unsubscribed@example.com", Purpose::Transactional, Some(unsubscribed), now()), None),
        (email("bounced@example.com", Purpose::Transactional, None, now()), Some("suppressed: hard_bounced")),
        (
            email("recent@example.com", Purpose::Survey, Some(recent), now()),
            Some("capped: a survey or marketing message within 7 days"),
        ),
        (email("twice@example.com", Purpose::Marketing, Some(twice), now()), None),
        (
            email("twice@example.com", Purpose::Survey, Some(twice), now()),
            Some("capped: a survey or marketing message within 7 days"),
        ),
        (
            email("nobody@example.com", Purpose::Marketing, None, now()),
            Some("no consent: not sent to a known customer"),
        ),
    ];
    let messages: Vec<NewMessage> = cases.iter().map(|(m, _)| m.clone()).collect();
    let written = store.enqueue(&messages, now()).unwrap();
    let claimed = claim(store, "w", now(), 7);
    let delivered: HashSet<i64> = ids(&claimed).into_iter().collect();
    for ((message, expected), id) in cases.iter().zip(&written) {
        let stored = store.message(*id).unwrap();
        match expected {
            None => {
                assert!(delivered.contains(id), "{} {} should go out", message.purpose, message.recipient)
            }
            Some(why) => {
                assert_eq!(stored.state, MessageState::Skipped, "{} {}", message.purpose, message.recipient);
                assert_eq!(
                    stored.skip_reason.as_deref(),
                    Some(*why),
                    "{} {}",
                    message.purpose,
                    message.recipient
                );
            }
        }
    }
    assert_eq!(claimed.skipped, cases.iter().filter(|(_, why)| why.is_some()).count());
    // Without a cap, the recently contacted customer may be asked again.
    let survey =
        store.enqueue(&[email("recent@example.com", Purpose::Survey, Some(recent), now())], now()).unwrap();
    assert_eq!(ids(&claim(store, "w2", now(), 0)), survey);
}

fn events_go_to_the_subscriptions_that_receive_them_signed_with_every_live_secret(store: &mut dyn Store) {
    let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let orders = ["order.created".to_string()];
    let everything = ["*".to_string()];
    let new = |url, events, body_format| NewSubscription {
        url,
        events,
        secret: &secret,
        allow_private: true,
        body_format,
    };
    let shop = store
        .add_subscription(&new("http://127.0.0.1:1/shop", &orders, BodyFormat::Standard), now())
        .unwrap();
    let slack = store
        .add_subscription(&new("http://127.0.0.1:1/slack", &everything, BodyFormat::Slack), now())
        .unwrap();
    let event = |event_type, key: Option<&str>| Event {
        event_type,
        customer_id: None,
        data: serde_json::json!({"order_id": 7}),
        summary: "Order 7 (new)".into(),
        key: key.map(str::to_string),
        only_subscription: None,
    };
    assert_eq!(store.emit(&event("order.created", Some("o7")), now()).unwrap().len(), 2);
    assert!(
        store.emit(&event("order.created", Some("o7")), now()).unwrap().is_empty(),
        "the same cause once"
    );
    assert_eq!(store.emit(&event("order.updated", None), now()).unwrap().len(), 1, "only the * subscription");

    let later = now() + Duration::hours(1);
    store
        .rotate_subscription_secret(
            shop,
            &WebhookSecret::new("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            later,
        )
        .unwrap();
    store.remove_subscription(slack, now()).unwrap();
    let claimed = claim(store, "w", now(), 7);
    assert_eq!(claimed.skipped, 2, "the removed subscription's deliveries");
    assert_eq!(claimed.messages.len(), 1);
    let delivery = &claimed.messages[0];
    assert_eq!(delivery.message.recipient, "http://127.0.0.1:1/shop");
    let body: serde_json::Value = serde_json::from_str(&delivery.message.payload).unwrap();
    assert_eq!((body["type"].as_str(), body["data"]["order_id"].as_i64()), (Some("order.created"), Some(7)));
    let signing = delivery.signing.as_ref().unwrap();
    assert_eq!(signing.secrets.len(), 2, "new and previous secret during the rotation");
    assert_eq!(signing.secrets[1].expose(), secret.expose());
    let listed = store.subscriptions().unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![shop]);
}

fn an_order_written_through_the_api_reports_itself_once_in_its_own_transaction(store: &mut dyn Store) {
    let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let events = ["order.created".to_string(), "order.updated".to_string()];
    let subscription = NewSubscription {
        url: "http://127.0.0.1:1/",
        events: &events,
        secret: &secret,
        allow_private: true,
        body_format: BodyFormat::Standard,
    };
    store.add_subscription(&subscription, now()).unwrap();
    let source = SourceName::parse("api").unwrap();
    let mut record = ImportRecord {
        line: 1,
        customer: CustomerRecord {
            external_id: "c-1".into(),
            email: Some(Email::parse("eve@example.com").unwrap()),
            name: None,
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: "A-1".into(),
            placed_at: now(),
            status: OrderStatus::Paid,
            currency: Currency::parse("EUR").unwrap(),
            total_minor: 1250,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let key = RequestKey { scope: "orders".into(), key: "k-1".into(), request_sha256: "h1".into() };
    let respond = |_: &tenure_store::OrderWritten| KeptResponse { status: 201, body: "{}".into() };
    for _ in 0..2 {
        store
            .write_order(&OrderWrite { source: &source, record: &record, key: Some(&key) }, &respond, now())
            .unwrap();
    }
    record.order.status = OrderStatus::Refunded;
    record.order.refunded_minor = 1250;
    store.write_order(&OrderWrite { source: &source, record: &record, key: None }, &respond, now()).unwrap();
    store.write_order(&OrderWrite { source: &source, record: &record, key: None }, &respond, now()).unwrap();
    let mut messages = store.messages(&OutboxQuery { limit: 10, ..Default::default() }).unwrap();
    messages.reverse();
    let topics: Vec<&str> = messages.iter().map(|m| m.topic.as_str()).collect();
    assert_eq!(topics, ["order.created", "order.updated"], "a replay and an unchanged write report nothing");
    let created: serde_json::Value = serde_json::from_str(&messages[0].payload).unwrap();
    assert_eq!(created["data"]["total"], "12.50");
    assert_eq!(created["data"]["currency"], "EUR");
    assert_eq!(created["data"]["email"], "eve@example.com");
}

fn jobs_are_unique_by_key_leased_to_one_runner_and_every_run_is_logged(store: &mut dyn Store) {
    use tenure_store::{JobOutcome, NewJob, Recurrence};
    let job = |key: &str, run_at| NewJob {
        kind: "model.refit".into(),
        key: key.into(),
        payload: "{}".into(),
        run_at,
        recurrence: Recurrence::Every(600),
    };
    let id = store.schedule_job(&job("refit", now()), now()).unwrap();
    assert_eq!(store.schedule_job(&job("refit", now() + Duration::days(1)), now()).unwrap(), id, "same key");
    store.schedule_job(&job("later", now() + Duration::hours(1)), now()).unwrap();
    let lease = now() + Duration::minutes(30);
    let claimed = store.claim_jobs("a", now(), lease, 10).unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id], "only the due job");
    assert!(store.claim_jobs("b", now(), lease, 10).unwrap().is_empty(), "leased to a");
    let next = now() + Duration::minutes(10);
    let done = JobOutcome::Done { next: Some(next), detail: "refitted".into(), memo: Some("7".into()) };
    assert!(!store.finish_job(id, "b", &done, now(), now()).unwrap(), "b holds no lease");
    assert!(store.finish_job(id, "a", &done, now(), now()).unwrap());
    let stored = store.jobs().unwrap().into_iter().find(|j| j.id == id).unwrap();
    assert_eq!(
        (stored.run_at, stored.memo.as_deref(), stored.state.as_str()),
        (next, Some("7"), "scheduled")
    );
    assert_eq!(stored.recurrence, Recurrence::Every(600));
    let runs = store.job_runs(Some(id), 5).unwrap();
    assert_eq!(
        (runs.len(), runs[0].outcome.as_str(), runs[0].detail.as_deref()),
        (1, "done", Some("refitted"))
    );
    // A lapsed lease hands the job to another runner.
    assert_eq!(store.claim_jobs("a", next, next + Duration::minutes(30), 10).unwrap().len(), 1);
    assert_eq!(
        store.claim_jobs("b", next + Duration::hours(1), next + Duration::hours(2), 10).unwrap().len(),
        2
    );
    assert_eq!(store.jobs_next_due().unwrap(), Some(next + Duration::hours(2)));
}

tenure_store::contract_tests!(
    jobs_are_unique_by_key_leased_to_one_runner_and_every_run_is_logged,
    a_claim_leases_due_messages_once_and_only_the_lease_holder_completes_them,
    a_lapsed_lease_lets_another_worker_deliver_and_the_stale_holder_records_nothing,
    dead_messages_are_retried_on_request_and_purged,
    the_send_time_policy_decides_who_gets_what_and_says_why_not,
    events_go_to_the_subscriptions_that_receive_them_signed_with_every_live_secret,
    an_order_written_through_the_api_reports_itself_once_in_its_own_transaction,
);

/// Eight connections claim 2,000 messages at once from one PostgreSQL database: every message
/// is handed out exactly once (`FOR UPDATE SKIP LOCKED`).
#[test]
fn concurrent_claims_on_postgres_hand_out_every_message_exactly_once() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let mut store = tenure_store::open(&database.url, now()).unwrap();
    store.migrate(now()).unwrap();
    let messages: Vec<NewMessage> =
        (0..2000).map(|n| email(&format!("c{n}@example.com"), Purpose::Transactional, None, now())).collect();
    let written: HashSet<i64> = store.enqueue(&messages, now()).unwrap().into_iter().collect();
    let handles: Vec<_> = (0..8)
        .map(|worker| {
            let url = database.url.clone();
            std::thread::spawn(move || {
                let mut store = tenure_store::open(&url, now()).unwrap();
                let owner = format!("worker-{worker}");
                let mut mine = Vec::new();
                loop {
                    let batch = ids(&claim(store.as_mut(), &owner, now(), 7));
                    if batch.is_empty() {
                        return mine;
                    }
                    let sent: Vec<(i64, Attempt)> = batch.iter().map(|id| (*id, Attempt::Sent)).collect();
                    store.complete(&owner, &sent, now()).unwrap();
                    mine.extend(batch);
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for handle in handles {
        for id in handle.join().unwrap() {
            assert!(seen.insert(id), "message {id} was handed out twice");
        }
    }
    assert_eq!(seen, written);
}

/// Two connections claim one message at a time from 40 customers with two marketing messages
/// each: however the claims interleave, each customer gets one message and the other is capped
/// (claims deciding about one customer take turns on an advisory lock).
#[test]
fn concurrent_claims_on_postgres_never_pass_the_cap_twice_for_one_customer() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let mut store = tenure_store::open(&database.url, now()).unwrap();
    store.migrate(now()).unwrap();
    let customers: Vec<CustomerId> = (0..40)
        .map(|n| customer(store.as_mut(), &format!("c{n}"), &format!("c{n}@example.com"), Some(true)))
        .collect();
    let messages: Vec<NewMessage> = customers
        .iter()
        .enumerate()
        .flat_map(|(n, id)| {
            let to = format!("c{n}@example.com");
            [
                email(&to, Purpose::Marketing, Some(*id), now()),
                email(&to, Purpose::Marketing, Some(*id), now()),
            ]
        })
        .collect();
    store.enqueue(&messages, now()).unwrap();
    let handles: Vec<_> = (0..2)
        .map(|worker| {
            let url = database.url.clone();
            std::thread::spawn(move || {
                let mut store = tenure_store::open(&url, now()).unwrap();
                let owner = format!("worker-{worker}");
                loop {
                    let claimed = store
                        .claim(&Claim {
                            owner: &owner,
                            now: now(),
                            lease_until: now() + Duration::minutes(2),
                            limit: 1,
                            policy: SendPolicy { cap_days: 7 },
                        })
                        .unwrap();
                    if claimed.messages.is_empty() && claimed.skipped == 0 {
                        return;
                    }
                    let sent: Vec<(i64, Attempt)> =
                        ids(&claimed).into_iter().map(|id| (id, Attempt::Sent)).collect();
                    store.complete(&owner, &sent, now()).unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let all = store.messages(&OutboxQuery { limit: 1000, ..Default::default() }).unwrap();
    for customer in &customers {
        let mine: Vec<_> = all.iter().filter(|m| m.customer_id == Some(*customer)).collect();
        let sent = mine.iter().filter(|m| m.state == MessageState::Sent).count();
        let capped = mine.iter().filter(|m| m.state == MessageState::Skipped).count();
        assert_eq!((sent, capped), (1, 1), "customer {customer}: {mine:?}");
    }
}
