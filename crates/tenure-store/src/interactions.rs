//! Interactions: logged once per key, edited, deleted; and each customer's contact dates kept by
//! when things happened.
//!
//! `customer_contacts` holds the last inbound, outbound and any interaction per customer. A new
//! interaction can only move them later, so logging raises them in place; an edit or a deletion
//! can move them back, so it recomputes them from the `(customer_id, occurred_at)` index — after
//! locking the customer's contact row, in a statement of its own. On PostgreSQL that makes a
//! recompute and a concurrent log take turns on the row: a log that raised the row first commits
//! before the recompute reads (so its interaction is counted), and a log that comes second
//! raises the recomputed row (its upsert compares with what the recompute wrote). No lock per
//! customer is held otherwise, so an import of a million customers' interactions holds none.

use tenure_domain::{Channel, CustomerId, CustomerRef, Direction, QueryState, Timestamp};

use crate::interaction_batch::LatestContacts;
use crate::sql::{Conn, Row, Value};
use crate::{
    Interaction, InteractionEdit, InteractionQuery, Logged, NewInteraction, NewInvitation, QueryTiming,
    StoreError, interaction_batch, surveys,
};

const COLUMNS: &str = "id, customer_id, occurred_at, channel, direction, duration_seconds, subject, notes, outcome, \
     staff, state, answered_at, closed_at, order_id, response_id, case_id, reply_to, logged_by, created_at";

/// Stores interactions (a key stored before writes nothing and answers `Existing`). Several at
/// once without replies go through [`interaction_batch::log_many`], with the same outcome.
pub(crate) fn log(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    now: Timestamp,
) -> Result<Vec<Logged>, StoreError> {
    let mut contacts = LatestContacts::default();
    let logged = log_deferring(conn, records, now, &mut contacts)?;
    contacts.write(conn)?;
    Ok(logged)
}

/// [`log`], except that a batch's contact dates are noted in `contacts` for the caller to write
/// (an import writes them once, when it ends).
pub(crate) fn log_deferring(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    now: Timestamp,
    contacts: &mut LatestContacts,
) -> Result<Vec<Logged>, StoreError> {
    if records.len() > 1 && records.iter().all(|r| r.reply_to.is_none()) {
        return interaction_batch::log_many(conn, records, now, contacts);
    }
    records.iter().map(|record| log_one(conn, record, now)).collect()
}

fn log_one(conn: &mut dyn Conn, record: &NewInteraction, now: Timestamp) -> Result<Logged, StoreError> {
    if let Some(row) = conn
        .query_opt("SELECT id FROM interactions WHERE client_key = $1", &[Value::from(record.key.as_str())])?
    {
        return Ok(Logged::Existing(row.int(0)?));
    }
    if let Some(query) = record.reply_to {
        check_reply(conn, record, query)?;
    }
    let state = match record.direction {
        Direction::Inbound => Some(record.state.unwrap_or(QueryState::Open)),
        Direction::Outbound => None,
    };
    // A query logged as already answered or closed (a help desk's export) says when it came in,
    // not when it was answered or closed: those times stay unknown rather than made up.
    let (answered_at, closed_at): (Option<Timestamp>, Option<Timestamp>) = (None, None);
    let inserted = conn.query_opt(
        "INSERT INTO interactions (customer_id, client_key, channel, direction, occurred_at, duration_seconds, subject, \
         notes, outcome, staff, state, answered_at, closed_at, order_id, response_id, case_id, reply_to, logged_by, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
         ON CONFLICT (client_key) DO NOTHING RETURNING id",
        &[
            Value::Int(record.customer_id.0),
            Value::from(record.key.as_str()),
            Value::from(record.channel.as_str()),
            Value::from(record.direction.as_str()),
            Value::Time(record.occurred_at),
            Value::from(record.duration_seconds.map(i64::from)),
            Value::from(record.subject.as_str()),
            Value::from(record.notes.as_str()),
            Value::from(record.outcome.as_str()),
            Value::from(record.staff.as_deref()),
            Value::from(state.map(QueryState::as_str)),
            Value::from(answered_at),
            Value::from(closed_at),
            Value::from(record.order_id),
            Value::from(record.response_id),
            Value::from(record.case_id),
            Value::from(record.reply_to),
            Value::from(record.logged_by.as_deref()),
            Value::Time(now),
        ],
    )?;
    let Some(row) = inserted else {
        // A concurrent writer stored the same key between the look-up and the insert.
        let row = conn.query_one(
            "SELECT id FROM interactions WHERE client_key = $1",
            &[Value::from(record.key.as_str())],
        )?;
        return Ok(Logged::Existing(row.int(0)?));
    };
    let id = row.int(0)?;
    raise_contact_dates(conn, record.customer_id, record.direction, record.occurred_at)?;
    if let Some(query) = record.reply_to {
        answer(conn, query, record.occurred_at, now)?;
    }
    invite_after(conn, id, record.customer_id, record.channel, Trigger::Logged, now)?;
    if state == Some(QueryState::Closed) {
        invite_after(conn, id, record.customer_id, record.channel, Trigger::Closed, now)?;
    }
    Ok(Logged::New(id))
}

/// A reply must be outbound and answer an inbound query of the same customer.
fn check_reply(conn: &mut dyn Conn, record: &NewInteraction, query: i64) -> Result<(), StoreError> {
    if record.direction != Direction::Outbound {
        return Err(StoreError::Invalid("only an outbound contact answers a query".into()));
    }
    let row = conn
        .query_opt("SELECT customer_id, direction FROM interactions WHERE id = $1", &[Value::Int(query)])?
        .ok_or_else(|| StoreError::NotFound(format!("interaction {query}")))?;
    if row.int(0)? != record.customer_id.0 || row.text(1)? != "inbound" {
        return Err(StoreError::Invalid(format!(
            "interaction {query} is not an inbound query of customer {}",
            record.customer_id
        )));
    }
    Ok(())
}

/// Marks a query answered by a reply at `at` (the earliest reply counts).
fn answer(conn: &mut dyn Conn, query: i64, at: Timestamp, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE interactions SET answered_at = $1, updated_at = $2, \
         state = CASE WHEN state = 'open' THEN 'answered' ELSE state END \
         WHERE id = $3 AND (answered_at IS NULL OR answered_at > $1)",
        &[Value::Time(at), Value::Time(now), Value::Int(query)],
    )?;
    Ok(())
}

/// After a reply was re-dated or deleted: the query's first response is its earliest remaining
/// reply; with none left, it is unanswered again (an `answered` query goes back to `open`, a
/// closed one stays closed without a first response). A first response set by hand, without a
/// reply, is lost only when a reply had been logged and is then deleted.
fn recompute_answer(conn: &mut dyn Conn, query: i64, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE interactions SET answered_at = (SELECT MIN(r.occurred_at) FROM interactions r WHERE r.reply_to = $1), \
         updated_at = $2 WHERE id = $1",
        &[Value::Int(query), Value::Time(now)],
    )?;
    conn.execute(
        "UPDATE interactions SET state = 'open' WHERE id = $1 AND state = 'answered' AND answered_at IS NULL",
        &[Value::Int(query)],
    )?;
    Ok(())
}

/// `column = the later of its value and the new one` (a NULL new value keeps the old one), for
/// an upsert of `customer_contacts`.
pub(crate) fn later_sql(column: &str) -> String {
    format!(
        "{column} = CASE WHEN excluded.{column} IS NULL THEN customer_contacts.{column} \
         WHEN customer_contacts.{column} IS NULL OR excluded.{column} > customer_contacts.{column} \
         THEN excluded.{column} ELSE customer_contacts.{column} END"
    )
}

/// Moves a customer's contact dates later for an interaction that happened at `at`.
fn raise_contact_dates(
    conn: &mut dyn Conn,
    customer: CustomerId,
    direction: Direction,
    at: Timestamp,
) -> Result<(), StoreError> {
    let (inbound, outbound) = match direction {
        Direction::Inbound => (Value::Time(at), Value::Null),
        Direction::Outbound => (Value::Null, Value::Time(at)),
    };
    let sql = format!(
        "INSERT INTO customer_contacts (customer_id, last_inbound, last_outbound, last_any) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (customer_id) DO UPDATE SET {}, {}, {}",
        later_sql("last_inbound"),
        later_sql("last_outbound"),
        later_sql("last_any")
    );
    conn.execute(&sql, &[Value::Int(customer.0), inbound, outbound, Value::Time(at)])?;
    Ok(())
}

/// Recomputes a customer's contact dates from their interactions (after an edit or a deletion).
pub(crate) fn recompute_contact_dates(conn: &mut dyn Conn, customer: CustomerId) -> Result<(), StoreError> {
    // Locks the row (waiting for a log that raised it to commit) before the next statement reads.
    conn.execute(
        "UPDATE customer_contacts SET customer_id = customer_id WHERE customer_id = $1",
        &[Value::Int(customer.0)],
    )?;
    let last = |direction: Option<&str>| -> String {
        let filter = direction.map(|d| format!(" AND direction = '{d}'")).unwrap_or_default();
        format!("(SELECT MAX(occurred_at) FROM interactions WHERE customer_id = $1{filter})")
    };
    let sql = format!(
        "INSERT INTO customer_contacts (customer_id, last_inbound, last_outbound, last_any) \
         SELECT $1, {}, {}, {} \
         ON CONFLICT (customer_id) DO UPDATE SET last_inbound = excluded.last_inbound, \
         last_outbound = excluded.last_outbound, last_any = excluded.last_any",
        last(Some("inbound")),
        last(Some("outbound")),
        last(None)
    );
    conn.execute(&sql, &[Value::Int(customer.0)])?;
    Ok(())
}

/// Changes a stored interaction; its customer's contact dates follow a new time.
pub(crate) fn edit(
    conn: &mut dyn Conn,
    id: i64,
    edit: &InteractionEdit,
    now: Timestamp,
) -> Result<Interaction, StoreError> {
    let before = find(conn, id)?;
    if edit.state.is_some() && before.direction != Direction::Inbound {
        return Err(StoreError::Invalid(format!(
            "interaction {id} is outbound: only an inbound query has a state"
        )));
    }
    let state = edit.state.or(before.state);
    let changed_at = edit.state_at.unwrap_or(now);
    let changes = edit.state.is_some_and(|new| Some(new) != before.state);
    let answered_at = match state {
        Some(QueryState::Answered | QueryState::Closed) if changes => before.answered_at.or(Some(changed_at)),
        _ => before.answered_at,
    };
    let closed_at = match state {
        Some(QueryState::Closed) if changes => Some(changed_at),
        Some(QueryState::Closed) => before.closed_at,
        _ => None,
    };
    conn.execute(
        "UPDATE interactions SET occurred_at = $1, channel = $2, subject = $3, notes = $4, outcome = $5, state = $6, \
         answered_at = $7, closed_at = $8, updated_at = $9 WHERE id = $10",
        &[
            Value::Time(edit.occurred_at.unwrap_or(before.occurred_at)),
            Value::from(edit.channel.unwrap_or(before.channel).as_str()),
            Value::from(edit.subject.as_deref().unwrap_or(&before.subject)),
            Value::from(edit.notes.as_deref().unwrap_or(&before.notes)),
            Value::from(edit.outcome.as_deref().unwrap_or(&before.outcome)),
            Value::from(state.map(QueryState::as_str)),
            Value::from(answered_at),
            Value::from(closed_at),
            Value::Time(now),
            Value::Int(id),
        ],
    )?;
    if edit.occurred_at.is_some_and(|at| at != before.occurred_at) {
        recompute_contact_dates(conn, before.customer_id)?;
        if let Some(query) = before.reply_to {
            recompute_answer(conn, query, now)?;
        }
    }
    let after = find(conn, id)?;
    if before.state != Some(QueryState::Closed) && after.state == Some(QueryState::Closed) {
        invite_after(conn, id, after.customer_id, after.channel, Trigger::Closed, now)?;
    }
    Ok(after)
}

/// Deletes an interaction (its replies stay, unlinked); the contact dates move back.
pub(crate) fn delete(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<Interaction, StoreError> {
    let gone = find(conn, id)?;
    conn.execute("UPDATE interactions SET reply_to = NULL WHERE reply_to = $1", &[Value::Int(id)])?;
    conn.execute("DELETE FROM interactions WHERE id = $1", &[Value::Int(id)])?;
    recompute_contact_dates(conn, gone.customer_id)?;
    if let Some(query) = gone.reply_to {
        recompute_answer(conn, query, now)?;
    }
    Ok(gone)
}

/// One interaction.
pub(crate) fn find(conn: &mut dyn Conn, id: i64) -> Result<Interaction, StoreError> {
    let row = conn
        .query_opt(&format!("SELECT {COLUMNS} FROM interactions WHERE id = $1"), &[Value::Int(id)])?
        .ok_or_else(|| StoreError::NotFound(format!("interaction {id}")))?;
    from_row(&row)
}

/// Interactions by a query, newest first.
pub(crate) fn list(conn: &mut dyn Conn, query: &InteractionQuery) -> Result<Vec<Interaction>, StoreError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    let mut add = |condition: &str, value: Value| {
        params.push(value);
        conditions.push(condition.replace('?', &format!("${}", params.len())));
    };
    if let Some(customer) = query.customer {
        add("customer_id = ?", Value::Int(customer.0));
    }
    if let Some(from) = query.from {
        add("occurred_at >= ?", Value::Time(from));
    }
    if let Some(to) = query.to {
        add("occurred_at < ?", Value::Time(to));
    }
    if let Some(staff) = &query.staff {
        add("staff = ?", Value::from(staff.as_str()));
    }
    if let Some(state) = query.state {
        add("state = ?", Value::from(state.as_str()));
    }
    let filter =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    params.push(Value::Int(i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {COLUMNS} FROM interactions {filter} ORDER BY occurred_at DESC, id DESC LIMIT ${}",
        params.len()
    );
    conn.query(&sql, &params)?.iter().map(from_row).collect()
}

/// Inbound queries that came in within `[from, to)`, for response times.
pub(crate) fn query_timings(
    conn: &mut dyn Conn,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<QueryTiming>, StoreError> {
    conn.query(
        "SELECT id, channel, staff, state, occurred_at, answered_at, closed_at FROM interactions \
         WHERE direction = 'inbound' AND occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, id",
        &[Value::Time(from), Value::Time(to)],
    )?
    .iter()
    .map(|row| {
        Ok(QueryTiming {
            id: row.int(0)?,
            channel: channel(&row.text(1)?)?,
            staff: row.opt_text(2)?,
            state: QueryState::parse(&row.text(3)?).map_err(|e| StoreError::Other(e.to_string()))?,
            occurred_at: row.time(4)?,
            answered_at: row.opt_time(5)?,
            closed_at: row.opt_time(6)?,
        })
    })
    .collect()
}

/// The customers these references name (`None` where none is stored): by id, by e-mail (the
/// oldest customer with it), or by a shop's customer id.
pub(crate) fn resolve(
    conn: &mut dyn Conn,
    refs: &[CustomerRef],
) -> Result<Vec<Option<CustomerId>>, StoreError> {
    interaction_batch::resolve(conn, refs)
}

/// What a survey's interaction trigger waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// An interaction logged on one of its channels.
    Logged,
    /// An inbound query on one of its channels closed.
    Closed,
}

/// A survey's `interaction_trigger`: `{"channels": ["phone", …], "on": "logged" | "closed"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct InteractionTrigger {
    /// The channels whose conversations are followed by the survey.
    pub channels: Vec<Channel>,
    /// `logged` (any logged interaction) or `closed` (an inbound query closed).
    pub on: String,
}

impl InteractionTrigger {
    /// What it waits for (`closed`, else `logged`).
    pub(crate) fn waits_for(&self) -> Trigger {
        match self.on.as_str() {
            "closed" => Trigger::Closed,
            _ => Trigger::Logged,
        }
    }
}

/// The interaction triggers of the live surveys, with the surveys' ids.
pub(crate) fn live_triggers(conn: &mut dyn Conn) -> Result<Vec<(i64, InteractionTrigger)>, StoreError> {
    let surveys = conn.query(
        "SELECT id, interaction_trigger FROM surveys WHERE state = 'live' AND interaction_trigger IS NOT NULL",
        &[],
    )?;
    surveys
        .iter()
        .map(|row| {
            let survey_id = row.int(0)?;
            let trigger = serde_json::from_str(&row.text(1)?).map_err(|e| {
                StoreError::Other(format!("survey {survey_id}: unreadable interaction trigger: {e}"))
            })?;
            Ok((survey_id, trigger))
        })
        .collect()
}

/// Invites the customer to every live survey whose interaction trigger this event matches, due
/// now, with cause `interaction:ID` (so an interaction invites once). The survey's interval and
/// the customer's consent are applied when the invitation is sent, as for every invitation.
fn invite_after(
    conn: &mut dyn Conn,
    interaction: i64,
    customer: CustomerId,
    channel: Channel,
    trigger: Trigger,
    now: Timestamp,
) -> Result<(), StoreError> {
    for (survey_id, wanted) in live_triggers(conn)? {
        if wanted.waits_for() == trigger && wanted.channels.contains(&channel) {
            let invitation = NewInvitation {
                customer_id: customer,
                cause: format!("interaction:{interaction}"),
                order_id: None,
                due_at: now,
            };
            surveys::invite(conn, survey_id, &[invitation], now)?;
        }
    }
    Ok(())
}

fn channel(raw: &str) -> Result<Channel, StoreError> {
    Channel::parse(raw).map_err(|e| StoreError::Other(e.to_string()))
}

fn from_row(row: &Row) -> Result<Interaction, StoreError> {
    let direction = Direction::parse(&row.text(4)?).map_err(|e| StoreError::Other(e.to_string()))?;
    let state = row
        .opt_text(10)?
        .map(|s| QueryState::parse(&s).map_err(|e| StoreError::Other(e.to_string())))
        .transpose()?;
    Ok(Interaction {
        id: row.int(0)?,
        customer_id: CustomerId(row.int(1)?),
        occurred_at: row.time(2)?,
        channel: channel(&row.text(3)?)?,
        direction,
        duration_seconds: row.opt_int(5)?.and_then(|d| u32::try_from(d).ok()),
        subject: row.text(6)?,
        notes: row.text(7)?,
        outcome: row.text(8)?,
        staff: row.opt_text(9)?,
        state,
        answered_at: row.opt_time(11)?,
        closed_at: row.opt_time(12)?,
        order_id: row.opt_int(13)?,
        response_id: row.opt_int(14)?,
        case_id: row.opt_int(15)?,
        reply_to: row.opt_int(16)?,
        logged_by: row.opt_text(17)?,
        created_at: row.time(18)?,
    })
}
