//! Follow-ups: planned contacts owned by a user, their reminders, and the calendar feeds that
//! carry them to the staff's own calendars.
//!
//! Every change a calendar should see raises `sequence` (RFC 5545's rule for a revised event);
//! a follow-up is never deleted, only cancelled, so a feed can still say `STATUS:CANCELLED`.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{
    FollowUp, FollowUpEdit, FollowUpEnd, FollowUpOrigin, FollowUpQuery, FollowUpStatus, NewFollowUp,
    NewMessage, StoreError, outbox,
};

const COLUMNS: &str = "f.id, f.uid, f.customer_id, c.name, f.owner_id, u.email, f.title, f.notes, f.due_at, \
     f.duration_minutes, f.remind_minutes, f.status, f.outcome, f.origin, f.case_id, f.alert_id, f.sequence, \
     f.created_at, f.updated_at";

const FROM: &str =
    "followups f JOIN users u ON u.id = f.owner_id LEFT JOIN customers c ON c.id = f.customer_id";

/// When the reminder of a follow-up due at `due_at` goes (`None`: no reminder, or its time has
/// passed when the follow-up is made or moved).
fn remind_at(due_at: Timestamp, remind_minutes: u32, now: Timestamp) -> Option<Timestamp> {
    if remind_minutes == 0 || due_at <= now {
        return None;
    }
    Some((due_at - chrono::Duration::minutes(i64::from(remind_minutes))).max(now))
}

/// Writes a follow-up (one per survey case or silence alert: a second is not written and the
/// first is returned).
pub(crate) fn add(
    conn: &mut dyn Conn,
    new: &NewFollowUp,
    alert_id: Option<i64>,
    now: Timestamp,
) -> Result<FollowUp, StoreError> {
    let row = conn.query_opt(
        "INSERT INTO followups (uid, customer_id, owner_id, title, notes, due_at, duration_minutes, remind_minutes, \
         origin, case_id, alert_id, remind_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ON CONFLICT DO NOTHING RETURNING id",
        &[
            Value::from(new.uid.as_str()),
            Value::from(new.customer_id.map(|c| c.0)),
            Value::Int(new.owner_id),
            Value::from(new.title.as_str()),
            Value::from(new.notes.as_str()),
            Value::Time(new.due_at),
            Value::Int(i64::from(new.duration_minutes.max(1))),
            Value::Int(i64::from(new.remind_minutes)),
            Value::from(new.origin.as_str()),
            Value::from(new.case_id),
            Value::from(alert_id),
            Value::from(remind_at(new.due_at, new.remind_minutes, now)),
            Value::from(new.created_by.as_deref()),
            Value::Time(now),
        ],
    )?;
    let id = match row {
        Some(row) => row.int(0)?,
        None => existing(conn, new, alert_id)?,
    };
    find(conn, id)
}

/// The follow-up that took the place of `new` (same case, alert or UID).
fn existing(conn: &mut dyn Conn, new: &NewFollowUp, alert_id: Option<i64>) -> Result<i64, StoreError> {
    let row = conn.query_opt(
        "SELECT id FROM followups WHERE uid = $1 OR case_id = $2 OR alert_id = $3",
        &[Value::from(new.uid.as_str()), Value::from(new.case_id), Value::from(alert_id)],
    )?;
    row.ok_or_else(|| StoreError::Conflict("the follow-up could not be written".into()))?.int(0)
}

/// One follow-up.
pub(crate) fn find(conn: &mut dyn Conn, id: i64) -> Result<FollowUp, StoreError> {
    let row = conn
        .query_opt(&format!("SELECT {COLUMNS} FROM {FROM} WHERE f.id = $1"), &[Value::Int(id)])?
        .ok_or_else(|| StoreError::NotFound(format!("follow-up {id}")))?;
    from_row(&row)
}

/// Changes an open follow-up; raises its sequence.
pub(crate) fn edit(
    conn: &mut dyn Conn,
    id: i64,
    edit: &FollowUpEdit,
    now: Timestamp,
) -> Result<FollowUp, StoreError> {
    let before = find(conn, id)?;
    if before.status != FollowUpStatus::Open {
        return Err(StoreError::Conflict(format!("follow-up {id} is {}", before.status.as_str())));
    }
    let due_at = edit.due_at.unwrap_or(before.due_at);
    let remind_minutes = edit.remind_minutes.unwrap_or(before.remind_minutes);
    let reschedules = due_at != before.due_at || remind_minutes != before.remind_minutes;
    conn.execute(
        "UPDATE followups SET title = $1, notes = $2, due_at = $3, duration_minutes = $4, owner_id = $5, \
         remind_minutes = $6, sequence = sequence + 1, updated_at = $7, \
         remind_at = CASE WHEN $8 THEN $9 ELSE remind_at END, \
         reminded_at = CASE WHEN $8 THEN NULL ELSE reminded_at END WHERE id = $10",
        &[
            Value::from(edit.title.as_deref().unwrap_or(&before.title)),
            Value::from(edit.notes.as_deref().unwrap_or(&before.notes)),
            Value::Time(due_at),
            Value::Int(i64::from(edit.duration_minutes.unwrap_or(before.duration_minutes).max(1))),
            Value::Int(edit.owner_id.unwrap_or(before.owner_id)),
            Value::Int(i64::from(remind_minutes)),
            Value::Time(now),
            Value::Bool(reschedules),
            Value::from(remind_at(due_at, remind_minutes, now)),
            Value::Int(id),
        ],
    )?;
    find(conn, id)
}

/// Marks an open follow-up done (with its outcome) or cancelled; raises its sequence.
pub(crate) fn finish(
    conn: &mut dyn Conn,
    id: i64,
    end: &FollowUpEnd,
    now: Timestamp,
) -> Result<FollowUp, StoreError> {
    let (status, outcome) = match end {
        FollowUpEnd::Done(outcome) => (FollowUpStatus::Done, Some(outcome.as_str())),
        FollowUpEnd::Cancelled => (FollowUpStatus::Cancelled, None),
    };
    let changed = conn.execute(
        "UPDATE followups SET status = $1, outcome = $2, done_at = $3, updated_at = $3, remind_at = NULL, \
         sequence = sequence + 1 WHERE id = $4 AND status = 'open'",
        &[Value::from(status.as_str()), Value::from(outcome), Value::Time(now), Value::Int(id)],
    )?;
    let after = find(conn, id)?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!("follow-up {id} is already {}", after.status.as_str())));
    }
    Ok(after)
}

/// Follow-ups by a query, by due time.
pub(crate) fn list(conn: &mut dyn Conn, query: &FollowUpQuery) -> Result<Vec<FollowUp>, StoreError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    let mut add = |condition: &str, value: Value| {
        params.push(value);
        conditions.push(condition.replace('?', &format!("${}", params.len())));
    };
    if let Some(owner) = query.owner_id {
        add("f.owner_id = ?", Value::Int(owner));
    }
    if let Some(customer) = query.customer {
        add("f.customer_id = ?", Value::Int(customer.0));
    }
    if let Some(from) = query.from {
        add("f.due_at >= ?", Value::Time(from));
    }
    if let Some(to) = query.to {
        add("f.due_at < ?", Value::Time(to));
    }
    if let Some(status) = query.status {
        add("f.status = ?", Value::from(status.as_str()));
    }
    let filter =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    params.push(Value::Int(i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX)));
    let sql =
        format!("SELECT {COLUMNS} FROM {FROM} {filter} ORDER BY f.due_at, f.id LIMIT ${}", params.len());
    conn.query(&sql, &params)?.iter().map(from_row).collect()
}

/// Open follow-ups whose reminder is due at `now`.
pub(crate) fn due_reminders(
    conn: &mut dyn Conn,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<FollowUp>, StoreError> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE f.remind_at <= $1 AND f.status = 'open' ORDER BY f.remind_at, f.id LIMIT $2"),
        &[Value::Time(now), Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// Queues each reminder's e-mail and marks it sent, in one transaction; a follow-up whose
/// reminder another worker sent meanwhile (or that was moved or closed) queues nothing.
/// Returns how many were queued.
pub(crate) fn send_reminders(
    conn: &mut dyn Conn,
    reminders: &[(FollowUp, NewMessage)],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut queued = 0;
    for (followup, message) in reminders {
        let claimed = conn.execute(
            "UPDATE followups SET remind_at = NULL, reminded_at = $1 \
             WHERE id = $2 AND remind_at IS NOT NULL AND status = 'open' AND sequence = $3",
            &[Value::Time(now), Value::Int(followup.id), Value::Int(i64::from(followup.sequence))],
        )?;
        if claimed == 1 {
            outbox::enqueue(conn, message, now)?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Every follow-up of one owner that a feed carries: open and done ones due from `since`, and
/// cancelled ones changed since then (so calendars learn they were called off).
pub(crate) fn of_feed(
    conn: &mut dyn Conn,
    owner_id: i64,
    since: Timestamp,
) -> Result<Vec<FollowUp>, StoreError> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE f.owner_id = $1 AND (f.due_at >= $2 OR f.updated_at >= $2) ORDER BY f.due_at, f.id"),
        &[Value::Int(owner_id), Value::Time(since)],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// The feed of a user: its generation and token hash, if one was made.
pub(crate) fn feed(conn: &mut dyn Conn, user_id: i64) -> Result<Option<(i64, String)>, StoreError> {
    conn.query_opt(
        "SELECT generation, token_hash FROM calendar_feeds WHERE user_id = $1",
        &[Value::Int(user_id)],
    )?
    .map(|row| Ok((row.int(0)?, row.text(1)?)))
    .transpose()
}

/// Stores a user's feed token hash for a generation (a new generation revokes the old URL).
pub(crate) fn set_feed(
    conn: &mut dyn Conn,
    user_id: i64,
    generation: i64,
    token_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO calendar_feeds (user_id, generation, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET generation = excluded.generation, token_hash = excluded.token_hash, \
         created_at = excluded.created_at",
        &[Value::Int(user_id), Value::Int(generation), Value::from(token_hash), Value::Time(now)],
    )?;
    Ok(())
}

/// The user whose feed token has this hash.
pub(crate) fn feed_user(conn: &mut dyn Conn, token_hash: &str) -> Result<Option<i64>, StoreError> {
    conn.query_opt("SELECT user_id FROM calendar_feeds WHERE token_hash = $1", &[Value::from(token_hash)])?
        .map(|row| row.int(0))
        .transpose()
}

fn from_row(row: &Row) -> Result<FollowUp, StoreError> {
    let status = row.text(11)?;
    let origin = row.text(13)?;
    let count =
        |index: usize| -> Result<u32, StoreError> { Ok(u32::try_from(row.int(index)?).unwrap_or(u32::MAX)) };
    Ok(FollowUp {
        id: row.int(0)?,
        uid: row.text(1)?,
        customer_id: row.opt_int(2)?.map(CustomerId),
        customer_name: row.opt_text(3)?,
        owner_id: row.int(4)?,
        owner_email: row.text(5)?,
        title: row.text(6)?,
        notes: row.text(7)?,
        due_at: row.time(8)?,
        duration_minutes: count(9)?,
        remind_minutes: count(10)?,
        status: FollowUpStatus::parse(&status)
            .ok_or_else(|| StoreError::Other(format!("unknown follow-up status `{status}`")))?,
        outcome: row.opt_text(12)?,
        origin: FollowUpOrigin::parse(&origin)
            .ok_or_else(|| StoreError::Other(format!("unknown follow-up origin `{origin}`")))?,
        case_id: row.opt_int(14)?,
        alert_id: row.opt_int(15)?,
        sequence: count(16)?,
        created_at: row.time(17)?,
        updated_at: row.time(18)?,
    })
}
