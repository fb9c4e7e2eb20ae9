//! Messages out: every e-mail and webhook Tenure sends is written to the outbox in the
//! transaction of its cause and delivered by a [`worker::Worker`] — retried with back-off, never
//! lost, and repeated only with the same `Message-ID` / `webhook-id`. Features say *what* to send
//! (the use cases below); the outbox decides *whether* (consent, suppression, the frequency cap,
//! checked at send time) and *how* (SMTP, files, the log; signed HTTP).

pub mod email;
pub mod links;
pub mod mailer;
mod smtp_pool;
mod subscriptions;
pub mod webhook;
pub mod worker;

use std::time::Duration;

use serde::Serialize;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{
    Message, MessageKind, MessageState, NewMessage, OutboxQuery, OutboxStats, Purpose, Store,
    SuppressionReason,
};

pub use subscriptions::{
    EVENT_TYPES, NewSubscriptionCreated, add_subscription, remove_subscription, test_subscription,
};

use crate::AppError;
use email::{Content, render};

/// How the outbox delivers: `[outbox]` in `tenure.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxSettings {
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles per attempt.
    pub retry_base: Duration,
    /// The longest wait between attempts.
    pub retry_max: Duration,
    /// At most one survey or marketing message per customer in this many days (0: no cap).
    pub cap_days: i64,
    /// Messages claimed at once.
    pub batch: usize,
    /// How long a claim holds a message before another worker may take it (longer than any
    /// transport's timeout).
    pub lease: Duration,
    /// The longest idle wait before looking for work enqueued by another process.
    pub poll: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            max_attempts: 10,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(6 * 3600),
            cap_days: 7,
            batch: 64,
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
        }
    }
}

/// One JSON line on standard error (the app layer has no logger of its own; the fields are
/// chosen by the caller and never include a secret or a message body).
pub(crate) fn log_line(event: &str, subject: &str, detail: &str) {
    eprintln!("{}", serde_json::json!({"event": event, "subject": subject, "detail": detail}));
}

/// This database's id in `Message-ID`s and `webhook-id`s (generated once, shared by every process).
pub fn install_id(store: &mut dyn Store) -> Result<String, AppError> {
    Ok(store.setting_or_insert("install_id", &|| format!("{:016x}", rand::random::<u64>()))?)
}

/// Enqueues a transactional test message to `address`; returns its outbox id.
pub fn enqueue_test_mail(
    store: &mut dyn Store,
    address: &str,
    shop: &str,
    now: Timestamp,
) -> Result<i64, AppError> {
    let address = checked_address(address)?;
    let content = Content {
        subject: format!("Test message from {shop}"),
        greeting_name: None,
        paragraphs: vec![
            "This is a test of Tenure's e-mail delivery. If you can read it, messages reach you.".into(),
            format!("Sent at {} UTC.", now.format("%Y-%m-%d %H:%M:%S")),
        ],
        action: None,
        signature: shop.to_string(),
    };
    let payload = render(&content, None, None).map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    let message = NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Transactional,
        topic: "mail.test".into(),
        customer_id: None,
        recipient: address,
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
        not_before: now,
        dedupe_key: None,
    };
    first_id(store.enqueue(&[message], now)?)
}

/// A message to one customer.
#[derive(Debug, Clone)]
pub struct CustomerMail<'a> {
    /// Who.
    pub customer: CustomerId,
    /// Why (consent and the cap follow from it).
    pub purpose: Purpose,
    /// What it is about (`mail.notice`, `survey.invitation`, …).
    pub topic: &'a str,
    /// What it says (the greeting name is the customer's when not given).
    pub content: Content,
    /// The customer's language, when known.
    pub language: Option<&'a str>,
    /// The server's address as customers reach it, for the unsubscribe link.
    pub public_url: &'a str,
    /// Not before this time.
    pub not_before: Timestamp,
}

/// Enqueues an e-mail to a customer's address, with a signed unsubscribe link unless it is
/// transactional; returns its outbox id. Whether it may be sent is decided at send time.
pub fn enqueue_customer_mail(
    store: &mut dyn Store,
    mail: CustomerMail<'_>,
    now: Timestamp,
) -> Result<i64, AppError> {
    let detail = store.customer(mail.customer)?;
    let Some(address) = detail.email.clone() else {
        return Err(AppError::Invalid(format!("customer {} has no e-mail address", mail.customer)));
    };
    let mut content = mail.content;
    if content.greeting_name.is_none() {
        content.greeting_name = detail.name.clone();
    }
    let link = if mail.purpose == Purpose::Transactional {
        None
    } else {
        let key = links::link_key(store)?;
        Some(links::unsubscribe_url(mail.public_url, &links::unsubscribe_token(&key, mail.customer)))
    };
    let payload = render(&content, mail.language, link.as_deref())
        .map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    let message = NewMessage {
        kind: MessageKind::Email,
        purpose: mail.purpose,
        topic: mail.topic.to_string(),
        customer_id: Some(mail.customer),
        recipient: address.as_str().to_string(),
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
        not_before: mail.not_before,
        dedupe_key: None,
    };
    first_id(store.enqueue(&[message], now)?)
}

fn first_id(ids: Vec<i64>) -> Result<i64, AppError> {
    ids.first().copied().ok_or_else(|| AppError::Invalid("the message was enqueued before".into()))
}

fn checked_address(address: &str) -> Result<String, AppError> {
    let trimmed = address.trim();
    trimmed
        .parse::<lettre::Address>()
        .map(|_| trimmed.to_string())
        .map_err(|e| AppError::Invalid(format!("`{trimmed}` is not an e-mail address: {e}")))
}

/// What following an unsubscribe link did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsubscribed {
    /// The customer.
    pub customer: CustomerId,
    /// The address now suppressed.
    pub email: String,
}

/// Follows an unsubscribe link: the customer's address gets no more surveys or marketing.
/// `None` when the token is not a valid link (nothing is changed). Following it twice is harmless.
pub fn unsubscribe(
    store: &mut dyn Store,
    token: &str,
    now: Timestamp,
) -> Result<Option<Unsubscribed>, AppError> {
    let key = links::link_key(store)?;
    let Some(customer) = links::verify_unsubscribe_token(&key, token) else { return Ok(None) };
    let detail = match store.customer(customer) {
        Ok(detail) => detail,
        Err(tenure_store::StoreError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    let Some(email) = detail.email else { return Ok(None) };
    store.suppress(email.as_str(), SuppressionReason::Unsubscribed, Some(customer), now)?;
    Ok(Some(Unsubscribed { customer, email: email.as_str().to_string() }))
}

/// Messages, newest first.
pub fn list(store: &mut dyn Store, query: &OutboxQuery) -> Result<Vec<Message>, AppError> {
    Ok(store.messages(query)?)
}

/// Puts a dead or skipped message back in the queue.
pub fn retry(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<Message, AppError> {
    store.retry_message(id, now)?;
    Ok(store.message(id)?)
}

/// Deletes dead messages older than `older_than`; returns how many.
pub fn purge_dead(store: &mut dyn Store, older_than: Duration, now: Timestamp) -> Result<u64, AppError> {
    let age = chrono::Duration::from_std(older_than).map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(store.purge_dead(now - age)?)
}

/// The outbox at a glance, with totals per state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// Counts by kind and state; the oldest due message.
    pub stats: OutboxStats,
    /// Pending messages.
    pub pending: i64,
    /// Dead messages.
    pub dead: i64,
}

/// The outbox at a glance.
pub fn overview(store: &mut dyn Store, now: Timestamp) -> Result<Overview, AppError> {
    let stats = store.outbox_stats(now)?;
    let total = |state| stats.counts.iter().filter(|(_, s, _)| *s == state).map(|(_, _, n)| n).sum();
    Ok(Overview { pending: total(MessageState::Pending), dead: total(MessageState::Dead), stats })
}
