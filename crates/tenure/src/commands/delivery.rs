//! The delivery machinery the commands that deliver share: transports and outbox settings from
//! the command line, and a worker over its own store connection.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tenure_app::jobs::{self, Handlers, JobRunner};
use tenure_app::outbox::OutboxSettings;
use tenure_app::outbox::mailer::Mailer;
use tenure_app::outbox::webhook::WebhookClient;
use tenure_app::outbox::worker::{DeliveryCounters, Transports, Worker};
use tenure_app::reports::{ReportScope, ShopTimeZone};

use crate::cli::DeliveryArgs;

/// The outbox settings the flags (and the config file) give.
pub fn settings(args: &DeliveryArgs) -> OutboxSettings {
    OutboxSettings {
        max_attempts: args.max_attempts.max(1),
        retry_base: Duration::from_secs(args.retry_base_seconds.max(1)),
        retry_max: Duration::from_secs(args.retry_max_seconds.max(args.retry_base_seconds).max(1)),
        cap_days: args.frequency_cap_days.max(0),
        ..OutboxSettings::default()
    }
}

/// The transports the flags name (no mail transport without --smtp-url and --mail-from).
pub fn transports(args: &DeliveryArgs) -> anyhow::Result<Transports> {
    let mailer = args
        .smtp_url
        .as_deref()
        .map(Mailer::from_url)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
    let mail_from = args
        .mail_from
        .as_deref()
        .map(|from| from.parse().map_err(|e| anyhow::anyhow!("--mail-from `{from}`: {e}")))
        .transpose()?;
    if mailer.is_some() && mail_from.is_none() {
        anyhow::bail!("--smtp-url needs --mail-from (TENURE_MAIL_FROM): the sender of e-mails");
    }
    let webhooks = WebhookClient::new(Duration::from_secs(args.webhook_timeout_seconds.max(1)))
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(Transports { mailer, mail_from, webhooks })
}

/// A worker over a connection of its own to `url`.
pub fn worker(url: &str, args: &DeliveryArgs, counters: Arc<DeliveryCounters>) -> anyhow::Result<Worker> {
    let store = super::open_store(url)?;
    Worker::new(store, transports(args)?, settings(args), counters).context("starting the delivery worker")
}

/// A job runner over a connection of its own to `url`: the model refit scheduled every
/// `refit_minutes` (0: not scheduled by this process), the survey dispatch and the follow-up
/// reminders every minute, the cadence check every hour, loyalty earning every ten minutes and
/// its nightly run at 03:00 in the shop's zone, the retention job at 02:30.
pub fn job_runner(
    url: &str,
    time_zone: ShopTimeZone,
    refit_minutes: u64,
    args: &DeliveryArgs,
) -> anyhow::Result<JobRunner> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    if refit_minutes > 0 {
        jobs::schedule_model_refit(store.as_mut(), Duration::from_secs(refit_minutes * 60), now)
            .context("scheduling the model refit")?;
    }
    jobs::schedule_survey_dispatch(store.as_mut(), Duration::from_secs(60), now)
        .context("scheduling the survey dispatch")?;
    jobs::schedule_calendar(store.as_mut(), Duration::from_secs(3600), now)
        .context("scheduling the follow-up reminders and the cadence check")?;
    jobs::schedule_loyalty(store.as_mut(), Duration::from_secs(600), time_zone.zone().name(), now)
        .context("scheduling the loyalty runs")?;
    tenure_app::privacy::schedule_retention(store.as_mut(), time_zone.zone().name(), now)
        .context("scheduling the retention job")?;
    let mailing = super::loyalty::mailing(store.as_mut(), args)?;
    let scope = ReportScope { time_zone, ..ReportScope::default() };
    let handlers = Handlers::default()
        .with(tenure_app::privacy::RETENTION_JOB, tenure_app::privacy::retention_handler())
        .with(jobs::LOYALTY_EARN, jobs::loyalty_earn(mailing.clone()))
        .with(jobs::LOYALTY_NIGHTLY, jobs::loyalty_nightly(mailing))
        .with(jobs::CALENDAR_REMINDERS, jobs::calendar_reminders(args.public_url.clone()))
        .with(jobs::CADENCE_CHECK, jobs::cadence_check(scope.clone(), args.public_url.clone()))
        .with(jobs::MODEL_REFIT, jobs::model_refit(scope))
        .with(jobs::SURVEY_DISPATCH, jobs::survey_dispatch(args.public_url.clone(), shop_name(args)))
        .with(tenure_app::surveys::digest::SURVEY_DIGEST, jobs::survey_digest(args.public_url.clone()));
    Ok(JobRunner::new(store, handlers))
}

/// Who signs e-mails to customers: the display name of `--mail-from`, else "Your shop".
pub fn shop_name(args: &DeliveryArgs) -> String {
    args.mail_from
        .as_deref()
        .and_then(|from| from.split_once('<'))
        .map(|(name, _)| name.trim().trim_matches('"').trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "Your shop".to_string())
}

/// A runtime for the commands that deliver outside `serve`.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}
