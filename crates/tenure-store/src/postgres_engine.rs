//! The PostgreSQL engine: one client connection, statements prepared once per connection,
//! schema changes serialised by an advisory lock so several `tenure serve` processes may start
//! together.

use std::collections::HashMap;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use crate::migrate::Migration;
use crate::sql::{Conn, IdTable, MAX_ROWS, Param, PerKey, Row, SkipStored, Value};
use crate::store::{Backend, Transaction, redact};
use crate::{EngineKind, StoreError};

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "customer_file",
        sql: include_str!("../migrations/postgres/0001_customer_file.sql"),
    },
    Migration {
        version: 2,
        name: "customer_scores",
        sql: include_str!("../migrations/postgres/0002_customer_scores.sql"),
    },
    Migration {
        version: 3,
        name: "api_tokens",
        sql: include_str!("../migrations/postgres/0003_api_tokens.sql"),
    },
    Migration {
        version: 4,
        name: "users_sessions",
        sql: include_str!("../migrations/postgres/0004_users_sessions.sql"),
    },
    Migration {
        version: 5,
        name: "writes_webhooks",
        sql: include_str!("../migrations/postgres/0005_writes_webhooks.sql"),
    },
    Migration {
        version: 6,
        name: "store_revision",
        sql: include_str!("../migrations/postgres/0006_store_revision.sql"),
    },
    Migration {
        version: 7,
        name: "identities_by_customer_source",
        sql: include_str!("../migrations/postgres/0007_identities_by_customer_source.sql"),
    },
    Migration {
        version: 8,
        name: "source_time_zones",
        sql: include_str!("../migrations/postgres/0008_source_time_zones.sql"),
    },
    Migration {
        version: 9,
        name: "unpadded_order_ids",
        sql: include_str!("../migrations/postgres/0009_unpadded_order_ids.sql"),
    },
    Migration { version: 10, name: "outbox", sql: include_str!("../migrations/postgres/0010_outbox.sql") },
    Migration { version: 11, name: "surveys", sql: include_str!("../migrations/postgres/0011_surveys.sql") },
    Migration {
        version: 12,
        name: "calendar",
        sql: include_str!("../migrations/postgres/0012_calendar.sql"),
    },
    Migration { version: 13, name: "loyalty", sql: include_str!("../migrations/postgres/0013_loyalty.sql") },
    Migration {
        version: 14,
        name: "order_versions",
        sql: include_str!("../migrations/postgres/0014_order_versions.sql"),
    },
    Migration {
        version: 15,
        name: "privacy_audit",
        sql: include_str!("../migrations/postgres/0015_privacy_audit.sql"),
    },
    Migration {
        version: 16,
        name: "migration_checksums",
        sql: include_str!("../migrations/postgres/0016_migration_checksums.sql"),
    },
];

/// Advisory lock key for schema changes (any fixed number; this one spells "tenure").
const SCHEMA_LOCK_KEY: i64 = 0x74_65_6e_75_72_65;

pub(crate) struct Postgres {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Postgres {
    /// Connects to `url` (no TLS: meant for a server on the same host or private network).
    pub(crate) fn connect(url: &str) -> Result<Self, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|e| {
            let message = format!("cannot connect to PostgreSQL at {}: {e}", redact(url));
            // A refused password or a missing database is the configuration's fault; anything
            // else (refused, reset, starting up) may pass: the server is unavailable for now.
            let configuration =
                e.code().is_some_and(|code| code.code().starts_with("28") || code.code().starts_with("3D"));
            if configuration { StoreError::Invalid(message) } else { StoreError::Unavailable(message) }
        })?;
        Ok(Postgres { client, statements: HashMap::new() })
    }
}

impl Backend for Postgres {
    type Tx<'a> = PgTx<'a>;
    const KIND: EngineKind = EngineKind::Postgres;
    const MIGRATIONS: &'static [Migration] = MIGRATIONS;
    const BOOTSTRAP: &'static str = "CREATE TABLE IF NOT EXISTS schema_migrations \
        (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)";
    const BOOKKEEPING_EXISTS: &'static str = "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' \
         AND schemaname = ANY (current_schemas(false))";

    fn write(&mut self) -> Result<PgTx<'_>, StoreError> {
        let tx = self.client.transaction().map_err(driver)?;
        Ok(PgTx { tx, statements: &mut self.statements })
    }

    fn read(&mut self) -> Result<PgTx<'_>, StoreError> {
        let mut tx = self.client.transaction().map_err(driver)?;
        tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").map_err(driver)?;
        Ok(PgTx { tx, statements: &mut self.statements })
    }

    fn lock_schema(tx: &mut PgTx<'_>) -> Result<(), StoreError> {
        tx.tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK_KEY]).map_err(driver)?;
        Ok(())
    }

    fn connection_lost(&self) -> bool {
        self.client.is_closed()
    }

    const SCHEMA_COLUMNS: &'static str = "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
         FROM information_schema.columns WHERE table_schema = ANY (current_schemas(false)) ORDER BY 1, 2";

    fn overwrite_freed(&mut self, tables: &[&str]) -> Result<(), StoreError> {
        // An UPDATE leaves the old row version in the table until VACUUM removes it; without
        // this an erased address would stay readable in the data files until autovacuum came
        // by (or forever, where it is off). The names are the privacy catalogue's own.
        for table in tables {
            self.client.batch_execute(&format!("VACUUM {table}")).map_err(driver)?;
        }
        Ok(())
    }
}

pub(crate) struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql).map_err(driver)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

impl Transaction for PgTx<'_> {
    fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().map_err(driver)
    }
}

impl Conn for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, &as_params(params)).map_err(driver)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        let rows = self.tx.query(&statement, &as_params(params)).map_err(driver)?;
        rows.iter().map(decode_row).collect()
    }

    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let statement = self.statement(sql)?;
        let mut rows = self.tx.query_raw(&statement, as_params(params)).map_err(driver)?;
        while let Some(row) = rows.next().map_err(driver)? {
            each(&decode_row(&row)?)?;
        }
        Ok(())
    }

    fn execute_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, &as_params(params)).map_err(driver)
    }

    fn query_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        let rows = self.tx.query(&statement, &as_params(params)).map_err(driver)?;
        rows.iter().map(decode_row).collect()
    }

    fn rows_per_statement(&self) -> usize {
        MAX_ROWS
    }

    fn insert_many(&self) -> &'static str {
        "INSERT"
    }

    fn skip_stored(&self) -> SkipStored {
        SkipStored::Returning
    }

    fn sole_writer(&self) -> bool {
        false
    }

    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }

    fn plan_for_current_sizes(&mut self) -> Result<(), StoreError> {
        self.execute_batch("SET LOCAL plan_cache_mode = force_custom_plan")
    }

    fn lock_key(&mut self, class: i32, key: i64) -> Result<(), StoreError> {
        // `execute`: the function returns `void`, which no row decoder reads.
        self.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[Value::Int(class.into()), Value::Int(key.rem_euclid(i64::from(i32::MAX)))],
        )?;
        Ok(())
    }

    fn text_compares_bytes(&self) -> bool {
        false
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.tx.batch_execute(sql).map_err(driver)
    }

    fn reserve_ids(&mut self, table: IdTable, count: usize) -> Result<Vec<i64>, StoreError> {
        // From the id column's own sequence, in one round trip: ids no other session gets.
        let rows = self.query(
            "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2::bigint)",
            &[Value::from(table.name()), Value::Int(count as i64)],
        )?;
        rows.iter().map(|row| row.int(0)).collect()
    }

    fn given_ids_clause(&self) -> &'static str {
        // The ids are GENERATED ALWAYS: giving them takes saying so.
        "OVERRIDING SYSTEM VALUE"
    }

    fn select_per_key(&self, query: &PerKey<'_>) -> String {
        // Not `key IN (…)`: without statistics (tables filled by this very transaction, or
        // never analysed) the planner takes a long `IN` list for barely selective and scans
        // every row of the source instead. A lateral subquery per key is planned as one probe
        // of the key's index; `OFFSET 0` keeps the planner from flattening it into a join.
        let PerKey { columns, table, key_column, condition, keys, first } = *query;
        let list: Vec<String> = (first..first + keys).map(|n| format!("(${n}::text)")).collect();
        format!(
            "SELECT {columns} FROM (VALUES {}) AS k CROSS JOIN LATERAL \
             (SELECT * FROM {table} AS t WHERE t.{key_column} = k.column1 AND {condition} OFFSET 0) AS t",
            list.join(", ")
        )
    }
}

fn as_params<P: ToSql + Sync>(params: &[P]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|value| value as &(dyn ToSql + Sync)).collect()
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(value) if *ty == Type::INT4 => i32::try_from(*value)?.to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT2 => i16::try_from(*value)?.to_sql(ty, out),
            Value::Int(value) => value.to_sql(ty, out),
            Value::Float(value) => value.to_sql(ty, out),
            Value::Text(value) => value.to_sql(ty, out),
            Value::Bool(value) => value.to_sql(ty, out),
            Value::Time(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // Each variant checks its own type in `to_sql`.
        true
    }

    to_sql_checked!();
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(value) => Value::Int(*value).to_sql(ty, out),
            Param::Text(value) => value.to_sql(ty, out),
            Param::Bool(value) => value.to_sql(ty, out),
            Param::Time(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // Each variant checks its own type in `to_sql`.
        true
    }

    to_sql_checked!();
}

fn decode_row(row: &postgres::Row) -> Result<Row, StoreError> {
    let values = row
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| decode(row, i, column.type_()))
        .collect::<Result<_, _>>()?;
    Ok(Row(values))
}

fn decode(row: &postgres::Row, i: usize, ty: &Type) -> Result<Value, StoreError> {
    let value = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Value::Int(v.into()))),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map(|v| v.map(|v| Value::Int(v.into()))),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Float)),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map(|v| v.map(Value::Bool)),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
            row.try_get::<_, Option<String>>(i).map(|v| v.map(Value::Text))
        }
        Type::TIMESTAMPTZ => {
            row.try_get::<_, Option<chrono::DateTime<chrono::Utc>>>(i).map(|v| v.map(Value::Time))
        }
        _ => return Err(StoreError::Other(format!("column {i}: unsupported PostgreSQL type {ty}"))),
    };
    Ok(value.map_err(driver)?.unwrap_or(Value::Null))
}

/// Turns a driver error into a store error: a lost connection is [`StoreError::Unavailable`], a
/// unique violation a [`StoreError::Conflict`] in words for people (see
/// [`crate::error::unique_violation`]); the rest is [`StoreError::Other`] with the server's own
/// message and detail (the driver's `Display` says only "db error"), for the log.
fn driver(error: postgres::Error) -> StoreError {
    let message = match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        },
        None => error.to_string(),
    };
    if connection_lost(&error) {
        return StoreError::Unavailable(message);
    }
    match error.code() {
        Some(code) if *code == postgres::error::SqlState::UNIQUE_VIOLATION => {
            crate::error::unique_violation(error.as_db_error().and_then(|db| db.table()))
        }
        _ => StoreError::Other(message),
    }
}

/// Whether `error` means the connection is gone: closed, broken on the wire (an I/O error),
/// or ended by the server — class 08 (connection exception) or 57P01–57P03 (terminated by an
/// administrator, crash or shutdown, server starting up).
fn connection_lost(error: &postgres::Error) -> bool {
    let io = std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>());
    let code = error.code().map(|code| code.code()).unwrap_or("");
    error.is_closed() || io || code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}
