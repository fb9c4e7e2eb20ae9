//! The delivery worker: claims due messages under a lease, delivers them side by side, records
//! each outcome, and waits for more. Inside `tenure serve` and alone as `tenure worker`.
//!
//! At least once: a process that dies after a receiver took a message and before the outcome is
//! recorded leaves it leased; when the lease lapses another worker delivers it again. The repeat
//! carries the same `Message-ID` / `webhook-id` (both derived from the outbox id), so receivers
//! can drop it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lettre::message::Mailbox;
use tenure_domain::Timestamp;
use tenure_store::{Attempt, Claim, ClaimedMessage, MessageKind, SendPolicy, Store};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::email::{EmailPayload, mime_message};
use super::mailer::{Mailer, SendFailure};
use super::webhook::WebhookClient;
use super::{OutboxSettings, log_line};
use crate::AppError;

/// Deliveries one worker has under way at once: enough to hide a receiver's latency, few enough
/// not to flood one receiver (most batches go to one shop or one mail server).
const CONCURRENT_DELIVERIES: usize = 16;

/// Deliveries and failures by kind since the process started (for `/metrics`).
#[derive(Debug, Default)]
pub struct DeliveryCounters {
    /// E-mails the transport took.
    pub emails_sent: AtomicU64,
    /// E-mail attempts that failed.
    pub email_failures: AtomicU64,
    /// Webhooks the receiver acknowledged.
    pub webhooks_sent: AtomicU64,
    /// Webhook attempts that failed.
    pub webhook_failures: AtomicU64,
}

impl DeliveryCounters {
    fn count(&self, kind: MessageKind, attempt: &Attempt) {
        let counter = match (kind, attempt) {
            (MessageKind::Email, Attempt::Sent) => &self.emails_sent,
            (MessageKind::Email, _) => &self.email_failures,
            (MessageKind::Webhook, Attempt::Sent) => &self.webhooks_sent,
            (MessageKind::Webhook, _) => &self.webhook_failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// How messages leave: the transports and the names that make ids stable.
pub struct Transports {
    /// E-mail, when configured.
    pub mailer: Option<Mailer>,
    /// The sender of e-mails.
    pub mail_from: Option<Mailbox>,
    /// Outgoing webhooks.
    pub webhooks: WebhookClient,
}

/// A delivery worker over one store connection.
pub struct Worker {
    store: Option<Box<dyn Store>>,
    transports: Arc<Transports>,
    settings: OutboxSettings,
    owner: String,
    install_id: String,
    counters: Arc<DeliveryCounters>,
}

impl Worker {
    /// A worker delivering from `store` through `transports`.
    pub fn new(
        mut store: Box<dyn Store>,
        transports: Transports,
        settings: OutboxSettings,
        counters: Arc<DeliveryCounters>,
    ) -> Result<Self, AppError> {
        let install_id = super::install_id(store.as_mut())?;
        let owner = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
        Ok(Worker {
            store: Some(store),
            transports: Arc::new(transports),
            settings,
            owner,
            install_id,
            counters,
        })
    }

    /// Runs `work` on the worker's store connection on a blocking thread.
    async fn with_store<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut dyn Store) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let mut store = self.store.take().expect("the store is back after every call");
        let (store, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = work(store.as_mut());
            (store, outcome)
        })
        .await
        .map_err(|e| AppError::Invalid(format!("the delivery thread failed: {e}")))?;
        self.store = Some(store);
        outcome
    }

    /// Claims one batch, delivers it, records the outcomes; returns how many messages it handled
    /// (delivered, failed or skipped).
    pub async fn run_once(&mut self) -> Result<usize, AppError> {
        let now = chrono::Utc::now();
        let lease_until =
            now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::minutes(2));
        let (owner, limit, policy) =
            (self.owner.clone(), self.settings.batch, SendPolicy { cap_days: self.settings.cap_days });
        let claimed = self
            .with_store(move |store| {
                let mut claimed = store.claim(&Claim { owner: &owner, now, lease_until, limit, policy })?;
                crate::surveys::links::mint_links(store, &mut claimed.messages, now)?;
                Ok(claimed)
            })
            .await?;
        let handled = claimed.messages.len() + claimed.skipped;
        if claimed.messages.is_empty() {
            return Ok(handled);
        }
        let outcomes = self.deliver_all(claimed.messages).await;
        let owner = self.owner.clone();
        self.with_store(move |store| Ok(store.complete(&owner, &outcomes, chrono::Utc::now())?)).await?;
        Ok(handled)
    }

    /// Delivers `messages` side by side; the future owns what it needs (the worker's store
    /// connection is not `Sync`, so nothing of `self` is held across its awaits).
    fn deliver_all(
        &self,
        messages: Vec<ClaimedMessage>,
    ) -> impl Future<Output = Vec<(i64, Attempt)>> + Send + 'static {
        let (transports, install_id) = (self.transports.clone(), self.install_id.clone());
        let (settings, counters) = (self.settings.clone(), self.counters.clone());
        async move {
            let mut tasks = JoinSet::new();
            let in_flight = Arc::new(Semaphore::new(CONCURRENT_DELIVERIES));
            for claimed in messages {
                let (transports, install_id) = (transports.clone(), install_id.clone());
                let in_flight = in_flight.clone();
                tasks.spawn(async move {
                    let _turn = in_flight.acquire_owned().await;
                    let (id, kind, attempts) =
                        (claimed.message.id, claimed.message.kind, claimed.message.attempts);
                    (id, kind, attempts, deliver(&transports, &install_id, claimed).await)
                });
            }
            let mut outcomes = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let Ok((id, kind, attempts, result)) = joined else { continue };
                let attempt = settings.attempt(result, attempts, chrono::Utc::now());
                if let Attempt::Dead { error } | Attempt::Retry { error, .. } = &attempt {
                    log_line("delivery failed", &format!("{kind} {id}"), error);
                }
                counters.count(kind, &attempt);
                outcomes.push((id, attempt));
            }
            outcomes
        }
    }

    /// Delivers until `stop` completes, waiting for work between batches.
    pub async fn run(&mut self, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            let idle = match self.run_once().await {
                Ok(0) => self.idle_wait().await,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    log_line("delivery worker", "store", &error.to_string());
                    self.settings.poll
                }
            };
            if idle.is_zero() {
                continue;
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(idle) => {}
            }
        }
    }

    /// Delivers until nothing is due and no failed message waits for another attempt; returns
    /// how many messages it handled.
    pub async fn drain(&mut self) -> Result<usize, AppError> {
        let mut handled = 0;
        loop {
            let done = self.run_once().await?;
            handled += done;
            if done > 0 {
                continue;
            }
            if !self.with_store(|store| Ok(store.outbox_has_work(chrono::Utc::now())?)).await? {
                return Ok(handled);
            }
            let wait = self.idle_wait().await;
            // Waiting out a back-off: the next attempt's time is known.
            tokio::time::sleep(wait).await;
        }
    }

    /// Delivers until message `id` is sent, dead or skipped; returns it as it ends.
    pub async fn deliver_until_done(&mut self, id: i64) -> Result<tenure_store::Message, AppError> {
        loop {
            self.run_once().await?;
            let message = self.with_store(move |store| Ok(store.message(id)?)).await?;
            if message.state != tenure_store::MessageState::Pending {
                return Ok(message);
            }
            let wait = self.idle_wait().await;
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before looking again: until the next message falls due, at most the
    /// poll interval (other processes may enqueue meanwhile).
    async fn idle_wait(&mut self) -> Duration {
        let next = self.with_store(|store| Ok(store.outbox_next_due()?)).await.ok().flatten();
        let poll = self.settings.poll;
        match next {
            Some(due) => (due - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::from_millis(50))
                .clamp(Duration::from_millis(50), poll),
            None => poll,
        }
    }
}

impl Drop for Worker {
    /// The store connection is closed on a thread of its own: the PostgreSQL client closes by
    /// blocking on a runtime of its own, which tokio forbids on the threads that run async work
    /// (where a worker ends, inside `serve`).
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let _ = std::thread::Builder::new().name("close-store".into()).spawn(move || drop(store));
        }
    }
}

/// One attempt at one message.
async fn deliver(
    transports: &Transports,
    install_id: &str,
    claimed: ClaimedMessage,
) -> Result<(), SendFailure> {
    let message = claimed.message;
    match message.kind {
        MessageKind::Email => {
            let (Some(mailer), Some(from)) = (&transports.mailer, &transports.mail_from) else {
                return Err(SendFailure {
                    error: "no mail transport is configured (smtp_url and mail_from)".into(),
                    permanent: false,
                });
            };
            let payload: EmailPayload = serde_json::from_str(&message.payload)
                .map_err(|e| SendFailure { error: format!("stored e-mail: {e}"), permanent: true })?;
            let domain = from.email.domain().to_string();
            let message_id = format!("{}.{install_id}@{domain}", message.id);
            let mime = mime_message(&payload, &message.recipient, from, &message_id)
                .map_err(|e| SendFailure { error: e.to_string(), permanent: true })?;
            mailer.send(mime, &message_id, &message.recipient).await
        }
        MessageKind::Webhook => {
            let signing = claimed
                .signing
                .ok_or_else(|| SendFailure { error: "the subscription is gone".into(), permanent: true })?;
            let id = webhook_id(install_id, message.id);
            transports
                .webhooks
                .deliver(
                    &message.recipient,
                    &id,
                    &message.payload,
                    &signing.secrets,
                    signing.allow_private,
                    chrono::Utc::now(),
                )
                .await
        }
    }
}

/// The `webhook-id` of outbox message `id`: the same on every attempt.
pub fn webhook_id(install_id: &str, id: i64) -> String {
    format!("msg_{install_id}_{id}")
}

impl OutboxSettings {
    /// What an attempt's result means for the message: sent, another try after a back-off, or
    /// dead (a permanent failure, or the last allowed attempt).
    pub fn attempt(&self, result: Result<(), SendFailure>, attempts: i64, now: Timestamp) -> Attempt {
        match result {
            Ok(()) => Attempt::Sent,
            Err(failure) if failure.permanent || attempts >= i64::from(self.max_attempts) => {
                Attempt::Dead { error: failure.error }
            }
            Err(failure) => {
                let delay = self.backoff(attempts, rand::random::<f64>());
                let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
                Attempt::Retry { error: failure.error, not_before: now + delay }
            }
        }
    }

    /// The wait after failed attempt number `attempts` (1 for the first): the base doubled per
    /// attempt up to the ceiling, then scaled into its upper half by `jitter` in [0, 1) so that
    /// messages that failed together do not all return together.
    pub fn backoff(&self, attempts: i64, jitter: f64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self.retry_base.saturating_mul(1u32 << doublings.min(20)).min(self.retry_max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OutboxSettings {
        OutboxSettings {
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            max_attempts: 5,
            ..OutboxSettings::default()
        }
    }

    #[test]
    fn back_off_doubles_per_attempt_within_its_jitter_and_stops_at_the_ceiling() {
        let s = settings();
        assert_eq!(s.backoff(1, 0.0), Duration::from_secs(15));
        assert_eq!(s.backoff(1, 1.0), Duration::from_secs(30));
        assert_eq!(s.backoff(3, 1.0), Duration::from_secs(120));
        assert_eq!(s.backoff(40, 1.0), Duration::from_secs(3600));
        assert_eq!(s.backoff(40, 0.0), Duration::from_secs(1800));
    }

    #[test]
    fn the_last_attempt_or_a_permanent_failure_is_dead_and_others_retry_later() {
        let s = settings();
        let now = chrono::DateTime::UNIX_EPOCH;
        let failure = |permanent| Err(SendFailure { error: "down".into(), permanent });
        assert_eq!(s.attempt(Ok(()), 1, now), Attempt::Sent);
        assert!(matches!(s.attempt(failure(true), 1, now), Attempt::Dead { .. }));
        assert!(matches!(s.attempt(failure(false), 5, now), Attempt::Dead { .. }));
        match s.attempt(failure(false), 2, now) {
            Attempt::Retry { not_before, .. } => {
                let waited = (not_before - now).num_seconds();
                assert!((30..=60).contains(&waited), "{waited}");
            }
            other => panic!("{other:?}"),
        }
    }
}
