//! Backups of a SQLite database and their restore, through SQLite's online backup API: the copy
//! is one consistent snapshot taken in one step under a read transaction, so a server may keep
//! writing meanwhile (in WAL mode writers do not wait for it). Both ends are checked with
//! `PRAGMA integrity_check`. A backup is written under a temporary name and renamed when
//! complete, so a crash never leaves a half-written file under the backup's name.
//!
//! PostgreSQL has its own tools for this (`pg_dump -Fc`, `pg_restore`): see docs/backups.md.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::StoreError;

/// How long a backup or restore waits for a lock another connection holds.
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// What a backup or a restore produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    /// The file written (the backup, or the restored database).
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The highest migration its schema has.
    pub schema_version: i64,
    /// Orders in it.
    pub orders: i64,
    /// Customers in it.
    pub customers: i64,
    /// `PRAGMA integrity_check`'s answer: always `ok` (anything else is an error).
    pub integrity: String,
}

/// Copies the SQLite database at `url` to the new file `destination`.
pub fn backup_sqlite(url: &str, destination: &Path) -> Result<BackupReport, StoreError> {
    let source_path = sqlite_path(url)?;
    if destination.exists() {
        return Err(StoreError::Invalid(format!(
            "{} exists: a backup never overwrites a file, choose a new name",
            destination.display()
        )));
    }
    let source = open_readonly(&source_path)?;
    let partial = partial_name(destination);
    let _ = std::fs::remove_file(&partial);
    let mut target = Connection::open(&partial).map_err(|e| io(&partial, e))?;
    copy(&source, &mut target)?;
    let report = check(&target, destination)?;
    drop(target);
    std::fs::rename(&partial, destination).map_err(|e| io(destination, e))?;
    std::fs::File::open(destination).and_then(|f| f.sync_all()).map_err(|e| io(destination, e))?;
    Ok(BackupReport { bytes: size(destination), ..report })
}

/// Replaces the SQLite database at `url` with the backup `backup` (checked first: a damaged file,
/// or one that is no Tenure database, is refused and nothing is changed).
pub fn restore_sqlite(backup: &Path, url: &str) -> Result<BackupReport, StoreError> {
    let target_path = sqlite_path(url)?;
    let source = open_readonly(backup)?;
    let found = check(&source, backup)?;
    let latest = crate::sqlite_engine::MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    if found.schema_version > latest {
        return Err(StoreError::Invalid(format!(
            "{} was made by a newer tenure (schema {}, this one knows {latest}): restore it with that version",
            backup.display(),
            found.schema_version
        )));
    }
    let mut target = Connection::open(&target_path).map_err(|e| io(&target_path, e))?;
    target.busy_timeout(BUSY_WAIT).map_err(driver)?;
    copy(&source, &mut target)?;
    let report = check(&target, &target_path)?;
    Ok(BackupReport { bytes: size(&target_path), ..report })
}

/// The file of a `sqlite:` URL; PostgreSQL is told where its tools are.
fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    if let Some(location) = url.strip_prefix("sqlite:") {
        let path = location.split_once('?').map_or(location, |(path, _)| path);
        return Ok(PathBuf::from(path));
    }
    Err(StoreError::Invalid(
        "backups of PostgreSQL are taken with its own tools: pg_dump -Fc -f FILE URL, restored with \
         pg_restore --clean --if-exists -d URL FILE (docs/backups.md)"
            .into(),
    ))
}

fn open_readonly(path: &Path) -> Result<Connection, StoreError> {
    if !path.exists() {
        return Err(StoreError::NotFound(format!("{}", path.display())));
    }
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| io(path, e))?;
    connection.busy_timeout(BUSY_WAIT).map_err(driver)?;
    Ok(connection)
}

/// Copies every page of `source` into `target` in one step (one consistent snapshot), waiting
/// while another connection holds a lock the copy needs.
fn copy(source: &Connection, target: &mut Connection) -> Result<(), StoreError> {
    let backup = Backup::new(source, target).map_err(driver)?;
    let deadline = Instant::now() + BUSY_WAIT;
    loop {
        match backup.step(-1).map_err(driver)? {
            StepResult::Done => return Ok(()),
            // -1 copies everything at once, so More does not come back; Busy and Locked do.
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => return Err(StoreError::Conflict(format!("the database stayed locked ({other:?})"))),
        }
    }
}

/// Checks `connection`'s database and reads what the report says of it.
fn check(connection: &Connection, path: &Path) -> Result<BackupReport, StoreError> {
    let integrity: String =
        connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).map_err(driver)?;
    if integrity != "ok" {
        return Err(StoreError::Invalid(format!(
            "{} fails SQLite's integrity check: {integrity}",
            path.display()
        )));
    }
    let count = |sql: &str| -> Result<i64, StoreError> {
        connection.query_row(sql, [], |row| row.get(0)).map_err(|_| {
            StoreError::Invalid(format!("{} is not a Tenure database (no {sql})", path.display()))
        })
    };
    Ok(BackupReport {
        file: path.to_path_buf(),
        bytes: 0,
        schema_version: count("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")?,
        orders: count("SELECT COUNT(*) FROM orders")?,
        customers: count("SELECT COUNT(*) FROM customers")?,
        integrity,
    })
}

fn partial_name(destination: &Path) -> PathBuf {
    let mut name = destination.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn io(path: &Path, error: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("{}: {error}", path.display()))
}

fn driver(error: rusqlite::Error) -> StoreError {
    StoreError::Other(error.to_string())
}
