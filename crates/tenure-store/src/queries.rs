//! Read queries and the merge undo, written once for both engines.

use std::collections::BTreeMap;

use tenure_domain::{CustomerId, OrderItem, OrderStatus, Timestamp};

use crate::sql::{Conn, Row, Value, placeholders};
use crate::{
    Contact, CustomerDetail, CustomerQuery, CustomerSummary, IdentityView, MergeView, OrderView, PurchaseRow,
    Stats, StoreError,
};

/// The SQL condition for orders that count as purchases. Kept in one place: every count of
/// purchases and revenue uses it.
const IS_PURCHASE: &str = "status IN ('paid', 'partially_refunded')";

/// `tenure stats`.
pub(crate) fn stats(conn: &mut dyn Conn) -> Result<Stats, StoreError> {
    let totals = conn.query_one(
        &format!(
            "SELECT COUNT(DISTINCT customer_id), COUNT(*), COALESCE(SUM(CASE WHEN {IS_PURCHASE} THEN 1 ELSE 0 END), 0), \
             MIN(placed_at), MAX(placed_at) FROM orders"
        ),
        &[],
    )?;
    let revenue = revenue_by_currency(conn)?;
    Ok(Stats {
        customers: count(&totals, 0)?,
        orders: count(&totals, 1)?,
        paid_orders: count(&totals, 2)?,
        first_order_at: totals.opt_time(3)?,
        last_order_at: totals.opt_time(4)?,
        revenue,
    })
}

/// Revenue of purchases after refunds, per currency (minor units).
pub(crate) fn revenue_by_currency(conn: &mut dyn Conn) -> Result<BTreeMap<String, i64>, StoreError> {
    let rows = conn.query(
        &format!(
            "SELECT currency, CAST(SUM(total_minor - refunded_minor) AS BIGINT) FROM orders \
             WHERE {IS_PURCHASE} GROUP BY currency ORDER BY currency"
        ),
        &[],
    )?;
    rows.iter().map(|row| Ok((row.text(0)?, row.int(1)?))).collect()
}

fn count(row: &Row, index: usize) -> Result<u64, StoreError> {
    u64::try_from(row.int(index)?).map_err(|_| StoreError::Other(format!("negative count in column {index}")))
}

/// One page of the customer list, by id.
pub(crate) fn customers(
    conn: &mut dyn Conn,
    query: &CustomerQuery,
) -> Result<Vec<CustomerSummary>, StoreError> {
    let after = query.after.map_or(0, |id| id.0);
    let rows = conn.query(
        &format!(
            "SELECT c.id, c.email, c.name, o.currency, COUNT(o.id), \
             COALESCE(SUM(CASE WHEN o.{IS_PURCHASE} THEN 1 ELSE 0 END), 0), \
             CAST(COALESCE(SUM(CASE WHEN o.{IS_PURCHASE} THEN o.total_minor - o.refunded_minor ELSE 0 END), 0) AS BIGINT), \
             MIN(o.placed_at), MAX(o.placed_at) \
             FROM (SELECT id, email, name FROM customers WHERE id > $1 ORDER BY id LIMIT $2) c \
             LEFT JOIN orders o ON o.customer_id = c.id \
             GROUP BY c.id, c.email, c.name, o.currency ORDER BY c.id, o.currency"
        ),
        &[Value::Int(after), Value::Int(i64::from(query.limit))],
    )?;
    let mut page: Vec<CustomerSummary> = Vec::new();
    for row in rows {
        let id = CustomerId(row.int(0)?);
        if page.last().is_none_or(|last| last.id != id) {
            page.push(CustomerSummary {
                id,
                email: row.opt_text(1)?,
                name: row.opt_text(2)?,
                orders: 0,
                paid_orders: 0,
                revenue: BTreeMap::new(),
                first_order_at: None,
                last_order_at: None,
            });
        }
        let summary = page.last_mut().expect("pushed above");
        fold_currency_group(summary, &row)?;
    }
    Ok(page)
}

/// Adds one (customer, currency) group of the list query to the customer's summary.
fn fold_currency_group(summary: &mut CustomerSummary, row: &Row) -> Result<(), StoreError> {
    summary.orders += count(row, 4)?;
    summary.paid_orders += count(row, 5)?;
    if let Some(currency) = row.opt_text(3)? {
        let revenue = row.int(6)?;
        if revenue != 0 {
            summary.revenue.insert(currency, revenue);
        }
    }
    let (first, last) = (row.opt_time(7)?, row.opt_time(8)?);
    summary.first_order_at = min_time(summary.first_order_at, first);
    summary.last_order_at = max_time(summary.last_order_at, last);
    Ok(())
}

fn min_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Names and e-mails of `ids` (in no particular order; unknown ids are left out).
pub(crate) fn contacts(conn: &mut dyn Conn, ids: &[CustomerId]) -> Result<Vec<Contact>, StoreError> {
    let mut contacts = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, name, email FROM customers WHERE id IN ({})",
            placeholders(chunk.len(), 1, 0).replace(['(', ')'], "")
        );
        let params: Vec<Value> = chunk.iter().map(|id| Value::Int(id.0)).collect();
        for row in conn.query(&sql, &params)? {
            contacts.push(Contact {
                id: CustomerId(row.int(0)?),
                name: row.opt_text(1)?,
                email: row.opt_text(2)?,
            });
        }
    }
    Ok(contacts)
}

/// The customer page.
pub(crate) fn customer(conn: &mut dyn Conn, id: CustomerId) -> Result<CustomerDetail, StoreError> {
    let row = conn
        .query_opt(
            "SELECT id, email, name, marketing_consent, created_at FROM customers WHERE id = $1",
            &[Value::Int(id.0)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("customer {id}")))?;
    Ok(CustomerDetail {
        id,
        email: row.opt_text(1)?,
        name: row.opt_text(2)?,
        marketing_consent: row.opt_bool(3)?,
        created_at: row.time(4)?,
        identities: identities(conn, id)?,
        merges: merges(conn, id)?,
        orders: orders(conn, id)?,
    })
}

fn identities(conn: &mut dyn Conn, id: CustomerId) -> Result<Vec<IdentityView>, StoreError> {
    let rows = conn.query(
        "SELECT s.name, i.external_id, i.email, i.marketing_consent, i.created_at FROM identities i \
         JOIN sources s ON s.id = i.source_id WHERE i.customer_id = $1 ORDER BY i.id",
        &[Value::Int(id.0)],
    )?;
    rows.iter()
        .map(|row| {
            Ok(IdentityView {
                source: row.text(0)?,
                external_id: row.text(1)?,
                email: row.opt_text(2)?,
                marketing_consent: row.opt_bool(3)?,
                created_at: row.time(4)?,
            })
        })
        .collect()
}

fn merges(conn: &mut dyn Conn, id: CustomerId) -> Result<Vec<MergeView>, StoreError> {
    let rows = conn.query(
        "SELECT m.id, s.name, i.external_id, m.reason, m.merged_at, m.undone_at, m.split_customer_id \
         FROM identity_merges m JOIN identities i ON i.id = m.identity_id JOIN sources s ON s.id = i.source_id \
         WHERE m.customer_id = $1 ORDER BY m.id",
        &[Value::Int(id.0)],
    )?;
    rows.iter()
        .map(|row| {
            Ok(MergeView {
                id: row.int(0)?,
                source: row.text(1)?,
                external_id: row.text(2)?,
                reason: row.text(3)?,
                merged_at: row.time(4)?,
                undone_at: row.opt_time(5)?,
                split_customer_id: row.opt_int(6)?.map(CustomerId),
            })
        })
        .collect()
}

fn orders(conn: &mut dyn Conn, id: CustomerId) -> Result<Vec<OrderView>, StoreError> {
    let rows = conn.query(
        "SELECT s.name, o.external_id, o.placed_at, o.status, o.currency, o.total_minor, o.refunded_minor, o.items \
         FROM orders o JOIN sources s ON s.id = o.source_id WHERE o.customer_id = $1 ORDER BY o.placed_at, o.id",
        &[Value::Int(id.0)],
    )?;
    rows.iter().map(order_view).collect()
}

fn order_view(row: &Row) -> Result<OrderView, StoreError> {
    let status_text = row.text(3)?;
    let status = OrderStatus::parse(&status_text)
        .ok_or_else(|| StoreError::Other(format!("unknown order status `{status_text}` in the database")))?;
    let items: Vec<OrderItem> =
        serde_json::from_str(&row.text(7)?).map_err(|e| StoreError::Other(format!("order items: {e}")))?;
    Ok(OrderView {
        source: row.text(0)?,
        external_id: row.text(1)?,
        placed_at: row.time(2)?,
        status,
        currency: row.text(4)?,
        total_minor: row.int(5)?,
        refunded_minor: row.int(6)?,
        items,
    })
}

/// Undoes merge `merge_id`: the identity, with its orders, becomes a customer of its own again.
/// Returns that new customer.
pub(crate) fn unmerge(conn: &mut dyn Conn, merge_id: i64, now: Timestamp) -> Result<CustomerId, StoreError> {
    let merge = conn
        .query_opt(
            "SELECT m.identity_id, m.customer_id, m.undone_at, i.email, i.name, i.marketing_consent, i.customer_id \
             FROM identity_merges m JOIN identities i ON i.id = m.identity_id WHERE m.id = $1",
            &[Value::Int(merge_id)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("merge {merge_id}")))?;
    if merge.opt_time(2)?.is_some() {
        return Err(StoreError::Conflict(format!("merge {merge_id} was undone already")));
    }
    let (identity_id, merged_into) = (merge.int(0)?, merge.int(1)?);
    if merge.int(6)? != merged_into {
        return Err(StoreError::Conflict(format!(
            "merge {merge_id}: the identity no longer belongs to customer {merged_into}"
        )));
    }
    let consent = merge.opt_bool(5)?;
    let split = conn
        .query_one(
            "INSERT INTO customers (email, name, marketing_consent, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[Value::from(merge.opt_text(3)?), Value::from(merge.opt_text(4)?), Value::from(consent), Value::Time(now)],
        )?
        .int(0)?;
    conn.execute(
        "UPDATE identities SET customer_id = $1 WHERE id = $2",
        &[Value::Int(split), Value::Int(identity_id)],
    )?;
    // Through the customer's index: orders are not indexed by identity, since only this rare
    // operation would use it and every import would pay for it.
    conn.execute(
        "UPDATE orders SET customer_id = $1 WHERE customer_id = $2 AND identity_id = $3",
        &[Value::Int(split), Value::Int(merged_into), Value::Int(identity_id)],
    )?;
    conn.execute(
        "UPDATE identity_merges SET undone_at = $1, split_customer_id = $2 WHERE id = $3",
        &[Value::Time(now), Value::Int(split), Value::Int(merge_id)],
    )?;
    Ok(CustomerId(split))
}

/// Streams every purchase in `currency`, ordered by customer then time, to `each`.
pub(crate) fn for_each_purchase(
    conn: &mut dyn Conn,
    currency: &str,
    each: &mut dyn FnMut(PurchaseRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    conn.for_each_row(
        &format!(
            "SELECT customer_id, placed_at, total_minor - refunded_minor FROM orders \
             WHERE {IS_PURCHASE} AND currency = $1 ORDER BY customer_id, placed_at"
        ),
        &[Value::from(currency)],
        &mut |row| {
            each(PurchaseRow {
                customer: CustomerId(row.int(0)?),
                placed_at: row.time(1)?,
                revenue_minor: row.int(2)?,
            })
        },
    )
}
