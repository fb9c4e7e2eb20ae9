//! Many interactions at once — an import's batch — with a handful of statements instead of
//! several per row: their customers resolved per kind of reference with one `IN` list each, the
//! rows inserted many to a statement (a key stored before is skipped by `ON CONFLICT` and looked
//! up afterwards), and each customer's contact dates raised once with the batch's latest times.
//! The outcome is the one [`super::interactions::log`] gives row by row (the contract tests run
//! both).

use std::collections::HashMap;

use tenure_domain::{CustomerId, CustomerRef, Direction, QueryState, Timestamp};

use crate::interactions::{Trigger, later_sql, live_triggers};
use crate::sql::{Conn, Param, Value, placeholders, pow2_chunks};
use crate::{Logged, NewInteraction, NewInvitation, StoreError, surveys};

/// Rows per insert: 18 parameters each stays far below both engines' limits.
const ROWS_PER_INSERT: usize = 64;

const INSERT_COLUMNS: &str = "customer_id, client_key, channel, direction, occurred_at, duration_seconds, subject, notes, \
     outcome, staff, state, order_id, response_id, case_id, logged_by, created_at, updated_at, reply_to";

/// Logs `records` (none of them a reply); returns what each became, in order.
pub(crate) fn log_many(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    now: Timestamp,
) -> Result<Vec<Logged>, StoreError> {
    // The first row of each key is written; later rows with the same key are that interaction.
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    let unique: Vec<usize> =
        (0..records.len()).filter(|&i| *first_of.entry(records[i].key.as_str()).or_insert(i) == i).collect();
    let mut new_ids: HashMap<String, i64> = HashMap::with_capacity(unique.len());
    if conn.sole_writer() {
        insert_one_by_one(conn, records, &unique, now, &mut new_ids)?;
    } else {
        // Chunks of a few sizes only (powers of two): PostgreSQL plans each statement text anew
        // for its first executions, and a text of its own per size would be planned every time.
        let mut start = 0;
        for size in pow2_chunks(unique.len(), ROWS_PER_INSERT) {
            insert(conn, records, &unique[start..start + size], now, &mut new_ids)?;
            start += size;
        }
    }
    let stored_before = existing(conn, records, &unique, &new_ids)?;
    raise_contact_dates(conn, records, &unique, &new_ids)?;
    invite_after(conn, records, &unique, &new_ids, now)?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let key = record.key.as_str();
            match (new_ids.get(key), stored_before.get(key)) {
                (Some(&id), _) if first_of[key] == i => Ok(Logged::New(id)),
                (Some(&id), _) | (None, Some(&id)) => Ok(Logged::Existing(id)),
                (None, None) => {
                    Err(StoreError::Other(format!("interaction `{key}` was neither written nor found")))
                }
            }
        })
        .collect()
}

/// SQLite: one prepared single-row insert run per row. A multi-row insert that may stop at a
/// constraint (these rows have CHECKs) keeps a statement journal, a copy of every page it
/// touches: measured at 12 % of an import's time, for nothing — the rows are checked before.
fn insert_one_by_one(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    now: Timestamp,
    new_ids: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    const COLUMNS: usize = 18;
    let states: Vec<Option<QueryState>> = unique
        .iter()
        .map(|&i| match records[i].direction {
            Direction::Inbound => Some(records[i].state.unwrap_or(QueryState::Open)),
            Direction::Outbound => None,
        })
        .collect();
    let int = |v: Option<i64>| v.map_or(Param::Null, Param::Int);
    let mut params = Vec::with_capacity(unique.len() * COLUMNS);
    for (n, &i) in unique.iter().enumerate() {
        let r = &records[i];
        params.extend([
            Param::Int(r.customer_id.0),
            Param::Text(&r.key),
            Param::Text(r.channel.as_str()),
            Param::Text(r.direction.as_str()),
            Param::Time(r.occurred_at),
            int(r.duration_seconds.map(i64::from)),
            Param::Text(&r.subject),
            Param::Text(&r.notes),
            Param::Text(&r.outcome),
            Param::from(r.staff.as_deref()),
            Param::from(states[n].map(QueryState::as_str)),
            int(r.order_id),
            int(r.response_id),
            int(r.case_id),
            Param::from(r.logged_by.as_deref()),
            Param::Time(now),
            Param::Time(now),
            Param::Null,
        ]);
    }
    let sql = format!(
        "INSERT INTO interactions ({INSERT_COLUMNS}) VALUES {} ON CONFLICT (client_key) DO NOTHING",
        placeholders(1, COLUMNS, 0)
    );
    let written = conn.execute_each(&sql, &params, COLUMNS)?;
    let new_keys: Vec<&str> = unique
        .iter()
        .zip(&written)
        .filter(|(_, n)| **n == 1)
        .map(|(&i, _)| records[i].key.as_str())
        .collect();
    for chunk in new_keys.chunks(crate::sql::MAX_ROWS) {
        let params: Vec<Param<'_>> = chunk.iter().map(|key| Param::Text(key)).collect();
        let sql = format!(
            "SELECT id, client_key FROM interactions WHERE client_key IN ({})",
            numbered(chunk.len(), 1)
        );
        for row in conn.query_borrowed(&sql, &params)? {
            new_ids.insert(row.text(1)?, row.int(0)?);
        }
    }
    Ok(())
}

/// PostgreSQL: many rows a statement, their ids returned.
fn insert(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    chunk: &[usize],
    now: Timestamp,
    new_ids: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    const COLUMNS: usize = 18;
    let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
    for &i in chunk {
        let r = &records[i];
        let state = match r.direction {
            Direction::Inbound => Some(r.state.unwrap_or(QueryState::Open)),
            Direction::Outbound => None,
        };
        params.extend([
            Value::Int(r.customer_id.0),
            Value::from(r.key.as_str()),
            Value::from(r.channel.as_str()),
            Value::from(r.direction.as_str()),
            Value::Time(r.occurred_at),
            Value::from(r.duration_seconds.map(i64::from)),
            Value::from(r.subject.as_str()),
            Value::from(r.notes.as_str()),
            Value::from(r.outcome.as_str()),
            Value::from(r.staff.as_deref()),
            Value::from(state.map(QueryState::as_str)),
            Value::from(r.order_id),
            Value::from(r.response_id),
            Value::from(r.case_id),
            Value::from(r.logged_by.as_deref()),
            Value::Time(now),
            Value::Time(now),
            Value::Null,
        ]);
    }
    let sql = format!(
        "INSERT INTO interactions ({INSERT_COLUMNS}) VALUES {} ON CONFLICT (client_key) DO NOTHING RETURNING id, client_key",
        placeholders(chunk.len(), COLUMNS, 0)
    );
    for row in conn.query(&sql, &params)? {
        new_ids.insert(row.text(1)?, row.int(0)?);
    }
    Ok(())
}

/// The ids of the keys that were stored before this batch.
fn existing(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    new_ids: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>, StoreError> {
    let missing: Vec<&str> =
        unique.iter().map(|&i| records[i].key.as_str()).filter(|key| !new_ids.contains_key(*key)).collect();
    let mut found = HashMap::with_capacity(missing.len());
    for chunk in missing.chunks(crate::sql::MAX_ROWS) {
        let params: Vec<Value> = chunk.iter().map(|key| Value::from(*key)).collect();
        let sql = format!(
            "SELECT id, client_key FROM interactions WHERE client_key IN ({})",
            numbered(chunk.len(), 1)
        );
        for row in conn.query(&sql, &params)? {
            found.insert(row.text(1)?, row.int(0)?);
        }
    }
    Ok(found)
}

/// Raises each customer's contact dates once, to the latest times among their new rows.
fn raise_contact_dates(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    new_ids: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let mut latest: HashMap<CustomerId, (Option<Timestamp>, Option<Timestamp>)> = HashMap::new();
    for &i in unique {
        let r = &records[i];
        if !new_ids.contains_key(&r.key) {
            continue;
        }
        let entry = latest.entry(r.customer_id).or_default();
        let slot = match r.direction {
            Direction::Inbound => &mut entry.0,
            Direction::Outbound => &mut entry.1,
        };
        *slot = (*slot).max(Some(r.occurred_at));
    }
    let mut rows: Vec<_> = latest.into_iter().collect();
    rows.sort_by_key(|(customer, _)| *customer);
    let mut start = 0;
    for size in pow2_chunks(rows.len(), crate::sql::MAX_ROWS / 2) {
        let chunk = &rows[start..start + size];
        start += size;
        let mut params = Vec::with_capacity(chunk.len() * 4);
        for (customer, (inbound, outbound)) in chunk {
            params.extend([
                Value::Int(customer.0),
                Value::from(*inbound),
                Value::from(*outbound),
                Value::from((*inbound).max(*outbound)),
            ]);
        }
        let sql = format!(
            "INSERT INTO customer_contacts (customer_id, last_inbound, last_outbound, last_any) VALUES {} \
             ON CONFLICT (customer_id) DO UPDATE SET {}, {}, {}",
            placeholders(chunk.len(), 4, 0),
            later_sql("last_inbound"),
            later_sql("last_outbound"),
            later_sql("last_any")
        );
        conn.execute(&sql, &params)?;
    }
    Ok(())
}

/// Invites after the new rows that a live survey's interaction trigger waits for.
fn invite_after(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    new_ids: &HashMap<String, i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let triggers = live_triggers(conn)?;
    if triggers.is_empty() {
        return Ok(());
    }
    for &i in unique {
        let r = &records[i];
        let Some(&id) = new_ids.get(&r.key) else { continue };
        let closed = r.direction == Direction::Inbound && r.state == Some(QueryState::Closed);
        for (survey_id, trigger) in &triggers {
            let fires = trigger.channels.contains(&r.channel)
                && match trigger.waits_for() {
                    Trigger::Logged => true,
                    Trigger::Closed => closed,
                };
            if fires {
                let invitation = NewInvitation {
                    customer_id: r.customer_id,
                    cause: format!("interaction:{id}"),
                    order_id: None,
                    due_at: now,
                };
                surveys::invite(conn, *survey_id, &[invitation], now)?;
            }
        }
    }
    Ok(())
}

/// The customers these references name (`None` where none is stored), with one query per kind
/// of reference (and per source) for each few hundred references.
pub(crate) fn resolve(
    conn: &mut dyn Conn,
    refs: &[CustomerRef],
) -> Result<Vec<Option<CustomerId>>, StoreError> {
    let mut ids: HashMap<i64, Option<CustomerId>> = HashMap::new();
    let mut emails: HashMap<&str, Option<CustomerId>> = HashMap::new();
    let mut identities: HashMap<(&str, &str), Option<CustomerId>> = HashMap::new();
    for reference in refs {
        match reference {
            CustomerRef::Id(id) => {
                ids.insert(id.0, None);
            }
            CustomerRef::Email(email) => {
                emails.insert(email.as_str(), None);
            }
            CustomerRef::Identity { source, external_id } => {
                identities.insert((source.as_str(), external_id.as_str()), None);
            }
        }
    }
    let wanted: Vec<i64> = ids.keys().copied().collect();
    for chunk in wanted.chunks(crate::sql::MAX_ROWS) {
        let params: Vec<Value> = chunk.iter().map(|id| Value::Int(*id)).collect();
        let sql = format!("SELECT id, id FROM customers WHERE id IN ({})", numbered(chunk.len(), 1));
        for row in conn.query(&sql, &params)? {
            ids.insert(row.int(0)?, Some(CustomerId(row.int(1)?)));
        }
    }
    let wanted: Vec<&str> = emails.keys().copied().collect();
    for chunk in wanted.chunks(crate::sql::MAX_ROWS) {
        let params: Vec<Value> = chunk.iter().map(|e| Value::from(*e)).collect();
        let sql = format!(
            "SELECT email, MIN(id) FROM customers WHERE email IN ({}) GROUP BY email",
            numbered(chunk.len(), 1)
        );
        for row in conn.query(&sql, &params)? {
            let email = row.text(0)?;
            if let Some(slot) = emails.get_mut(email.as_str()) {
                *slot = Some(CustomerId(row.int(1)?));
            }
        }
    }
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for (source, external_id) in identities.keys() {
        by_source.entry(source).or_default().push(external_id);
    }
    for (source, external_ids) in by_source {
        for chunk in external_ids.chunks(crate::sql::MAX_ROWS) {
            let mut params = vec![Value::from(source)];
            params.extend(chunk.iter().map(|e| Value::from(*e)));
            let sql = format!(
                "SELECT i.external_id, i.customer_id FROM identities i JOIN sources s ON s.id = i.source_id \
                 WHERE s.name = $1 AND i.external_id IN ({})",
                numbered(chunk.len(), 2)
            );
            let asked: std::collections::HashSet<&str> = chunk.iter().copied().collect();
            for row in conn.query(&sql, &params)? {
                let external_id = row.text(0)?;
                if let Some(&asked_id) = asked.get(external_id.as_str()) {
                    identities.insert((source, asked_id), Some(CustomerId(row.int(1)?)));
                }
            }
        }
    }
    Ok(refs
        .iter()
        .map(|reference| match reference {
            CustomerRef::Id(id) => ids[&id.0],
            CustomerRef::Email(email) => emails[email.as_str()],
            CustomerRef::Identity { source, external_id } => {
                identities[&(source.as_str(), external_id.as_str())]
            }
        })
        .collect())
}

/// `$first, $first + 1, …` for `count` parameters.
fn numbered(count: usize, first: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
