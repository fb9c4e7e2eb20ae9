//! Ingesting imported records inside an open transaction, a batch at a time: the records are
//! queued; a full batch resolves its customers' identities together (`identities.rs`: joining a
//! customer of another source with the same e-mail, and recording that merge), then writes its
//! orders together (`order_batch.rs`: adds them, leaves them be, or brings them up to date —
//! keyed by `(source, external_id)`, so a repeated import or a replayed webhook changes nothing).
//!
//! Batching changes no outcome: a batch resolves and writes its records exactly as one by one in
//! record order would. It saves statements, which on PostgreSQL are network round trips.

use std::hash::BuildHasher;

use foldhash::HashSet;

use chrono::SubsecRound;
use tenure_domain::{CustomerRecord, ImportRecord, OrderRecord, Timestamp};

use crate::identities::{self, Remembered};
use crate::order_batch::{self, PendingOrder, StoredReads};
use crate::sql::{Conn, MAX_ROWS, Texts, Value};
use crate::{ImportCounts, StoreError, privacy};

/// Finds or creates the source's id, by name.
pub(crate) fn source_id(conn: &mut dyn Conn, name: &str, now: Timestamp) -> Result<i64, StoreError> {
    if let Some(row) = conn.query_opt("SELECT id FROM sources WHERE name = $1", &[Value::from(name)])? {
        return row.int(0);
    }
    conn.query_one(
        "INSERT INTO sources (name, created_at) VALUES ($1, $2) RETURNING id",
        &[Value::from(name), Value::Time(now)],
    )?
    .int(0)
}

/// Queues one record, writing the queued batch first when it is full or already holds the same
/// order (so within one batch every order key is distinct and a later version of an order wins,
/// as it would one by one).
pub(crate) fn ingest(
    conn: &mut dyn Conn,
    source_id: i64,
    state: &mut IngestState,
    record: ImportRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    ingest_version(conn, source_id, state, record, None, now)
}

/// [`ingest`] for a record that comes with the shop's own time of its order's last change
/// (`modified_at`): an older version than the stored one is left unwritten (see `order_batch`).
pub(crate) fn ingest_version(
    conn: &mut dyn Conn,
    source_id: i64,
    state: &mut IngestState,
    record: ImportRecord,
    modified_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let key = key_hash(&record.order.external_id);
    // A hash collision only writes a batch early.
    if state.orders.len() >= MAX_ROWS || state.keys.contains(&key) {
        state.flush(conn, source_id, now)?;
    }
    state.keys.insert(key);
    state.orders.push(pending_order(record.order, modified_at)?);
    state.customers.push(record.customer);
    Ok(())
}

/// What an import session carries from one record to the next: the queued batch, what it
/// remembers of the identities it resolved, and the counts so far.
#[derive(Debug, Default)]
pub(crate) struct IngestState {
    customers: Vec<CustomerRecord>,
    orders: Vec<PendingOrder>,
    keys: HashSet<u64>,
    identities: Remembered,
    counts: ImportCounts,
    texts: Texts,
    /// What earlier batches showed about reading stored orders (see [`order_batch::write`]).
    stored_reads: StoredReads,
    /// Orders left unwritten because the stored version is newer.
    older: u64,
    /// The erasure key, once read (`Some(None)`: nobody was ever erased).
    erasure_key: Option<Option<Vec<u8>>>,
}

impl IngestState {
    /// Writes the queued batch and returns the session's counts.
    pub(crate) fn finish(
        &mut self,
        conn: &mut dyn Conn,
        source_id: i64,
        now: Timestamp,
    ) -> Result<ImportCounts, StoreError> {
        self.flush(conn, source_id, now)?;
        Ok(self.counts)
    }

    /// How many orders were left unwritten because the stored version is newer.
    pub(crate) fn older_orders(&self) -> u64 {
        self.older
    }

    /// Resolves the queued records' customers, then writes their orders.
    fn flush(&mut self, conn: &mut dyn Conn, source_id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.drop_erased(conn, source_id)?;
        if self.orders.is_empty() {
            return Ok(());
        }
        let resolved = identities::resolve(
            conn,
            source_id,
            &self.customers,
            &mut self.identities,
            now,
            &mut self.counts,
            &mut self.texts,
        )?;
        for (order, resolved) in self.orders.iter_mut().zip(resolved) {
            order.identity_id = resolved.identity_id;
            order.customer_id = resolved.customer_id;
        }
        self.older += order_batch::write(
            conn,
            source_id,
            &self.orders,
            now,
            &mut self.counts,
            &mut self.texts,
            &mut self.stored_reads,
        )?;
        self.customers.clear();
        self.orders.clear();
        self.keys.clear();
        Ok(())
    }
}

impl IngestState {
    /// Leaves out the queued records whose customer was erased: the source's id for them is on
    /// file as its keyed hash. Costs nothing until someone has been erased.
    fn drop_erased(&mut self, conn: &mut dyn Conn, source_id: i64) -> Result<(), StoreError> {
        if self.customers.is_empty() {
            return Ok(());
        }
        if self.erasure_key.is_none() {
            self.erasure_key = Some(privacy::stored_key(conn)?);
        }
        let Some(Some(key)) = &self.erasure_key else {
            return Ok(());
        };
        let pseudonyms: Vec<String> = self
            .customers
            .iter()
            .map(|customer| privacy::identity_pseudonym(key, source_id, &customer.external_id))
            .collect();
        let erased = erased_among(conn, source_id, &pseudonyms)?;
        if erased.is_empty() {
            return Ok(());
        }
        let mut keep = pseudonyms.iter().map(|p| !erased.contains(p.as_str()));
        let mut keep_order = keep.clone();
        self.customers.retain(|_| keep.next().unwrap_or(true));
        self.orders.retain(|_| keep_order.next().unwrap_or(true));
        self.counts.records_of_erased += (pseudonyms.len() - self.customers.len()) as u64;
        Ok(())
    }
}

/// Which of `pseudonyms` stand for identities of `source_id` on file.
fn erased_among(
    conn: &mut dyn Conn,
    source_id: i64,
    pseudonyms: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in pseudonyms.chunks(MAX_ROWS) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT external_id FROM identities WHERE source_id = $1 AND external_id IN ({})",
            placeholders.join(", ")
        );
        let mut params = vec![Value::Int(source_id)];
        params.extend(chunk.iter().map(|p| Value::from(p.as_str())));
        for row in conn.query(&sql, &params)? {
            found.insert(row.text(0)?);
        }
    }
    Ok(found)
}

/// A hash of an order key, to notice a repeat within a batch without keeping the key twice.
fn key_hash(external_id: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(external_id)
}

/// The order of `record` as it will be written, its customer not resolved yet.
fn pending_order(order: OrderRecord, modified_at: Option<Timestamp>) -> Result<PendingOrder, StoreError> {
    Ok(PendingOrder {
        identity_id: 0,
        customer_id: 0,
        // Stored with second precision on every engine, so compared at that precision too.
        placed_at: order.placed_at.trunc_subsecs(0),
        status: order.status.as_str(),
        currency: order.currency,
        total_minor: order.total_minor,
        refunded_minor: order.refunded_minor,
        items: serde_json::to_string(&order.items).map_err(|e| StoreError::Other(e.to_string()))?,
        external_id: order.external_id,
        // Compared with the stored one, which has second precision on every engine.
        modified_at: modified_at.map(|time| time.trunc_subsecs(0)),
    })
}
