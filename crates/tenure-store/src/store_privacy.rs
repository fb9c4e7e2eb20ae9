//! The storage interface of customers' data rights and of the audit log: a customer's export
//! and erasure, customers due for erasure by the retention setting, the schema's columns (for
//! the test that every column is in the privacy catalogue), who may export, and the audit log.
//! Part of every [`crate::Store`].

use tenure_domain::{CustomerId, Timestamp};

use crate::privacy::{self, Erasure, ExportedRows, ScrubAnswers};
use crate::sql::{Conn, Value};
use crate::store::{Backend, Engine};
use crate::{AuditEntry, AuditQuery, AuditRecord, StoreError, audit, revision};

/// What data rights and the audit log ask of storage.
pub trait PrivacyStore {
    /// Every row held about `customer`, table by table; `NotFound` for an unknown customer.
    fn export_customer(&mut self, customer: CustomerId) -> Result<ExportedRows, StoreError>;
    /// Erases `customer`'s personal data in one transaction (see `privacy.rs`), then has the
    /// engine overwrite what the old values left in the database file where it can. `new_key`
    /// makes the erasure key when none is stored yet; `scrub_answers` rewrites survey answers.
    fn erase_customer(
        &mut self,
        customer: CustomerId,
        new_key: &dyn Fn() -> String,
        scrub_answers: &ScrubAnswers<'_>,
        now: Timestamp,
    ) -> Result<Erasure, StoreError>;
    /// Customers not erased yet who have neither bought nor been in touch since `cutoff` (and
    /// were in the file before it), by id after `after`.
    fn inactive_customers(
        &mut self,
        cutoff: Timestamp,
        after: CustomerId,
        limit: usize,
    ) -> Result<Vec<CustomerId>, StoreError>;
    /// Every `(table, column)` of the schema, as the engine's catalogue lists them.
    fn schema_columns(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    /// A user's or a token's own export permission (`None`: the role's default).
    fn export_grant(&mut self, holder: ExportHolder) -> Result<Option<bool>, StoreError>;
    /// Sets (or with `None` clears) a user's or a token's export permission.
    fn set_export_grant(&mut self, holder: ExportHolder, grant: Option<bool>) -> Result<(), StoreError>;
    /// Appends an entry to the audit log.
    fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Audit entries by a query, newest first.
    fn audit(&mut self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;
}

/// Who holds an export permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportHolder {
    /// A user, by id.
    User(i64),
    /// An API token, by id.
    Token(i64),
}

impl ExportHolder {
    fn table(self) -> (&'static str, i64) {
        match self {
            ExportHolder::User(id) => ("users", id),
            ExportHolder::Token(id) => ("api_tokens", id),
        }
    }
}

impl<B: Backend> PrivacyStore for Engine<B> {
    fn export_customer(&mut self, customer: CustomerId) -> Result<ExportedRows, StoreError> {
        let mut tx = self.checked_read()?;
        privacy::export(&mut tx, customer)
    }

    fn erase_customer(
        &mut self,
        customer: CustomerId,
        new_key: &dyn Fn() -> String,
        scrub_answers: &ScrubAnswers<'_>,
        now: Timestamp,
    ) -> Result<Erasure, StoreError> {
        let erasure = self.write(|conn| {
            let erasure = privacy::erase(conn, customer, new_key, scrub_answers, now)?;
            if erasure.erased_now {
                revision::bump(conn)?;
            }
            Ok(erasure)
        })?;
        if erasure.erased_now {
            let tables: Vec<&str> =
                erasure.rows.keys().map(String::as_str).chain(["customers", "suppressions"]).collect();
            self.backend.overwrite_freed(&tables)?;
        }
        Ok(erasure)
    }

    fn inactive_customers(
        &mut self,
        cutoff: Timestamp,
        after: CustomerId,
        limit: usize,
    ) -> Result<Vec<CustomerId>, StoreError> {
        let mut tx = self.checked_read()?;
        let sql = format!(
            "SELECT c.id FROM customers c WHERE (c.created_at < $1 OR EXISTS \
             (SELECT 1 FROM orders o WHERE o.customer_id = c.id)) AND c.id > $2 AND c.erased_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.placed_at >= $1) \
             AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id AND i.occurred_at >= $1) \
             ORDER BY c.id LIMIT {}",
            limit.max(1)
        );
        tx.query(&sql, &[Value::Time(cutoff), Value::Int(after.0)])?
            .iter()
            .map(|row| row.int(0).map(CustomerId))
            .collect()
    }

    fn schema_columns(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self.checked_read()?;
        let rows = tx.query(B::SCHEMA_COLUMNS, &[])?;
        rows.iter().map(|row| Ok((row.text(0)?, row.text(1)?))).collect()
    }

    fn export_grant(&mut self, holder: ExportHolder) -> Result<Option<bool>, StoreError> {
        let (table, id) = holder.table();
        let mut tx = self.checked_read()?;
        let row = tx
            .query_opt(&format!("SELECT may_export FROM {table} WHERE id = $1"), &[Value::Int(id)])?
            .ok_or_else(|| StoreError::NotFound(format!("{table} {id}")))?;
        row.opt_bool(0)
    }

    fn set_export_grant(&mut self, holder: ExportHolder, grant: Option<bool>) -> Result<(), StoreError> {
        let (table, id) = holder.table();
        self.write(|conn| {
            let changed = conn.execute(
                &format!("UPDATE {table} SET may_export = $1 WHERE id = $2"),
                &[Value::from(grant), Value::Int(id)],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("{table} {id}")));
            }
            Ok(())
        })
    }

    fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.write(|conn| audit::append(conn, entry))
    }

    fn audit(&mut self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let mut tx = self.checked_read()?;
        audit::list(&mut tx, query)
    }
}
