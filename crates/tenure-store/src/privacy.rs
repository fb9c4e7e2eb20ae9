//! A customer's data rights in storage: everything held about them as one document, and their
//! erasure — personal data replaced everywhere the catalogue (`privacy_catalogue.rs`) says,
//! the anonymous facts reports need kept, their addresses suppressed as keyed hashes, and the
//! shops' ids for them replaced by keyed hashes so that an old export imported again is
//! recognised and refused rather than bringing them back.
//!
//! The key of those hashes is a random secret made at the first erasure and kept in the
//! settings; without it the hashes cannot be recomputed from a guessed address or id.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value as Json};
use sha2::Sha256;
use tenure_domain::{CustomerId, Timestamp};

use crate::privacy_catalogue::{TABLES, Table, Treat};
use crate::sql::{Conn, Row, Value};
use crate::{StoreError, suppressions};

/// The setting holding the erasure key (hex).
pub(crate) const ERASURE_KEY: &str = "privacy.erasure_key";

/// What erased free text reads (survey answers, testimonials).
pub const ERASED_TEXT: &str = "[erased]";

/// What a pseudonym starts with: such ids are erased people's, never a shop's own.
pub(crate) const PSEUDONYM_PREFIX: &str = "erased:";

/// One customer's rows, table by table (tables without any left out), each row a JSON object
/// by column name; times as RFC 3339.
pub type ExportedRows = BTreeMap<String, Vec<Map<String, Json>>>;

/// What an erasure changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erasure {
    /// False when the customer had been erased before (nothing was changed this time).
    pub erased_now: bool,
    /// Rows changed or removed, by table.
    pub rows: BTreeMap<String, u64>,
    /// Addresses put on the suppression list (as keyed hashes).
    pub addresses_suppressed: u64,
}

/// How erasure rewrites a stored survey response's answers: given the survey, its version and
/// the stored answers JSON, the answers with every free-text answer replaced (scores kept).
pub type ScrubAnswers<'a> = dyn Fn(i64, i64, &str) -> String + 'a;

/// Everything stored about `customer`.
pub(crate) fn export(conn: &mut dyn Conn, customer: CustomerId) -> Result<ExportedRows, StoreError> {
    let emails = addresses_of(conn, customer)?;
    let mut document = ExportedRows::new();
    for table in TABLES {
        let rows = rows_of_customer(conn, table, customer, &emails)?;
        if !rows.is_empty() {
            document.insert(table.name.to_string(), rows);
        }
    }
    Ok(document)
}

/// Erases `customer` (see the module's documentation). Idempotent: a customer erased before
/// is left as they are.
pub(crate) fn erase(
    conn: &mut dyn Conn,
    customer: CustomerId,
    new_key: &dyn Fn() -> String,
    scrub_answers: &ScrubAnswers<'_>,
    now: Timestamp,
) -> Result<Erasure, StoreError> {
    let emails = addresses_of(conn, customer)?;
    let erased_before = conn
        .query_one("SELECT erased_at FROM customers WHERE id = $1", &[Value::Int(customer.0)])?
        .opt_time(0)?
        .is_some();
    if erased_before {
        return Ok(Erasure::default());
    }
    let key = erasure_key(conn, new_key)?;
    let mut erasure = Erasure { erased_now: true, ..Erasure::default() };
    erasure.addresses_suppressed = suppress_hashed(conn, customer, &emails, &key, now)?;
    count(&mut erasure, "survey_responses", scrub_responses(conn, customer, scrub_answers)?);
    for table in ["identities", "orders"] {
        count(&mut erasure, table, pseudonymise(conn, table, customer, &key)?);
    }
    for table in TABLES {
        count(&mut erasure, table.name, erase_rows(conn, table, customer, &emails)?);
    }
    conn.execute(
        "UPDATE customers SET erased_at = $1 WHERE id = $2",
        &[Value::Time(now), Value::Int(customer.0)],
    )?;
    Ok(erasure)
}

fn count(erasure: &mut Erasure, table: &str, rows: u64) {
    if rows > 0 {
        *erasure.rows.entry(table.to_string()).or_default() += rows;
    }
}

/// The customer's addresses, lower case: their own and their identities'.
fn addresses_of(conn: &mut dyn Conn, customer: CustomerId) -> Result<Vec<String>, StoreError> {
    if conn.query_opt("SELECT id FROM customers WHERE id = $1", &[Value::Int(customer.0)])?.is_none() {
        return Err(StoreError::NotFound(format!("customer {}", customer.0)));
    }
    let rows = conn.query(
        "SELECT email FROM customers WHERE id = $1 AND email IS NOT NULL \
         UNION SELECT email FROM identities WHERE customer_id = $1 AND email IS NOT NULL",
        &[Value::Int(customer.0)],
    )?;
    let mut emails: Vec<String> =
        rows.iter().map(|row| row.text(0).map(|e| e.trim().to_lowercase())).collect::<Result<_, _>>()?;
    emails.retain(|email| !email.is_empty());
    emails.sort();
    emails.dedup();
    Ok(emails)
}

/// The rows of `table` that are the customer's: by owner, and by a mention of an address.
fn rows_of_customer(
    conn: &mut dyn Conn,
    table: &Table,
    customer: CustomerId,
    emails: &[String],
) -> Result<Vec<Map<String, Json>>, StoreError> {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let select = format!("SELECT {} FROM {}", columns.join(", "), table.name);
    let mut rows = Vec::new();
    if let Some(condition) = table.rows_of {
        rows.extend(conn.query(&format!("{select} WHERE {condition}"), &[Value::Int(customer.0)])?);
    }
    if let Some(column) = table.mentions {
        for email in emails {
            let condition = mention_condition(column, table.rows_of);
            rows.extend(conn.query(
                &format!("{select} WHERE {condition}"),
                &mention_params(email, customer, table.rows_of),
            )?);
        }
    }
    rows.iter().map(|row| to_json(table, row)).collect()
}

/// Rows whose `column` contains the address `$1` (a `LIKE` pattern), and that the owner
/// condition did not find already (`$2` is then the customer).
fn mention_condition(column: &str, rows_of: Option<&str>) -> String {
    let mention = format!("lower({column}) LIKE $1 ESCAPE '\\'");
    match rows_of {
        Some(owner) => format!("{mention} AND NOT COALESCE(({}), FALSE)", owner.replace("$1", "$2")),
        None => mention,
    }
}

/// The parameters of [`mention_condition`].
fn mention_params(email: &str, customer: CustomerId, rows_of: Option<&str>) -> Vec<Value> {
    let mut params = vec![Value::from(like_pattern(email))];
    if rows_of.is_some() {
        params.push(Value::Int(customer.0));
    }
    params
}

/// `%text%` with `LIKE`'s wildcards in `text` escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One row as a JSON object by column name.
fn to_json(table: &Table, row: &Row) -> Result<Map<String, Json>, StoreError> {
    let mut object = Map::new();
    for (index, column) in table.columns.iter().enumerate() {
        let value = match row.0.get(index) {
            None | Some(Value::Null) => Json::Null,
            Some(_) if column.treat == Treat::Time => Json::from(row.time(index)?.to_rfc3339()),
            Some(Value::Int(v)) => Json::from(*v),
            Some(Value::Float(v)) => Json::from(*v),
            Some(Value::Text(v)) => Json::from(v.as_str()),
            Some(Value::Bool(v)) => Json::from(*v),
            Some(Value::Time(v)) => Json::from(v.to_rfc3339()),
        };
        object.insert(column.name.to_string(), value);
    }
    Ok(object)
}

/// The erasure key, made by `new_key` when none is stored yet.
fn erasure_key(conn: &mut dyn Conn, new_key: &dyn Fn() -> String) -> Result<Vec<u8>, StoreError> {
    let hex = suppressions::setting_or_insert(conn, ERASURE_KEY, new_key)?;
    decode_hex(&hex).ok_or_else(|| StoreError::Invalid(format!("the setting {ERASURE_KEY} is not hex")))
}

/// The stored erasure key, if anyone was ever erased.
pub(crate) fn stored_key(conn: &mut dyn Conn) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(suppressions::setting(conn, ERASURE_KEY)?.and_then(|hex| decode_hex(&hex)))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || hex.len() < 32 {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

/// The keyed hash standing for `parts` (joined by a separator no part can contain unnoticed:
/// each part is length-prefixed).
pub(crate) fn pseudonym(key: &[u8], parts: &[&str]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    let digest = mac.finalize().into_bytes();
    let mut text = String::with_capacity(PSEUDONYM_PREFIX.len() + 32);
    text.push_str(PSEUDONYM_PREFIX);
    for byte in &digest[..16] {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// The suppression list's entry for an erased address.
pub(crate) fn suppressed_address(key: &[u8], email: &str) -> String {
    pseudonym(key, &["email", &email.trim().to_lowercase()])
}

/// The pseudonym of a shop's id for a person (`identities.external_id`) in a source.
pub(crate) fn identity_pseudonym(key: &[u8], source_id: i64, external_id: &str) -> String {
    pseudonym(key, &["identity", &source_id.to_string(), external_id])
}

fn order_pseudonym(key: &[u8], source_id: i64, external_id: &str) -> String {
    pseudonym(key, &["order", &source_id.to_string(), external_id])
}

/// Puts the customer's addresses on the suppression list as keyed hashes (replacing any entry
/// under the plain address); returns how many.
fn suppress_hashed(
    conn: &mut dyn Conn,
    customer: CustomerId,
    emails: &[String],
    key: &[u8],
    now: Timestamp,
) -> Result<u64, StoreError> {
    for email in emails {
        conn.execute(
            "INSERT INTO suppressions (email, reason, customer_id, created_at) VALUES ($1, 'erased', $2, $3) \
             ON CONFLICT (email) DO UPDATE SET reason = 'erased'",
            &[Value::from(suppressed_address(key, email)), Value::Int(customer.0), Value::Time(now)],
        )?;
        conn.execute("DELETE FROM suppressions WHERE email = $1", &[Value::from(email.as_str())])?;
    }
    Ok(emails.len() as u64)
}

/// Replaces free-text answers in the customer's survey responses.
fn scrub_responses(
    conn: &mut dyn Conn,
    customer: CustomerId,
    scrub: &ScrubAnswers<'_>,
) -> Result<u64, StoreError> {
    let rows = conn.query(
        "SELECT id, survey_id, version, answers FROM survey_responses WHERE customer_id = $1",
        &[Value::Int(customer.0)],
    )?;
    let mut changed = 0;
    for row in rows {
        let stored = row.text(3)?;
        let scrubbed = scrub(row.int(1)?, row.int(2)?, &stored);
        if scrubbed != stored {
            changed += conn.execute(
                "UPDATE survey_responses SET answers = $1 WHERE id = $2",
                &[Value::from(scrubbed), Value::Int(row.int(0)?)],
            )?;
        }
    }
    Ok(changed)
}

/// Replaces the shops' ids of the customer's identities or orders by their pseudonyms.
fn pseudonymise(
    conn: &mut dyn Conn,
    table: &str,
    customer: CustomerId,
    key: &[u8],
) -> Result<u64, StoreError> {
    let rows = conn.query(
        &format!("SELECT id, source_id, external_id FROM {table} WHERE customer_id = $1"),
        &[Value::Int(customer.0)],
    )?;
    let mut changed = 0;
    for row in rows {
        let external_id = row.text(2)?;
        if external_id.starts_with(PSEUDONYM_PREFIX) {
            continue;
        }
        let hashed = if table == "orders" {
            order_pseudonym(key, row.int(1)?, &external_id)
        } else {
            identity_pseudonym(key, row.int(1)?, &external_id)
        };
        changed += conn.execute(
            &format!("UPDATE {table} SET external_id = $1 WHERE id = $2"),
            &[Value::from(hashed), Value::Int(row.int(0)?)],
        )?;
    }
    Ok(changed)
}

/// Applies the table's treatments (or deletes) to the customer's rows and to rows mentioning
/// their addresses.
fn erase_rows(
    conn: &mut dyn Conn,
    table: &Table,
    customer: CustomerId,
    emails: &[String],
) -> Result<u64, StoreError> {
    let Some(action) = erase_action(table) else {
        return Ok(0);
    };
    let mut changed = 0;
    if let Some(condition) = table.rows_of {
        changed += conn.execute(&format!("{action} WHERE {condition}"), &[Value::Int(customer.0)])?;
    }
    if let Some(column) = table.mentions {
        for email in emails {
            let condition = mention_condition(column, table.rows_of);
            changed += conn.execute(
                &format!("{action} WHERE {condition}"),
                &mention_params(email, customer, table.rows_of),
            )?;
        }
    }
    Ok(changed)
}

/// `DELETE FROM t` or `UPDATE t SET …` for the table's personal columns; `None` when erasure
/// leaves the table alone.
fn erase_action(table: &Table) -> Option<String> {
    if table.delete {
        return Some(format!("DELETE FROM {}", table.name));
    }
    let sets: Vec<String> = table
        .columns
        .iter()
        .filter_map(|column| {
            let value = match column.treat {
                Treat::Keep | Treat::Time | Treat::Pseudonym => return None,
                Treat::Null => "NULL",
                Treat::Empty => "''",
                Treat::Set(sql) => sql,
            };
            Some(format!("{} = {value}", column.name))
        })
        .collect();
    (!sets.is_empty()).then(|| format!("UPDATE {} SET {}", table.name, sets.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_the_wildcards_of_an_address() {
        assert_eq!(like_pattern("a_b%c\\d@x"), "%a\\_b\\%c\\\\d@x%");
    }

    #[test]
    fn pseudonyms_are_keyed_and_tell_their_parts_apart() {
        let key = [7u8; 32];
        let a = pseudonym(&key, &["identity", "1", "42"]);
        assert!(a.starts_with(PSEUDONYM_PREFIX));
        assert_eq!(a, pseudonym(&key, &["identity", "1", "42"]));
        assert_ne!(a, pseudonym(&[8u8; 32], &["identity", "1", "42"]), "another key, another hash");
        assert_ne!(pseudonym(&key, &["ab", "c"]), pseudonym(&key, &["a", "bc"]));
    }

    #[test]
    fn every_table_has_its_erasure_written_in_sql_once() {
        let outbox = TABLES.iter().find(|t| t.name == "outbox").map(erase_action);
        let sql = outbox.flatten().unwrap_or_default();
        assert!(sql.starts_with("UPDATE outbox SET recipient = 'erased'"), "{sql}");
        assert!(erase_action(TABLES.iter().find(|t| t.name == "orders").expect("orders")).is_none());
    }
}
