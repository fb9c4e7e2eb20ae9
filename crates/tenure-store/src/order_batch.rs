//! Orders are written in batches: one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per
//! [`BATCH_SIZE`] orders instead of a statement (a network round trip on PostgreSQL) per order.
//! Orders the insert skipped are already stored: they are read back in one query, compared, and
//! updated one by one only where the source now reports them differently.

use std::collections::{HashMap, HashSet};

use tenure_domain::Timestamp;

use crate::sql::{Conn, Value, placeholders};
use crate::{ImportCounts, StoreError};

/// Orders per statement: 11 parameters each stays far below both engines' parameter limits.
pub(crate) const BATCH_SIZE: usize = 256;
const COLUMNS: usize = 11;

/// One order waiting for the next flush, with its customer resolved.
#[derive(Debug, Clone)]
pub(crate) struct PendingOrder {
    pub external_id: String,
    pub identity_id: i64,
    pub customer_id: i64,
    pub placed_at: Timestamp,
    pub status: &'static str,
    pub currency: String,
    pub total_minor: i64,
    pub refunded_minor: i64,
    pub items: String,
}

/// The orders of an import not yet written, and the counts of those written.
#[derive(Debug, Default)]
pub(crate) struct OrderBatch {
    pending: Vec<PendingOrder>,
    keys: HashSet<String>,
}

impl OrderBatch {
    /// Queues `order`, writing the batch first when it is full or already holds the same order
    /// (so within one statement every key is distinct and the later version wins, as it would
    /// one by one).
    pub fn push(
        &mut self,
        conn: &mut dyn Conn,
        source_id: i64,
        order: PendingOrder,
        now: Timestamp,
        counts: &mut ImportCounts,
    ) -> Result<(), StoreError> {
        if self.pending.len() >= BATCH_SIZE || self.keys.contains(&order.external_id) {
            self.flush(conn, source_id, now, counts)?;
        }
        self.keys.insert(order.external_id.clone());
        self.pending.push(order);
        Ok(())
    }

    /// Writes every queued order.
    pub fn flush(
        &mut self,
        conn: &mut dyn Conn,
        source_id: i64,
        now: Timestamp,
        counts: &mut ImportCounts,
    ) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let inserted = insert_new(conn, source_id, &self.pending, now)?;
        counts.orders_added += inserted.len() as u64;
        let known: Vec<&PendingOrder> =
            self.pending.iter().filter(|o| !inserted.contains(&o.external_id)).collect();
        if !known.is_empty() {
            reconcile(conn, source_id, &known, now, counts)?;
        }
        self.pending.clear();
        self.keys.clear();
        Ok(())
    }
}

/// Inserts the orders not stored yet; returns the external ids it inserted.
fn insert_new(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[PendingOrder],
    now: Timestamp,
) -> Result<HashSet<String>, StoreError> {
    let sql = format!(
        "INSERT INTO orders (source_id, external_id, identity_id, customer_id, placed_at, status, currency, \
         total_minor, refunded_minor, items, imported_at) VALUES {} \
         ON CONFLICT (source_id, external_id) DO NOTHING RETURNING external_id",
        placeholders(orders.len(), COLUMNS, 0)
    );
    let mut params = Vec::with_capacity(orders.len() * COLUMNS);
    for order in orders {
        params.extend([
            Value::Int(source_id),
            Value::from(order.external_id.as_str()),
            Value::Int(order.identity_id),
            Value::Int(order.customer_id),
        ]);
        params.extend(what_the_source_says(order));
        params.push(Value::Time(now));
    }
    conn.query(&sql, &params)?.iter().map(|row| row.text(0)).collect()
}

/// Compares already stored orders with what the source reports now; updates the changed ones.
fn reconcile(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&PendingOrder],
    now: Timestamp,
    counts: &mut ImportCounts,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT id, external_id, placed_at, status, currency, total_minor, refunded_minor, items FROM orders \
         WHERE source_id = $1 AND external_id IN ({})",
        placeholders(orders.len(), 1, 1).replace(['(', ')'], "")
    );
    let mut params = vec![Value::Int(source_id)];
    params.extend(orders.iter().map(|o| Value::from(o.external_id.as_str())));
    let mut stored = HashMap::with_capacity(orders.len());
    for row in conn.query(&sql, &params)? {
        stored.insert(row.text(1)?, row);
    }
    for order in orders {
        let row = stored.get(&order.external_id).ok_or_else(|| {
            StoreError::Other(format!("order {} vanished during the import", order.external_id))
        })?;
        let same = row.time(2)? == order.placed_at
            && row.text(3)? == order.status
            && row.text(4)? == order.currency
            && row.int(5)? == order.total_minor
            && row.int(6)? == order.refunded_minor
            && row.text(7)? == order.items;
        if same {
            counts.orders_unchanged += 1;
        } else {
            update(conn, row.int(0)?, order, now)?;
            counts.orders_updated += 1;
        }
    }
    Ok(())
}

fn update(conn: &mut dyn Conn, id: i64, order: &PendingOrder, now: Timestamp) -> Result<(), StoreError> {
    let mut params = what_the_source_says(order).to_vec();
    params.extend([Value::Time(now), Value::Int(id)]);
    conn.execute(
        "UPDATE orders SET placed_at = $1, status = $2, currency = $3, total_minor = $4, refunded_minor = $5, \
         items = $6, imported_at = $7 WHERE id = $8",
        &params,
    )?;
    Ok(())
}

/// The order's facts as the source reports them, in the column order `placed_at, status,
/// currency, total_minor, refunded_minor, items` that both the insert and the update use.
fn what_the_source_says(order: &PendingOrder) -> [Value; 6] {
    [
        Value::Time(order.placed_at),
        Value::from(order.status),
        Value::from(order.currency.as_str()),
        Value::Int(order.total_minor),
        Value::Int(order.refunded_minor),
        Value::from(order.items.as_str()),
    ]
}
