//! Dashboard users and their sessions. The store keeps what the app layer hands it — an argon2id
//! PHC string per user, the SHA-256 of each session secret — and never sees a password or a
//! cookie.

use tenure_domain::{Role, Timestamp};

use crate::sql::{Conn, Row, Value};
use crate::{SessionInfo, StoreError, UserInfo};

/// Stores a new user; `Conflict` when the e-mail is taken.
pub(crate) fn create(conn: &mut dyn Conn, user: &NewUserRow<'_>, now: Timestamp) -> Result<i64, StoreError> {
    if conn.query_opt("SELECT id FROM users WHERE email = $1", &[Value::from(user.email)])?.is_some() {
        return Err(StoreError::Conflict(format!("a user with e-mail {} exists already", user.email)));
    }
    conn.query_one(
        "INSERT INTO users (email, name, role, password_hash, created_at, password_set_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        &[
            Value::from(user.email),
            Value::from(user.name),
            Value::from(user.role.as_str()),
            Value::from(user.password_hash),
            Value::Time(now),
        ],
    )?
    .int(0)
}

/// What [`create`] stores.
pub(crate) struct NewUserRow<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// The user with this (normalised) e-mail and their password hash.
pub(crate) fn by_email(conn: &mut dyn Conn, email: &str) -> Result<Option<(UserInfo, String)>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"),
        &[Value::from(email)],
    )?
    .map(|row| Ok((user_info(&row)?, row.text(5)?)))
    .transpose()
}

/// Every user, by e-mail.
pub(crate) fn list(conn: &mut dyn Conn) -> Result<Vec<UserInfo>, StoreError> {
    conn.query(&format!("SELECT {COLUMNS} FROM users ORDER BY email"), &[])?.iter().map(user_info).collect()
}

/// Removes the user with this e-mail (their sessions go with them); `NotFound` when none.
pub(crate) fn remove(conn: &mut dyn Conn, email: &str) -> Result<(), StoreError> {
    // Sessions are deleted explicitly as well as by the foreign key: SQLite enforces the
    // cascade only where `PRAGMA foreign_keys` is on, and correctness must not hang on a pragma.
    conn.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)",
        &[Value::from(email)],
    )?;
    match conn.execute("DELETE FROM users WHERE email = $1", &[Value::from(email)])? {
        0 => Err(StoreError::NotFound(format!("user {email}"))),
        _ => Ok(()),
    }
}

/// Replaces the password hash of the user with this e-mail and ends all their sessions.
pub(crate) fn set_password(
    conn: &mut dyn Conn,
    email: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE users SET password_hash = $1, password_set_at = $2 WHERE email = $3",
        &[Value::from(password_hash), Value::Time(now), Value::from(email)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("user {email}")));
    }
    conn.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)",
        &[Value::from(email)],
    )?;
    Ok(())
}

/// Stores a session of `user_id` (and drops expired ones, so the table does not grow forever).
pub(crate) fn create_session(
    conn: &mut dyn Conn,
    user_id: i64,
    token_sha256: &str,
    csrf_token: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= $1", &[Value::Time(now)])?;
    conn.execute(
        "INSERT INTO sessions (token_sha256, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::from(token_sha256),
            Value::Int(user_id),
            Value::from(csrf_token),
            Value::Time(now),
            Value::Time(expires_at),
        ],
    )?;
    Ok(())
}

/// The unexpired session with this hash, with its user.
pub(crate) fn find_session(
    conn: &mut dyn Conn,
    token_sha256: &str,
    now: Timestamp,
) -> Result<Option<SessionInfo>, StoreError> {
    let sql = "SELECT u.id, u.email, u.name, u.role, u.created_at, s.csrf_token, s.expires_at \
               FROM sessions s JOIN users u ON u.id = s.user_id \
               WHERE s.token_sha256 = $1 AND s.expires_at > $2";
    conn.query_opt(sql, &[Value::from(token_sha256), Value::Time(now)])?
        .map(|row| {
            Ok(SessionInfo { user: user_info(&row)?, csrf_token: row.text(5)?, expires_at: row.time(6)? })
        })
        .transpose()
}

/// Ends the session with this hash (nothing when there is none: logging out twice is fine).
pub(crate) fn delete_session(conn: &mut dyn Conn, token_sha256: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM sessions WHERE token_sha256 = $1", &[Value::from(token_sha256)])?;
    Ok(())
}

const COLUMNS: &str = "id, email, name, role, created_at";

fn user_info(row: &Row) -> Result<UserInfo, StoreError> {
    let role_text = row.text(3)?;
    Ok(UserInfo {
        id: row.int(0)?,
        email: row.text(1)?,
        name: row.text(2)?,
        role: Role::parse(&role_text).map_err(|e| StoreError::Other(format!("users: {e}")))?,
        created_at: row.time(4)?,
    })
}
