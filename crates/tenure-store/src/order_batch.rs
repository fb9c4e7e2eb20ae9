//! Orders are written in batches. On PostgreSQL a batch is one multi-row `INSERT … ON CONFLICT DO
//! NOTHING RETURNING` instead of a statement (a network round trip) per order; on SQLite it is one
//! prepared single-row insert per order, whose count of changed rows says whether the order was
//! new (see [`Conn::rows_per_statement`]). Orders the inserts skipped are already stored: they are
//! read back in one query, compared, and updated one by one only where the source now reports
//! them differently.

use std::collections::{HashMap, HashSet};

use tenure_domain::{Currency, OrderItem, Timestamp};

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
///
/// `known_before` says the previous batch was stored already in full — a re-import: then this
/// batch's stored rows are read first and only the others inserted, which spares an insert
/// attempt per order. Otherwise the inserts go first and only the orders they skip are read.
/// Either way the outcome is the same; the answer for the next batch is returned.
pub(crate) fn write(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[PendingOrder],
    now: Timestamp,
    counts: &mut ImportCounts,
    texts: &mut Texts,
    known_before: bool,
) -> Result<bool, StoreError> {
    let all: Vec<&PendingOrder> = orders.iter().collect();
    let mut stored = if known_before { stored_rows(conn, source_id, &all, texts)? } else { HashMap::new() };
    let new: Vec<&PendingOrder> =
        all.iter().copied().filter(|o| !stored.contains_key(&o.external_id)).collect();
    let per_statement = conn.rows_per_statement();
    let mut skipped: Vec<&PendingOrder> = Vec::new();
    if per_statement == 1 {
        skipped = insert_each(conn, source_id, &new, now, texts)?;
    } else {
        let mut start = 0;
        for size in pow2_chunks(new.len(), per_statement) {
            skipped.extend(insert_new(conn, source_id, &new[start..start + size], now, texts)?);
            start += size;
        }
    }
    counts.orders_added += (new.len() - skipped.len()) as u64;
    stored.extend(stored_rows(conn, source_id, &skipped, texts)?);
    if stored.len() != orders.len() - (new.len() - skipped.len()) {
        return Err(StoreError::Other("an order vanished during the import".into()));
    }
    // The orders just added are not among the stored rows read; every other order is.
    for order in orders {
        if let Some(row) = stored.get(order.external_id.as_str()) {
            reconcile(conn, row, order, now, counts)?;
        }
    }
    Ok(stored.len() == orders.len())
}

/// Inserts the orders not stored yet with one multi-row statement; returns the others.
fn insert_new<'o>(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&'o PendingOrder],
    now: Timestamp,
    texts: &mut Texts,
) -> Result<Vec<&'o PendingOrder>, StoreError> {
    let params = insert_params(source_id, orders, now);
    // One row: the count of changed rows says whether it was new. Several: the insert returns
    // the keys it added.
    let returning = orders.len() > 1;
    let sql = texts.get("orders", orders.len(), || insert_sql(orders.len(), returning));
    if !returning {
        let added = conn.execute_borrowed(sql, &params)?;
        return Ok(if added == 0 { orders.to_vec() } else { Vec::new() });
    }
    let inserted: HashSet<String> =
        conn.query_borrowed(sql, &params)?.iter().map(|row| row.text(0)).collect::<Result<_, _>>()?;
    Ok(orders.iter().copied().filter(|o| !inserted.contains(&o.external_id)).collect())
}

/// Inserts the orders not stored yet one statement each (SQLite), the statement prepared once;
/// returns the others (those whose insert changed no row).
fn insert_each<'o>(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&'o PendingOrder],
    now: Timestamp,
    texts: &mut Texts,
) -> Result<Vec<&'o PendingOrder>, StoreError> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let params = insert_params(source_id, orders, now);
    let sql = texts.get("orders", 1, || insert_sql(1, false));
    let added = conn.execute_each(sql, &params, COLUMNS)?;
    Ok(orders.iter().zip(added).filter(|&(_, added)| added == 0).map(|(&order, _)| order).collect())
}

/// The parameters of inserting `orders`, [`COLUMNS`] per order.
fn insert_params<'o>(source_id: i64, orders: &[&'o PendingOrder], now: Timestamp) -> Vec<Param<'o>> {
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
    params
}

/// The insert of `rows` orders that skips those already stored (by source and external id).
fn insert_sql(rows: usize, returning: bool) -> String {
    format!(
        "INSERT INTO orders (source_id, external_id, identity_id, customer_id, placed_at, status, currency, \
         total_minor, refunded_minor, items, imported_at) VALUES {} \
         ON CONFLICT (source_id, external_id) DO NOTHING{}",
        placeholders(rows, COLUMNS, 0),
        if returning { " RETURNING external_id" } else { "" }
    )
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
        && same_items(&row.text(7)?, &order.items);
    if same {
        counts.orders_unchanged += 1;
    } else {
        update(conn, row.int(0)?, order, now)?;
        counts.orders_updated += 1;
    }
    Ok(())
}

/// Whether stored items (JSON) are the items now reported: the same text, or the same items
/// written another way — orders stored before a missing SKU was left out wrote `"sku":null`, and
/// re-importing them must find them unchanged.
fn same_items(stored: &str, reported: &str) -> bool {
    stored == reported || {
        let parse = |text: &str| serde_json::from_str::<Vec<OrderItem>>(text).ok();
        matches!((parse(stored), parse(reported)), (Some(a), Some(b)) if a == b)
    }
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

#[cfg(test)]
mod tests {
    use super::same_items;

    #[test]
    fn items_written_with_a_null_sku_are_the_same_items_without_it() {
        let old = r#"[{"name":"CDs","sku":null,"quantity":2,"total_minor":2436}]"#;
        let new = r#"[{"name":"CDs","quantity":2,"total_minor":2436}]"#;
        assert!(same_items(old, new));
        assert!(same_items(new, new));
        assert!(!same_items(old, r#"[{"name":"CDs","quantity":3,"total_minor":2436}]"#));
        assert!(!same_items(r#"[{"name":"CDs","sku":"X1","quantity":2,"total_minor":2436}]"#, new));
        assert!(!same_items("not json", new));
    }
}
