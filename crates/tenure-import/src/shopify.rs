//! Shopify orders exports: one row per line item, order fields on the first row of each order,
//! rows grouped by `Name` (`#1001`, or `Id` when there is no `Name`). Only one order's rows are
//! held at a time, so the rows of an order must be consecutive, as Shopify writes them.
//!
//! Customer = normalised e-mail; orders without one (point of sale) get `guest:{order name}`.

use tenure_domain::{CustomerRecord, Email, ImportRecord, OrderItem, OrderRecord, OrderStatus};

use crate::Input;
use crate::dates::with_offset;
use crate::error::{ImportError, RowError};
use crate::fields::{At, refund_status};
use crate::headers::{Column, ColumnSpec, Headers};
use crate::records::{RecordSource, Summary};
use crate::table::{Row, Table};

const NAME: ColumnSpec = ColumnSpec::with("Name", &["Order Name", "Order Number"]);
const ID: ColumnSpec = ColumnSpec::with("Id", &["Order ID"]);
const ANY_KEY: ColumnSpec = ColumnSpec::with("Name", &["Order Name", "Order Number", "Id", "Order ID"]);
const EMAIL: ColumnSpec = ColumnSpec::with("Email", &["Customer Email", "E-mail"]);
const FINANCIAL_STATUS: ColumnSpec = ColumnSpec::with("Financial Status", &["Payment Status"]);
const ACCEPTS_MARKETING: ColumnSpec = ColumnSpec::with("Accepts Marketing", &["Accepts Email Marketing"]);
const CURRENCY: ColumnSpec = ColumnSpec::named("Currency");
const TOTAL: ColumnSpec = ColumnSpec::with("Total", &["Order Total"]);
const CREATED_AT: ColumnSpec = ColumnSpec::with("Created at", &["Created", "Order Date"]);
const REFUNDED_AMOUNT: ColumnSpec = ColumnSpec::with("Refunded Amount", &["Total Refunded"]);
const CANCELLED_AT: ColumnSpec = ColumnSpec::with("Cancelled at", &["Canceled at"]);
const BILLING_NAME: ColumnSpec = ColumnSpec::named("Billing Name");
const SHIPPING_NAME: ColumnSpec = ColumnSpec::named("Shipping Name");
const ITEM_QUANTITY: ColumnSpec = ColumnSpec::named("Lineitem quantity");
const ITEM_NAME: ColumnSpec = ColumnSpec::named("Lineitem name");
const ITEM_PRICE: ColumnSpec = ColumnSpec::named("Lineitem price");
const ITEM_SKU: ColumnSpec = ColumnSpec::named("Lineitem sku");
const ITEM_DISCOUNT: ColumnSpec = ColumnSpec::named("Lineitem discount");

struct Columns {
    key: Column,
    email: Column,
    financial_status: Column,
    accepts_marketing: Option<Column>,
    currency: Column,
    total: Column,
    created_at: Column,
    refunded_amount: Option<Column>,
    cancelled_at: Option<Column>,
    billing_name: Option<Column>,
    shipping_name: Option<Column>,
    item: Option<ItemColumns>,
}

struct ItemColumns {
    name: Column,
    quantity: Column,
    price: Column,
    sku: Option<Column>,
    discount: Option<Column>,
}

impl Columns {
    fn find(headers: &Headers) -> Result<Self, ImportError> {
        let key = match headers.find(NAME).or_else(|| headers.find(ID)) {
            Some(key) => key,
            None => headers.require(ANY_KEY)?,
        };
        let item = match headers.find(ITEM_NAME) {
            Some(name) => Some(ItemColumns {
                name,
                quantity: headers.require(ITEM_QUANTITY)?,
                price: headers.require(ITEM_PRICE)?,
                sku: headers.find(ITEM_SKU),
                discount: headers.find(ITEM_DISCOUNT),
            }),
            None => None,
        };
        Ok(Columns {
            key,
            email: headers.require(EMAIL)?,
            financial_status: headers.require(FINANCIAL_STATUS)?,
            accepts_marketing: headers.find(ACCEPTS_MARKETING),
            currency: headers.require(CURRENCY)?,
            total: headers.require(TOTAL)?,
            created_at: headers.require(CREATED_AT)?,
            refunded_amount: headers.find(REFUNDED_AMOUNT),
            cancelled_at: headers.find(CANCELLED_AT),
            billing_name: headers.find(BILLING_NAME),
            shipping_name: headers.find(SHIPPING_NAME),
            item,
        })
    }
}

/// Reads one Shopify orders export.
pub(crate) struct ShopifySource {
    table: Table,
    columns: Columns,
    next_first_row: Option<Row>,
}

/// The rows of one order, or the first error among them.
struct Group {
    rows: Vec<Row>,
    error: Option<RowError>,
}

impl ShopifySource {
    /// Opens `input` and checks its header.
    pub fn open(input: Input) -> Result<Self, ImportError> {
        let table = Table::open(input)?;
        let columns = Columns::find(&table.headers)?;
        Ok(ShopifySource { table, columns, next_first_row: None })
    }

    /// Reads the rows of the next order; `None` at the end of the file.
    fn next_group(&mut self) -> Option<Group> {
        let first = match self.next_first_row.take() {
            Some(row) => row,
            None => match self.table.next_row()? {
                Ok(row) => row,
                Err(error) => return Some(Group { rows: vec![], error: Some(error) }),
            },
        };
        let key = first.get(&self.columns.key).to_string();
        let mut group = Group { rows: vec![first], error: None };
        while let Some(next) = self.table.next_row() {
            match next {
                Ok(row) if row.get(&self.columns.key) == key => group.rows.push(row),
                Ok(row) => {
                    self.next_first_row = Some(row);
                    break;
                }
                Err(error) => {
                    let fatal = error.fatal;
                    group.error.get_or_insert(error);
                    if fatal {
                        break;
                    }
                }
            }
        }
        Some(group)
    }

    fn read_order(&self, rows: &[Row]) -> Result<ImportRecord, RowError> {
        let first = rows.first().expect("a group has at least its first row");
        let columns = &self.columns;
        let at = At { file: &self.table.file, line: first.line };
        let name = at.required(&columns.key.name, first.get(&columns.key))?;
        let order_field = |column: &Column| {
            let text = first.get(column);
            if text.is_empty() {
                Err(at.error(
                    &column.name,
                    format!("is empty on the first row of order {name} (order fields are on an order's first row: are its rows consecutive?)"),
                ))
            } else {
                Ok(text)
            }
        };
        let financial_status = order_field(&columns.financial_status)?;
        let placed_at = at.time(
            &columns.created_at.name,
            order_field(&columns.created_at)?,
            with_offset,
            "YYYY-MM-DD HH:MM:SS -HHMM",
        )?;
        let currency = at.currency(&columns.currency.name, order_field(&columns.currency)?)?;
        let total_minor = at.amount(&columns.total.name, order_field(&columns.total)?, currency)?;
        let refunded_name = columns.refunded_amount.as_ref().map_or("Refunded Amount", |c| c.name.as_str());
        let refunded =
            at.amount_or_zero(refunded_name, first.opt(columns.refunded_amount.as_ref()), currency)?;
        let cancelled = first.non_empty(columns.cancelled_at.as_ref()).is_some();
        let (status, refunded_minor) =
            order_status(financial_status, cancelled, total_minor, refunded, refunded_name)
                .map_err(|reason| at.error(&columns.financial_status.name, reason))?;
        let items = rows.iter().filter_map(|row| self.item(row, currency)).collect::<Result<Vec<_>, _>>()?;
        let order = OrderRecord {
            external_id: name.to_string(),
            placed_at,
            status,
            currency,
            total_minor,
            refunded_minor,
            items,
        };
        Ok(ImportRecord { line: first.line, customer: self.customer(&at, first, name)?, order })
    }

    fn customer(&self, at: &At<'_>, first: &Row, order_name: &str) -> Result<CustomerRecord, RowError> {
        let columns = &self.columns;
        let email = at.email(&columns.email.name, first.get(&columns.email))?;
        let consent_name =
            columns.accepts_marketing.as_ref().map_or("Accepts Marketing", |c| c.name.as_str());
        let marketing_consent = at.consent(consent_name, first.opt(columns.accepts_marketing.as_ref()))?;
        let name = first
            .non_empty(columns.billing_name.as_ref())
            .or_else(|| first.non_empty(columns.shipping_name.as_ref()))
            .map(str::to_string);
        Ok(CustomerRecord {
            external_id: customer_key(email.as_ref(), order_name),
            email,
            name,
            marketing_consent,
        })
    }

    /// The line item of `row`, `None` when the row has none.
    fn item(&self, row: &Row, currency: tenure_domain::Currency) -> Option<Result<OrderItem, RowError>> {
        let columns = self.columns.item.as_ref()?;
        let name = row.get(&columns.name);
        if name.is_empty() {
            return None;
        }
        let at = At { file: &self.table.file, line: row.line };
        Some((|| {
            let quantity = at.quantity(&columns.quantity.name, row.get(&columns.quantity))?;
            let price = at.amount(&columns.price.name, row.get(&columns.price), currency)?;
            let discount_name = columns.discount.as_ref().map_or("", |c| c.name.as_str());
            let discount = at.amount_or_zero(discount_name, row.opt(columns.discount.as_ref()), currency)?;
            let gross = price
                .checked_mul(quantity)
                .ok_or_else(|| at.error(&columns.price.name, "price × quantity is too large"))?;
            let sku = row.non_empty(columns.sku.as_ref()).map(str::to_string);
            Ok(OrderItem { name: name.to_string(), sku, quantity, total_minor: gross - discount.abs() })
        })())
    }
}

/// A Shopify customer's identity: the normalised e-mail; an order without one (point of sale)
/// is the guest `guest:{order name}`, since nothing ties two anonymous orders to one person.
/// The REST order reader (`shopify_order.rs`) uses it too, so an export and webhooks agree.
pub(crate) fn customer_key(email: Option<&Email>, order_name: &str) -> String {
    email.map_or_else(|| format!("guest:{order_name}"), |email| email.as_str().to_string())
}

/// Status and refunded amount from `Financial Status`, `Cancelled at`, `Total` and
/// `Refunded Amount` (or, in REST JSON, the field named `refunded_field`). A cancelled order is
/// cancelled unless it was refunded in full.
pub(crate) fn order_status(
    financial: &str,
    cancelled: bool,
    total: i64,
    refunded: i64,
    refunded_field: &str,
) -> Result<(OrderStatus, i64), String> {
    let (status, refunded) = match financial.to_ascii_lowercase().replace(' ', "_").as_str() {
        "paid" => (refund_status(OrderStatus::Paid, total, refunded), refunded),
        "partially_refunded" if refunded > 0 => (OrderStatus::PartiallyRefunded, refunded),
        "partially_refunded" => {
            return Err(format!("is partially_refunded but `{refunded_field}` is blank or 0"));
        }
        "refunded" => (OrderStatus::Refunded, if refunded > 0 { refunded } else { total }),
        "pending" | "authorized" | "partially_paid" | "unpaid" => (OrderStatus::Pending, refunded),
        "voided" => (OrderStatus::Cancelled, refunded),
        "expired" => (OrderStatus::Failed, refunded),
        _ => {
            return Err(format!(
                "`{financial}` is not a Shopify financial status (expected paid, partially_paid, refunded, \
                 partially_refunded, pending, authorized, voided or expired)"
            ));
        }
    };
    if cancelled && status != OrderStatus::Refunded {
        return Ok((OrderStatus::Cancelled, refunded));
    }
    Ok((status, refunded))
}

impl RecordSource for ShopifySource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        let group = self.next_group()?;
        Some(match group.error {
            Some(error) => Err(error),
            None => self.read_order(&group.rows),
        })
    }

    fn summary(&self) -> Summary {
        Summary { rows_read: self.table.rows_read(), abandoned_checkouts: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "Refunded Amount";

    #[test]
    fn financial_statuses_map_to_tenure_statuses() {
        assert_eq!(order_status("paid", false, 100, 0, R), Ok((OrderStatus::Paid, 0)));
        assert_eq!(
            order_status("partially_refunded", false, 100, 30, R),
            Ok((OrderStatus::PartiallyRefunded, 30))
        );
        assert_eq!(order_status("refunded", false, 100, 0, R), Ok((OrderStatus::Refunded, 100)));
        assert_eq!(order_status("authorized", false, 100, 0, R), Ok((OrderStatus::Pending, 0)));
        assert_eq!(order_status("partially_paid", false, 100, 0, R), Ok((OrderStatus::Pending, 0)));
        assert_eq!(order_status("voided", false, 100, 0, R), Ok((OrderStatus::Cancelled, 0)));
        assert!(order_status("gifted", false, 100, 0, R).is_err());
        assert!(order_status("partially_refunded", false, 100, 0, R).is_err());
    }

    #[test]
    fn cancelled_orders_are_cancelled_unless_refunded() {
        assert_eq!(order_status("paid", true, 100, 0, R), Ok((OrderStatus::Cancelled, 0)));
        assert_eq!(order_status("refunded", true, 100, 100, R), Ok((OrderStatus::Refunded, 100)));
        assert_eq!(order_status("partially_refunded", true, 100, 40, R), Ok((OrderStatus::Cancelled, 40)));
    }
}
