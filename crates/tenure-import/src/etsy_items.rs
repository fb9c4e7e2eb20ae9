//! Etsy "Sold Order Items" exports, read whole into a map from `Order ID` to the order's lines,
//! to be joined to the (streamed) Sold Orders rows. The items file is small next to memory: a
//! few hundred bytes per line item.
//!
//! Amounts are kept as text until the join, where they are read in the order's currency.

use std::collections::HashMap;
use std::sync::Arc;

use tenure_domain::{Currency, OrderItem};

use crate::error::{ImportError, RowError};
use crate::fields::At;
use crate::headers::{Column, ColumnSpec};
use crate::table::Table;

const ORDER_ID: ColumnSpec = ColumnSpec::with("Order ID", &["Order Number", "Order No"]);
const ITEM_NAME: ColumnSpec = ColumnSpec::with("Item Name", &["Title", "Item Title", "Product Name"]);
const QUANTITY: ColumnSpec = ColumnSpec::with("Quantity", &["Qty"]);
const PRICE: ColumnSpec = ColumnSpec::with("Price", &["Item Price"]);
const ITEM_TOTAL: ColumnSpec = ColumnSpec::with("Item Total", &["Line Total"]);
const SKU: ColumnSpec = ColumnSpec::named("SKU");

/// Headers that only the items export has.
pub(crate) const ITEMS_MARKERS: [&str; 3] = ["Transaction ID", "Item Name", "Listing ID"];

/// One item row, its amounts still text.
#[derive(Debug, Clone)]
struct PendingItem {
    file: Arc<str>,
    line: u64,
    name: String,
    sku: Option<String>,
    quantity: String,
    price: String,
    total: String,
}

/// Column names of one items file, for messages at join time.
#[derive(Debug, Clone)]
struct ItemColumns {
    quantity: String,
    price: String,
    total: String,
}

/// Item rows by order id, from one or more items files.
#[derive(Debug, Default)]
pub(crate) struct ItemsByOrder {
    by_order: HashMap<String, Vec<(PendingItem, Arc<ItemColumns>)>>,
    rows_read: u64,
}

impl ItemsByOrder {
    /// Item rows read (bad ones included).
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Reads a whole items file; returns its unreadable rows (they become row errors).
    pub fn load(&mut self, mut table: Table) -> Result<Vec<RowError>, ImportError> {
        let order_id = table.headers.require(ORDER_ID)?;
        let name = table.headers.require(ITEM_NAME)?;
        let quantity = table.headers.require(QUANTITY)?;
        let total = table.headers.find(ITEM_TOTAL);
        let price =
            if total.is_some() { table.headers.find(PRICE) } else { Some(table.headers.require(PRICE)?) };
        let sku = table.headers.find(SKU);
        let names = Arc::new(ItemColumns {
            quantity: quantity.name.clone(),
            price: price.as_ref().map_or_else(String::new, |c| c.name.clone()),
            total: total.as_ref().map_or_else(String::new, |c| c.name.clone()),
        });
        let file: Arc<str> = Arc::from(table.file.as_str());
        let mut errors = Vec::new();
        while let Some(row) = table.next_row() {
            let row = match row {
                Ok(row) => row,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            let item = PendingItem {
                file: Arc::clone(&file),
                line: row.line,
                name: row.get(&name).to_string(),
                sku: row.non_empty(sku.as_ref()).map(str::to_string),
                quantity: row.get(&quantity).to_string(),
                price: row.opt(price.as_ref()).to_string(),
                total: row.opt(total.as_ref()).to_string(),
            };
            let key = order_key(&row, &order_id);
            self.by_order.entry(key).or_default().push((item, Arc::clone(&names)));
        }
        self.rows_read += table.rows_read();
        Ok(errors)
    }

    /// Removes and reads the items of `order_id` in `currency`; the first bad item is an error.
    pub fn take(&mut self, order_id: &str, currency: Currency) -> Result<Vec<OrderItem>, RowError> {
        let Some(pending) = self.by_order.remove(order_id) else {
            return Ok(Vec::new());
        };
        pending.iter().map(|(item, columns)| read_item(item, columns, currency)).collect()
    }
}

fn order_key(row: &crate::table::Row, order_id: &Column) -> String {
    row.get(order_id).to_string()
}

fn read_item(item: &PendingItem, columns: &ItemColumns, currency: Currency) -> Result<OrderItem, RowError> {
    let at = At { file: &item.file, line: item.line };
    let quantity = at.quantity(&columns.quantity, &item.quantity)?;
    let total_minor = if item.total.is_empty() {
        let price = at.amount(&columns.price, &item.price, currency)?;
        price
            .checked_mul(quantity)
            .ok_or_else(|| at.error(&columns.price, "price × quantity is too large"))?
    } else {
        at.amount(&columns.total, &item.total, currency)?
    };
    Ok(OrderItem { name: item.name.clone(), sku: item.sku.clone(), quantity, total_minor })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Input;

    fn items(text: &str) -> ItemsByOrder {
        let table = Table::open(Input::from_bytes("items.csv", text.as_bytes().to_vec())).unwrap();
        let mut items = ItemsByOrder::default();
        assert!(items.load(table).unwrap().is_empty());
        items
    }

    #[test]
    fn items_are_grouped_by_order_and_read_in_the_order_currency() {
        let mut items = items(
            "Item Name,Quantity,Price,Item Total,Order ID,SKU\nMug,2,£5.00,£10.00,7,M-1\nCup,1,3,,7,\n",
        );
        let lines = items.take("7", Currency::parse("GBP").unwrap()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].quantity, lines[0].total_minor, lines[0].sku.as_deref()),
            (2, 1000, Some("M-1"))
        );
        assert_eq!((lines[1].name.as_str(), lines[1].total_minor), ("Cup", 300));
        assert!(items.take("7", Currency::USD).unwrap().is_empty(), "items are handed out once");
    }

    #[test]
    fn a_bad_item_names_the_items_file_and_line() {
        let mut items = items("Item Name,Quantity,Price,Order ID\nMug,two,5.00,7\n");
        let error = items.take("7", Currency::USD).unwrap_err();
        assert_eq!((error.file.as_str(), error.line, error.column.as_str()), ("items.csv", 2, "Quantity"));
    }

    #[test]
    fn an_items_file_needs_a_price_or_a_total() {
        let table =
            Table::open(Input::from_bytes("items.csv", b"Item Name,Quantity,Order ID\n".to_vec())).unwrap();
        let error = ItemsByOrder::default().load(table).unwrap_err();
        assert!(matches!(error, ImportError::MissingColumn { column, .. } if column == "Price"));
    }
}
