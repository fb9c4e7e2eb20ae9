//! Orders are written in batches of multi-row inserts that skip the orders already stored: on
//! PostgreSQL `INSERT … ON CONFLICT DO NOTHING RETURNING` the new keys, on SQLite `INSERT OR
//! IGNORE` and its count of changed rows (see [`SkipStored`]). Orders the inserts skipped are
//! already stored: they are read back in one query, compared, and updated one by one only where
//! the source now reports them differently.
//!
//! An order that comes with the shop's own time of its last change (a signed webhook body's
//! `updated_at`) is a version: a version older than the stored one is left unwritten, and the
//! update itself carries the condition, so two deliveries racing on PostgreSQL cannot let the
//! older one win either. Orders without that time (file imports, the API) are written as before.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use tenure_domain::{Currency, OrderItem, Timestamp};

use crate::sql::{
    Conn, Param, PerKey, Row, SkipStored, Texts, insert_rows, key_params, placeholders, pow2_chunks,
};
use crate::{ImportCounts, StoreError};

const COLUMNS: usize = 12;

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
    /// The shop's own time of the order's last change, when the source gives one.
    pub modified_at: Option<Timestamp>,
}

/// What earlier batches of a session taught about reading stored orders.
#[derive(Debug, Default)]
pub(crate) struct StoredReads {
    /// The previous batch was stored already in full — a re-import: then a batch's stored rows
    /// are read first and only the others inserted, which spares an insert attempt per order.
    /// Otherwise the inserts go first and only the orders they skip are read.
    known_before: bool,
    /// A batch's stored orders did not fit a range read (see [`stored_rows`]): the session's
    /// file is not in key order, so its keys are looked up one by one from then on.
    ranges_failed: bool,
}

/// Writes a batch of orders with distinct keys: inserts the new ones, compares the stored ones
/// and updates those the source now reports differently. How the stored ones are found depends
/// on what the previous batches showed (`reads`, updated for the next); the outcome does not.
/// Returns how many orders were left unwritten because the stored version is newer.
pub(crate) fn write(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[PendingOrder],
    now: Timestamp,
    counts: &mut ImportCounts,
    texts: &mut Texts,
    reads: &mut StoredReads,
) -> Result<u64, StoreError> {
    let all: Vec<&PendingOrder> = orders.iter().collect();
    let mut stored =
        if reads.known_before { stored_rows(conn, source_id, &all, texts, reads)? } else { HashMap::new() };
    let new: Vec<&PendingOrder> =
        all.iter().copied().filter(|o| !stored.contains_key(&o.external_id)).collect();
    let skipped = match conn.skip_stored() {
        SkipStored::Returning => insert_returning(conn, source_id, &new, now, texts)?,
        SkipStored::NewestIds => insert_ignoring(conn, source_id, &new, now, texts)?,
    };
    counts.orders_added += (new.len() - skipped.len()) as u64;
    stored.extend(stored_rows(conn, source_id, &skipped, texts, reads)?);
    if stored.len() != orders.len() - (new.len() - skipped.len()) {
        return Err(StoreError::Other("an order vanished during the import".into()));
    }
    // The orders just added are not among the stored rows read; every other order is.
    let mut older = 0;
    for order in orders {
        if let Some(row) = stored.get(order.external_id.as_str())
            && reconcile(conn, row, order, now, counts)? == Reconciled::Older
        {
            older += 1;
        }
    }
    reads.known_before = stored.len() == orders.len();
    Ok(older)
}

/// Inserts the orders not stored yet with multi-row statements that return the keys they added
/// ([`SkipStored::Returning`]); returns the others.
fn insert_returning<'o>(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&'o PendingOrder],
    now: Timestamp,
    texts: &mut Texts,
) -> Result<Vec<&'o PendingOrder>, StoreError> {
    let mut skipped = Vec::new();
    let mut start = 0;
    for size in pow2_chunks(orders.len(), conn.rows_per_statement()) {
        let chunk = &orders[start..start + size];
        let params = insert_params(source_id, chunk, now);
        let sql = texts.get("orders", size, || insert_sql(size, SkipStored::Returning));
        let added: HashSet<String> =
            conn.query_borrowed(sql, &params)?.iter().map(|row| row.text(0)).collect::<Result<_, _>>()?;
        skipped.extend(chunk.iter().copied().filter(|o| !added.contains(&o.external_id)));
        start += size;
    }
    Ok(skipped)
}

/// Inserts the orders not stored yet with multi-row statements that skip stored keys silently
/// ([`SkipStored::NewestIds`]); returns the others. Only when the count of added rows falls
/// short are the added ones read back, by their ids.
fn insert_ignoring<'o>(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&'o PendingOrder],
    now: Timestamp,
    texts: &mut Texts,
) -> Result<Vec<&'o PendingOrder>, StoreError> {
    let params = insert_params(source_id, orders, now);
    let added =
        insert_rows(conn, texts, "orders", COLUMNS, &params, |rows| insert_sql(rows, SkipStored::NewestIds))?;
    if added == orders.len() as u64 {
        return Ok(Vec::new());
    }
    let added = newest_keys(conn, added)?;
    Ok(orders.iter().copied().filter(|o| !added.contains(&o.external_id)).collect())
}

/// The external ids of the `count` orders the last `INSERT OR IGNORE` statements added (see
/// [`SkipStored::NewestIds`]): they took, in order, the `count` ids up to `last_insert_rowid()`.
fn newest_keys(conn: &mut dyn Conn, count: u64) -> Result<HashSet<String>, StoreError> {
    if count == 0 {
        return Ok(HashSet::new());
    }
    let rows = conn.query_borrowed(
        "SELECT external_id FROM orders WHERE id > last_insert_rowid() - $1 AND id <= last_insert_rowid()",
        &[Param::Int(count as i64)],
    )?;
    if rows.len() as u64 != count {
        return Err(StoreError::Other(format!(
            "an insert added {count} orders, but {} have the newest ids",
            rows.len()
        )));
    }
    rows.iter().map(|row| row.text(0)).collect()
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
        params.extend([Param::Time(now), modified_param(order)]);
    }
    params
}

/// The shop's time of the order's last change, or NULL.
fn modified_param(order: &PendingOrder) -> Param<'_> {
    order.modified_at.map_or(Param::Null, Param::Time)
}

/// The insert of `rows` orders that skips those already stored (by source and external id).
fn insert_sql(rows: usize, skip: SkipStored) -> String {
    const COLUMN_LIST: &str = "orders (source_id, external_id, identity_id, customer_id, placed_at, status, \
                               currency, total_minor, refunded_minor, items, imported_at, \
                               source_modified_at)";
    let values = placeholders(rows, COLUMNS, 0);
    match skip {
        SkipStored::Returning => format!(
            "INSERT INTO {COLUMN_LIST} VALUES {values} ON CONFLICT (source_id, external_id) DO NOTHING \
             RETURNING external_id"
        ),
        SkipStored::NewestIds => format!("INSERT OR IGNORE INTO {COLUMN_LIST} VALUES {values}"),
    }
}

/// The columns of a stored order that [`reconcile`] compares.
const STORED_COLUMNS: &str = "t.id, t.external_id, t.placed_at, t.status, t.currency, t.total_minor, \
                              t.refunded_minor, t.items, t.source_modified_at";

/// At most this many rows per order of a batch are read when its stored orders are read as the
/// range of keys between its least and greatest (see [`stored_rows`]).
const RANGE_ROWS_PER_ORDER: usize = 2;

/// The stored rows of these orders, by external id.
///
/// A file's orders usually come in key order, so a batch's keys lie close together in the unique
/// index: where text compares byte by byte (SQLite), one range read from the least key to the
/// greatest finds them all, instead of a probe per key (a fifth of a re-import's work). When
/// other orders fill that range, the read stops at [`RANGE_ROWS_PER_ORDER`] rows per order, and
/// the session probes key by key from then on.
fn stored_rows(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&PendingOrder],
    texts: &mut Texts,
    reads: &mut StoredReads,
) -> Result<HashMap<String, Row>, StoreError> {
    if orders.is_empty() {
        return Ok(HashMap::new());
    }
    if !reads.ranges_failed && conn.text_compares_bytes() {
        match stored_in_range(conn, source_id, orders, texts)? {
            Some(stored) => return Ok(stored),
            None => reads.ranges_failed = true,
        }
    }
    let keys: Vec<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    let params = key_params(Param::Int(source_id), &keys);
    let sql = texts.get("stored orders", params.len(), || {
        conn.select_per_key(&PerKey {
            columns: STORED_COLUMNS,
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

/// The stored rows of `orders` read as one range of the unique index, or `None` when the range
/// holds more than [`RANGE_ROWS_PER_ORDER`] rows per order.
fn stored_in_range(
    conn: &mut dyn Conn,
    source_id: i64,
    orders: &[&PendingOrder],
    texts: &mut Texts,
) -> Result<Option<HashMap<String, Row>>, StoreError> {
    let keys: HashSet<&str> = orders.iter().map(|o| o.external_id.as_str()).collect();
    let (Some(&least), Some(&greatest)) = (keys.iter().min(), keys.iter().max()) else {
        return Ok(Some(HashMap::new()));
    };
    let most = keys.len() * RANGE_ROWS_PER_ORDER;
    let sql = texts.get("stored orders in range", most, || {
        format!(
            "SELECT {STORED_COLUMNS} FROM orders AS t WHERE t.source_id = $1 AND t.external_id >= $2 \
             AND t.external_id <= $3 ORDER BY t.external_id LIMIT {}",
            most + 1
        )
    });
    let rows =
        conn.query_borrowed(sql, &[Param::Int(source_id), Param::Text(least), Param::Text(greatest)])?;
    if rows.len() > most {
        return Ok(None);
    }
    let mut stored = HashMap::with_capacity(keys.len());
    for row in rows {
        let key = row.text(1)?;
        if keys.contains(key.as_str()) {
            stored.insert(key, row);
        }
    }
    Ok(Some(stored))
}

/// What [`reconcile`] did with a stored order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reconciled {
    /// Stored as reported (its version may have been brought forward).
    Unchanged,
    /// Brought up to date.
    Updated,
    /// The stored version is newer than the one reported: left as it is.
    Older,
}

/// Compares a stored order with what the source reports now; updates it when they differ,
/// unless the stored version is newer.
fn reconcile(
    conn: &mut dyn Conn,
    row: &Row,
    order: &PendingOrder,
    now: Timestamp,
    counts: &mut ImportCounts,
) -> Result<Reconciled, StoreError> {
    let stored_version = row.opt_time(8)?;
    if is_older(order.modified_at, stored_version) {
        return Ok(Reconciled::Older);
    }
    let same = row.time(2)? == order.placed_at
        && row.text(3)? == order.status
        && row.text(4)? == order.currency.code()
        && row.int(5)? == order.total_minor
        && row.int(6)? == order.refunded_minor
        && same_items(&row.text(7)?, &order.items);
    if same {
        if let Some(version) = order.modified_at.filter(|_| order.modified_at != stored_version) {
            bring_version_forward(conn, row.int(0)?, version)?;
        }
        counts.orders_unchanged += 1;
        Ok(Reconciled::Unchanged)
    } else if update(conn, row.int(0)?, order, now)? {
        counts.orders_updated += 1;
        Ok(Reconciled::Updated)
    } else {
        // A newer version was committed after the stored row was read.
        Ok(Reconciled::Older)
    }
}

/// Whether a reported version is older than the stored one (either unknown: it is not).
fn is_older(reported: Option<Timestamp>, stored: Option<Timestamp>) -> bool {
    matches!((reported, stored), (Some(reported), Some(stored)) if reported < stored)
}

/// Records a newer version of an order whose facts did not change.
fn bring_version_forward(conn: &mut dyn Conn, id: i64, version: Timestamp) -> Result<(), StoreError> {
    conn.execute_borrowed(
        "UPDATE orders SET source_modified_at = $1 WHERE id = $2 \
         AND (source_modified_at IS NULL OR source_modified_at < $1)",
        &[Param::Time(version), Param::Int(id)],
    )?;
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

/// Writes what the source reports now over stored order `id` — with a version, only if the
/// stored one is not newer (checked by the statement itself, which on PostgreSQL re-reads a row
/// another transaction changed meanwhile); false when it was.
fn update(conn: &mut dyn Conn, id: i64, order: &PendingOrder, now: Timestamp) -> Result<bool, StoreError> {
    let mut params = what_the_source_says(order).to_vec();
    params.push(Param::Time(now));
    let sql = match order.modified_at {
        None => {
            "UPDATE orders SET placed_at = $1, status = $2, currency = $3, total_minor = $4, \
             refunded_minor = $5, items = $6, imported_at = $7 WHERE id = $8"
        }
        Some(version) => {
            params.push(Param::Time(version));
            "UPDATE orders SET placed_at = $1, status = $2, currency = $3, total_minor = $4, \
             refunded_minor = $5, items = $6, imported_at = $7, source_modified_at = $8 WHERE id = $9 \
             AND (source_modified_at IS NULL OR source_modified_at <= $8)"
        }
    };
    params.push(Param::Int(id));
    Ok(conn.execute_borrowed(sql, &params)? == 1)
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
