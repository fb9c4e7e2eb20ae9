//! The storage interface of messages out: the outbox, webhook subscriptions, suppressions,
//! durable jobs and shared settings. Part of every [`crate::Store`].

use tenure_domain::{CustomerId, Timestamp, WebhookSecret};

use crate::jobs::{self, Job, JobOutcome, JobRun, NewJob};
use crate::store::{Backend, Engine};
use crate::subscriptions::{self, Event};
use crate::{
    Attempt, Claim, Claimed, Message, NewMessage, NewSubscription, OutboxQuery, OutboxStats, StoreError,
    SubscriptionInfo, Suppression, SuppressionReason, outbox, suppressions,
};

/// What the delivery path asks of storage.
pub trait OutboxStore {
    /// Writes messages in one transaction; returns the ids written (a repeated dedupe key writes
    /// nothing and has no id here).
    fn enqueue(&mut self, messages: &[NewMessage], now: Timestamp) -> Result<Vec<i64>, StoreError>;
    /// Reports `event` to the subscriptions that receive its type, in one transaction.
    fn emit(&mut self, event: &Event<'_>, now: Timestamp) -> Result<Vec<i64>, StoreError>;
    /// Leases due messages to a worker, skipping by policy those that may not go out.
    fn claim(&mut self, claim: &Claim<'_>) -> Result<Claimed, StoreError>;
    /// Records delivery outcomes of messages `owner` holds; returns how many were recorded.
    fn complete(
        &mut self,
        owner: &str,
        outcomes: &[(i64, Attempt)],
        now: Timestamp,
    ) -> Result<u64, StoreError>;
    /// Messages, newest first, filtered.
    fn messages(&mut self, query: &OutboxQuery) -> Result<Vec<Message>, StoreError>;
    /// One message.
    fn message(&mut self, id: i64) -> Result<Message, StoreError>;
    /// Puts a dead or skipped message back in the queue.
    fn retry_message(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError>;
    /// Deletes messages that died before `before`; returns how many.
    fn purge_dead(&mut self, before: Timestamp) -> Result<u64, StoreError>;
    /// Counts by kind and state; the oldest due message.
    fn outbox_stats(&mut self, now: Timestamp) -> Result<OutboxStats, StoreError>;
    /// Whether a message is due at `now` or waiting to be tried again.
    fn outbox_has_work(&mut self, now: Timestamp) -> Result<bool, StoreError>;
    /// When the next pending message falls due (or its lease lapses), if any is pending.
    fn outbox_next_due(&mut self) -> Result<Option<Timestamp>, StoreError>;
    /// Adds a webhook subscription; returns its id.
    fn add_subscription(&mut self, new: &NewSubscription<'_>, now: Timestamp) -> Result<i64, StoreError>;
    /// Live subscriptions (never their secrets).
    fn subscriptions(&mut self) -> Result<Vec<SubscriptionInfo>, StoreError>;
    /// Ends a subscription.
    fn remove_subscription(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError>;
    /// Gives a subscription a new secret; the old one signs too until `old_until`.
    fn rotate_subscription_secret(
        &mut self,
        id: i64,
        secret: &WebhookSecret,
        old_until: Timestamp,
    ) -> Result<(), StoreError>;
    /// Puts an address on the suppression list.
    fn suppress(
        &mut self,
        email: &str,
        reason: SuppressionReason,
        customer_id: Option<CustomerId>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Why an address is suppressed, if it is.
    fn suppression(&mut self, email: &str) -> Result<Option<SuppressionReason>, StoreError>;
    /// The suppression list.
    fn suppressions(&mut self) -> Result<Vec<Suppression>, StoreError>;
    /// A setting shared by every process, stored from `make()` the first time it is asked for.
    fn setting_or_insert(&mut self, name: &str, make: &dyn Fn() -> String) -> Result<String, StoreError>;
    /// Schedules a job (a key scheduled before keeps its job); returns its id.
    fn schedule_job(&mut self, job: &NewJob, now: Timestamp) -> Result<i64, StoreError>;
    /// Leases due jobs to a worker.
    fn claim_jobs(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError>;
    /// Records a run's outcome and logs it; false when the lease had passed to another worker.
    fn finish_job(
        &mut self,
        id: i64,
        owner: &str,
        outcome: &JobOutcome,
        started_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Every job, by next run.
    fn jobs(&mut self) -> Result<Vec<Job>, StoreError>;
    /// The latest runs, newest first (of one job, or of all).
    fn job_runs(&mut self, job_id: Option<i64>, limit: usize) -> Result<Vec<JobRun>, StoreError>;
    /// When the next scheduled job falls due, if any.
    fn jobs_next_due(&mut self) -> Result<Option<Timestamp>, StoreError>;
}

impl<B: Backend> OutboxStore for Engine<B> {
    fn enqueue(&mut self, messages: &[NewMessage], now: Timestamp) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| {
            let mut ids = Vec::with_capacity(messages.len());
            for message in messages {
                ids.extend(outbox::enqueue(tx, message, now)?);
            }
            Ok(ids)
        })
    }

    fn emit(&mut self, event: &Event<'_>, now: Timestamp) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| subscriptions::emit(tx, event, now))
    }

    fn claim(&mut self, claim: &Claim<'_>) -> Result<Claimed, StoreError> {
        self.write(|tx| outbox::claim(tx, claim))
    }

    fn complete(
        &mut self,
        owner: &str,
        outcomes: &[(i64, Attempt)],
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.write(|tx| outbox::complete(tx, owner, outcomes, now))
    }

    fn messages(&mut self, query: &OutboxQuery) -> Result<Vec<Message>, StoreError> {
        outbox::list(&mut self.checked_read()?, query)
    }

    fn message(&mut self, id: i64) -> Result<Message, StoreError> {
        outbox::get(&mut self.checked_read()?, id)
    }

    fn retry_message(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| outbox::retry(tx, id, now))
    }

    fn purge_dead(&mut self, before: Timestamp) -> Result<u64, StoreError> {
        self.write(|tx| outbox::purge_dead(tx, before))
    }

    fn outbox_stats(&mut self, now: Timestamp) -> Result<OutboxStats, StoreError> {
        outbox::stats(&mut self.checked_read()?, now)
    }

    fn outbox_has_work(&mut self, now: Timestamp) -> Result<bool, StoreError> {
        outbox::has_work(&mut self.checked_read()?, now)
    }

    fn outbox_next_due(&mut self) -> Result<Option<Timestamp>, StoreError> {
        outbox::next_due(&mut self.checked_read()?)
    }

    fn add_subscription(&mut self, new: &NewSubscription<'_>, now: Timestamp) -> Result<i64, StoreError> {
        self.write(|tx| subscriptions::add(tx, new, now))
    }

    fn subscriptions(&mut self) -> Result<Vec<SubscriptionInfo>, StoreError> {
        subscriptions::list(&mut self.checked_read()?)
    }

    fn remove_subscription(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| subscriptions::remove(tx, id, now))
    }

    fn rotate_subscription_secret(
        &mut self,
        id: i64,
        secret: &WebhookSecret,
        old_until: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| subscriptions::rotate(tx, id, secret, old_until))
    }

    fn suppress(
        &mut self,
        email: &str,
        reason: SuppressionReason,
        customer_id: Option<CustomerId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| suppressions::suppress(tx, email, reason, customer_id, now))
    }

    fn suppression(&mut self, email: &str) -> Result<Option<SuppressionReason>, StoreError> {
        suppressions::reason(&mut self.checked_read()?, email)
    }

    fn suppressions(&mut self) -> Result<Vec<Suppression>, StoreError> {
        suppressions::list(&mut self.checked_read()?)
    }

    fn setting_or_insert(&mut self, name: &str, make: &dyn Fn() -> String) -> Result<String, StoreError> {
        // Settings are written once and read on every signed link: a read first, so the common
        // case takes no write lock (on SQLite, writers queue).
        if let Some(value) = suppressions::setting(&mut self.checked_read()?, name)? {
            return Ok(value);
        }
        self.write(|tx| suppressions::setting_or_insert(tx, name, make))
    }

    fn schedule_job(&mut self, job: &NewJob, now: Timestamp) -> Result<i64, StoreError> {
        self.write(|tx| jobs::schedule(tx, job, now))
    }

    fn claim_jobs(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        self.write(|tx| jobs::claim(tx, owner, now, lease_until, limit))
    }

    fn finish_job(
        &mut self,
        id: i64,
        owner: &str,
        outcome: &JobOutcome,
        started_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| jobs::finish(tx, id, owner, outcome, started_at, now))
    }

    fn jobs(&mut self) -> Result<Vec<Job>, StoreError> {
        jobs::list(&mut self.checked_read()?)
    }

    fn job_runs(&mut self, job_id: Option<i64>, limit: usize) -> Result<Vec<JobRun>, StoreError> {
        jobs::runs(&mut self.checked_read()?, job_id, limit)
    }

    fn jobs_next_due(&mut self) -> Result<Option<Timestamp>, StoreError> {
        jobs::next_due(&mut self.checked_read()?)
    }
}
