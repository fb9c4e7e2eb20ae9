//! OpenCart `oc_order` tables exported as CSV: one row per order, amounts in the store's default
//! currency converted with `currency_value`, status by `order_status_id` (0 = abandoned checkout,
//! counted and skipped). Which statuses are sales is store configuration
//! ([`crate::ImportOptions::opencart_sale_statuses`]).

use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderRecord, OrderStatus};

use crate::Input;
use crate::dates::naive_in;
use crate::error::{ImportError, RowError};
use crate::fields::{At, full_name};
use crate::headers::{Column, ColumnSpec, Headers};
use crate::records::{RecordSource, Summary};
use crate::table::{Row, Table};

mod decimal;

const ORDER_ID: ColumnSpec = ColumnSpec::named("order_id");
const CUSTOMER_ID: ColumnSpec = ColumnSpec::named("customer_id");
const FIRSTNAME: ColumnSpec = ColumnSpec::with("firstname", &["first_name"]);
const LASTNAME: ColumnSpec = ColumnSpec::with("lastname", &["last_name"]);
const EMAIL: ColumnSpec = ColumnSpec::named("email");
const TOTAL: ColumnSpec = ColumnSpec::named("total");
const STATUS: ColumnSpec = ColumnSpec::with("order_status_id", &["status_id"]);
const CURRENCY_CODE: ColumnSpec = ColumnSpec::with("currency_code", &["currency"]);
const CURRENCY_VALUE: ColumnSpec = ColumnSpec::named("currency_value");
const DATE_ADDED: ColumnSpec = ColumnSpec::with("date_added", &["date_created"]);

struct Columns {
    order_id: Column,
    customer_id: Column,
    firstname: Option<Column>,
    lastname: Option<Column>,
    email: Column,
    total: Column,
    status: Column,
    currency_code: Column,
    currency_value: Option<Column>,
    date_added: Column,
}

impl Columns {
    fn find(headers: &Headers) -> Result<Self, ImportError> {
        Ok(Columns {
            order_id: headers.require(ORDER_ID)?,
            customer_id: headers.require(CUSTOMER_ID)?,
            firstname: headers.find(FIRSTNAME),
            lastname: headers.find(LASTNAME),
            email: headers.require(EMAIL)?,
            total: headers.require(TOTAL)?,
            status: headers.require(STATUS)?,
            currency_code: headers.require(CURRENCY_CODE)?,
            currency_value: headers.find(CURRENCY_VALUE),
            date_added: headers.require(DATE_ADDED)?,
        })
    }
}

/// Reads one `oc_order` export.
pub(crate) struct OpencartSource {
    table: Table,
    columns: Columns,
    sale_statuses: Vec<u32>,
    /// The zone of `date_added` (the shop server's clock).
    time_zone: chrono_tz::Tz,
    abandoned: u64,
}

impl OpencartSource {
    /// Opens `input`; `sale_statuses` are the status ids that count as paid, `time_zone` the
    /// zone of the server's clock that wrote `date_added`.
    pub fn open(input: Input, sale_statuses: &[u32], time_zone: chrono_tz::Tz) -> Result<Self, ImportError> {
        let table = Table::open(input)?;
        let columns = Columns::find(&table.headers)?;
        Ok(OpencartSource { table, columns, sale_statuses: sale_statuses.to_vec(), time_zone, abandoned: 0 })
    }

    /// The order of `row`, or `Ok(None)` for an abandoned checkout.
    fn read_order(&self, row: &Row) -> Result<Option<ImportRecord>, RowError> {
        let columns = &self.columns;
        let at = At { file: &self.table.file, line: row.line };
        let status_text = at.required(&columns.status.name, row.get(&columns.status))?;
        let status_id: u32 = status_text.parse().map_err(|_| {
            at.error(&columns.status.name, format!("`{status_text}` is not an order status id"))
        })?;
        if status_id == 0 {
            return Ok(None);
        }
        let status = self.status(status_id);
        let order_id = at.required(&columns.order_id.name, row.get(&columns.order_id))?;
        let currency = at.currency(&columns.currency_code.name, row.get(&columns.currency_code))?;
        let total_minor = self.amount(&at, row, currency)?;
        let placed_at = at.time(
            &columns.date_added.name,
            row.get(&columns.date_added),
            |text| naive_in(text, self.time_zone),
            "YYYY-MM-DD HH:MM:SS",
        )?;
        let order = OrderRecord {
            external_id: order_id.to_string(),
            placed_at,
            status,
            currency,
            total_minor,
            refunded_minor: if status == OrderStatus::Refunded { total_minor } else { 0 },
            items: Vec::new(),
        };
        Ok(Some(ImportRecord { line: row.line, customer: self.customer(&at, row)?, order }))
    }

    /// `total × currency_value` in minor units of `currency`.
    fn amount(&self, at: &At<'_>, row: &Row, currency: Currency) -> Result<i64, RowError> {
        let columns = &self.columns;
        let total = decimal::Decimal::parse(row.get(&columns.total)).ok_or_else(|| {
            at.error(&columns.total.name, format!("`{}` is not an amount", row.get(&columns.total)))
        })?;
        let rate = match (&columns.currency_value, row.non_empty(columns.currency_value.as_ref())) {
            (Some(column), Some(text)) => decimal::Decimal::parse(text)
                .filter(|rate| rate.is_positive())
                .ok_or_else(|| at.error(&column.name, format!("`{text}` is not a positive exchange rate")))?,
            _ => decimal::Decimal::ONE,
        };
        total
            .times(rate)
            .and_then(|amount| amount.to_minor_units(currency.exponent()))
            .ok_or_else(|| at.error(&columns.total.name, "the converted amount is too large"))
    }

    fn customer(&self, at: &At<'_>, row: &Row) -> Result<CustomerRecord, RowError> {
        let columns = &self.columns;
        let email = at.email(&columns.email.name, row.get(&columns.email))?;
        let customer_id = row.get(&columns.customer_id);
        let external_id = if customer_id.is_empty() || customer_id.trim_start_matches('0').is_empty() {
            let email = email.as_ref().ok_or_else(|| {
                at.error(&columns.email.name, "is empty, and the order is a guest's (customer_id 0)")
            })?;
            format!("email:{email}")
        } else {
            customer_id.to_string()
        };
        let name = full_name(row.opt(columns.firstname.as_ref()), row.opt(columns.lastname.as_ref()));
        Ok(CustomerRecord { external_id, email, name, marketing_consent: None })
    }

    /// Sale statuses are paid; the rest by the meaning of OpenCart's default statuses.
    fn status(&self, status_id: u32) -> OrderStatus {
        if self.sale_statuses.contains(&status_id) {
            return OrderStatus::Paid;
        }
        match status_id {
            // 7 Canceled, 16 Voided.
            7 | 16 => OrderStatus::Cancelled,
            // 8 Denied, 10 Failed, 14 Expired.
            8 | 10 | 14 => OrderStatus::Failed,
            // 11 Refunded, 12 Reversed (when not a sale), 13 Chargeback.
            11..=13 => OrderStatus::Refunded,
            _ => OrderStatus::Pending,
        }
    }
}

impl RecordSource for OpencartSource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        loop {
            let row = match self.table.next_row()? {
                Ok(row) => row,
                Err(error) => return Some(Err(error)),
            };
            match self.read_order(&row) {
                Ok(Some(record)) => return Some(Ok(record)),
                Ok(None) => self.abandoned += 1,
                Err(error) => return Some(Err(error)),
            }
        }
    }

    fn summary(&self) -> Summary {
        Summary { rows_read: self.table.rows_read(), abandoned_checkouts: self.abandoned }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> OpencartSource {
        let header = "order_id,customer_id,email,total,order_status_id,currency_code,date_added\n";
        OpencartSource::open(Input::from_bytes("oc.csv", header), &[5, 3, 1, 2, 12], chrono_tz::Tz::UTC)
            .unwrap()
    }

    #[test]
    fn statuses_follow_the_sale_list_then_their_meaning() {
        let source = source();
        let statuses: Vec<_> =
            [5, 3, 1, 2, 12, 7, 16, 8, 10, 14, 11, 13, 9, 15].map(|id| source.status(id)).into();
        use OrderStatus::*;
        assert_eq!(
            statuses,
            [
                Paid, Paid, Paid, Paid, Paid, Cancelled, Cancelled, Failed, Failed, Failed, Refunded,
                Refunded, Pending, Pending
            ]
        );
    }

    #[test]
    fn date_added_is_the_servers_wall_clock_in_the_zone_given() {
        let text = "order_id,customer_id,email,total,order_status_id,currency_code,date_added\n\
                    7,3,a@example.com,10.00,5,EUR,2024-01-15 23:30:00\n\
                    8,3,a@example.com,10.00,5,EUR,2024-07-15 23:30:00\n";
        let placed = |zone| {
            let mut source = OpencartSource::open(Input::from_bytes("oc.csv", text), &[5], zone).unwrap();
            std::iter::from_fn(|| source.next_record())
                .map(|r| r.unwrap().order.placed_at.to_rfc3339())
                .collect::<Vec<_>>()
        };
        assert_eq!(placed(chrono_tz::Tz::UTC), ["2024-01-15T23:30:00+00:00", "2024-07-15T23:30:00+00:00"]);
        assert_eq!(
            placed(chrono_tz::Tz::Europe__Berlin),
            ["2024-01-15T22:30:00+00:00", "2024-07-15T21:30:00+00:00"]
        );
    }

    #[test]
    fn reversed_is_refunded_when_it_is_not_a_sale() {
        let mut source = source();
        source.sale_statuses = vec![5];
        assert_eq!(source.status(12), OrderStatus::Refunded);
    }
}
