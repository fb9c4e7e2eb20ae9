//! Migrations pinned by checksum, on SQLite and PostgreSQL: a database records the SHA-256 of
//! each migration it applied, and a binary whose copy differs is refused when it opens the
//! database (the stored checksum is altered here, as an edited migration file would differ).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeZone, Utc};
use tenure_store::{open, testing};

fn alter_checksum(statement_runner: impl FnOnce(&str)) {
    statement_runner("UPDATE schema_checksums SET sha256 = 'edited' WHERE version = 13");
}

#[test]
fn a_migration_edited_after_it_was_applied_is_refused_at_start() {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenure.db");
    let url = format!("sqlite:{}", path.display());
    drop(open(&url, now).unwrap());
    assert!(open(&url, now).is_ok(), "an untouched database opens again");
    alter_checksum(|sql| {
        rusqlite::Connection::open(&path).unwrap().execute(sql, []).unwrap();
    });
    let error = open(&url, now).err().expect("refused");
    assert!(error.to_string().contains("0013_loyalty") && error.to_string().contains("edited"), "{error}");

    let Some(database) = testing::postgres_database() else { return };
    open(&database.url, now).unwrap().migrate(now).unwrap();
    assert!(open(&database.url, now).is_ok());
    alter_checksum(|sql| {
        postgres::Client::connect(&database.url, postgres::NoTls).unwrap().batch_execute(sql).unwrap();
    });
    let error = open(&database.url, now).err().expect("refused");
    assert!(error.to_string().contains("0013_loyalty"), "{error}");
}

#[test]
fn a_migration_never_applied_below_the_current_version_is_refused() {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenure.db");
    let url = format!("sqlite:{}", path.display());
    drop(open(&url, now).unwrap());
    // As if migration 14 had come in after 15 and 16 were applied here.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM schema_migrations WHERE version = 14", [])
        .unwrap();
    let error = open(&url, now).err().expect("refused");
    assert!(
        error.to_string().contains("0014_order_versions") && error.to_string().contains("never applied"),
        "{error}"
    );
}
