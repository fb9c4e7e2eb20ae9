//! The small SQL vocabulary the shared store logic speaks, and that each engine implements.
//!
//! Statements are written once with `$1, $2, …` placeholders (PostgreSQL reads them natively,
//! SQLite reads them as parameters named `$1`, `$2`, … bound in order) and with types both
//! engines share. Only values that the engines store differently — times — go through
//! [`Value::Time`], which each engine binds its own way. This keeps engine-specific code to the
//! two engine files and the migrations.

use std::collections::HashMap;

use tenure_domain::Timestamp;

use crate::StoreError;

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (ids, minor units, counts).
    Int(i64),
    /// A double-precision number (model scores: probabilities, expectations).
    Float(f64),
    /// Text.
    Text(String),
    /// A boolean (INTEGER 0/1 in SQLite).
    Bool(bool),
    /// An instant (INTEGER seconds in SQLite, `timestamptz` in PostgreSQL).
    Time(Timestamp),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_string())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl From<Timestamp> for Value {
    fn from(value: Timestamp) -> Self {
        Value::Time(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

/// A parameter that borrows its text. Statements that write many rows bind each row's strings
/// where they already are, instead of copying every one into a [`Value`] first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(&'a str),
    /// A boolean (INTEGER 0/1 in SQLite).
    Bool(bool),
    /// An instant (INTEGER seconds in SQLite, `timestamptz` in PostgreSQL).
    Time(Timestamp),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(Param::Null, Param::Text)
    }
}

impl From<Option<bool>> for Param<'_> {
    fn from(value: Option<bool>) -> Self {
        value.map_or(Param::Null, Param::Bool)
    }
}

/// One result row, decoded into [`Value`]s in column order.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, index: usize) -> Result<&Value, StoreError> {
        self.0.get(index).ok_or_else(|| StoreError::Other(format!("result has no column {index}")))
    }

    /// Column `index` as an integer.
    pub fn int(&self, index: usize) -> Result<i64, StoreError> {
        match self.at(index)? {
            Value::Int(value) => Ok(*value),
            Value::Bool(value) => Ok(i64::from(*value)),
            other => Err(StoreError::Other(format!("column {index}: expected an integer, found {other:?}"))),
        }
    }

    /// Column `index` as an optional integer.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            _ => self.int(index).map(Some),
        }
    }

    /// Column `index` as a double (an integer column is widened).
    pub fn float(&self, index: usize) -> Result<f64, StoreError> {
        match self.at(index)? {
            Value::Float(value) => Ok(*value),
            Value::Int(value) => Ok(*value as f64),
            other => Err(StoreError::Other(format!("column {index}: expected a number, found {other:?}"))),
        }
    }

    /// Column `index` as a double, `None` for NULL.
    pub fn opt_float(&self, index: usize) -> Result<Option<f64>, StoreError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            _ => self.float(index).map(Some),
        }
    }

    /// Column `index` as text.
    pub fn text(&self, index: usize) -> Result<String, StoreError> {
        match self.at(index)? {
            Value::Text(value) => Ok(value.clone()),
            other => Err(StoreError::Other(format!("column {index}: expected text, found {other:?}"))),
        }
    }

    /// Column `index` as optional text.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            _ => self.text(index).map(Some),
        }
    }

    /// Column `index` as an optional boolean.
    pub fn opt_bool(&self, index: usize) -> Result<Option<bool>, StoreError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            Value::Bool(value) => Ok(Some(*value)),
            Value::Int(value) => Ok(Some(*value != 0)),
            other => Err(StoreError::Other(format!("column {index}: expected a boolean, found {other:?}"))),
        }
    }

    /// Column `index` as an instant.
    pub fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        match self.at(index)? {
            Value::Time(value) => Ok(*value),
            Value::Int(seconds) => chrono::DateTime::from_timestamp(*seconds, 0)
                .ok_or_else(|| StoreError::Other(format!("column {index}: {seconds} is out of range"))),
            other => Err(StoreError::Other(format!("column {index}: expected a time, found {other:?}"))),
        }
    }

    /// Column `index` as an optional instant.
    pub fn opt_time(&self, index: usize) -> Result<Option<Timestamp>, StoreError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            _ => self.time(index).map(Some),
        }
    }
}

/// A connection inside a transaction: what the shared store logic needs from an engine.
pub trait Conn {
    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query and returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs a query and calls `each` for every row as it streams, without collecting them (the
    /// row is lent: engines may reuse one buffer for every row of a long scan).
    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// [`Conn::execute`] with parameters that borrow their text.
    fn execute_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, StoreError>;
    /// [`Conn::query`] with parameters that borrow their text.
    fn query_borrowed(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, StoreError>;
    /// Runs `sql` once for every `per_run` consecutive `params`; returns each run's count of
    /// changed rows. SQLite prepares the statement once for all of them: taking it from the
    /// cache for each run cost a hash of its text, and handing it back freed every text value
    /// bound to it, to be allocated again by the next run.
    fn execute_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        per_run: usize,
    ) -> Result<Vec<u64>, StoreError> {
        params.chunks(per_run).map(|run| self.execute_borrowed(sql, run)).collect()
    }
    /// The id of the row the last insert on this connection added, where the engine numbers a
    /// table's new rows one past its largest id, in the order an insert writes them, and no
    /// other writer runs meanwhile (SQLite, for tables without `AUTOINCREMENT`): the ids of a
    /// statement's N new rows are then the N ending here. `None` elsewhere (PostgreSQL's
    /// sequences are shared with concurrent writers): ask with `RETURNING`.
    fn last_insert_id(&mut self) -> Option<i64> {
        None
    }
    /// How many rows one statement that writes several should carry: 256 on PostgreSQL, where
    /// each statement is a network round trip; 32 on SQLite, where a statement costs no round
    /// trip but each one's setup and teardown cost as much as writing a row, and its cursors
    /// stay where its last row went (a third fewer instructions in an import than one row per
    /// statement; longer statements cost more again).
    fn rows_per_statement(&self) -> usize;
    /// How an insert of several rows begins when any failing row fails the whole transaction:
    /// `INSERT` on PostgreSQL; `INSERT OR FAIL` on SQLite, whose plain multi-row `INSERT` keeps a
    /// journal of every page it changes so that it can undo itself alone — work wasted when the
    /// caller rolls back the whole transaction on any error anyway.
    fn insert_many(&self) -> &'static str;
    /// How an insert of several rows that skips those whose unique key is stored says which rows
    /// it added: see [`SkipStored`].
    fn skip_stored(&self) -> SkipStored;
    /// Whether a write transaction keeps every other writer out until it ends (SQLite's
    /// IMMEDIATE transactions), so that rows it found missing stay missing unless it writes them;
    /// PostgreSQL's writers run side by side and may commit such rows meanwhile.
    fn sole_writer(&self) -> bool;
    /// What ends a `SELECT` of rows to claim so that concurrent claimers pass over rows another
    /// transaction has locked (PostgreSQL's `FOR UPDATE SKIP LOCKED`); empty where writers queue
    /// (SQLite), since a claim there holds the one write lock.
    fn skip_locked(&self) -> &'static str {
        ""
    }
    /// Plans every statement of this transaction for its own parameters and the tables' sizes
    /// now (PostgreSQL's `plan_cache_mode = force_custom_plan`, for this transaction only); a
    /// no-op on SQLite. For work that fills tables it also reads: a plan cached while a table
    /// was empty (a sequential scan) would otherwise be kept as the table grows to millions of
    /// rows, and every lookup would read all of them.
    fn plan_for_current_sizes(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Holds a lock on `(class, key)` until the transaction ends, so that transactions deciding
    /// about the same key take turns (PostgreSQL's advisory locks); a no-op where writers queue
    /// anyway (SQLite). Keys are folded into 31 bits: two keys that share a lock only wait more.
    fn lock_key(&mut self, class: i32, key: i64) -> Result<(), StoreError> {
        let _ = (class, key);
        Ok(())
    }
    /// Whether text compares byte by byte, as Rust's `str` does (SQLite's BINARY collation);
    /// PostgreSQL compares by the database's collation, so a range of text keys there is not the
    /// range Rust computes.
    fn text_compares_bytes(&self) -> bool;
    /// Runs a batch of statements without parameters (migrations).
    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// `count` new ids for rows of `table` that the caller inserts itself, with the ids given,
    /// in this transaction and before asking again (SQLite hands out the ids after the highest
    /// stored one, PostgreSQL takes them from the table's sequence).
    fn reserve_ids(&mut self, table: IdTable, count: usize) -> Result<Vec<i64>, StoreError>;
    /// What an `INSERT` that gives the ids of such rows says between its column list and
    /// `VALUES` (PostgreSQL's `OVERRIDING SYSTEM VALUE` for its generated ids; nothing on SQLite).
    fn given_ids_clause(&self) -> &'static str;
    /// The text of a query selecting `query.columns` of the rows `t` of `query.table` whose
    /// `key_column` equals one of the keys and that meet `query.condition`, written so that the
    /// engine looks each key up in an index whatever its statistics say (a list of keys is how
    /// batches find their identities and stored orders). A key may find several rows; a NULL
    /// key finds none.
    fn select_per_key(&self, query: &PerKey<'_>) -> String;

    /// Runs a query expected to return at most one row.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query expected to return exactly one row.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or_else(|| StoreError::Other(format!("no row from: {sql}")))
    }
}

/// How an engine inserts rows that may be stored already and tells which rows were new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipStored {
    /// `INSERT … ON CONFLICT (key) DO NOTHING RETURNING key` (PostgreSQL): the new rows' keys
    /// come back.
    Returning,
    /// `INSERT OR IGNORE …` (SQLite), counting the changed rows: returning rows from SQLite costs
    /// more than inserting them, but the rows it adds take, in order, the ids after the highest
    /// stored one, so the count and `last_insert_rowid()` name them when some were skipped.
    NewestIds,
}

/// Tables whose ids the shared logic reserves before inserting (see [`Conn::reserve_ids`]), so
/// that a multi-row insert need not return its rows to say which id each got (a customer row
/// has no natural key to match a returned row with anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTable {
    /// `customers`.
    Customers,
    /// `identities`.
    Identities,
}

impl IdTable {
    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            IdTable::Customers => "customers",
            IdTable::Identities => "identities",
        }
    }
}

/// The most rows one multi-row statement writes (and values one `IN` list holds): with up to
/// 11 parameters a row this stays far below both engines' parameter limits.
pub(crate) const MAX_ROWS: usize = 256;

/// Sizes that add up to `rows`, each a power of two up to `most` (itself at most [`MAX_ROWS`]),
/// largest first.
///
/// Multi-row statements are cut into these pieces so that only a few distinct statement texts
/// exist — each engine prepares a statement once per text and keeps it.
pub(crate) fn pow2_chunks(rows: usize, most: usize) -> impl Iterator<Item = usize> {
    let most = most.clamp(1, MAX_ROWS);
    let mut left = rows;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let size = if left >= most { most } else { 1 << (usize::BITS - 1 - left.leading_zeros()) };
        left -= size;
        Some(size)
    })
}

/// Inserts `rows` rows of `columns` parameters each in statements of up to
/// [`Conn::rows_per_statement`] rows, `text(n)` writing the statement for `n` rows (kept in
/// `texts` under `name`); returns the number of rows the statements changed. The full-sized
/// statements run as one [`Conn::execute_each`].
pub(crate) fn insert_rows(
    conn: &mut dyn Conn,
    texts: &mut Texts,
    name: &'static str,
    columns: usize,
    params: &[Param<'_>],
    text: impl Fn(usize) -> String,
) -> Result<u64, StoreError> {
    let rows = params.len() / columns;
    let most = conn.rows_per_statement().clamp(1, MAX_ROWS);
    let full = rows / most;
    let mut changed = 0;
    if full > 0 {
        let sql = texts.get(name, most, || text(most));
        changed +=
            conn.execute_each(sql, &params[..full * most * columns], most * columns)?.iter().sum::<u64>();
    }
    let mut start = full * most;
    for size in pow2_chunks(rows - start, most) {
        let sql = texts.get(name, size, || text(size));
        changed += conn.execute_borrowed(sql, &params[start * columns..(start + size) * columns])?;
        start += size;
    }
    Ok(changed)
}

/// The parameters of a [`Conn::select_per_key`] query: `first` (`$1`), then the keys, padded
/// with NULLs (which match nothing) to a power of two to keep the number of distinct statement
/// texts small. At most [`MAX_ROWS`] keys.
pub(crate) fn key_params<'a>(first: Param<'a>, keys: &[&'a str]) -> Vec<Param<'a>> {
    let padded = keys.len().next_power_of_two().min(MAX_ROWS.max(keys.len()));
    let mut params = Vec::with_capacity(padded + 1);
    params.push(first);
    params.extend(keys.iter().map(|key| Param::Text(key)));
    params.resize(padded + 1, Param::Null);
    params
}

/// A query that looks rows up by a list of keys: see [`Conn::select_per_key`].
#[derive(Debug, Clone, Copy)]
pub struct PerKey<'a> {
    /// The selected expressions, over the table's rows as `t` (`t.id, t.email`).
    pub columns: &'a str,
    /// The table.
    pub table: &'a str,
    /// The column the keys are compared with.
    pub key_column: &'a str,
    /// A further condition on `t` (`t.source_id = $1`); it may use the parameters numbered
    /// below the keys'.
    pub condition: &'a str,
    /// How many keys (parameters `$first`, `$first + 1`, …).
    pub keys: usize,
    /// The number of the first key's parameter.
    pub first: usize,
}

/// Statement texts kept for a session: a multi-row statement's text is long (a 256-row insert
/// has 2,816 placeholders) and the same for every batch of its size, so it is written once.
#[derive(Debug, Default)]
pub(crate) struct Texts(HashMap<(&'static str, usize), String>);

impl Texts {
    /// The text called `name` for `rows` rows, written by `write` the first time.
    pub(crate) fn get(&mut self, name: &'static str, rows: usize, write: impl FnOnce() -> String) -> &str {
        self.0.entry((name, rows)).or_insert_with(write)
    }
}

/// `($1, $2), ($3, $4)` for 2 rows of 2 columns, numbering from `offset + 1`.
pub(crate) fn placeholders(rows: usize, columns: usize, offset: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for column in 0..columns {
            if column > 0 {
                text.push_str(", ");
            }
            text.push('$');
            text.push_str(&(offset + row * columns + column + 1).to_string());
        }
        text.push(')');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{Param, key_params, placeholders, pow2_chunks};

    #[test]
    fn chunks_are_powers_of_two_that_add_up() {
        assert_eq!(pow2_chunks(0, 256).collect::<Vec<_>>(), Vec::<usize>::new());
        assert_eq!(pow2_chunks(37, 256).collect::<Vec<_>>(), [32, 4, 1]);
        assert_eq!(pow2_chunks(256, 256).collect::<Vec<_>>(), [256]);
        assert_eq!(pow2_chunks(600, 256).collect::<Vec<_>>(), [256, 256, 64, 16, 8]);
        assert_eq!(pow2_chunks(37, 16).collect::<Vec<_>>(), [16, 16, 4, 1]);
        assert_eq!(pow2_chunks(3, 1).collect::<Vec<_>>(), [1, 1, 1]);
    }

    #[test]
    fn key_lists_are_padded_with_nulls() {
        let padded = [Param::Int(7), Param::Text("a"), Param::Text("b"), Param::Text("c"), Param::Null];
        assert_eq!(key_params(Param::Int(7), &["a", "b", "c"]), padded);
        assert_eq!(key_params(Param::Int(7), &["a"]), [Param::Int(7), Param::Text("a")]);
    }

    #[test]
    fn placeholders_number_rows_and_columns_in_order() {
        assert_eq!(placeholders(2, 3, 0), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(2, 1, 1), "($2), ($3)");
    }
}
