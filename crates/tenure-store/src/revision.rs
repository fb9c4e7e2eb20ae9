//! The store's revision: a counter bumped in the same transaction as every change to what
//! reports read, so a server can tell with one tiny read whether its cached reports still hold.

use crate::StoreError;
use crate::sql::Conn;

/// Counts one change (inside the changing transaction; the row lock orders concurrent writers).
pub(crate) fn bump(conn: &mut dyn Conn) -> Result<(), StoreError> {
    conn.execute("UPDATE store_revision SET revision = revision + 1 WHERE id = 1", &[])?;
    Ok(())
}

/// The current revision.
pub(crate) fn current(conn: &mut dyn Conn) -> Result<i64, StoreError> {
    conn.query_one("SELECT revision FROM store_revision WHERE id = 1", &[])?.int(0)
}
