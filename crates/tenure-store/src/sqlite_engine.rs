//! The SQLite engine: an embedded file in WAL mode, foreign keys on, a busy timeout so writers
//! queue rather than fail, and write transactions taken IMMEDIATE. A bulk import
//! ([`Backend::import_write`]) checks no foreign keys, and the first one into an empty database
//! that no other connection has open keeps a rollback journal instead of the WAL.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::migrate::Migration;
use crate::sql::{Conn, IdTable, Param, PerKey, Row, SkipStored, Value};
use crate::store::{Backend, Transaction};
use crate::{EngineKind, StoreError};

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "customer_file",
        sql: include_str!("../migrations/sqlite/0001_customer_file.sql"),
    },
    Migration {
        version: 2,
        name: "customer_scores",
        sql: include_str!("../migrations/sqlite/0002_customer_scores.sql"),
    },
    Migration {
        version: 3,
        name: "api_tokens",
        sql: include_str!("../migrations/sqlite/0003_api_tokens.sql"),
    },
    Migration {
        version: 4,
        name: "users_sessions",
        sql: include_str!("../migrations/sqlite/0004_users_sessions.sql"),
    },
    Migration {
        version: 5,
        name: "writes_webhooks",
        sql: include_str!("../migrations/sqlite/0005_writes_webhooks.sql"),
    },
    Migration {
        version: 6,
        name: "store_revision",
        sql: include_str!("../migrations/sqlite/0006_store_revision.sql"),
    },
    Migration {
        version: 7,
        name: "identities_by_customer_source",
        sql: include_str!("../migrations/sqlite/0007_identities_by_customer_source.sql"),
    },
    Migration {
        version: 8,
        name: "source_time_zones",
        sql: include_str!("../migrations/sqlite/0008_source_time_zones.sql"),
    },
    Migration {
        version: 9,
        name: "unpadded_order_ids",
        sql: include_str!("../migrations/sqlite/0009_unpadded_order_ids.sql"),
    },
    Migration { version: 10, name: "outbox", sql: include_str!("../migrations/sqlite/0010_outbox.sql") },
    Migration { version: 11, name: "surveys", sql: include_str!("../migrations/sqlite/0011_surveys.sql") },
    Migration { version: 12, name: "calendar", sql: include_str!("../migrations/sqlite/0012_calendar.sql") },
    Migration { version: 13, name: "loyalty", sql: include_str!("../migrations/sqlite/0013_loyalty.sql") },
    Migration {
        version: 14,
        name: "order_versions",
        sql: include_str!("../migrations/sqlite/0014_order_versions.sql"),
    },
    Migration {
        version: 15,
        name: "privacy_audit",
        sql: include_str!("../migrations/sqlite/0015_privacy_audit.sql"),
    },
    Migration {
        version: 16,
        name: "migration_checksums",
        sql: include_str!("../migrations/sqlite/0016_migration_checksums.sql"),
    },
];

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT_MS: u32 = 30_000;

/// Page size of a new database, in bytes (an existing one keeps its own: in WAL mode it cannot
/// change). 16 KiB instead of SQLite's 4 KiB: fewer, fuller B-tree pages and a quarter as many WAL
/// frames for the same rows. Inserting 10 million orders with their indexes took about 30 %
/// less time in sqlite3 itself (`bench/RESULTS.md`).
const PAGE_BYTES: u32 = 16 * 1024;

/// Page cache per connection, in KiB: large imports update several indexes at once, and a
/// bigger cache keeps their pages in memory (bounded: this is the cap).
const CACHE_KIB: u32 = 64 * 1024;

/// Page cache of a bulk import's connection, in KiB, while it imports: an import inserts into
/// several indexes in their keys' random order, and each page it finds outside the cache is
/// read again from the file (and, when dirty, spilled to the WAL and written again later).
/// Ten million interactions into their table and its four B-trees with sqlite3: 120 s with
/// the 64 MiB cache, 64 s with 256 MiB (286 MB resident), 74 s with 1 GiB. Set back to
/// [`CACHE_KIB`] — the extra pages freed — when the connection's next transaction begins.
const IMPORT_CACHE_KIB: u32 = 256 * 1024;

/// Rows per multi-row insert (see [`Conn::rows_per_statement`]). Instructions to import 300,000
/// CDNOW orders (callgrind): 7.6 G one row per statement; 6.1 G with 4 rows, 5.49 G with 8,
/// 5.19 G with 16, 5.14 G with 32, 5.38 G with 64 and 5.98 G with 256.
const ROWS_PER_STATEMENT: usize = 32;

/// Prepared statements kept per connection: an import's statements, with their few key-list
/// lengths (powers of two, see `sql::key_params`), all stay prepared.
const STATEMENT_CACHE: usize = 64;

pub(crate) struct Sqlite {
    conn: Connection,
    busy_timeout_ms: u32,
    /// Foreign-key checks are off on the connection (set by [`Backend::import_write`]; the next
    /// other transaction turns them on before it begins).
    foreign_keys_off: bool,
    /// The connection has the import's bigger page cache ([`IMPORT_CACHE_KIB`]).
    import_cache: bool,
    /// The database keeps a rollback journal for a first import (see [`Sqlite::journal_for_import`]);
    /// the next other transaction, or closing, returns it to WAL.
    rollback_journal: bool,
}

impl Sqlite {
    /// Opens (creating if missing) the database at `location`: a path, or `:memory:` for a private
    /// in-memory one, optionally followed by `?busy_timeout_ms=N` (how long a writer waits for
    /// another; default 30 s) and `max_size_mb=M` (the largest the file may grow).
    pub(crate) fn open(location: &str) -> Result<Self, StoreError> {
        let location = location.strip_prefix("//").unwrap_or(location);
        let (path, options) = split_options(location)?;
        let busy_timeout_ms = options.busy_timeout_ms;
        if path.is_empty() {
            return Err(StoreError::Invalid("sqlite: URL without a path (use sqlite:tenure.db)".into()));
        }
        let conn = if path == ":memory:" {
            Connection::open_in_memory()
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        }
        .map_err(|e| StoreError::Invalid(format!("cannot open SQLite database `{path}`: {e}")))?;
        // `secure_delete`: space freed by a change or removal is zeroed, so an erased customer's
        // old values do not stay readable in the file's free pages (the cost is writing zeros
        // into pages being written anyway).
        conn.execute_batch(&format!(
            "PRAGMA page_size = {PAGE_BYTES}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
             PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = MEMORY;"
        ))
        .map_err(driver)?;
        if let Some(megabytes) = options.max_size_mb {
            let pages = u64::from(megabytes) * 1024 * 1024 / u64::from(PAGE_BYTES);
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(())).map_err(driver)?;
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Sqlite {
            conn,
            busy_timeout_ms,
            foreign_keys_off: false,
            import_cache: false,
            rollback_journal: false,
        })
    }

    /// Before the first import into an empty table (`into`: orders, interactions): a rollback
    /// journal instead of the WAL,
    /// when no other connection has the database open (leaving WAL needs it alone; an open one
    /// makes the switch fail at once, and the import keeps the WAL). In WAL mode every page is
    /// written twice, to the WAL and at the checkpoint into the database; a rollback journal
    /// holds only the pages that existed before and changed, which for an empty table is few
    /// (the new rows go to new pages), so the rows are written once (an import of ten million
    /// orders took a fifth less time). A kill leaves a journal that the next opening rolls
    /// back, as it does a WAL's frames. Imports into a table with rows keep the WAL, so that
    /// readers never wait for them.
    fn journal_for_import(&mut self, into: &'static str) -> Result<(), StoreError> {
        if self.rollback_journal {
            return Ok(());
        }
        let empty = self
            .conn
            .query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM {into})"), [], |row| row.get::<_, bool>(0));
        if !empty.map_err(driver)? {
            return Ok(());
        }
        self.conn.busy_timeout(std::time::Duration::ZERO).map_err(driver)?;
        let mode = self.conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get::<_, String>(0));
        self.conn
            .busy_timeout(std::time::Duration::from_millis(self.busy_timeout_ms.into()))
            .map_err(driver)?;
        if mode.is_ok_and(|mode| mode.eq_ignore_ascii_case("delete")) {
            self.rollback_journal = true;
            // In rollback mode only FULL syncs at every moment a power failure could corrupt.
            self.conn.execute_batch("PRAGMA synchronous = FULL").map_err(driver)?;
        }
        Ok(())
    }

    /// Back to WAL after a first import (see [`Sqlite::journal_for_import`]).
    fn wal_again(&mut self) -> Result<(), StoreError> {
        if self.rollback_journal {
            self.conn
                .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
                .map_err(driver)?;
            self.rollback_journal = false;
        }
        Ok(())
    }

    /// The import's page cache, or the usual one, for the transactions that follow.
    fn import_cache(&mut self, on: bool) -> Result<(), StoreError> {
        if self.import_cache != on {
            let kib = if on { IMPORT_CACHE_KIB } else { CACHE_KIB };
            self.conn.execute_batch(&format!("PRAGMA cache_size = -{kib}")).map_err(driver)?;
            self.import_cache = on;
        }
        Ok(())
    }

    /// Turns foreign-key checks on or off for the transactions that follow (a no-op inside one).
    fn foreign_keys(&mut self, on: bool) -> Result<(), StoreError> {
        if self.foreign_keys_off == on {
            let pragma = if on { "PRAGMA foreign_keys = ON" } else { "PRAGMA foreign_keys = OFF" };
            self.conn.execute_batch(pragma).map_err(driver)?;
            self.foreign_keys_off = !on;
        }
        Ok(())
    }
}

/// What a `sqlite:` URL may set after its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    /// How long a writer waits for another (default [`BUSY_TIMEOUT_MS`]).
    busy_timeout_ms: u32,
    /// The largest the database file may grow, in MiB: a write that would pass it fails with
    /// "full", as on a full disk (none by default).
    max_size_mb: Option<u32>,
}

/// Splits `path?busy_timeout_ms=N&max_size_mb=M` into the path and its options.
fn split_options(location: &str) -> Result<(&str, Options), StoreError> {
    let mut found = Options { busy_timeout_ms: BUSY_TIMEOUT_MS, max_size_mb: None };
    let Some((path, options)) = location.split_once('?') else {
        return Ok((location, found));
    };
    let number = |name: &str, value: &str| {
        value
            .parse::<u32>()
            .map_err(|_| StoreError::Invalid(format!("sqlite: {name} must be a whole number, not `{value}`")))
    };
    for option in options.split('&') {
        match option.split_once('=') {
            Some(("busy_timeout_ms", value)) => found.busy_timeout_ms = number("busy_timeout_ms", value)?,
            Some(("max_size_mb", value)) => found.max_size_mb = Some(number("max_size_mb", value)?),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "sqlite: unknown option `{option}` (known: busy_timeout_ms, max_size_mb)"
                )));
            }
        }
    }
    Ok((path, found))
}

impl Backend for Sqlite {
    type Tx<'a> = SqliteTx<'a>;
    const KIND: EngineKind = EngineKind::Sqlite;
    const MIGRATIONS: &'static [Migration] = MIGRATIONS;
    const BOOTSTRAP: &'static str = "CREATE TABLE IF NOT EXISTS schema_migrations \
        (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
    const BOOKKEEPING_EXISTS: &'static str =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";

    fn write(&mut self) -> Result<SqliteTx<'_>, StoreError> {
        self.wal_again()?;
        self.foreign_keys(true)?;
        self.import_cache(false)?;
        self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map(SqliteTx).map_err(driver)
    }

    fn import_write(&mut self, into: &'static str) -> Result<SqliteTx<'_>, StoreError> {
        self.foreign_keys(false)?;
        self.import_cache(true)?;
        self.journal_for_import(into)?;
        self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map(SqliteTx).map_err(driver)
    }

    fn read(&mut self) -> Result<SqliteTx<'_>, StoreError> {
        self.wal_again()?;
        self.import_cache(false)?;
        self.conn.transaction_with_behavior(TransactionBehavior::Deferred).map(SqliteTx).map_err(driver)
    }

    fn lock_schema(_tx: &mut SqliteTx<'_>) -> Result<(), StoreError> {
        // The IMMEDIATE write transaction already excludes every other writer.
        Ok(())
    }

    const SCHEMA_COLUMNS: &'static str = "SELECT m.name, p.name FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2";

    fn overwrite_freed(&mut self, _tables: &[&str]) -> Result<(), StoreError> {
        // Freed space is zeroed as it is freed (`secure_delete`); the old pages' copies in the
        // write-ahead log go with it. A reader still holding an old snapshot keeps the log from
        // being emptied: it then is at the next checkpoint that finds no reader.
        self.wal_again()?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get::<_, i64>(0))
            .map_err(driver)?;
        Ok(())
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        // Best effort: the next opening switches to WAL anyway.
        let _ = self.wal_again();
    }
}

pub(crate) struct SqliteTx<'a>(rusqlite::Transaction<'a>);

impl Transaction for SqliteTx<'_> {
    fn commit(self) -> Result<(), StoreError> {
        self.0.commit().map_err(driver)
    }
}

impl SqliteTx<'_> {
    fn execute_any<P: rusqlite::ToSql>(&mut self, sql: &str, params: &[P]) -> Result<u64, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(driver)?;
        let changed = statement.execute(rusqlite::params_from_iter(params)).map_err(driver)?;
        Ok(changed as u64)
    }

    fn each_row<P: rusqlite::ToSql>(
        &mut self,
        sql: &str,
        params: &[P],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(driver)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params)).map_err(driver)?;
        let mut buffer = Row(Vec::with_capacity(columns));
        while let Some(row) = rows.next().map_err(driver)? {
            buffer.0.clear();
            decode_row(row, columns, &mut buffer)?;
            each(&buffer)?;
        }
        Ok(())
    }

    /// Every row of a query, each decoded into its own [`Row`] (not lent and copied).
    fn collect_rows<P: rusqlite::ToSql>(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(driver)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params)).map_err(driver)?;
        let mut collected = Vec::new();
        while let Some(row) = rows.next().map_err(driver)? {
            let mut owned = Row(Vec::with_capacity(columns));
            decode_row(row, columns, &mut owned)?;
            collected.push(owned);
        }
        Ok(collected)
    }
}

/// Appends the `columns` values of `row` to `into`.
fn decode_row(row: &rusqlite::Row<'_>, columns: usize, into: &mut Row) -> Result<(), StoreError> {
    for i in 0..columns {
        into.0.push(decode(row.get_ref(i).map_err(driver)?)?);
    }
    Ok(())
}

impl Conn for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.execute_any(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.collect_rows(sql, params)
    }

    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.each_row(sql, params, each)
    }

    fn execute_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, StoreError> {
        self.execute_any(sql, params)
    }

    fn execute_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        per_run: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(driver)?;
        params
            .chunks(per_run)
            .map(|run| statement.execute(rusqlite::params_from_iter(run)).map(|n| n as u64).map_err(driver))
            .collect()
    }

    fn query_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, StoreError> {
        self.collect_rows(sql, params)
    }

    fn rows_per_statement(&self) -> usize {
        ROWS_PER_STATEMENT
    }

    fn last_insert_id(&mut self) -> Option<i64> {
        Some(self.0.last_insert_rowid())
    }

    fn insert_many(&self) -> &'static str {
        "INSERT OR FAIL"
    }

    fn skip_stored(&self) -> SkipStored {
        SkipStored::NewestIds
    }

    fn sole_writer(&self) -> bool {
        true
    }

    fn text_compares_bytes(&self) -> bool {
        true
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql).map_err(driver)
    }

    fn reserve_ids(&mut self, table: IdTable, count: usize) -> Result<Vec<i64>, StoreError> {
        // The IMMEDIATE transaction excludes other writers, and the caller inserts these ids
        // before anything else can: the ids after the highest stored one are free.
        let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name());
        let highest = self.query_one(&sql, &[])?.int(0)?;
        Ok((1..=count as i64).map(|n| highest + n).collect())
    }

    fn given_ids_clause(&self) -> &'static str {
        ""
    }

    fn select_per_key(&self, query: &PerKey<'_>) -> String {
        // Without statistics SQLite assumes an index narrows a search, so an `IN` list is one
        // probe per key. The condition comes first: SQLite numbers `$N` parameters by their
        // first appearance in the text, and the condition's come before the keys'.
        let PerKey { columns, table, key_column, condition, keys, first } = *query;
        let list: Vec<String> = (first..first + keys).map(|n| format!("${n}")).collect();
        format!(
            "SELECT {columns} FROM {table} AS t WHERE {condition} AND t.{key_column} IN ({})",
            list.join(", ")
        )
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Int(value) => ToSqlOutput::from(*value),
            Value::Float(value) => ToSqlOutput::from(*value),
            Value::Text(value) => ToSqlOutput::from(value.as_str()),
            Value::Bool(value) => ToSqlOutput::from(i64::from(*value)),
            Value::Time(value) => ToSqlOutput::from(value.timestamp()),
        })
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Param::Int(value) => ToSqlOutput::from(*value),
            Param::Text(value) => ToSqlOutput::from(*value),
            Param::Bool(value) => ToSqlOutput::from(i64::from(*value)),
            Param::Time(value) => ToSqlOutput::from(value.timestamp()),
        })
    }
}

fn decode(value: ValueRef<'_>) -> Result<Value, StoreError> {
    match value {
        ValueRef::Null => Ok(Value::Null),
        ValueRef::Integer(value) => Ok(Value::Int(value)),
        // Checked as UTF-8 first: the lossy conversion walks valid text far more slowly.
        ValueRef::Text(bytes) => Ok(Value::Text(match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        })),
        ValueRef::Real(value) => Ok(Value::Float(value)),
        ValueRef::Blob(_) => Err(StoreError::Other("unexpected BLOB value".into())),
    }
}

/// Turns a driver error into a store error; constraint violations are conflicts, in words for
/// people (see [`crate::error::unique_violation`]: the engine's text names columns, for the log
/// only); the rest is [`StoreError::Other`] with the engine's text.
fn driver(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => match unique_table(&error.to_string()) {
            Some(table) => crate::error::unique_violation(Some(table)),
            None => StoreError::Conflict(
                "the change does not fit the stored data (it may have changed meanwhile)".into(),
            ),
        },
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Invalid(
            "the disk is full, or the database reached its size limit (max_size_mb): nothing of this change \
             was written; free some space and try again"
                .into(),
        ),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Conflict(
                "the database is busy: another import or change is writing to it; try again when it is done"
                    .into(),
            )
        }
        _ => StoreError::Other(error.to_string()),
    }
}

/// The table of SQLite's `UNIQUE constraint failed: users.email` (the first one named); `None`
/// for another kind of constraint.
fn unique_table(message: &str) -> Option<&str> {
    let columns = message
        .split_once("UNIQUE constraint failed: ")
        .or_else(|| message.split_once("PRIMARY KEY constraint failed: "))?
        .1;
    columns.split_once('.').map(|(table, _)| table.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order whose identity and customer do not exist (the sources row does).
    fn insert_dangling_order(tx: &mut SqliteTx<'_>) -> Result<u64, StoreError> {
        tx.execute_batch("INSERT OR IGNORE INTO sources (id, name, created_at) VALUES (1, 'shop', 0)")?;
        tx.execute_borrowed(
            "INSERT INTO orders (source_id, external_id, identity_id, customer_id, placed_at, status, currency, \
             total_minor, refunded_minor, items, imported_at) VALUES (1, 'A-1', 999, 999, 0, 'paid', 'EUR', 1, 0, '[]', 0)",
            &[],
        )
    }

    #[test]
    fn migration_nine_marks_the_sources_it_finds_unpadded_and_later_ones_padded() {
        let mut sqlite = Sqlite::open(":memory:").unwrap();
        let now = tenure_domain::Timestamp::UNIX_EPOCH;
        let mut tx = sqlite.write().unwrap();
        crate::migrate::apply(&mut tx, Sqlite::BOOTSTRAP, &MIGRATIONS[..8], now).unwrap();
        tx.execute_batch("INSERT INTO sources (name, created_at) VALUES ('old', 0)").unwrap();
        crate::migrate::apply(&mut tx, Sqlite::BOOTSTRAP, MIGRATIONS, now).unwrap();
        tx.execute_batch("INSERT INTO sources (name, created_at) VALUES ('new', 0)").unwrap();
        let unpadded = |tx: &mut SqliteTx<'_>, name: &str| {
            crate::sources::unpadded_order_ids(tx, &tenure_domain::SourceName::parse(name).unwrap()).unwrap()
        };
        assert!(unpadded(&mut tx, "old"));
        assert!(!unpadded(&mut tx, "new"));
        assert!(!unpadded(&mut tx, "unknown"), "a source not created yet will pad");
    }

    fn journal_mode(tx: &mut SqliteTx<'_>) -> String {
        tx.query_one("PRAGMA journal_mode", &[]).unwrap().text(0).unwrap()
    }

    #[test]
    fn a_first_import_keeps_a_rollback_journal_when_alone_and_the_next_write_returns_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tenure.db");
        let mut sqlite = Sqlite::open(path.to_str().unwrap()).unwrap();
        let mut tx = sqlite.write().unwrap();
        crate::migrate::apply(&mut tx, Sqlite::BOOTSTRAP, MIGRATIONS, tenure_domain::Timestamp::UNIX_EPOCH)
            .unwrap();
        tx.commit().unwrap();
        // Another connection has the database open: the import keeps the WAL.
        let other = Sqlite::open(&format!("{}?busy_timeout_ms=5", path.display())).unwrap();
        let mut import = sqlite.import_write("orders").unwrap();
        assert_eq!(journal_mode(&mut import), "wal");
        drop(import);
        drop(other);
        let mut import = sqlite.import_write("orders").unwrap();
        assert_eq!(journal_mode(&mut import), "delete", "alone, into an empty database");
        insert_dangling_order(&mut import).unwrap();
        import.commit().unwrap();
        let mut next = sqlite.write().unwrap();
        assert_eq!(journal_mode(&mut next), "wal");
        drop(next);
        let mut again = sqlite.import_write("orders").unwrap();
        assert_eq!(journal_mode(&mut again), "wal", "the database has orders now");
    }

    #[test]
    fn foreign_keys_are_unchecked_in_an_import_and_checked_again_in_the_next_write() {
        let mut sqlite = Sqlite::open(":memory:").unwrap();
        let mut tx = sqlite.write().unwrap();
        crate::migrate::apply(&mut tx, Sqlite::BOOTSTRAP, MIGRATIONS, tenure_domain::Timestamp::UNIX_EPOCH)
            .unwrap();
        tx.commit().unwrap();
        let mut ordinary = sqlite.write().unwrap();
        assert!(insert_dangling_order(&mut ordinary).is_err(), "checked in an ordinary write");
        drop(ordinary);
        let mut import = sqlite.import_write("orders").unwrap();
        assert_eq!(insert_dangling_order(&mut import).unwrap(), 1, "not checked in an import");
        drop(import); // rolled back
        let mut after = sqlite.write().unwrap();
        assert!(insert_dangling_order(&mut after).is_err(), "checked again after the import");
    }
}
