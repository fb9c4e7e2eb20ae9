//! Many interactions at once — an import's batch — with a handful of statements instead of
//! several per row: their customers resolved per kind of reference with one `IN` list each, the
//! rows inserted many to a statement (a key stored before is skipped by `ON CONFLICT` and looked
//! up afterwards), and each customer's contact dates raised once with the batch's latest times.
//! The outcome is the one [`super::interactions::log`] gives row by row (the contract tests run
//! both).

// foldhash: several times faster than std's SipHash on the short keys of a batch, still seeded per process.
use foldhash::{HashMap, HashMapExt};

use tenure_domain::{CustomerId, CustomerRef, Direction, QueryState, Timestamp};

use crate::interactions::{Trigger, later_sql, live_triggers};
use crate::sql::{Conn, Param, Value, placeholders, pow2_chunks};
use crate::{Logged, NewInteraction, NewInvitation, StoreError, surveys};

const INSERT_COLUMNS: &str = "customer_id, client_key, channel, direction, occurred_at, duration_seconds, subject, notes, \
     outcome, staff, state, order_id, response_id, case_id, logged_by, created_at, updated_at, reply_to";

/// Logs `records` (none of them a reply); returns what each became, in order. The contact dates
/// the new rows raise are noted in `contacts`, for the caller to write (at once, or once for a
/// whole import).
pub(crate) fn log_many(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    now: Timestamp,
    contacts: &mut LatestContacts,
) -> Result<Vec<Logged>, StoreError> {
    // The first row of each key is written; later rows with the same key are that interaction.
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    let unique: Vec<usize> =
        (0..records.len()).filter(|&i| *first_of.entry(records[i].key.as_str()).or_insert(i) == i).collect();
    // Keys borrowed from `records`: ten million rows made ten million copies of their keys.
    let mut new_ids: HashMap<&str, i64> = HashMap::with_capacity(unique.len());
    // Chunks of a few sizes only (powers of two): PostgreSQL plans each statement text anew for
    // its first executions, and SQLite keeps one prepared statement per text.
    let mut start = 0;
    for size in pow2_chunks(unique.len(), conn.rows_per_statement()) {
        insert(conn, records, &unique[start..start + size], now, &first_of, &mut new_ids)?;
        start += size;
    }
    let stored_before = existing(conn, records, &unique, &new_ids)?;
    for &i in &unique {
        if new_ids.contains_key(records[i].key.as_str()) {
            contacts.note(&records[i]);
        }
    }
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

/// Many rows a statement, the new ones' ids noted (a key stored before is skipped). On
/// SQLite the insert begins `INSERT OR FAIL` ([`Conn::insert_many`]): a plain multi-row insert
/// there keeps a journal of every page it touches to undo itself alone — 20 % of an import's
/// time, for nothing, as any error rolls back the whole transaction.
fn insert<'a>(
    conn: &mut dyn Conn,
    records: &'a [NewInteraction],
    chunk: &[usize],
    now: Timestamp,
    first_of: &HashMap<&'a str, usize>,
    new_ids: &mut HashMap<&'a str, i64>,
) -> Result<(), StoreError> {
    // A key as the database returns it, as the record's own text.
    let ours = |key: String| first_of.get(key.as_str()).map(|&i| records[i].key.as_str());
    const COLUMNS: usize = 18;
    let int = |v: Option<i64>| v.map_or(Param::Null, Param::Int);
    let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
    for &i in chunk {
        let r = &records[i];
        let state = match r.direction {
            Direction::Inbound => Some(r.state.unwrap_or(QueryState::Open)),
            Direction::Outbound => None,
        };
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
            Param::from(state.map(QueryState::as_str)),
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
        "{} INTO interactions ({INSERT_COLUMNS}) VALUES {} ON CONFLICT (client_key) DO NOTHING",
        conn.insert_many(),
        placeholders(chunk.len(), COLUMNS, 0)
    );
    if conn.last_insert_id().is_none() {
        for row in conn.query_borrowed(&format!("{sql} RETURNING id, client_key"), &params)? {
            if let Some(key) = ours(row.text(1)?) {
                new_ids.insert(key, row.int(0)?);
            }
        }
        return Ok(());
    }
    // SQLite: the new rows' ids without `RETURNING` (which gathers its rows in a temporary
    // table first: 15 % of the insert's time in sqlite3), from the last id and the count.
    let written = conn.execute_borrowed(&sql, &params)?;
    let last = conn.last_insert_id().unwrap_or_default();
    let first =
        last - i64::try_from(written).map_err(|_| StoreError::Other("row count out of range".into()))? + 1;
    if usize::try_from(written).is_ok_and(|n| n == chunk.len()) {
        for (offset, &i) in (0..).zip(chunk) {
            new_ids.insert(records[i].key.as_str(), first + offset);
        }
    } else if written > 0 {
        // Some keys were stored before: which rows are new, by their ids.
        let rows = conn.query(
            "SELECT id, client_key FROM interactions WHERE id BETWEEN $1 AND $2",
            &[Value::Int(first), Value::Int(last)],
        )?;
        if rows.len() as u64 != written {
            return Err(StoreError::Other(format!(
                "{written} interactions written, {} found by id",
                rows.len()
            )));
        }
        for row in rows {
            if let Some(key) = ours(row.text(1)?) {
                new_ids.insert(key, row.int(0)?);
            }
        }
    }
    Ok(())
}

/// The ids of the keys that were stored before this batch.
fn existing(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    new_ids: &HashMap<&str, i64>,
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

/// The latest inbound and outbound times of new interactions, per customer, not yet written
/// to `customer_contacts`. An import notes them for all its batches and writes them once at
/// the end, in customer order: a customer's dates are then upserted once, not once per batch
/// that names them (ten million rows over a million customers: ten million random upserts
/// became one million in key order).
#[derive(Debug, Default)]
pub(crate) struct LatestContacts(HashMap<CustomerId, (Option<Timestamp>, Option<Timestamp>)>);

impl LatestContacts {
    /// Notes a new interaction.
    fn note(&mut self, r: &NewInteraction) {
        let entry = self.0.entry(r.customer_id).or_default();
        let slot = match r.direction {
            Direction::Inbound => &mut entry.0,
            Direction::Outbound => &mut entry.1,
        };
        *slot = (*slot).max(Some(r.occurred_at));
    }

    /// Raises each noted customer's contact dates (never lowers them) and forgets them.
    pub(crate) fn write(&mut self, conn: &mut dyn Conn) -> Result<(), StoreError> {
        let mut rows: Vec<_> = self.0.drain().collect();
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
                "{} INTO customer_contacts (customer_id, last_inbound, last_outbound, last_any) VALUES {} \
                 ON CONFLICT (customer_id) DO UPDATE SET {}, {}, {}",
                conn.insert_many(),
                placeholders(chunk.len(), 4, 0),
                later_sql("last_inbound"),
                later_sql("last_outbound"),
                later_sql("last_any")
            );
            conn.execute(&sql, &params)?;
        }
        Ok(())
    }
}

/// Invites after the new rows that a live survey's interaction trigger waits for.
fn invite_after(
    conn: &mut dyn Conn,
    records: &[NewInteraction],
    unique: &[usize],
    new_ids: &HashMap<&str, i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let triggers = live_triggers(conn)?;
    if triggers.is_empty() {
        return Ok(());
    }
    for &i in unique {
        let r = &records[i];
        let Some(&id) = new_ids.get(r.key.as_str()) else { continue };
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
            let asked: foldhash::HashSet<&str> = chunk.iter().copied().collect();
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

/// Every customer's id and e-mail, read in one scan of the customers table: a big import asks
/// about most customers, and one scan of a million costs about as much as looking up a
/// hundred thousand references in `IN` lists (ten million interactions asked about 1.8 million
/// references: 12 s one list at a time). Only for an engine whose writer is alone
/// ([`Conn::sole_writer`]): no customer can be added while the import's transaction lasts.
#[derive(Debug, Default)]
pub(crate) struct CustomerDirectory {
    ids: foldhash::HashSet<i64>,
    by_email: foldhash::HashMap<String, CustomerId>,
}

impl CustomerDirectory {
    /// Reads every customer (the lowest id for an e-mail shared by several, as [`resolve`]).
    pub(crate) fn read(conn: &mut dyn Conn) -> Result<Self, StoreError> {
        let mut directory = CustomerDirectory::default();
        conn.for_each_row("SELECT id, email FROM customers ORDER BY id", &[], &mut |row| {
            let id = row.int(0)?;
            directory.ids.insert(id);
            if let Some(email) = row.opt_text(1)? {
                directory.by_email.entry(email).or_insert(CustomerId(id));
            }
            Ok(())
        })?;
        Ok(directory)
    }

    /// The customer a reference names, `Some(None)` when there is none; `None` for references
    /// the directory does not hold (a shop's own customer ids).
    pub(crate) fn find(&self, reference: &CustomerRef) -> Option<Option<CustomerId>> {
        match reference {
            CustomerRef::Id(id) => Some(self.ids.contains(&id.0).then_some(*id)),
            CustomerRef::Email(email) => Some(self.by_email.get(email.as_str()).copied()),
            CustomerRef::Identity { .. } => None,
        }
    }
}

/// `$first, $first + 1, …` for `count` parameters.
fn numbered(count: usize, first: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
