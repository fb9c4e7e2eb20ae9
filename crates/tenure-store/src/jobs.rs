//! Durable jobs: delayed and recurring work, unique by key, claimed under a lease like the
//! outbox, each run logged. The store keeps the schedule; when a recurring job runs next is the
//! caller's arithmetic (it knows the time zones), handed back with the run's outcome.

use serde::Serialize;
use tenure_domain::Timestamp;

use crate::StoreError;
use crate::sql::{Conn, Row, Value};

/// When a job runs again after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    /// Once.
    Once,
    /// Every this many seconds.
    Every(i64),
    /// Every day at `HH:MM` in an IANA time zone.
    Daily {
        /// `HH:MM`.
        at: String,
        /// The zone the time is in.
        time_zone: String,
    },
}

/// A job to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What runs it (`model.refit`, `survey.send`, …).
    pub kind: String,
    /// Unique: scheduling a key again changes nothing (a recurring job's schedule is updated).
    pub key: String,
    /// The handler's input, JSON.
    pub payload: String,
    /// The first run.
    pub run_at: Timestamp,
    /// How it recurs.
    pub recurrence: Recurrence,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// What runs it.
    pub kind: String,
    /// Its unique key.
    pub key: String,
    /// The handler's input.
    pub payload: String,
    /// Its next run.
    pub run_at: Timestamp,
    /// How it recurs.
    pub recurrence: Recurrence,
    /// `scheduled`, `done` or `dead`.
    pub state: String,
    /// Failed runs in a row.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// What the last run left for the next.
    pub memo: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// It did its work: run again at `next` (a recurring job), or never (`None`: done).
    Done {
        /// The next run.
        next: Option<Timestamp>,
        /// What it did, for the run log.
        detail: String,
        /// What the next run should know.
        memo: Option<String>,
    },
    /// It failed: try again at `retry_at`, or give up (`None`: dead).
    Failed {
        /// What went wrong.
        error: String,
        /// The next try.
        retry_at: Option<Timestamp>,
    },
}

/// One logged run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRun {
    /// The job.
    pub job_id: i64,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended.
    pub finished_at: Timestamp,
    /// `done` or `failed`.
    pub outcome: String,
    /// What it said.
    pub detail: Option<String>,
}

/// Schedules `job`; returns its id. A key scheduled before keeps its job (and its next run); its
/// payload and recurrence are brought up to date.
pub(crate) fn schedule(conn: &mut dyn Conn, job: &NewJob, now: Timestamp) -> Result<i64, StoreError> {
    let (every, daily_at, zone) = recurrence_columns(&job.recurrence);
    conn.execute(
        "INSERT INTO jobs (kind, key, payload, run_at, every_seconds, daily_at, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO UPDATE SET payload = excluded.payload, every_seconds = excluded.every_seconds, \
         daily_at = excluded.daily_at, time_zone = excluded.time_zone",
        &[
            Value::from(job.kind.as_str()),
            Value::from(job.key.as_str()),
            Value::from(job.payload.as_str()),
            Value::Time(job.run_at),
            Value::from(every),
            Value::from(daily_at),
            Value::from(zone),
            Value::Time(now),
        ],
    )?;
    conn.query_one("SELECT id FROM jobs WHERE key = $1", &[Value::from(job.key.as_str())])?.int(0)
}

fn recurrence_columns(recurrence: &Recurrence) -> (Option<i64>, Option<&str>, Option<&str>) {
    match recurrence {
        Recurrence::Once => (None, None, None),
        Recurrence::Every(seconds) => (Some(*seconds), None, None),
        Recurrence::Daily { at, time_zone } => (None, Some(at.as_str()), Some(time_zone.as_str())),
    }
}

/// Leases up to `limit` due jobs to `owner` until `lease_until`.
pub(crate) fn claim(
    conn: &mut dyn Conn,
    owner: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: usize,
) -> Result<Vec<Job>, StoreError> {
    let sql = format!(
        "SELECT id FROM jobs WHERE state = 'scheduled' AND run_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
         ORDER BY run_at, id LIMIT $2{}",
        conn.skip_locked()
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let ids: Vec<i64> = conn
        .query(&sql, &[Value::Time(now), Value::Int(limit)])?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        conn.execute(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE id = $3",
            &[Value::from(owner), Value::Time(lease_until), Value::Int(id)],
        )?;
        jobs.push(get(conn, id)?);
    }
    Ok(jobs)
}

/// Records how `owner`'s run of job `id` (started at `started_at`) ended; false when the lease
/// had passed to another worker (nothing is recorded then).
pub(crate) fn finish(
    conn: &mut dyn Conn,
    id: i64,
    owner: &str,
    outcome: &JobOutcome,
    started_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let (changed, run_outcome, detail) = match outcome {
        JobOutcome::Done { next, detail, memo } => {
            let state = if next.is_some() { "scheduled" } else { "done" };
            let changed = conn.execute(
                "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), attempts = 0, last_error = NULL, memo = $3, \
                 lease_owner = NULL, lease_until = NULL WHERE id = $4 AND lease_owner = $5",
                &[Value::from(state), Value::from(*next), Value::from(memo.as_deref()), Value::Int(id), Value::from(owner)],
            )?;
            (changed, "done", detail.as_str())
        }
        JobOutcome::Failed { error, retry_at } => {
            let state = if retry_at.is_some() { "scheduled" } else { "dead" };
            let changed = conn.execute(
                "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), attempts = attempts + 1, last_error = $3, \
                 lease_owner = NULL, lease_until = NULL WHERE id = $4 AND lease_owner = $5",
                &[Value::from(state), Value::from(*retry_at), Value::from(error.as_str()), Value::Int(id), Value::from(owner)],
            )?;
            (changed, "failed", error.as_str())
        }
    };
    if changed == 0 {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO job_runs (job_id, started_at, finished_at, outcome, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::Int(id),
            Value::Time(started_at),
            Value::Time(now),
            Value::from(run_outcome),
            Value::from(detail),
        ],
    )?;
    Ok(true)
}

/// Every job, by next run.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<Job>, StoreError> {
    conn.query(&format!("SELECT {COLUMNS} FROM jobs ORDER BY run_at, id"), &[])?.iter().map(job).collect()
}

/// The latest `limit` runs, newest first (of one job, or of all).
pub(crate) fn runs(
    conn: &mut dyn Conn,
    job_id: Option<i64>,
    limit: usize,
) -> Result<Vec<JobRun>, StoreError> {
    let limit = Value::Int(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = match job_id {
        Some(id) => conn.query(
            "SELECT job_id, started_at, finished_at, outcome, detail FROM job_runs WHERE job_id = $1 ORDER BY id DESC LIMIT $2",
            &[Value::Int(id), limit],
        )?,
        None => conn.query(
            "SELECT job_id, started_at, finished_at, outcome, detail FROM job_runs ORDER BY id DESC LIMIT $1",
            &[limit],
        )?,
    };
    rows.iter()
        .map(|row| {
            Ok(JobRun {
                job_id: row.int(0)?,
                started_at: row.time(1)?,
                finished_at: row.time(2)?,
                outcome: row.text(3)?,
                detail: row.opt_text(4)?,
            })
        })
        .collect()
}

/// When the next scheduled job falls due (or its lease lapses), if any.
pub(crate) fn next_due(conn: &mut dyn Conn) -> Result<Option<Timestamp>, StoreError> {
    conn.query_one(
        "SELECT MIN(CASE WHEN lease_until IS NULL OR lease_until < run_at THEN run_at ELSE lease_until END) \
         FROM jobs WHERE state = 'scheduled'",
        &[],
    )?
    .opt_time(0)
}

const COLUMNS: &str =
    "id, kind, key, payload, run_at, every_seconds, daily_at, time_zone, state, attempts, last_error, memo";

fn get(conn: &mut dyn Conn, id: i64) -> Result<Job, StoreError> {
    job(&conn.query_one(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"), &[Value::Int(id)])?)
}

fn job(row: &Row) -> Result<Job, StoreError> {
    let recurrence = match (row.opt_int(5)?, row.opt_text(6)?, row.opt_text(7)?) {
        (Some(seconds), _, _) => Recurrence::Every(seconds),
        (None, Some(at), Some(time_zone)) => Recurrence::Daily { at, time_zone },
        _ => Recurrence::Once,
    };
    Ok(Job {
        id: row.int(0)?,
        kind: row.text(1)?,
        key: row.text(2)?,
        payload: row.text(3)?,
        run_at: row.time(4)?,
        recurrence,
        state: row.text(8)?,
        attempts: row.int(9)?,
        last_error: row.opt_text(10)?,
        memo: row.opt_text(11)?,
    })
}
