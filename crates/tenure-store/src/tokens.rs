//! API tokens: stored by the SHA-256 of the token (the caller hashes), with a role, a name, when
//! it was last used, and whether it was revoked.

use tenure_domain::{Role, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{StoreError, TokenInfo};

/// Stores a new token's hash; returns its id.
pub(crate) fn create(
    conn: &mut dyn Conn,
    name: &str,
    role: Role,
    token_sha256: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    conn.query_one(
        "INSERT INTO api_tokens (name, role, token_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[Value::from(name), Value::from(role.as_str()), Value::from(token_sha256), Value::Time(now)],
    )?
    .int(0)
}

/// How stale `last_used_at` may get before a request records its use: recording every request
/// would make each API call a write (and, on SQLite, queue behind every other writer).
pub(crate) const LAST_USE_RESOLUTION_SECONDS: i64 = 60;

/// The live (not revoked) token with this hash, read in a read transaction.
pub(crate) fn find_live(conn: &mut dyn Conn, token_sha256: &str) -> Result<Option<TokenInfo>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL"),
        &[Value::from(token_sha256)],
    )?
    .map(|row| token_info(&row))
    .transpose()
}

/// True when `token`'s recorded last use is older than the resolution at `now`.
pub(crate) fn use_is_stale(token: &TokenInfo, now: Timestamp) -> bool {
    token.last_used_at.is_none_or(|last| (now - last).num_seconds() >= LAST_USE_RESOLUTION_SECONDS)
}

/// Records that token `id` was used at `now` (unless it was revoked meanwhile).
pub(crate) fn record_use(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[Value::Time(now), Value::Int(id)],
    )?;
    Ok(())
}

/// Every token, newest first.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<TokenInfo>, StoreError> {
    conn.query(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC"), &[])?
        .iter()
        .map(token_info)
        .collect()
}

/// Revokes token `id`; `NotFound` when there is none, `Conflict` when it was revoked already.
pub(crate) fn revoke(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[Value::Time(now), Value::Int(id)],
    )?;
    if changed == 1 {
        return Ok(());
    }
    match conn.query_opt("SELECT id FROM api_tokens WHERE id = $1", &[Value::Int(id)])? {
        Some(_) => Err(StoreError::Conflict(format!("token {id} was revoked already"))),
        None => Err(StoreError::NotFound(format!("token {id}"))),
    }
}

const COLUMNS: &str = "id, name, role, created_at, last_used_at, revoked_at";

fn token_info(row: &Row) -> Result<TokenInfo, StoreError> {
    let role_text = row.text(2)?;
    Ok(TokenInfo {
        id: row.int(0)?,
        name: row.text(1)?,
        role: Role::parse(&role_text).map_err(|e| StoreError::Other(format!("api_tokens: {e}")))?,
        created_at: row.time(3)?,
        last_used_at: row.opt_time(4)?,
        revoked_at: row.opt_time(5)?,
    })
}
