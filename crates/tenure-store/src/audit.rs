//! The audit log in storage: entries appended, and read back by filters. Nothing here updates or
//! deletes an entry, and the schema's triggers refuse it from anywhere else.

use serde::Serialize;
use tenure_domain::Timestamp;

use crate::StoreError;
use crate::sql::{Conn, Row, Value};

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// It was done.
    Ok,
    /// It was not allowed (a wrong password, a missing permission).
    Refused,
    /// It was tried and failed.
    Failed,
}

impl AuditOutcome {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }

    fn from_column(text: &str) -> Result<Self, StoreError> {
        match text {
            "ok" => Ok(AuditOutcome::Ok),
            "refused" => Ok(AuditOutcome::Refused),
            "failed" => Ok(AuditOutcome::Failed),
            other => Err(StoreError::Other(format!("audit_log.outcome: unknown `{other}`"))),
        }
    }
}

/// One entry: appended as given, read back with its number in an [`AuditRecord`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Who: a user's e-mail, `token:NAME`, `cli` or `system`.
    pub actor: String,
    /// What, as a dotted name (`signin`, `customers.export`, `customer.view`, …).
    pub action: String,
    /// What it was done to (`customer:42`, `user:ann@shop.example`, a file), if anything.
    pub target: Option<String>,
    /// Rows an export or import carried.
    pub rows: Option<i64>,
    /// The client's address (web requests).
    pub address: Option<String>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Anything more, as JSON (ids, never a customer's name or e-mail).
    pub detail: serde_json::Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Its number: entries are numbered in the order they were written.
    pub id: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Which entries to read: all filters optional, newest first, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action, or actions under it (`customers` finds `customers.export`).
    pub action: Option<String>,
    /// Only this target.
    pub target: Option<String>,
    /// From this time on.
    pub since: Option<Timestamp>,
    /// Before this time.
    pub until: Option<Timestamp>,
    /// Entries older than this id (paging back).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: usize,
}

/// Appends `entry`.
pub(crate) fn append(conn: &mut dyn Conn, entry: &AuditEntry) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target, rows, address, outcome, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Value::Time(entry.at),
            Value::from(entry.actor.as_str()),
            Value::from(entry.action.as_str()),
            Value::from(entry.target.clone()),
            Value::from(entry.rows),
            Value::from(entry.address.clone()),
            Value::from(entry.outcome.as_str()),
            Value::from(entry.detail.to_string()),
        ],
    )?;
    Ok(())
}

/// Entries matching `query`, newest first.
pub(crate) fn list(conn: &mut dyn Conn, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    // Binds `value` and names its placeholder.
    let mut bind = |value: Value| {
        params.push(value);
        format!("${}", params.len())
    };
    if let Some(actor) = &query.actor {
        conditions.push(format!("actor = {}", bind(Value::from(actor.as_str()))));
    }
    if let Some(action) = &query.action {
        let exact = bind(Value::from(action.as_str()));
        let under = bind(Value::from(format!("{}.%", action.replace(['%', '_'], ""))));
        conditions.push(format!("(action = {exact} OR action LIKE {under})"));
    }
    if let Some(target) = &query.target {
        conditions.push(format!("target = {}", bind(Value::from(target.as_str()))));
    }
    if let Some(since) = query.since {
        conditions.push(format!("at >= {}", bind(Value::Time(since))));
    }
    if let Some(until) = query.until {
        conditions.push(format!("at < {}", bind(Value::Time(until))));
    }
    if let Some(before) = query.before_id {
        conditions.push(format!("id < {}", bind(Value::Int(before))));
    }
    let filter =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT id, at, actor, action, target, rows, address, outcome, detail FROM audit_log {filter} \
         ORDER BY id DESC LIMIT {}",
        query.limit.max(1)
    );
    conn.query(&sql, &params)?.iter().map(record).collect()
}

fn record(row: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        id: row.int(0)?,
        entry: AuditEntry {
            at: row.time(1)?,
            actor: row.text(2)?,
            action: row.text(3)?,
            target: row.opt_text(4)?,
            rows: row.opt_int(5)?,
            address: row.opt_text(6)?,
            outcome: AuditOutcome::from_column(&row.text(7)?)?,
            detail: serde_json::from_str(&row.text(8)?).unwrap_or(serde_json::Value::Null),
        },
    })
}
