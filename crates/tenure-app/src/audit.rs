//! The audit log's use cases: who did what to the customer file, recorded as it happens and
//! listed with filters. Entries name customers by id only, never by name or e-mail, so the log
//! survives a customer's erasure without holding their data.

use serde_json::Value as Json;
use tenure_domain::Timestamp;
use tenure_store::{AuditEntry, AuditOutcome, AuditQuery, AuditRecord, Store};

use crate::AppError;

/// Who acts, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A user's e-mail, `token:NAME`, `cli` or `system`.
    pub name: String,
    /// The client's address, for web requests.
    pub address: Option<String>,
}

impl Actor {
    /// The machine's own user, at the command line.
    pub fn cli() -> Self {
        Actor { name: "cli".into(), address: None }
    }

    /// A scheduled job.
    pub fn system() -> Self {
        Actor { name: "system".into(), address: None }
    }

    /// A signed-in user at `address`.
    pub fn user(email: &str, address: &str) -> Self {
        Actor { name: email.to_string(), address: Some(address.to_string()) }
    }

    /// An API token at `address`.
    pub fn token(name: &str, address: &str) -> Self {
        Actor { name: format!("token:{name}"), address: Some(address.to_string()) }
    }
}

/// One thing to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Action<'a> {
    /// What, as a dotted name (see [`ACTIONS`]).
    pub action: &'a str,
    /// To what, if anything (`customer:42`, `user:ann@shop.example`, a file name).
    pub target: Option<String>,
    /// Rows carried by an export or import.
    pub rows: Option<u64>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// More, as JSON (ids only).
    pub detail: Json,
}

impl<'a> Action<'a> {
    /// `action` done, to nothing in particular.
    pub fn done(action: &'a str) -> Self {
        Action { action, target: None, rows: None, outcome: AuditOutcome::Ok, detail: Json::Null }
    }

    /// This action, done to `target`.
    pub fn on(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// This action, carrying `rows` rows.
    pub fn rows(mut self, rows: u64) -> Self {
        self.rows = Some(rows);
        self
    }

    /// This action, ended as `outcome`.
    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// This action, with `detail`.
    pub fn detail(mut self, detail: Json) -> Self {
        self.detail = detail;
        self
    }
}

/// Every action the log records, for filters and documentation.
pub const ACTIONS: &[(&str, &str)] = &[
    ("signin", "a sign-in, succeeded or refused"),
    ("signout", "a sign-out"),
    ("password.change", "a user changed their password"),
    ("users.add", "a user was added"),
    ("users.remove", "a user was removed"),
    ("users.password", "a user's password was set by an administrator"),
    ("users.export_grant", "a user's export permission was changed"),
    ("tokens.create", "an API token was created"),
    ("tokens.revoke", "an API token was revoked"),
    ("tokens.export_grant", "a token's export permission was changed"),
    ("import", "a file was imported"),
    ("export", "a list of customers was downloaded (CSV, API pages)"),
    ("customers.export", "everything held about one customer was exported"),
    ("customers.erase", "a customer's personal data was erased"),
    ("customer.view", "a customer's page or record was opened"),
    ("customers.merge", "identities were joined into one customer"),
    ("customers.unmerge", "a merge was undone"),
    ("settings.change", "a setting was changed"),
    ("retention.run", "the retention job erased inactive customers"),
    ("backup", "a backup of the database was written"),
    ("restore", "the database was restored from a backup"),
];

/// The `import` action of an import's report, done to `target` (the files, or the source):
/// written or refused, with its counts — the same entry from the CLI and the Import page.
pub fn import_action(report: &crate::import::ImportReport, target: String) -> Action<'static> {
    let outcome = if report.committed { AuditOutcome::Ok } else { AuditOutcome::Refused };
    let detail = serde_json::json!({
        "source": report.source,
        "orders_added": report.orders_added,
        "orders_updated": report.orders_updated,
        "customers_added": report.customers_added,
        "customers_merged": report.customers_merged,
        "records_of_erased": report.records_of_erased,
        "rejected": report.rejected.len(),
    });
    Action::done("import").on(target).rows(report.rows_read).outcome(outcome).detail(detail)
}

/// Appends `action` by `actor` at `now`.
pub fn record(
    store: &mut dyn Store,
    actor: &Actor,
    action: Action<'_>,
    now: Timestamp,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        at: now,
        actor: actor.name.clone(),
        action: action.action.to_string(),
        target: action.target,
        rows: action.rows.map(|rows| i64::try_from(rows).unwrap_or(i64::MAX)),
        address: actor.address.clone(),
        outcome: action.outcome,
        detail: action.detail,
    };
    store.append_audit(&entry)?;
    Ok(())
}

/// Entries by `query`, newest first (at most 1,000 at a time).
pub fn list(store: &mut dyn Store, query: &AuditQuery) -> Result<Vec<AuditRecord>, AppError> {
    let query = AuditQuery { limit: query.limit.clamp(1, 1_000), ..query.clone() };
    Ok(store.audit(&query)?)
}
