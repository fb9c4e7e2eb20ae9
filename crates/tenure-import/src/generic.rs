//! Any one-row-per-order CSV, read through a [`CsvMapping`] that names its columns. Rows
//! without an order id column get derived ids like CDNOW's (see [`crate::derived_ids`]).

use std::collections::BTreeMap;

use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderRecord, OrderStatus};

use crate::Input;
use crate::dates::{iso8601, with_format};
use crate::derived_ids::{DerivedIds, IdCounters, Unordered};
use crate::error::{ImportError, RowError};
use crate::fields::{At, refund_status};
use crate::headers::{Column, Headers};
use crate::mapping::CsvMapping;
use crate::records::{RecordSource, Summary};
use crate::table::{Row, Table};

struct Columns {
    order_id: Option<Column>,
    customer_id: Option<Column>,
    email: Option<Column>,
    name: Option<Column>,
    date: Column,
    amount: Column,
    currency: Option<Column>,
    status: Option<Column>,
    refunded: Option<Column>,
    marketing_consent: Option<Column>,
}

impl Columns {
    fn find(file: &str, headers: &Headers, mapping: &CsvMapping) -> Result<Self, ImportError> {
        let column = |name: &Option<String>| -> Result<Option<Column>, ImportError> {
            let Some(name) = name else { return Ok(None) };
            headers.position(name).map(Some).ok_or_else(|| ImportError::MissingColumn {
                file: file.to_string(),
                column: name.clone(),
                accepted: vec![name.clone()],
            })
        };
        let required = |name: &Option<String>| {
            column(name)?.ok_or_else(|| ImportError::BadMapping("`date` and `amount` are required".into()))
        };
        Ok(Columns {
            order_id: column(&mapping.order_id)?,
            customer_id: column(&mapping.customer_id)?,
            email: column(&mapping.email)?,
            name: column(&mapping.name)?,
            date: required(&mapping.date)?,
            amount: required(&mapping.amount)?,
            currency: column(&mapping.currency)?,
            status: column(&mapping.status)?,
            refunded: column(&mapping.refunded)?,
            marketing_consent: column(&mapping.marketing_consent)?,
        })
    }
}

/// Reads one mapped CSV.
pub(crate) struct GenericSource {
    table: Table,
    columns: Columns,
    date_format: Option<String>,
    /// The zone of date-times written without an offset.
    time_zone: chrono_tz::Tz,
    fixed_currency: Currency,
    status_values: BTreeMap<String, OrderStatus>,
    ids: DerivedIds,
    /// Set when derived ids cannot go on ([`Unordered`]): the input ends there.
    finished: bool,
}

impl GenericSource {
    /// Checks `mapping` and opens `input`; derived ids keep `counters`.
    pub fn open(
        input: Input,
        mapping: &CsvMapping,
        counters: IdCounters,
        time_zone: chrono_tz::Tz,
    ) -> Result<Self, ImportError> {
        mapping.validate()?;
        let table = Table::open(input)?;
        let columns = Columns::find(&table.file, &table.headers, mapping)?;
        let status_values = mapping
            .status_values
            .iter()
            .map(|(text, status)| (text.trim().to_lowercase(), *status))
            .collect();
        Ok(GenericSource {
            table,
            columns,
            date_format: mapping.date_format.clone(),
            time_zone,
            fixed_currency: mapping.fixed_currency()?,
            status_values,
            ids: DerivedIds::new(counters),
            finished: false,
        })
    }

    fn read_order(&mut self, row: &Row) -> Result<ImportRecord, RowError> {
        let columns = &self.columns;
        let at = At { file: &self.table.file, line: row.line };
        let currency = match &columns.currency {
            Some(column) => at.currency(&column.name, row.get(column))?,
            None => self.fixed_currency,
        };
        let placed_at = self.placed_at(&at, row)?;
        let total_minor = at.amount(&columns.amount.name, row.get(&columns.amount), currency)?;
        let refunded_name = columns.refunded.as_ref().map_or("", |c| c.name.as_str());
        let refunded_minor =
            at.amount_or_zero(refunded_name, row.opt(columns.refunded.as_ref()), currency)?;
        let status = self.status(&at, row)?;
        let customer = self.customer(&at, row)?;
        let external_id = match &columns.order_id {
            Some(column) => at.required(&column.name, row.get(column))?.to_string(),
            None => match self.ids.next(&customer.external_id, placed_at.date_naive()) {
                Ok(id) => id,
                Err(Unordered) => {
                    self.finished = true;
                    return Err(RowError::unordered(&self.table.file, row.line));
                }
            },
        };
        let status = refund_status(status, total_minor, refunded_minor);
        let order = OrderRecord {
            external_id,
            placed_at,
            status,
            currency,
            total_minor,
            refunded_minor,
            items: Vec::new(),
        };
        Ok(ImportRecord { line: row.line, customer, order })
    }

    fn placed_at(&self, at: &At<'_>, row: &Row) -> Result<tenure_domain::Timestamp, RowError> {
        let column = &self.columns.date;
        match &self.date_format {
            Some(format) => at.time(
                &column.name,
                row.get(column),
                |text| with_format(text, format, self.time_zone),
                format,
            ),
            None => at.time(
                &column.name,
                row.get(column),
                |text| iso8601(text, self.time_zone),
                "an ISO 8601 date like 2024-05-01 or 2024-05-01T10:00:00Z",
            ),
        }
    }

    fn status(&self, at: &At<'_>, row: &Row) -> Result<OrderStatus, RowError> {
        let Some(column) = &self.columns.status else { return Ok(OrderStatus::Paid) };
        let text = row.get(column);
        let key = text.to_lowercase();
        self.status_values.get(&key).copied().or_else(|| builtin_status(&key)).ok_or_else(|| {
            at.error(
                &column.name,
                format!("`{text}` is not a known status (add it to the mapping's status_values)"),
            )
        })
    }

    fn customer(&self, at: &At<'_>, row: &Row) -> Result<CustomerRecord, RowError> {
        let columns = &self.columns;
        let email = match &columns.email {
            Some(column) => at.email(&column.name, row.get(column))?,
            None => None,
        };
        let id = row.non_empty(columns.customer_id.as_ref()).map(str::to_string);
        let external_id = match (id, &email) {
            (Some(id), _) => id,
            (None, Some(email)) => email.as_str().to_string(),
            (None, None) => {
                let column =
                    columns.customer_id.as_ref().or(columns.email.as_ref()).map_or("", |c| c.name.as_str());
                return Err(at.error(column, "is empty: the row names no customer"));
            }
        };
        let consent_name = columns.marketing_consent.as_ref().map_or("", |c| c.name.as_str());
        let marketing_consent = at.consent(consent_name, row.opt(columns.marketing_consent.as_ref()))?;
        let name = row.non_empty(columns.name.as_ref()).map(str::to_string);
        Ok(CustomerRecord { external_id, email, name, marketing_consent })
    }
}

/// Status words understood without a mapping: Tenure's own names and common synonyms.
fn builtin_status(key: &str) -> Option<OrderStatus> {
    let normalised = key.trim().replace([' ', '-'], "_");
    if let Some(status) = OrderStatus::parse(&normalised) {
        return Some(status);
    }
    Some(match normalised.as_str() {
        "" | "completed" | "complete" | "processing" | "shipped" | "fulfilled" | "delivered"
        | "succeeded" => OrderStatus::Paid,
        "partial_refund" | "partly_refunded" => OrderStatus::PartiallyRefunded,
        "fully_refunded" | "returned" => OrderStatus::Refunded,
        "canceled" | "voided" | "void" => OrderStatus::Cancelled,
        "declined" | "denied" | "expired" | "payment_failed" => OrderStatus::Failed,
        "on_hold" | "unpaid" | "authorized" | "awaiting_payment" => OrderStatus::Pending,
        _ => return None,
    })
}

impl RecordSource for GenericSource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        if self.finished {
            return None;
        }
        Some(match self.table.next_row()? {
            Ok(row) => self.read_order(&row),
            Err(error) => Err(error),
        })
    }

    fn summary(&self) -> Summary {
        Summary { rows_read: self.table.rows_read(), abandoned_checkouts: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_statuses_cover_tenure_names_and_common_words() {
        assert_eq!(builtin_status("partially refunded"), Some(OrderStatus::PartiallyRefunded));
        assert_eq!(builtin_status("Canceled".to_lowercase().as_str()), Some(OrderStatus::Cancelled));
        assert_eq!(builtin_status("on-hold"), Some(OrderStatus::Pending));
        assert_eq!(builtin_status("completed"), Some(OrderStatus::Paid));
        assert_eq!(builtin_status(""), Some(OrderStatus::Paid));
        assert_eq!(builtin_status("lost in the post"), None);
    }
}
