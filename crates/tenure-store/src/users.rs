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

/// Removes the user with this e-mail (their sessions and calendar feed go with them);
/// `NotFound` when none. What they own passes to `reassign_to` when given; without it, follow-ups
/// (which always have an owner) make it a `Conflict` naming how many, and the customers, cadence
/// rules and alerts they were responsible for are left without an owner.
pub(crate) fn remove(
    conn: &mut dyn Conn,
    email: &str,
    reassign_to: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(user_id) = id_of(conn, email)? else {
        return Err(StoreError::NotFound(format!("user {email}")));
    };
    let heir = match reassign_to {
        None => None,
        Some(heir_email) => match id_of(conn, heir_email)? {
            Some(id) if id == user_id => {
                return Err(StoreError::Invalid(format!("cannot reassign {email}'s work to themselves")));
            }
            Some(id) => Some(id),
            None => return Err(StoreError::NotFound(format!("user {heir_email} (to reassign to)"))),
        },
    };
    match heir {
        Some(heir) => reassign(conn, user_id, heir, now)?,
        None => {
            refuse_if_owning_followups(conn, email, user_id)?;
            for table in OWNED_OPTIONALLY {
                conn.execute(
                    &format!("UPDATE {table} SET owner_id = NULL WHERE owner_id = $1"),
                    &[Value::Int(user_id)],
                )?;
            }
        }
    }
    // Sessions are deleted explicitly as well as by the foreign key: SQLite enforces the
    // cascade only where `PRAGMA foreign_keys` is on, and correctness must not hang on a pragma.
    conn.execute("DELETE FROM sessions WHERE user_id = $1", &[Value::Int(user_id)])?;
    conn.execute("DELETE FROM calendar_feeds WHERE user_id = $1", &[Value::Int(user_id)])?;
    conn.execute("DELETE FROM users WHERE id = $1", &[Value::Int(user_id)])?;
    Ok(())
}

/// Tables whose `owner_id` may be empty (nobody responsible: their alerts show in the app only, e-mailed to nobody).
const OWNED_OPTIONALLY: [&str; 3] = ["customer_contacts", "cadence_rules", "cadence_alerts"];

fn id_of(conn: &mut dyn Conn, email: &str) -> Result<Option<i64>, StoreError> {
    conn.query_opt("SELECT id FROM users WHERE email = $1", &[Value::from(email)])?
        .map(|row| row.int(0))
        .transpose()
}

/// Everything `from` owns passes to `to`; each follow-up's calendar entry changes owner, so its
/// sequence goes up (the new owner's calendar client sees a changed event).
fn reassign(conn: &mut dyn Conn, from: i64, to: i64, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE followups SET owner_id = $1, sequence = sequence + 1, updated_at = $2 WHERE owner_id = $3",
        &[Value::Int(to), Value::Time(now), Value::Int(from)],
    )?;
    for table in OWNED_OPTIONALLY {
        conn.execute(
            &format!("UPDATE {table} SET owner_id = $1 WHERE owner_id = $2"),
            &[Value::Int(to), Value::Int(from)],
        )?;
    }
    Ok(())
}

fn refuse_if_owning_followups(conn: &mut dyn Conn, email: &str, user_id: i64) -> Result<(), StoreError> {
    let row = conn.query_one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) FROM followups WHERE owner_id = $1",
        &[Value::Int(user_id)],
    )?;
    let (all, open) = (row.int(0)?, row.int(1)?);
    if all > 0 {
        return Err(StoreError::Conflict(format!(
            "{email} owns {all} follow-up{} ({open} open); give them to another user with --reassign-to EMAIL",
            if all == 1 { "" } else { "s" }
        )));
    }
    Ok(())
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
