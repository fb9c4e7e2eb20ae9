//! The suppression list (addresses stopped by unsubscribing, complaints, bounces, erasure) and
//! the settings a server generates once and every process shares.

use tenure_domain::{CustomerId, Timestamp};

use crate::sql::{Conn, Value};
use crate::{StoreError, Suppression, SuppressionReason};

/// Puts `email` (normalised to lower case) on the list for `reason`. An address already listed
/// keeps the stronger reason: one that stops everything is never weakened to one that stops less.
pub(crate) fn suppress(
    conn: &mut dyn Conn,
    email: &str,
    reason: SuppressionReason,
    customer_id: Option<CustomerId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let email = email.trim().to_lowercase();
    conn.execute(
        "INSERT INTO suppressions (email, reason, customer_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at \
         WHERE suppressions.reason IN ('unsubscribed', 'complained')",
        &[
            Value::from(email),
            Value::from(reason.as_str()),
            Value::from(customer_id.map(|c| c.0)),
            Value::Time(now),
        ],
    )?;
    Ok(())
}

/// Every suppressed address, newest first.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<Suppression>, StoreError> {
    conn.query(
        "SELECT email, reason, customer_id, created_at FROM suppressions ORDER BY created_at DESC, email",
        &[],
    )?
    .iter()
    .map(|row| {
        Ok(Suppression {
            email: row.text(0)?,
            reason: SuppressionReason::from_column(&row.text(1)?)?,
            customer_id: row.opt_int(2)?.map(CustomerId),
            created_at: row.time(3)?,
        })
    })
    .collect()
}

/// The reason `email` is suppressed, if it is (listed as itself, or as the keyed hash an erased
/// person's addresses are listed as).
pub(crate) fn reason(conn: &mut dyn Conn, email: &str) -> Result<Option<SuppressionReason>, StoreError> {
    let email = email.trim().to_lowercase();
    let hashed = match crate::privacy::stored_key(conn)? {
        Some(key) => crate::privacy::suppressed_address(&key, &email),
        None => email.clone(),
    };
    conn.query_opt(
        "SELECT reason FROM suppressions WHERE email = $1 OR email = $2 ORDER BY reason = 'erased' DESC",
        &[Value::from(email), Value::from(hashed)],
    )?
    .map(|row| SuppressionReason::from_column(&row.text(0)?))
    .transpose()
}

/// A setting's value, if it was ever written.
pub(crate) fn setting(conn: &mut dyn Conn, name: &str) -> Result<Option<String>, StoreError> {
    conn.query_opt("SELECT value FROM settings WHERE name = $1", &[Value::from(name)])?
        .map(|row| row.text(0))
        .transpose()
}

/// Sets a setting, or removes it with `None`.
pub(crate) fn put_setting(conn: &mut dyn Conn, name: &str, value: Option<&str>) -> Result<(), StoreError> {
    match value {
        Some(value) => conn.execute(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[Value::from(name), Value::from(value)],
        )?,
        None => conn.execute("DELETE FROM settings WHERE name = $1", &[Value::from(name)])?,
    };
    Ok(())
}

/// The setting `name`; when none is stored yet, stores `make()` first. Concurrent first calls
/// agree: the value that was stored first is the one every caller gets.
pub(crate) fn setting_or_insert(
    conn: &mut dyn Conn,
    name: &str,
    make: &dyn Fn() -> String,
) -> Result<String, StoreError> {
    if let Some(row) = conn.query_opt("SELECT value FROM settings WHERE name = $1", &[Value::from(name)])? {
        return row.text(0);
    }
    conn.execute(
        "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[Value::from(name), Value::from(make())],
    )?;
    conn.query_one("SELECT value FROM settings WHERE name = $1", &[Value::from(name)])?.text(0)
}
