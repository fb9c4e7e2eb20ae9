//! The retention setting: customers who have neither bought nor been in touch for N years are
//! erased by a nightly job, so a seller keeps personal data no longer than they need it. Off
//! until set (`tenure customers retention --years N`).

use std::sync::Arc;

use chrono::Months;
use serde::Serialize;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{Job, NewJob, Recurrence, Store};

use crate::AppError;
use crate::audit::{self, Action, Actor};
use crate::jobs::{Handler, Ran};

/// The setting holding the number of years.
const SETTING: &str = "privacy.retention_years";

/// The kind (and key) of the nightly retention job.
pub const RETENTION_JOB: &str = "privacy.retention";

/// Customers erased per page of the run (each page is read, then erased one by one).
const PAGE: usize = 500;

/// The retention in years, if set.
pub fn retention_years(store: &mut dyn Store) -> Result<Option<u32>, AppError> {
    Ok(store.setting(SETTING)?.and_then(|text| text.parse().ok()))
}

/// Sets the retention (`None`: off), recorded as `settings.change` by `actor`.
pub fn set_retention_years(
    store: &mut dyn Store,
    years: Option<u32>,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), AppError> {
    if years == Some(0) || years.is_some_and(|y| y > 100) {
        return Err(AppError::Invalid("the retention is 1 to 100 years (or off)".into()));
    }
    store.put_setting(SETTING, years.map(|y| y.to_string()).as_deref())?;
    let detail = serde_json::json!({ "setting": SETTING, "value": years });
    audit::record(store, actor, Action::done("settings.change").on(SETTING).detail(detail), now)
}

/// What a retention run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionRun {
    /// The retention applied, if set.
    pub years: Option<u32>,
    /// Customers inactive since this time were erased.
    pub cutoff: Option<Timestamp>,
    /// Customers erased.
    pub erased: u64,
}

/// Erases every customer inactive for the retention's years at `now` (nothing when it is off).
pub fn run_retention(store: &mut dyn Store, actor: &Actor, now: Timestamp) -> Result<RetentionRun, AppError> {
    let Some(years) = retention_years(store)? else {
        return Ok(RetentionRun::default());
    };
    let cutoff = now
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .ok_or_else(|| AppError::Invalid(format!("{years} years before {now} is out of range")))?;
    let mut run = RetentionRun { years: Some(years), cutoff: Some(cutoff), erased: 0 };
    let mut after = CustomerId(0);
    loop {
        let page = store.inactive_customers(cutoff, after, PAGE)?;
        for customer in &page {
            super::erase_customer(store, *customer, actor, now)?;
            run.erased += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = *last,
            _ => break,
        }
    }
    if run.erased > 0 {
        let detail = serde_json::json!({ "years": years, "cutoff": cutoff });
        audit::record(store, actor, Action::done("retention.run").rows(run.erased).detail(detail), now)?;
    }
    Ok(run)
}

/// Schedules the retention job daily at 02:30 in `time_zone` (updated when it exists).
pub fn schedule_retention(store: &mut dyn Store, time_zone: &str, now: Timestamp) -> Result<(), AppError> {
    let recurrence = Recurrence::Daily { at: "02:30".into(), time_zone: time_zone.into() };
    let job = NewJob {
        kind: RETENTION_JOB.into(),
        key: RETENTION_JOB.into(),
        payload: "{}".into(),
        run_at: now,
        recurrence,
    };
    store.schedule_job(&job, now)?;
    Ok(())
}

/// The retention job's handler.
pub fn retention_handler() -> Arc<Handler> {
    Arc::new(|store: &mut dyn Store, _job: &Job, now: Timestamp| {
        let run = run_retention(store, &Actor::system(), now)?;
        let detail = match run.years {
            None => "retention is off".to_string(),
            Some(years) => format!("{} customers inactive for {years} years erased", run.erased),
        };
        Ok(Ran { detail, memo: None })
    })
}
