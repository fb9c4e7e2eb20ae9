//! Ingesting one imported record inside an open transaction: resolve the customer's identity
//! (joining a customer of another source with the same e-mail, and recording that merge), then
//! queue the order for the batch that adds it, leaves it be, or brings it up to date — keyed by
//! `(source, external_id)`, so a repeated import or a replayed webhook changes nothing.

use chrono::SubsecRound;
use tenure_domain::{CustomerRecord, ImportRecord, OrderRecord, Timestamp};

use crate::order_batch::{OrderBatch, PendingOrder};
use crate::sql::{Conn, Value};
use crate::{ImportCounts, StoreError};

/// Why an identity joined an existing customer.
pub(crate) const MERGE_REASON_EMAIL: &str = "same e-mail";

/// The customer and identity a record resolved to.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    identity_id: i64,
    customer_id: i64,
    customer_added: bool,
    merged: bool,
}

/// The identity of the previous record, so consecutive orders of one customer — the usual shape
/// of an export — skip the identity lookup. One entry: memory stays bounded.
#[derive(Debug, Default)]
pub(crate) struct LastIdentity {
    external_id: String,
    identity_id: i64,
    customer_id: i64,
    has_email: bool,
    valid: bool,
}

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

/// Resolves one record's customer and queues its order in `batch`; see the module docs.
pub(crate) fn ingest(
    conn: &mut dyn Conn,
    source_id: i64,
    state: &mut IngestState,
    record: &ImportRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    let resolved = match cached(&state.last_identity, &record.customer) {
        Some(resolved) => resolved,
        None => {
            let resolved = resolve_identity(conn, source_id, &record.customer, now)?;
            state.last_identity = LastIdentity {
                external_id: record.customer.external_id.clone(),
                identity_id: resolved.identity_id,
                customer_id: resolved.customer_id,
                has_email: record.customer.email.is_some(),
                valid: true,
            };
            resolved
        }
    };
    state.counts.customers_added += u64::from(resolved.customer_added);
    state.counts.customers_merged += u64::from(resolved.merged);
    let order = pending_order(&resolved, &record.order)?;
    state.batch.push(conn, source_id, order, now, &mut state.counts)
}

/// What an import session carries from one record to the next.
#[derive(Debug, Default)]
pub(crate) struct IngestState {
    last_identity: LastIdentity,
    batch: OrderBatch,
    counts: ImportCounts,
}

impl IngestState {
    /// Writes the queued orders and returns the session's counts.
    pub(crate) fn finish(
        &mut self,
        conn: &mut dyn Conn,
        source_id: i64,
        now: Timestamp,
    ) -> Result<ImportCounts, StoreError> {
        self.batch.flush(conn, source_id, now, &mut self.counts)?;
        Ok(self.counts)
    }
}

/// The previous record's identity, when this record has the same one and brings nothing new to
/// learn about it (an e-mail it lacked).
fn cached(last: &LastIdentity, customer: &CustomerRecord) -> Option<Resolved> {
    let same = last.valid
        && last.external_id == customer.external_id
        && (last.has_email || customer.email.is_none());
    same.then_some(Resolved {
        identity_id: last.identity_id,
        customer_id: last.customer_id,
        customer_added: false,
        merged: false,
    })
}

fn resolve_identity(
    conn: &mut dyn Conn,
    source_id: i64,
    customer: &CustomerRecord,
    now: Timestamp,
) -> Result<Resolved, StoreError> {
    let known = conn.query_opt(
        "SELECT id, customer_id, email FROM identities WHERE source_id = $1 AND external_id = $2",
        &[Value::Int(source_id), Value::from(customer.external_id.as_str())],
    )?;
    if let Some(row) = known {
        let (identity_id, customer_id) = (row.int(0)?, row.int(1)?);
        if row.opt_text(2)?.is_none() && customer.email.is_some() {
            learn_email(conn, identity_id, customer_id, customer)?;
        }
        return Ok(Resolved { identity_id, customer_id, customer_added: false, merged: false });
    }
    let same_email = match &customer.email {
        Some(email) => customer_with_email_elsewhere(conn, source_id, email.as_str())?,
        None => None,
    };
    let (customer_id, customer_added) = match same_email {
        Some(existing) => (existing, false),
        None => (insert_customer(conn, customer, now)?, true),
    };
    let identity_id = conn
        .query_one(
            "INSERT INTO identities (source_id, external_id, customer_id, email, name, marketing_consent, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                Value::Int(source_id),
                Value::from(customer.external_id.as_str()),
                Value::Int(customer_id),
                Value::from(customer.email.as_ref().map(|e| e.as_str())),
                Value::from(customer.name.clone()),
                Value::from(customer.marketing_consent),
                Value::Time(now),
            ],
        )?
        .int(0)?;
    let merged = !customer_added;
    if merged {
        conn.execute(
            "INSERT INTO identity_merges (identity_id, customer_id, reason, merged_at) VALUES ($1, $2, $3, $4)",
            &[Value::Int(identity_id), Value::Int(customer_id), Value::from(MERGE_REASON_EMAIL), Value::Time(now)],
        )?;
    }
    Ok(Resolved { identity_id, customer_id, customer_added, merged })
}

/// A customer with this e-mail who has no identity in this source yet: identities of one source
/// are the source's own business (two accounts in one shop stay two), across sources one e-mail
/// is one person.
fn customer_with_email_elsewhere(
    conn: &mut dyn Conn,
    source_id: i64,
    email: &str,
) -> Result<Option<i64>, StoreError> {
    let row = conn.query_opt(
        "SELECT c.id FROM customers c WHERE c.email = $1 AND NOT EXISTS \
         (SELECT 1 FROM identities i WHERE i.customer_id = c.id AND i.source_id = $2) ORDER BY c.id LIMIT 1",
        &[Value::from(email), Value::Int(source_id)],
    )?;
    row.map(|r| r.int(0)).transpose()
}

fn insert_customer(
    conn: &mut dyn Conn,
    customer: &CustomerRecord,
    now: Timestamp,
) -> Result<i64, StoreError> {
    conn.query_one(
        "INSERT INTO customers (email, name, marketing_consent, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[
            Value::from(customer.email.as_ref().map(|e| e.as_str())),
            Value::from(customer.name.clone()),
            Value::from(customer.marketing_consent),
            Value::Time(now),
        ],
    )?
    .int(0)
}

/// A known identity that had no e-mail now has one: keep it, and give it to the customer if the
/// customer has none. (It does not trigger a merge: merges happen when an identity first appears.)
fn learn_email(
    conn: &mut dyn Conn,
    identity_id: i64,
    customer_id: i64,
    customer: &CustomerRecord,
) -> Result<(), StoreError> {
    let email = Value::from(customer.email.as_ref().map(|e| e.as_str()));
    conn.execute(
        "UPDATE identities SET email = $1 WHERE id = $2",
        &[email.clone(), Value::Int(identity_id)],
    )?;
    conn.execute(
        "UPDATE customers SET email = $1 WHERE id = $2 AND email IS NULL",
        &[email, Value::Int(customer_id)],
    )?;
    Ok(())
}

/// The order of `record` as it will be written.
fn pending_order(resolved: &Resolved, order: &OrderRecord) -> Result<PendingOrder, StoreError> {
    Ok(PendingOrder {
        external_id: order.external_id.clone(),
        identity_id: resolved.identity_id,
        customer_id: resolved.customer_id,
        // Stored with second precision on every engine, so compared at that precision too.
        placed_at: order.placed_at.trunc_subsecs(0),
        status: order.status.as_str(),
        currency: order.currency.code().to_string(),
        total_minor: order.total_minor,
        refunded_minor: order.refunded_minor,
        items: serde_json::to_string(&order.items).map_err(|e| StoreError::Other(e.to_string()))?,
    })
}
