//! Orders are written in batches: one multi-row `INSERT … ON CONFLICT DO NOTHING` per batch of
//! orders instead of a statement (a network round trip on PostgreSQL) per order. Orders the insert
//! skipped are already stored: they are read back in one query, compared, and updated one by one
//! only where the source now reports them differently.
//!
//! Which orders were new: PostgreSQL's insert returns their keys (other sessions may write at the
//! same time). SQLite's insert returns nothing — returning rows cost about a sixth of an import's
//! work — and says how many it added; when that is not all of them, the stored rows of the batch
//! are read, and those above the highest id before the insert are the new ones (no one else can
//! write meanwhile: see [`Conn::sole_writer`]).

use std::collections::{HashMap, HashSet};

use tenure_domain::{Currency, Timestamp};

use crate::sql::{Conn, Param, PerKey, Row, Texts, key_params, placeholders, pow2_chunks};
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
    pub currency: Currency,
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
    texts: &mut Texts,
) -> Result<(), StoreError> {
    let mut start = 0;
    for size in pow2_chunks(orders.len()) {
        let chunk = &orders[start..start + size];
        start += size;
        let stored = insert_new(conn, source_id, chunk, now, texts)?;
        counts.orders_added += (chunk.len() - stored.len()) as u64;
        for order in chunk {
            if let Some(row) = stored.get(order.external_id.as_str()) {
                reconcile(conn, row, order, now, counts)?;
            }
        }
    }
    Ok(())
}

/// Inserts the orders not stored yet; returns the stored rows of the others, by external id.
fn insert_new(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[PendingOrder],
    now: Timestamp,
    texts: &mut Texts,
) -> Result<HashMap<String, Row>, StoreError> {
    let mut params = Vec::with_capacity(orders.len() * COLUMNS);
    for order in orders {
        params.extend([
            Param::Int(source_id),
            Param::Text(&order.external_id),
            Param::Int(order.identity_id),
            Param::Int(order.customer_id),
        ]);
        params.extend(what_the_source_says(order));
        params.push(Param::Time(now));
    }
    let returning = !conn.sole_writer();
    let sql = texts.get(if returning { "orders returning" } else { "orders" }, orders.len(), || {
        format!(
            "INSERT INTO orders (source_id, external_id, identity_id, customer_id, placed_at, status, currency, \
             total_minor, refunded_minor, items, imported_at) VALUES {} \
             ON CONFLICT (source_id, external_id) DO NOTHING{}",
            placeholders(orders.len(), COLUMNS, 0),
            if returning { " RETURNING external_id" } else { "" }
        )
    });
    if returning {
        let inserted: HashSet<String> =
            conn.query_borrowed(sql, &params)?.iter().map(|row| row.text(0)).collect::<Result<_, _>>()?;
        let known: Vec<&PendingOrder> =
            orders.iter().filter(|o| !inserted.contains(&o.external_id)).collect();
        let stored = stored_rows(conn, source_id, &known, texts)?;
        if stored.len() != known.len() {
            return Err(StoreError::Other("an order vanished during the import".into()));
        }
        return Ok(stored);
    }
    let before = conn.query_one("SELECT COALESCE(MAX(id), 0) FROM orders", &[])?.int(0)?;
    let added = conn.execute_borrowed(sql, &params)? as usize;
    if added == orders.len() {
        return Ok(HashMap::new());
    }
    let mut stored = stored_rows(conn, source_id, &orders.iter().collect::<Vec<_>>(), texts)?;
    let mut new = 0;
    stored.retain(|_, row| {
        let is_new = row.int(0).is_ok_and(|id| id > before);
        new += usize::from(is_new);
        !is_new
    });
    if new != added || stored.len() + added != orders.len() {
        return Err(StoreError::Other("an order vanished during the import".into()));
    }
    Ok(stored)
}

/// The stored rows of these orders, by external id.
fn stored_rows(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&PendingOrder],
    texts: &mut Texts,
) -> Result<HashMap<String, Row>, StoreError> {
    if orders.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    let params = key_params(Param::Int(source_id), &keys);
    let sql = texts.get("stored orders", params.len(), || {
        conn.select_per_key(&PerKey {
            columns: "t.id, t.external_id, t.placed_at, t.status, t.currency, t.total_minor, t.refunded_minor, \
                      t.items",
            table: "orders",
            key_column: "external_id",
            condition: "t.source_id = $1",
            keys: params.len() - 1,
            first: 2,
        })
    });
    let mut stored = HashMap::with_capacity(orders.len());
    for row in conn.query_borrowed(sql, &params)? {
        stored.insert(row.text(1)?, row);
    }
    Ok(stored)
}

/// Compares a stored order with what the source reports now; updates it when they differ.
fn reconcile(
    conn: &mut dyn Conn,
    row: &Row,
    order: &PendingOrder,
    now: Timestamp,
    counts: &mut ImportCounts,
) -> Result<(), StoreError> {
    let same = row.time(2)? == order.placed_at
        && row.text(3)? == order.status
        && row.text(4)? == order.currency.code()
        && row.int(5)? == order.total_minor
        && row.int(6)? == order.refunded_minor
        && row.text(7)? == order.items;
    if same {
        counts.orders_unchanged += 1;
    } else {
        update(conn, row.int(0)?, order, now)?;
        counts.orders_updated += 1;
    }
    Ok(())
}

fn update(conn: &mut dyn Conn, id: i64, order: &PendingOrder, now: Timestamp) -> Result<(), StoreError> {
    let mut params = what_the_source_says(order).to_vec();
    params.extend([Param::Time(now), Param::Int(id)]);
    conn.execute_borrowed(
        "UPDATE orders SET placed_at = $1, status = $2, currency = $3, total_minor = $4, refunded_minor = $5, \
         items = $6, imported_at = $7 WHERE id = $8",
        &params,
    )?;
    Ok(())
}

/// The order's facts as the source reports them, in the column order `placed_at, status,
/// currency, total_minor, refunded_minor, items` that both the insert and the update use.
fn what_the_source_says(order: &PendingOrder) -> [Param<'_>; 6] {
    [
        Param::Time(order.placed_at),
        Param::Text(order.status),
        Param::Text(order.currency.code()),
        Param::Int(order.total_minor),
        Param::Int(order.refunded_minor),
        Param::Text(&order.items),
    ]
}
