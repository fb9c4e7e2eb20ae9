//! Test support (feature `testing`): a private PostgreSQL database per test, dropped afterwards.
//!
//! The server comes from `TENURE_TEST_POSTGRES` (an admin URL, default
//! `postgres://postgres@127.0.0.1:5432/postgres`); `scripts/test` finds or starts one and sets it.
//! When no server can be reached the test fails loudly, never skips silently. Only an explicit
//! `TENURE_TEST_POSTGRES=skip` skips, and every skipped test says so on stderr.

use postgres::{Client, NoTls};
use rand::RngExt;

/// Environment variable naming the PostgreSQL admin URL for tests, or `skip`.
pub const POSTGRES_ENV: &str = "TENURE_TEST_POSTGRES";
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database created for one test; dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    /// URL of the new, empty database.
    pub url: String,
}

/// Creates a fresh, empty database, or `None` when the run asked to skip PostgreSQL (loudly).
///
/// # Panics
/// When the server cannot be reached: PostgreSQL tests never skip silently.
pub fn postgres_database() -> Option<TestDatabase> {
    let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string());
    if admin_url == "skip" {
        eprintln!("SKIPPED: PostgreSQL test not run because {POSTGRES_ENV}=skip");
        return None;
    }
    let mut admin = Client::connect(&admin_url, NoTls).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {admin_url} ({e}). Run the tests with scripts/test, which finds or \
             starts a server, or set {POSTGRES_ENV} to an admin URL (or to `skip`, to skip these tests loudly)."
        )
    });
    let name = format!("tenure_test_{}_{:016x}", std::process::id(), rand::rng().random::<u64>());
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let url = database_url(&admin_url, &name);
    Some(TestDatabase { admin_url, name, url })
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Marks `source` in the SQLite database at `path` as migration 9 marks the sources it finds:
/// its derived CDNOW order ids write customer numbers without leading zeros. Stands in for a
/// database created before that migration.
///
/// # Panics
/// When the database cannot be opened or has no such column.
pub fn mark_source_unpadded(path: &std::path::Path, source: &str) {
    let conn = rusqlite::Connection::open(path).expect("open the test database");
    conn.execute("UPDATE sources SET unpadded_order_ids = 1 WHERE name = ?1", [source])
        .expect("mark the source");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Runs each named test body — a function of `&mut dyn Store` in the calling file — once on a
/// fresh SQLite database (module `sqlite`) and once on a fresh PostgreSQL database (module
/// `postgres`, skipped loudly as [`postgres_database`] says). The calling file defines `now()`.
#[macro_export]
macro_rules! contract_tests {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
                    let mut store = tenure_store::open(&url, super::now()).unwrap();
                    super::$test(store.as_mut());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    let Some(database) = tenure_store::testing::postgres_database() else { return };
                    let mut store = tenure_store::open(&database.url, super::now()).unwrap();
                    store.migrate(super::now()).unwrap();
                    super::$test(store.as_mut());
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_swaps_the_database_and_keeps_options() {
        assert_eq!(database_url("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            database_url("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
