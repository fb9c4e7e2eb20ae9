//! Sources that accept webhooks: set up, looked up (with the secret, to verify a signature),
//! listed (without it) and stopped. Stopping clears the secret and keeps the source and its data.

use tenure_domain::{SourceName, Timestamp, WebhookKind, WebhookSecret};

use crate::sql::{Conn, Row, Value};
use crate::{SourceInfo, StoreError, WebhookEndpoint};

/// Lets `source` (created if new) accept webhooks of `kind` signed with `secret`; `Conflict` when
/// it accepts webhooks already.
pub(crate) fn add_webhook(
    conn: &mut dyn Conn,
    source: &SourceName,
    kind: WebhookKind,
    secret: &WebhookSecret,
    now: Timestamp,
) -> Result<(), StoreError> {
    let name = source.as_str();
    let existing =
        conn.query_opt("SELECT id, webhook_kind FROM sources WHERE name = $1", &[Value::from(name)])?;
    let webhook = [Value::from(kind.as_str()), Value::from(secret.expose()), Value::Time(now)];
    match existing {
        Some(row) => {
            if let Some(current) = row.opt_text(1)? {
                return Err(StoreError::Conflict(format!(
                    "source `{name}` accepts {current} webhooks already (`tenure source remove {name}` first)"
                )));
            }
            let mut params = webhook.to_vec();
            params.push(Value::Int(row.int(0)?));
            conn.execute(
                "UPDATE sources SET webhook_kind = $1, webhook_secret = $2, webhook_added_at = $3 WHERE id = $4",
                &params,
            )?;
        }
        None => {
            let mut params = vec![Value::from(name), Value::Time(now)];
            params.extend(webhook);
            conn.execute(
                "INSERT INTO sources (name, created_at, webhook_kind, webhook_secret, webhook_added_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &params,
            )?;
        }
    }
    Ok(())
}

/// How `source`'s webhooks are verified; `None` when it accepts none (or does not exist).
pub(crate) fn endpoint(
    conn: &mut dyn Conn,
    source: &SourceName,
) -> Result<Option<WebhookEndpoint>, StoreError> {
    let row = conn.query_opt(
        "SELECT webhook_kind, webhook_secret FROM sources WHERE name = $1 AND webhook_kind IS NOT NULL",
        &[Value::from(source.as_str())],
    )?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(WebhookEndpoint {
        source: source.clone(),
        kind: kind(&row, 0)?,
        secret: WebhookSecret::new(row.text(1)?),
    }))
}

/// The id of `source` when it accepts webhooks; `NotFound` otherwise (it may have been stopped
/// since its secret was read).
pub(crate) fn webhook_source_id(conn: &mut dyn Conn, source: &SourceName) -> Result<i64, StoreError> {
    conn.query_opt(
        "SELECT id FROM sources WHERE name = $1 AND webhook_kind IS NOT NULL",
        &[Value::from(source.as_str())],
    )?
    .ok_or_else(|| StoreError::NotFound(format!("a source `{source}` accepting webhooks")))?
    .int(0)
}

/// Stops `source` accepting webhooks and forgets its secret; its orders, customers and past
/// deliveries stay. `NotFound` for an unknown source, `Conflict` for one without webhooks.
pub(crate) fn remove_webhook(conn: &mut dyn Conn, source: &SourceName) -> Result<(), StoreError> {
    let name = source.as_str();
    let changed = conn.execute(
        "UPDATE sources SET webhook_kind = NULL, webhook_secret = NULL, webhook_added_at = NULL \
         WHERE name = $1 AND webhook_kind IS NOT NULL",
        &[Value::from(name)],
    )?;
    if changed == 1 {
        return Ok(());
    }
    match conn.query_opt("SELECT id FROM sources WHERE name = $1", &[Value::from(name)])? {
        Some(_) => Err(StoreError::Conflict(format!("source `{name}` accepts no webhooks"))),
        None => Err(StoreError::NotFound(format!("source `{name}`"))),
    }
}

/// Every source by name, with its webhook kind and order count: never a secret.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<SourceInfo>, StoreError> {
    let rows = conn.query(
        "SELECT s.name, s.webhook_kind, s.created_at, s.webhook_added_at, \
         (SELECT COUNT(*) FROM orders o WHERE o.source_id = s.id), s.time_zone FROM sources s ORDER BY s.name",
        &[],
    )?;
    rows.iter()
        .map(|row| {
            Ok(SourceInfo {
                name: row.text(0)?,
                webhook: row.opt_text(1)?.map(|_| kind(row, 1)).transpose()?,
                created_at: row.time(2)?,
                webhook_added_at: row.opt_time(3)?,
                orders: u64::try_from(row.int(4)?).unwrap_or(0),
                time_zone: row.opt_text(5)?,
            })
        })
        .collect()
}

/// The zone `source`'s files write their times in, if an import named one.
pub(crate) fn time_zone(conn: &mut dyn Conn, source: &SourceName) -> Result<Option<String>, StoreError> {
    let row =
        conn.query_opt("SELECT time_zone FROM sources WHERE name = $1", &[Value::from(source.as_str())])?;
    row.map_or(Ok(None), |row| row.opt_text(0))
}

/// Whether `source`'s derived CDNOW order ids write customer numbers without leading zeros, as
/// sources created before migration 9 do (false for a source not created yet: new sources pad
/// them).
pub(crate) fn unpadded_order_ids(conn: &mut dyn Conn, source: &SourceName) -> Result<bool, StoreError> {
    let row = conn.query_opt(
        "SELECT unpadded_order_ids FROM sources WHERE name = $1",
        &[Value::from(source.as_str())],
    )?;
    Ok(row.map(|row| row.int(0)).transpose()?.is_some_and(|flag| flag != 0))
}

/// Remembers `zone` as the zone of `source`'s times (the source is created if new).
pub(crate) fn set_time_zone(
    conn: &mut dyn Conn,
    source: &SourceName,
    zone: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let params = [Value::from(zone), Value::from(source.as_str())];
    if conn.execute("UPDATE sources SET time_zone = $1 WHERE name = $2", &params)? == 0 {
        conn.execute(
            "INSERT INTO sources (name, created_at, time_zone) VALUES ($1, $2, $3)",
            &[Value::from(source.as_str()), Value::Time(now), Value::from(zone)],
        )?;
    }
    Ok(())
}

fn kind(row: &Row, index: usize) -> Result<WebhookKind, StoreError> {
    WebhookKind::parse(&row.text(index)?).map_err(|e| StoreError::Other(format!("sources.webhook_kind: {e}")))
}
