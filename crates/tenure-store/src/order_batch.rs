//! Orders are written in batches: one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per
//! batch of orders instead of a statement (a network round trip on PostgreSQL) per order.
//! Orders the insert skipped are already stored: they are read back in one query, compared, and
//! updated one by one only where the source now reports them differently.

use std::collections::{HashMap, HashSet};

use tenure_domain::Timestamp;

use crate::sql::{Conn, PerKey, Value, key_values, placeholders, pow2_chunks};
use crate::{ImportCounts, StoreError};

const COLUMNS: usize = 11;

/// One order waiting for its batch, with its customer resolved.
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

/// Writes a batch of orders with distinct keys: inserts the new ones, compares the stored ones
/// and updates those the source now reports differently.
pub(crate) fn write(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[PendingOrder],
    now: Timestamp,
    counts: &mut ImportCounts,
) -> Result<(), StoreError> {
    let mut start = 0;
    for size in pow2_chunks(orders.len()) {
        let chunk = &orders[start..start + size];
        start += size;
        let inserted = insert_new(conn, source_id, chunk, now)?;
        counts.orders_added += inserted.len() as u64;
        let known: Vec<&PendingOrder> = chunk.iter().filter(|o| !inserted.contains(&o.external_id)).collect();
        if !known.is_empty() {
            reconcile(conn, source_id, &known, now, counts)?;
        }
    }
    Ok(())
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
    let keys: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    let values = key_values(&keys);
    let sql = conn.select_per_key(&PerKey {
        columns: "t.id, t.external_id, t.placed_at, t.status, t.currency, t.total_minor, t.refunded_minor, t.items",
        table: "orders",
        key_column: "external_id",
        condition: "t.source_id = $1",
        keys: values.len(),
        first: 2,
    });
    let mut params = vec![Value::Int(source_id)];
    params.extend(values);
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
