//! One order written on its own — through the API or an incoming webhook — by the import's own
//! ingest path (identity resolution, e-mail merges, reconciling a known order), inside the caller's
//! transaction together with what makes the write idempotent: the API request's Idempotency-Key and
//! its response, or the webhook's delivery id.
//!
//! The key row is claimed *before* the order is written (`INSERT … ON CONFLICT DO NOTHING`): a
//! second request with the same key waits on that row (PostgreSQL) or on the write lock (SQLite)
//! until the first commits, and then finds it, instead of writing twice.
//!
//! A delivery id is no guard against a captured delivery replayed under a new id (Shopify and
//! WooCommerce sign the body only), so a delivery that carries the shop's time of the order's last
//! change is also a version: one older than the stored order writes nothing and says so in the
//! delivery log's `note`.

use chrono::SubsecRound;
use tenure_domain::{CustomerId, ImportRecord, Timestamp};

use crate::ingest::{self, IngestState};
use crate::revision;
use crate::sql::{Conn, Value};
use crate::subscriptions::Event;
use crate::{
    Delivery, DeliveryOutcome, KeptResponse, KeyedWrite, OrderWrite, OrderWritten, RequestKey, StoreError,
    WriteResult, sources, subscriptions,
};

/// Writes `write.record` unless its key was seen; see the module docs.
pub(crate) fn write_order(
    conn: &mut dyn Conn,
    write: &OrderWrite<'_>,
    respond: &dyn Fn(&OrderWritten) -> KeptResponse,
    now: Timestamp,
) -> Result<KeyedWrite, StoreError> {
    if let Some(key) = write.key
        && let Some((request_sha256, kept)) = claim_key(conn, key, now)?
    {
        return Ok(if request_sha256 == key.request_sha256 {
            KeyedWrite::Replayed(kept)
        } else {
            KeyedWrite::KeyReused
        });
    }
    let source_id = ingest::source_id(conn, write.source.as_str(), now)?;
    let written = write_one(conn, source_id, write.record, None, now)?
        .ok_or_else(|| StoreError::Other("an order without a version was found older".into()))?;
    let response = respond(&written);
    if let Some(key) = write.key {
        keep_response(conn, key, &response)?;
    }
    Ok(KeyedWrite::Fresh(response))
}

/// Writes the order of a delivery seen for the first time; a repeated delivery writes nothing, and
/// neither does an older version of a stored order.
pub(crate) fn receive(
    conn: &mut dyn Conn,
    delivery: &Delivery<'_>,
    now: Timestamp,
) -> Result<DeliveryOutcome, StoreError> {
    let source_id = sources::webhook_source_id(conn, delivery.source)?;
    let claimed = conn.execute(
        "INSERT INTO webhook_deliveries (source_id, delivery_id, topic, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (source_id, delivery_id) DO NOTHING",
        &[
            Value::Int(source_id),
            Value::from(delivery.delivery_id),
            Value::from(delivery.topic),
            Value::Time(now),
        ],
    )?;
    if claimed == 0 {
        return Ok(DeliveryOutcome::Repeated);
    }
    // Checked first, so that an older version changes nothing at all (not its customer either);
    // the order's own write checks again, against a newer version committed meanwhile.
    if let Some(order_id) = newer_stored(conn, source_id, delivery)? {
        return older(conn, source_id, delivery, order_id);
    }
    let Some(written) = write_one(conn, source_id, delivery.record, delivery.modified_at, now)? else {
        let order_id = newer_stored(conn, source_id, delivery)?
            .ok_or_else(|| StoreError::Other("an order left as older is not stored".into()))?;
        return older(conn, source_id, delivery, order_id);
    };
    log_delivery(conn, source_id, delivery, written.order_id, None)?;
    Ok(DeliveryOutcome::Written(written))
}

/// The stored order of `delivery` when its version is newer than the delivery's.
fn newer_stored(
    conn: &mut dyn Conn,
    source_id: i64,
    delivery: &Delivery<'_>,
) -> Result<Option<i64>, StoreError> {
    let Some(version) = delivery.modified_at else { return Ok(None) };
    let row = conn.query_opt(
        "SELECT id, source_modified_at FROM orders WHERE source_id = $1 AND external_id = $2",
        &[Value::Int(source_id), Value::from(delivery.record.order.external_id.as_str())],
    )?;
    match row {
        Some(row) if row.opt_time(1)?.is_some_and(|stored| version.trunc_subsecs(0) < stored) => {
            Ok(Some(row.int(0)?))
        }
        _ => Ok(None),
    }
}

/// Answers a delivery of an older version of stored order `order_id`: nothing written, and the
/// delivery log says so.
fn older(
    conn: &mut dyn Conn,
    source_id: i64,
    delivery: &Delivery<'_>,
    order_id: i64,
) -> Result<DeliveryOutcome, StoreError> {
    let version = delivery.modified_at.map_or_else(String::new, |time| time.to_rfc3339());
    // Names no one: the row's `order_id` says which order (the shop's own order number would
    // outlive an erasure of its customer here).
    let note =
        format!("not written: the shop changed this order at {version}, before the version already stored");
    log_delivery(conn, source_id, delivery, order_id, Some(&note))?;
    Ok(DeliveryOutcome::Older { order_id })
}

/// Completes the delivery log's row of `delivery`: its order, and why it wrote nothing.
fn log_delivery(
    conn: &mut dyn Conn,
    source_id: i64,
    delivery: &Delivery<'_>,
    order_id: i64,
    note: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE webhook_deliveries SET order_id = $1, note = $2 WHERE source_id = $3 AND delivery_id = $4",
        &[
            Value::Int(order_id),
            note.map_or(Value::Null, Value::from),
            Value::Int(source_id),
            Value::from(delivery.delivery_id),
        ],
    )?;
    Ok(())
}

/// Ingests one record exactly as an import of one row would, and reads back the stored order;
/// `None` when the stored order is a newer version than `modified_at` and was left as it is.
fn write_one(
    conn: &mut dyn Conn,
    source_id: i64,
    record: &ImportRecord,
    modified_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<OrderWritten>, StoreError> {
    let mut state = IngestState::default();
    ingest::ingest_version(conn, source_id, &mut state, record.clone(), modified_at, now)?;
    let counts = state.finish(conn, source_id, now)?;
    if state.older_orders() > 0 {
        return Ok(None);
    }
    let row = conn.query_one(
        "SELECT id, customer_id FROM orders WHERE source_id = $1 AND external_id = $2",
        &[Value::Int(source_id), Value::from(record.order.external_id.as_str())],
    )?;
    let result = if counts.orders_added == 1 {
        WriteResult::Created
    } else if counts.orders_updated == 1 {
        WriteResult::Updated
    } else {
        WriteResult::Unchanged
    };
    if result != WriteResult::Unchanged || counts.customers_merged > 0 {
        revision::bump(conn)?;
    }
    let written = OrderWritten {
        result,
        order_id: row.int(0)?,
        customer_id: CustomerId(row.int(1)?),
        customer_added: counts.customers_added == 1,
        customer_merged: counts.customers_merged == 1,
    };
    report_order(conn, &written, record, now)?;
    Ok(Some(written))
}

/// Reports a created or updated order to the webhook subscriptions that receive it, in the
/// transaction that wrote it (imports report nothing: a year of history is not news).
fn report_order(
    conn: &mut dyn Conn,
    written: &OrderWritten,
    record: &ImportRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    let event_type = match written.result {
        WriteResult::Created => "order.created",
        WriteResult::Updated => "order.updated",
        WriteResult::Unchanged => return Ok(()),
    };
    let order = &record.order;
    let total = tenure_domain::Money { minor: order.total_minor, currency: order.currency }.to_string();
    let amount = total.rsplit_once(' ').map_or(total.as_str(), |(amount, _currency)| amount);
    let data = serde_json::json!({
        "order_id": written.order_id,
        "external_id": order.external_id,
        "customer_id": written.customer_id,
        "email": record.customer.email.as_ref().map(|e| e.as_str()),
        "placed_at": order.placed_at.to_rfc3339(),
        "status": order.status.as_str(),
        "currency": order.currency.code(),
        "total": amount,
    });
    let verb = if written.result == WriteResult::Created { "new" } else { "updated" };
    let event = Event {
        event_type,
        customer_id: Some(written.customer_id),
        summary: format!("Order {} ({verb}): {total}, {}", order.external_id, order.status.as_str()),
        data,
        key: None,
        only_subscription: None,
    };
    subscriptions::emit(conn, &event, now)?;
    Ok(())
}

/// Claims `key` for this request; when it was claimed before, returns the body hash it came with
/// and the response it got.
fn claim_key(
    conn: &mut dyn Conn,
    key: &RequestKey,
    now: Timestamp,
) -> Result<Option<(String, KeptResponse)>, StoreError> {
    let claimed = conn.execute(
        "INSERT INTO idempotency_keys (scope, key, request_sha256, status, response, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (scope, key) DO NOTHING",
        &[
            Value::from(key.scope.as_str()),
            Value::from(key.key.as_str()),
            Value::from(key.request_sha256.as_str()),
            Value::Time(now),
        ],
    )?;
    if claimed == 1 {
        return Ok(None);
    }
    let row = conn.query_one(
        "SELECT request_sha256, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
        &[Value::from(key.scope.as_str()), Value::from(key.key.as_str())],
    )?;
    let status = u16::try_from(row.int(1)?)
        .map_err(|_| StoreError::Other(format!("idempotency key `{}`: bad stored status", key.key)))?;
    Ok(Some((row.text(0)?, KeptResponse { status, body: row.text(2)? })))
}

/// Stores the response given to the request that claimed `key`.
fn keep_response(conn: &mut dyn Conn, key: &RequestKey, response: &KeptResponse) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE idempotency_keys SET status = $1, response = $2 WHERE scope = $3 AND key = $4",
        &[
            Value::Int(i64::from(response.status)),
            Value::from(response.body.as_str()),
            Value::from(key.scope.as_str()),
            Value::from(key.key.as_str()),
        ],
    )?;
    Ok(())
}
