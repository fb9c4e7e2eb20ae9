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

/// The live (not revoked) token with this hash, marking it used at `now`.
pub(crate) fn authenticate(
    conn: &mut dyn Conn,
    token_sha256: &str,
    now: Timestamp,
) -> Result<Option<TokenInfo>, StoreError> {
    let Some(row) = conn.query_opt(
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL"),
        &[Value::from(token_sha256)],
    )?
    else {
        return Ok(None);
    };
    let mut token = token_info(&row)?;
    conn.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        &[Value::Time(now), Value::Int(token.id)],
    )?;
    token.last_used_at = Some(now);
    Ok(Some(token))
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
