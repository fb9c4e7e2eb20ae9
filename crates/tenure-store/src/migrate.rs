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
    refuse_gaps(conn, migrations, current)?;
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
    record_checksums(conn, migrations)?;
    verify_checksums(conn, migrations)?;
    Ok(SchemaStatus { current: latest, latest, applied })
}

/// Refuses a database that skipped a migration this binary has below its current version (a
/// migration numbered below one already applied — merged late — would otherwise never run).
fn refuse_gaps(conn: &mut dyn Conn, migrations: &[Migration], current: i64) -> Result<(), StoreError> {
    let applied: Vec<i64> = conn
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])?
        .iter()
        .map(|row| row.int(0))
        .collect::<Result<_, _>>()?;
    let missing = migrations.iter().find(|m| m.version <= current && !applied.contains(&m.version));
    match missing {
        None => Ok(()),
        Some(migration) => Err(StoreError::Invalid(format!(
            "migration {:04}_{} was never applied to this database, which is already at version {current}: \
             it was added below a newer one; give it a number above {current}",
            migration.version, migration.name
        ))),
    }
}

/// The migration that creates `schema_checksums`.
const CHECKSUMS_FROM: i64 = 16;

/// The SHA-256 (hex) of a migration's SQL.
pub(crate) fn checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Records the checksum of every applied migration that has none yet.
fn record_checksums(conn: &mut dyn Conn, migrations: &[Migration]) -> Result<(), StoreError> {
    if latest(migrations) < CHECKSUMS_FROM {
        return Ok(());
    }
    for migration in migrations {
        conn.execute(
            "INSERT INTO schema_checksums (version, sha256) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
            &[Value::Int(migration.version), Value::from(checksum(migration.sql))],
        )?;
    }
    Ok(())
}

/// Refuses a binary whose copy of an applied migration is not the SQL that was applied.
pub(crate) fn verify_checksums(conn: &mut dyn Conn, migrations: &[Migration]) -> Result<(), StoreError> {
    if current_version_readonly(conn)? < CHECKSUMS_FROM {
        return Ok(());
    }
    for row in conn.query("SELECT version, sha256 FROM schema_checksums ORDER BY version", &[])? {
        let (version, stored) = (row.int(0)?, row.text(1)?);
        let Some(migration) = migrations.iter().find(|m| m.version == version) else { continue };
        if checksum(migration.sql) != stored {
            return Err(StoreError::Invalid(format!(
                "migration {version:04}_{} in this tenure binary is not the one this database was migrated with \
                 (its SQL was edited after it landed; SHA-256 {} here, {stored} applied): use a tenure built from \
                 the released migrations",
                migration.name,
                checksum(migration.sql)
            )));
        }
    }
    Ok(())
}

/// The highest applied migration, or 0 before the bookkeeping table exists — without creating
/// it (this runs in read transactions too).
fn current_version_readonly(conn: &mut dyn Conn) -> Result<i64, StoreError> {
    conn.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.int(0)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `migrations/CHECKSUMS`: the SHA-256 of every landed migration file, as `sha256sum` prints
    /// them. A new migration adds its lines; a changed line means a landed migration was edited.
    const PINNED: &str = include_str!("../migrations/CHECKSUMS");

    fn pinned(engine: &str, migration: &Migration) -> Option<&'static str> {
        let file = format!("{engine}/{:04}_{}.sql", migration.version, migration.name);
        PINNED.lines().find_map(|line| {
            let (sum, path) = line.split_once("  ")?;
            (path == file).then_some(sum)
        })
    }

    #[test]
    fn landed_migrations_are_never_edited() {
        for (engine, migrations) in
            [("sqlite", crate::sqlite_engine::MIGRATIONS), ("postgres", crate::postgres_engine::MIGRATIONS)]
        {
            for migration in migrations {
                let sum = pinned(engine, migration).unwrap_or_else(|| {
                    panic!(
                        "{engine} migration {} is not in migrations/CHECKSUMS: add its line",
                        migration.version
                    )
                });
                assert_eq!(
                    checksum(migration.sql),
                    sum,
                    "{engine} migration {:04}_{} was edited after it landed: make a new migration instead",
                    migration.version,
                    migration.name
                );
            }
        }
    }

    #[test]
    fn both_engines_list_the_same_migrations_in_order() {
        let names = |migrations: &[Migration]| -> Vec<(i64, &str)> {
            migrations.iter().map(|m| (m.version, m.name)).collect()
        };
        let sqlite = names(crate::sqlite_engine::MIGRATIONS);
        assert_eq!(sqlite, names(crate::postgres_engine::MIGRATIONS));
        assert!(sqlite.windows(2).all(|pair| pair[0].0 < pair[1].0), "versions rise: {sqlite:?}");
    }
}
