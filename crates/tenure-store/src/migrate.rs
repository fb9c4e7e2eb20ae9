//! Embedded, numbered, forward-only migrations, applied in one transaction under the engine's
//! schema lock so that several processes starting at once apply each migration exactly once.
//! A migration is never edited after it lands: a change is a new file.

use serde::Serialize;

use crate::StoreError;
use crate::sql::{Conn, Value};

/// One migration: its number, name and SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Where a database's schema stands against the migrations this binary carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaStatus {
    /// Highest migration applied (0 for an empty database).
    pub current: i64,
    /// Highest migration this binary knows.
    pub latest: i64,
    /// Migrations applied by this call (empty when only asked).
    pub applied: Vec<String>,
}

impl SchemaStatus {
    /// True when the database is exactly at this binary's schema.
    pub fn is_current(&self) -> bool {
        self.current == self.latest
    }
}

/// The highest applied migration, creating the bookkeeping table if `bootstrap` asks.
pub(crate) fn current_version(conn: &mut dyn Conn, bootstrap: &str) -> Result<i64, StoreError> {
    conn.execute_batch(bootstrap)?;
    let row = conn.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?;
    row.int(0)
}

/// Applies every migration above the current version, in order; returns the new status.
pub(crate) fn apply(
    conn: &mut dyn Conn,
    bootstrap: &str,
    migrations: &[Migration],
    now: tenure_domain::Timestamp,
) -> Result<SchemaStatus, StoreError> {
    let current = current_version(conn, bootstrap)?;
    let latest = latest(migrations);
    if current > latest {
        return Err(newer_schema(current, latest));
    }
    let mut applied = Vec::new();
    for migration in migrations.iter().filter(|m| m.version > current) {
        conn.execute_batch(migration.sql).map_err(|e| {
            StoreError::Other(format!("migration {} ({}): {e}", migration.version, migration.name))
        })?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[Value::Int(migration.version), Value::from(migration.name), Value::Time(now)],
        )?;
        applied.push(format!("{:04}_{}", migration.version, migration.name));
    }
    Ok(SchemaStatus { current: latest, latest, applied })
}

/// The highest version among `migrations`.
pub(crate) fn latest(migrations: &[Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The error for a database migrated by a newer Tenure.
pub(crate) fn newer_schema(current: i64, latest: i64) -> StoreError {
    StoreError::Invalid(format!(
        "the database schema is at version {current}, newer than this tenure binary knows ({latest}): upgrade tenure"
    ))
}
