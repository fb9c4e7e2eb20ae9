//! Etsy "Sold Orders" exports (one row per order), joined to the optional "Sold Order Items"
//! exports. Which input is which is told by its header. US and localised (UK) headers.
//!
//! Revenue rules: see the crate documentation ("Etsy").

use std::collections::VecDeque;

use tenure_domain::{CustomerRecord, ImportRecord, OrderRecord, OrderStatus};

use crate::Input;
use crate::dates::{noon_utc, us_date};
use crate::error::{ImportError, RowError};
use crate::etsy_items::{ITEMS_MARKERS, ItemsByOrder};
use crate::fields::{At, full_name};
use crate::headers::{Column, ColumnSpec, Headers};
use crate::records::{RecordSource, Records, Summary};
use crate::table::{Row, Table};

const SALE_DATE: ColumnSpec = ColumnSpec::with("Sale Date", &["Order Date", "Date"]);
const ORDER_ID: ColumnSpec = ColumnSpec::with("Order ID", &["Order Number", "Order No"]);
const BUYER_USER_ID: ColumnSpec = ColumnSpec::with("Buyer User ID", &["Buyer Username", "Buyer ID"]);
const BUYER: ColumnSpec = ColumnSpec::named("Buyer");
const ANY_BUYER: ColumnSpec = ColumnSpec::with("Buyer User ID", &["Buyer Username", "Buyer ID", "Buyer"]);
const FULL_NAME: ColumnSpec = ColumnSpec::with("Full Name", &["Name", "Ship Name"]);
const FIRST_NAME: ColumnSpec = ColumnSpec::named("First Name");
const LAST_NAME: ColumnSpec = ColumnSpec::named("Last Name");
const CURRENCY: ColumnSpec = ColumnSpec::with("Currency", &["Order Currency"]);
const ORDER_TOTAL: ColumnSpec = ColumnSpec::with("Order Total", &["Total"]);
const ADJUSTED_TOTAL: ColumnSpec = ColumnSpec::with("Adjusted Order Total", &["Adjusted Total"]);
const STATUS: ColumnSpec = ColumnSpec::with("Status", &["Order Status"]);

/// Headers that only the orders export has.
const ORDERS_MARKERS: [&str; 4] = ["Order Total", "Number of Items", "Order Value", "Buyer User ID"];

/// Reads all Etsy inputs: items files first (into memory), then the orders files, streamed.
pub(crate) fn records(inputs: Vec<Input>) -> Result<Records, ImportError> {
    let mut items = ItemsByOrder::default();
    let mut orders = VecDeque::new();
    let mut item_errors = Vec::new();
    let mut names = Vec::new();
    for input in inputs {
        names.push(input.name.clone());
        let table = Table::open(input)?;
        if table.headers.has_any(&ITEMS_MARKERS) {
            item_errors.extend(items.load(table)?);
        } else if table.headers.has_any(&ORDERS_MARKERS) {
            orders.push_back(OrdersTable::new(table)?);
        } else {
            return Err(ImportError::Unrecognised {
                file: table.file,
                reason: "is neither an Etsy Sold Orders export (no `Order Total` column) nor a Sold Order \
                         Items export (no `Transaction ID` or `Item Name` column)"
                    .into(),
            });
        }
    }
    if orders.is_empty() && !names.is_empty() {
        return Err(ImportError::Unrecognised {
            file: names.join(", "),
            reason: "no Etsy Sold Orders export among the inputs (only Sold Order Items)".into(),
        });
    }
    let source = EtsySource { orders, items, finished_rows: 0 };
    Ok(Records::new(vec![Box::new(source)], item_errors))
}

/// An orders file and where its columns are.
struct OrdersTable {
    table: Table,
    columns: OrderColumns,
}

struct OrderColumns {
    sale_date: Column,
    order_id: Column,
    buyer_user_id: Option<Column>,
    buyer: Option<Column>,
    full_name: Option<Column>,
    first_name: Option<Column>,
    last_name: Option<Column>,
    currency: Column,
    order_total: Column,
    adjusted_total: Option<Column>,
    status: Option<Column>,
}

impl OrdersTable {
    fn new(table: Table) -> Result<Self, ImportError> {
        let columns = OrderColumns::find(&table.headers)?;
        Ok(OrdersTable { table, columns })
    }
}

impl OrderColumns {
    fn find(headers: &Headers) -> Result<Self, ImportError> {
        let buyer_user_id = headers.find(BUYER_USER_ID);
        let buyer = headers.find(BUYER);
        if buyer_user_id.is_none() && buyer.is_none() {
            headers.require(ANY_BUYER)?;
        }
        Ok(OrderColumns {
            sale_date: headers.require(SALE_DATE)?,
            order_id: headers.require(ORDER_ID)?,
            buyer_user_id,
            buyer,
            full_name: headers.find(FULL_NAME),
            first_name: headers.find(FIRST_NAME),
            last_name: headers.find(LAST_NAME),
            currency: headers.require(CURRENCY)?,
            order_total: headers.require(ORDER_TOTAL)?,
            adjusted_total: headers.find(ADJUSTED_TOTAL),
            status: headers.find(STATUS),
        })
    }
}

/// The orders files of one import, read in turn, with the items to join.
pub(crate) struct EtsySource {
    orders: VecDeque<OrdersTable>,
    items: ItemsByOrder,
    finished_rows: u64,
}

impl EtsySource {
    /// One orders file with already loaded items.
    pub fn open(input: Input, items: ItemsByOrder) -> Result<Self, ImportError> {
        let orders = VecDeque::from([OrdersTable::new(Table::open(input)?)?]);
        Ok(EtsySource { orders, items, finished_rows: 0 })
    }
}

impl RecordSource for EtsySource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        loop {
            let current = self.orders.front_mut()?;
            match current.table.next_row() {
                Some(Ok(row)) => {
                    let record = read_order(&current.table.file, &current.columns, &row, &mut self.items);
                    return Some(record);
                }
                Some(Err(error)) => return Some(Err(error)),
                None => {
                    let done = self.orders.pop_front().expect("front_mut just returned a table");
                    self.finished_rows += done.table.rows_read();
                }
            }
        }
    }

    fn summary(&self) -> Summary {
        let open_rows: u64 = self.orders.iter().map(|orders| orders.table.rows_read()).sum();
        Summary { rows_read: self.finished_rows + open_rows + self.items.rows_read(), abandoned_checkouts: 0 }
    }
}

fn read_order(
    file: &str,
    columns: &OrderColumns,
    row: &Row,
    items: &mut ItemsByOrder,
) -> Result<ImportRecord, RowError> {
    let at = At { file, line: row.line };
    let sale_date = row.get(&columns.sale_date);
    let day = at.time(&columns.sale_date.name, sale_date, |text| us_date(text).map(noon_utc), "MM/DD/YY")?;
    let order_id = at.required(&columns.order_id.name, row.get(&columns.order_id))?;
    let customer = buyer(&at, columns, row)?;
    let currency = at.currency(&columns.currency.name, row.get(&columns.currency))?;
    let total_minor = at.amount(&columns.order_total.name, row.get(&columns.order_total), currency)?;
    let adjusted = match &columns.adjusted_total {
        Some(column) => Some(at.amount_or_zero(&column.name, row.get(column), currency)?).filter(|a| *a != 0),
        None => None,
    };
    let status_name = columns.status.as_ref().map_or("Status", |c| c.name.as_str());
    let stated = status_from_text(row.opt(columns.status.as_ref()))
        .ok_or_else(|| at.error(status_name, unknown_status(row.opt(columns.status.as_ref()))))?;
    let adjusted_name = columns.adjusted_total.as_ref().map_or("Adjusted Order Total", |c| c.name.as_str());
    let (status, refunded_minor) =
        settle(stated, total_minor, adjusted).map_err(|reason| at.error(adjusted_name, reason))?;
    let order = OrderRecord {
        external_id: order_id.to_string(),
        placed_at: day,
        status,
        currency,
        total_minor,
        refunded_minor,
        items: items.take(order_id, currency)?,
    };
    Ok(ImportRecord { line: row.line, customer, order })
}

fn buyer(at: &At<'_>, columns: &OrderColumns, row: &Row) -> Result<CustomerRecord, RowError> {
    let id = row.non_empty(columns.buyer_user_id.as_ref()).or_else(|| row.non_empty(columns.buyer.as_ref()));
    let column = columns
        .buyer_user_id
        .as_ref()
        .or(columns.buyer.as_ref())
        .map_or("Buyer User ID", |c| c.name.as_str());
    let external_id = id.ok_or_else(|| at.error(column, "is empty: the buyer is unknown"))?;
    let name = row
        .non_empty(columns.full_name.as_ref())
        .map(str::to_string)
        .or_else(|| full_name(row.opt(columns.first_name.as_ref()), row.opt(columns.last_name.as_ref())));
    Ok(CustomerRecord { external_id: external_id.to_string(), email: None, name, marketing_consent: None })
}

/// The status a `Status` cell states, before the adjusted total is looked at.
fn status_from_text(text: &str) -> Option<OrderStatus> {
    Some(match text.trim().to_lowercase().as_str() {
        "" | "completed" | "complete" | "paid" | "unshipped" | "not shipped" | "shipped" | "dispatched"
        | "in progress" | "in transit" | "delivered" | "open" => OrderStatus::Paid,
        "canceled" | "cancelled" => OrderStatus::Cancelled,
        "refunded" | "fully refunded" => OrderStatus::Refunded,
        "partially refunded" | "partial refund" | "partially_refunded" => OrderStatus::PartiallyRefunded,
        "pending" | "payment pending" | "unpaid" => OrderStatus::Pending,
        _ => return None,
    })
}

fn unknown_status(text: &str) -> String {
    format!(
        "`{text}` is not an Etsy order status (expected Completed, Paid, Unshipped, Shipped, Canceled, Refunded, \
         Fully refunded, Partially refunded or Pending)"
    )
}

/// Final status and refunded amount from the stated status, `Order Total` and a set, non-zero
/// `Adjusted Order Total` (what the buyer finally paid).
fn settle(stated: OrderStatus, total: i64, adjusted: Option<i64>) -> Result<(OrderStatus, i64), String> {
    if let Some(adjusted) = adjusted
        && (adjusted < 0 || adjusted > total)
    {
        return Err(format!(
            "an adjusted total of {adjusted} minor units is outside 0 … Order Total ({total})"
        ));
    }
    let partial = adjusted.filter(|adjusted| *adjusted < total).map(|adjusted| total - adjusted);
    Ok(match (stated, partial) {
        (OrderStatus::Paid | OrderStatus::PartiallyRefunded, Some(refunded)) => {
            (OrderStatus::PartiallyRefunded, refunded)
        }
        (OrderStatus::PartiallyRefunded, None) => {
            return Err("is blank or equal to `Order Total`, but the status says partially refunded: the refunded amount is unknown".into());
        }
        (OrderStatus::Refunded, _) => (OrderStatus::Refunded, total),
        (OrderStatus::Cancelled | OrderStatus::Pending, Some(refunded)) => (stated, refunded),
        (other, _) => (other, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjusted_total_below_the_total_is_a_partial_refund() {
        assert_eq!(settle(OrderStatus::Paid, 5000, Some(3000)), Ok((OrderStatus::PartiallyRefunded, 2000)));
        assert_eq!(settle(OrderStatus::Paid, 5000, Some(5000)), Ok((OrderStatus::Paid, 0)));
        assert_eq!(settle(OrderStatus::Paid, 5000, None), Ok((OrderStatus::Paid, 0)));
    }

    #[test]
    fn refunded_orders_refund_the_whole_total() {
        assert_eq!(settle(OrderStatus::Refunded, 5000, None), Ok((OrderStatus::Refunded, 5000)));
        assert_eq!(settle(OrderStatus::Refunded, 5000, Some(100)), Ok((OrderStatus::Refunded, 5000)));
    }

    #[test]
    fn impossible_adjustments_are_errors() {
        assert!(settle(OrderStatus::Paid, 5000, Some(6000)).is_err());
        assert!(settle(OrderStatus::PartiallyRefunded, 5000, None).is_err());
    }

    #[test]
    fn status_words_map_to_tenure_statuses() {
        assert_eq!(status_from_text("Completed"), Some(OrderStatus::Paid));
        assert_eq!(status_from_text(""), Some(OrderStatus::Paid));
        assert_eq!(status_from_text("Cancelled"), Some(OrderStatus::Cancelled));
        assert_eq!(status_from_text("Fully Refunded"), Some(OrderStatus::Refunded));
        assert_eq!(status_from_text("Partially refunded"), Some(OrderStatus::PartiallyRefunded));
        assert_eq!(status_from_text("lost"), None);
    }
}
