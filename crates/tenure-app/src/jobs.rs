//! Durable jobs: delayed and recurring work run by a [`JobRunner`] — inside `tenure serve`, or
//! `tenure worker`. At least once: a job whose runner dies is run again when its lease lapses,
//! so every handler is idempotent. Later features add kinds; this module provides the machinery
//! and the model refit, which used to be a timer of each server's own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveTime, TimeZone};
use tenure_domain::Timestamp;
use tenure_store::{Job, JobOutcome, NewJob, Recurrence, Store};

use crate::AppError;
use crate::models::refresh_scores;
use crate::reports::ReportScope;

/// What a handler did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// For the run log.
    pub detail: String,
    /// For the next run.
    pub memo: Option<String>,
}

/// Runs one job: idempotent, synchronous (it runs on a blocking thread with a store connection).
pub type Handler = dyn Fn(&mut dyn Store, &Job, Timestamp) -> Result<Ran, AppError> + Send + Sync;

/// The handlers by job kind.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<String, Arc<Handler>>);

impl Handlers {
    /// Adds the handler of `kind`.
    pub fn with(mut self, kind: &str, handler: Arc<Handler>) -> Self {
        self.0.insert(kind.to_string(), handler);
        self
    }
}

/// Failed runs of a job before it is dead.
const MAX_ATTEMPTS: i64 = 10;

/// How long a runner holds a job: longer than any handler takes (a refit of a million customers).
const LEASE: chrono::Duration = chrono::Duration::minutes(30);

/// The kind of the model refit.
pub const MODEL_REFIT: &str = "model.refit";

/// Schedules the recurring model refit every `every` (its schedule updated when it exists).
pub fn schedule_model_refit(store: &mut dyn Store, every: Duration, now: Timestamp) -> Result<i64, AppError> {
    let seconds = i64::try_from(every.as_secs().max(60)).unwrap_or(i64::MAX);
    let job = NewJob {
        kind: MODEL_REFIT.into(),
        key: MODEL_REFIT.into(),
        payload: "{}".into(),
        run_at: now + chrono::Duration::seconds(seconds),
        recurrence: Recurrence::Every(seconds),
    };
    Ok(store.schedule_job(&job, now)?)
}

/// The kind of the survey dispatch: invitations after purchases, then due e-mails and reminders.
pub const SURVEY_DISPATCH: &str = "survey.dispatch";

/// Schedules the survey dispatch every `every` (its schedule updated when it exists).
pub fn schedule_survey_dispatch(
    store: &mut dyn Store,
    every: Duration,
    now: Timestamp,
) -> Result<i64, AppError> {
    let seconds = i64::try_from(every.as_secs().max(60)).unwrap_or(i64::MAX);
    let job = NewJob {
        kind: SURVEY_DISPATCH.into(),
        key: SURVEY_DISPATCH.into(),
        payload: "{}".into(),
        run_at: now,
        recurrence: Recurrence::Every(seconds),
    };
    Ok(store.schedule_job(&job, now)?)
}

/// The survey dispatch (see [`crate::surveys::dispatch`]); `public_url` and `shop` go into the
/// e-mails.
pub fn survey_dispatch(public_url: String, shop: String) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, _job: &Job, now: Timestamp| {
        let mail = crate::surveys::dispatch::SurveyMail { public_url: &public_url, shop: &shop };
        let done = crate::surveys::dispatch::dispatch(store, &mail, now)?;
        let detail = format!(
            "{} invited after purchases, {} e-mails queued, {} skipped",
            done.invited, done.queued, done.skipped
        );
        Ok(Ran { detail, memo: None })
    })
}

/// The kind of the follow-up reminders: e-mails to owners before their follow-ups fall due.
pub const CALENDAR_REMINDERS: &str = "calendar.reminders";

/// The kind of the cadence check: who has gone quiet, alerted once per silence.
pub const CADENCE_CHECK: &str = "calendar.cadence";

/// Schedules the follow-up reminders every minute and the cadence check every `cadence_every`
/// (their schedules updated when they exist).
pub fn schedule_calendar(
    store: &mut dyn Store,
    cadence_every: Duration,
    now: Timestamp,
) -> Result<(), AppError> {
    let every = |d: Duration| i64::try_from(d.as_secs().max(60)).unwrap_or(i64::MAX);
    for (kind, seconds) in [(CALENDAR_REMINDERS, 60), (CADENCE_CHECK, every(cadence_every))] {
        let job = NewJob {
            kind: kind.into(),
            key: kind.into(),
            payload: "{}".into(),
            run_at: now,
            recurrence: Recurrence::Every(seconds),
        };
        store.schedule_job(&job, now)?;
    }
    Ok(())
}

/// The follow-up reminders; links point at `public_url`.
pub fn calendar_reminders(public_url: String) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, _job: &Job, now: Timestamp| {
        let queued = crate::calendar::followups::send_due_reminders(store, &public_url, now)?;
        Ok(Ran { detail: format!("{queued} reminders queued"), memo: None })
    })
}

/// The cadence check over the purchases of `scope`; links point at `public_url`.
pub fn cadence_check(scope: ReportScope, public_url: String) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, _job: &Job, now: Timestamp| {
        if store.cadence_rules()?.is_empty() && !has_keep_in_touch(store)? {
            return Ok(Ran { detail: "no cadence rules".into(), memo: None });
        }
        let purchases = crate::reports::Purchases::load(store, &scope)?;
        let done = crate::calendar::cadence::check(store, &purchases, &public_url, now)?;
        let detail = format!(
            "{} customers quiet, {} new alerts, {} follow-ups opened",
            done.quiet, done.alerted, done.follow_ups
        );
        Ok(Ran { detail, memo: None })
    })
}

/// The kind of the loyalty earning run: points for new and changed orders, then the referrals
/// that became due.
pub const LOYALTY_EARN: &str = "loyalty.earn";

/// The kind of the loyalty nightly run: releases, expiries, expiry warnings, tier periods.
pub const LOYALTY_NIGHTLY: &str = "loyalty.nightly";

/// Schedules the earning run every `earn_every` and the nightly run daily at 03:00 in
/// `time_zone` (their schedules updated when they exist).
pub fn schedule_loyalty(
    store: &mut dyn Store,
    earn_every: Duration,
    time_zone: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let seconds = i64::try_from(earn_every.as_secs().max(60)).unwrap_or(i64::MAX);
    let daily = Recurrence::Daily { at: "03:00".into(), time_zone: time_zone.into() };
    for (kind, recurrence) in [(LOYALTY_EARN, Recurrence::Every(seconds)), (LOYALTY_NIGHTLY, daily)] {
        let job =
            NewJob { kind: kind.into(), key: kind.into(), payload: "{}".into(), run_at: now, recurrence };
        store.schedule_job(&job, now)?;
    }
    Ok(())
}

/// The loyalty earning run, with `mailing` for the e-mails it queues (a new tier, a coupon).
pub fn loyalty_earn(mailing: crate::loyalty::Mailing) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, _job: &Job, now: Timestamp| {
        if crate::loyalty::active_programme(store)?.is_none() {
            return Ok(Ran { detail: "no loyalty programme".into(), memo: None });
        }
        let earned = crate::loyalty::earn::earn_from_orders(store, &mailing, now, &mut |_| {})?;
        let surveys = crate::loyalty::earn::earn_from_surveys(store, &mailing, now)?;
        let judged = crate::loyalty::referrals::judge_waiting(store, &mailing, now)?;
        let detail = format!(
            "{} orders, {} points earned ({} for surveys), {} taken back, {} problems; referrals: {} paid, {} held, {} refused",
            earned.orders,
            earned.earned + surveys,
            surveys,
            earned.reversed,
            earned.problems.len(),
            judged.paid,
            judged.held,
            judged.refused
        );
        Ok(Ran { detail, memo: None })
    })
}

/// The loyalty nightly run.
pub fn loyalty_nightly(mailing: crate::loyalty::Mailing) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, _job: &Job, now: Timestamp| {
        if crate::loyalty::active_programme(store)?.is_none() {
            return Ok(Ran { detail: "no loyalty programme".into(), memo: None });
        }
        let done = crate::loyalty::nightly::run(store, &mailing, now)?;
        let detail = format!(
            "{} accounts due: {} lots released, {} points expired, {} warnings, {} tier changes",
            done.accounts, done.released, done.expired, done.notices, done.tier_changes
        );
        Ok(Ran { detail, memo: None })
    })
}

/// True when some customer has a keep-in-touch interval of their own.
fn has_keep_in_touch(store: &mut dyn Store) -> Result<bool, AppError> {
    let mut found = false;
    store.for_each_contact(&mut |row| {
        found |= row.keep_in_touch_days.is_some();
        Ok(())
    })?;
    Ok(found)
}

/// The weekly survey digest to the recipients its job carries; links point at `public_url`.
pub fn survey_digest(public_url: String) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, job: &Job, now: Timestamp| {
        let payload: crate::surveys::digest::DigestPayload = serde_json::from_str(&job.payload)
            .map_err(|e| AppError::Invalid(format!("the digest job's payload: {e}")))?;
        let sent = crate::surveys::digest::send(store, &payload.to, &public_url, now)?;
        Ok(Ran { detail: format!("digest queued for {sent} recipients"), memo: None })
    })
}

/// The model refit: fits and stores scores when the data changed since the last run (the memo
/// keeps the store revision the last run left).
pub fn model_refit(scope: ReportScope) -> Arc<Handler> {
    Arc::new(move |store: &mut dyn Store, job: &Job, _now: Timestamp| {
        let revision = store.revision()?;
        if job.memo.as_deref() == Some(revision.to_string().as_str()) {
            return Ok(Ran { detail: "no change since the last fit".into(), memo: job.memo.clone() });
        }
        let stored = refresh_scores(store, &scope)?;
        let after = store.revision()?;
        let detail = match stored {
            Some(n) => format!("refitted: {n} customers scored"),
            None => "nothing to fit yet".into(),
        };
        Ok(Ran { detail, memo: Some(after.to_string()) })
    })
}

/// When a job of `recurrence` that ran (or was due) at `after` runs next; `None` for a one-off.
/// A daily time that a change of clocks skips runs at the first moment after it.
pub fn next_run(
    recurrence: &Recurrence,
    after: Timestamp,
    now: Timestamp,
) -> Result<Option<Timestamp>, String> {
    match recurrence {
        Recurrence::Once => Ok(None),
        Recurrence::Every(seconds) => {
            let step = chrono::Duration::seconds((*seconds).max(1));
            let mut next = after + step;
            if next <= now {
                // Missed runs (a stopped server) are not caught up one by one: the next is one
                // period from now.
                next = now + step;
            }
            Ok(Some(next))
        }
        Recurrence::Daily { at, time_zone } => {
            let time = NaiveTime::parse_from_str(at, "%H:%M")
                .map_err(|_| format!("`{at}` is not a time like 02:00"))?;
            let zone: chrono_tz::Tz =
                time_zone.parse().map_err(|_| format!("`{time_zone}` is not a time zone"))?;
            let start = after.max(now);
            let mut day = start.with_timezone(&zone).date_naive();
            loop {
                let local = day.and_time(time);
                let candidate = match zone.from_local_datetime(&local) {
                    chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t,
                    chrono::LocalResult::None => zone
                        .from_local_datetime(&(local + chrono::Duration::hours(1)))
                        .earliest()
                        .ok_or_else(|| format!("{at} does not exist in {time_zone}"))?,
                };
                let candidate = candidate.with_timezone(&chrono::Utc);
                if candidate > start {
                    return Ok(Some(candidate));
                }
                day = day.succ_opt().ok_or("the calendar ended")?;
            }
        }
    }
}

/// The outcome of a run, with the next run worked out.
fn outcome(job: &Job, result: Result<Ran, AppError>, started: Timestamp, now: Timestamp) -> JobOutcome {
    match result.map_err(|e| e.to_string()).and_then(|ran| {
        let next = next_run(&job.recurrence, job.run_at.max(started), now)?;
        Ok((ran, next))
    }) {
        Ok((ran, next)) => JobOutcome::Done { next, detail: ran.detail, memo: ran.memo },
        Err(error) if job.attempts + 1 >= MAX_ATTEMPTS => JobOutcome::Failed { error, retry_at: None },
        Err(error) => {
            let wait = 30i64.saturating_mul(1 << job.attempts.clamp(0, 10));
            JobOutcome::Failed { error, retry_at: Some(now + chrono::Duration::seconds(wait)) }
        }
    }
}

/// Runs the due jobs `owner` can claim, one after another; returns how many ran.
pub fn run_due(store: &mut dyn Store, handlers: &Handlers, owner: &str) -> Result<usize, AppError> {
    let now = chrono::Utc::now();
    let jobs = store.claim_jobs(owner, now, now + LEASE, 4)?;
    for job in &jobs {
        let started = chrono::Utc::now();
        let result = match handlers.0.get(&job.kind) {
            Some(handler) => handler(store, job, started),
            None => {
                Err(AppError::Invalid(format!("no handler for jobs of kind `{}` in this version", job.kind)))
            }
        };
        let finished = chrono::Utc::now();
        store.finish_job(job.id, owner, &outcome(job, result, started, finished), started, finished)?;
    }
    Ok(jobs.len())
}

/// A loop that runs due jobs on a store connection of its own.
pub struct JobRunner {
    store: Option<Box<dyn Store>>,
    handlers: Handlers,
    owner: String,
}

impl JobRunner {
    /// A runner over `store` with `handlers`.
    pub fn new(store: Box<dyn Store>, handlers: Handlers) -> Self {
        let owner = format!("jobs-{}-{:08x}", std::process::id(), rand::random::<u32>());
        JobRunner { store: Some(store), handlers, owner }
    }

    async fn blocking<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut dyn Store, &Handlers, &str) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let mut store = self.store.take().expect("the store is back after every call");
        let (handlers, owner) = (self.handlers.clone(), self.owner.clone());
        let (store, result) = tokio::task::spawn_blocking(move || {
            let result = work(store.as_mut(), &handlers, &owner);
            (store, result)
        })
        .await
        .map_err(|e| AppError::Invalid(format!("the job thread failed: {e}")))?;
        self.store = Some(store);
        result
    }

    /// Runs due jobs until `stop` completes (a job under way is finished first).
    pub async fn run(&mut self, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            let ran = self.blocking(|store, handlers, owner| run_due(store, handlers, owner)).await;
            let wait = match ran {
                Ok(0) => self.wait().await,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    crate::outbox::log_line("job runner", "store", &error.to_string());
                    Duration::from_secs(5)
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Runs what is due now, then returns how many jobs ran.
    pub async fn run_due_now(&mut self) -> Result<usize, AppError> {
        let mut total = 0;
        loop {
            let ran = self.blocking(|store, handlers, owner| run_due(store, handlers, owner)).await?;
            if ran == 0 {
                return Ok(total);
            }
            total += ran;
        }
    }

    /// Until the next job is due, between one second and a minute (other processes may schedule).
    async fn wait(&mut self) -> Duration {
        let next = self.blocking(|store, _, _| Ok(store.jobs_next_due()?)).await.ok().flatten();
        let until = next
            .map_or(Duration::from_secs(60), |due| (due - chrono::Utc::now()).to_std().unwrap_or_default());
        until.clamp(Duration::from_secs(1), Duration::from_secs(60))
    }
}

impl Drop for JobRunner {
    /// Closed off the async threads (see `outbox::worker::Worker`'s drop).
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let _ = std::thread::Builder::new().name("close-store".into()).spawn(move || drop(store));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse::<chrono::DateTime<Utc>>().unwrap()
    }

    #[test]
    fn an_interval_job_runs_one_period_later_and_skips_runs_missed_while_stopped() {
        let every = Recurrence::Every(600);
        let ran = at("2026-03-01T10:00:00Z");
        assert_eq!(next_run(&every, ran, ran).unwrap(), Some(at("2026-03-01T10:10:00Z")));
        let much_later = at("2026-03-01T13:05:00Z");
        assert_eq!(next_run(&every, ran, much_later).unwrap(), Some(at("2026-03-01T13:15:00Z")));
        assert_eq!(next_run(&Recurrence::Once, ran, ran).unwrap(), None);
    }

    #[test]
    fn a_nightly_job_runs_at_its_local_time_across_a_change_of_clocks() {
        let nightly = Recurrence::Daily { at: "02:30".into(), time_zone: "Europe/Berlin".into() };
        // Winter: 02:30 in Berlin is 01:30 UTC.
        let evening = at("2026-03-27T20:00:00Z");
        assert_eq!(next_run(&nightly, evening, evening).unwrap(), Some(at("2026-03-28T01:30:00Z")));
        // 29 March 2026: clocks jump from 02:00 to 03:00, so 02:30 does not exist: 03:30 CEST.
        let saturday = at("2026-03-28T01:30:00Z");
        assert_eq!(next_run(&nightly, saturday, saturday).unwrap(), Some(at("2026-03-29T01:30:00Z")));
        // Summer: 02:30 CEST is 00:30 UTC.
        let sunday = at("2026-03-29T01:30:00Z");
        assert_eq!(next_run(&nightly, sunday, sunday).unwrap(), Some(at("2026-03-30T00:30:00Z")));
        let bad = Recurrence::Daily { at: "25:00".into(), time_zone: "UTC".into() };
        assert!(next_run(&bad, sunday, sunday).is_err());
    }
}
