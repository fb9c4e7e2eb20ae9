//! Reads shop exports — CDNOW transactions, Etsy, Shopify, OpenCart, WooCommerce and any CSV with
//! a column mapping — into [`tenure_domain::ImportRecord`]s: one order with its customer.
//!
//! It knows no database and no HTTP: the caller opens files, decides what to do with bad rows
//! (write nothing, or skip them) and stores the records in one transaction.
//!
//! ```no_run
//! use tenure_import::{Format, ImportOptions, Input, records};
//! let file = std::fs::File::open("EtsySoldOrders2024.csv")?;
//! let mut records = records(Format::Etsy, vec![Input::new("EtsySoldOrders2024.csv", file)], &ImportOptions::default())?;
//! for record in records.by_ref() {
//!     match record {
//!         Ok(record) => println!("{} {}", record.order.external_id, record.order.revenue_minor()),
//!         Err(bad_row) => eprintln!("{bad_row}"),
//!     }
//! }
//! println!("{} rows read", records.summary().rows_read);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading rules shared by every format
//! - Columns are found by header name and known synonyms, ignoring case, spaces, `_` and `-`;
//!   never by position. A UTF-8 byte-order mark, CRLF line ends and quoted fields with commas
//!   and newlines are accepted; rows shorter than the header read the missing cells as blank.
//! - Amounts go through [`tenure_domain::parse_amount`]: currency symbols and thousands
//!   separators are fine, more decimals than the currency has are not.
//! - Line numbers are 1-based lines of the file with the header as line 1; a record spanning
//!   several lines (a quoted newline, a JSON object) has the line where it starts.
//! - A bad record yields one [`RowError`] (its first bad field) and reading goes on; a missing
//!   required column or an unreadable file is an [`ImportError`] before any record.
//!
//! # Times
//! - **Date-only values** (CDNOW `YYYYMMDD`, Etsy `MM/DD/YY`, ISO dates in a generic CSV) become
//!   **12:00:00 UTC** of that day, so the calendar day is the same in every shop time zone from
//!   UTC−11 to UTC+11.
//! - Times without a zone (OpenCart `date_added`, generic CSV date-times without offset) are read
//!   in [`ImportOptions::time_zone`] (UTC unless given): OpenCart stores the server's local time
//!   there. Daylight-saving changes follow the zone's rules (a repeated hour is read as its first
//!   occurrence, a skipped one with the offset before the change). WooCommerce's
//!   `date_created_gmt` is UTC by name.
//! - Shopify `Created at` carries its offset and is converted to UTC.
//!
//! # Customers and orders per format
//! - **CDNOW**: customer = the customer number without leading zeros; order id =
//!   `{customer}-{yyyymmdd}-{n}` (n-th row of that customer on that day in the file), so rows of
//!   one customer on one day are separate orders and re-importing the file adds nothing (the
//!   sample file yields the same ids as the master file for the same purchases). Every row is
//!   paid, in USD, with one item "CDs" whose quantity is `number_of_cds`, so the number of CDs
//!   is kept. The id counter keeps a small entry per (customer, day) that may still come: for a
//!   file ordered by customer (CDNOW's) or by date only the current customer's or day's, else
//!   every pair's — see [`IdCounters`].
//! - **Etsy**: customer = `Buyer User ID` (else `Buyer`), no e-mail, marketing consent `None`
//!   (Etsy forbids marketing without consent). Revenue: an `Adjusted Order Total` that is set,
//!   non-zero and below `Order Total` means a partial refund: status `partially_refunded` with
//!   refunded = Order Total − Adjusted. A blank or 0 adjusted total means "not adjusted" (Etsy
//!   leaves the column blank or 0 until an adjustment); full refunds are read from `Status`
//!   (`Refunded`, `Fully refunded`), which sets refunded = Order Total. Items come from an
//!   optional Sold Order Items file, joined on `Order ID`.
//! - **Shopify**: customer = the normalised e-mail; an order without e-mail (point of sale) gets
//!   the guest identity `guest:{order name}` — one customer per anonymous order, since nothing
//!   ties two anonymous orders to one person. `Accepts Marketing` sets consent.
//! - **Shopify REST order JSON** (one object, a webhook's body: [`shopify_order`]): the export's
//!   rules, so the export and webhooks of one shop agree — order id `name` (`#1001`), customer by
//!   e-mail, `financial_status` and `cancelled_at` mapped alike; refunded = the successful refund
//!   transactions; `buyer_accepts_marketing` sets consent.
//! - **OpenCart**: customer = `customer_id`, guests (0) = `email:{normalised e-mail}`. Amount =
//!   `total × currency_value` in exact decimal arithmetic, rounded half away from zero to the
//!   currency's minor unit (as OpenCart's own price display rounds). Status 0 = abandoned
//!   checkout: counted in [`Summary::abandoned_checkouts`], not a record.
//! - **WooCommerce**: customer = `customer_id`, guests (0) = `email:{billing e-mail}`;
//!   `checkout-draft` orders are abandoned checkouts. Refunded = sum of `refunds[].total`. One
//!   order object on its own (a webhook's body) reads the same way: [`woocommerce_order`].
//! - **Generic CSV**: see [`CsvMapping`]. Customer = the customer id column, else the
//!   normalised e-mail.
//!
//! # Interactions
//! [`interactions`] reads the interactions CSV — calls, e-mails, chats with customers, from a help
//! desk or call log — into [`tenure_domain::InteractionRecord`]s, by the same reading rules; its
//! format is described in `docs/interactions-csv.md`.

mod cdnow;
mod dates;
mod derived_ids;
mod error;
mod etsy;
mod etsy_items;
mod fields;
mod generic;
mod headers;
mod input;
mod interactions;
mod json_array;
mod json_fields;
mod mapping;
mod opencart;
mod records;
mod shopify;
mod shopify_order;
mod sniff;
mod table;
mod woocommerce;

pub use derived_ids::{CdnowOrderIds, IdCounters, PADDED_DIGITS};
pub use error::{ImportError, RowError};
pub use input::{Format, ImportOptions, Input};
pub use interactions::{
    InteractionOptions, Interactions, MAX_INTERACTION_ID_CHARS, MAX_ROWS_WITHOUT_ID, interactions,
};
pub use mapping::{CsvMapping, MAPPING_KEYS};
pub use records::{Records, Summary};
pub use sniff::sniff;

use records::RecordSource;

/// Reads `inputs` as `format` exports, streaming.
///
/// Headers are checked here, before any record: a missing required column, an unreadable or
/// unrecognised file, or a bad CSV mapping is an [`ImportError`]. Several inputs are read one
/// after the other (for Etsy, the Sold Order Items files among them are read first, into memory,
/// and joined to the orders).
pub fn records(format: Format, inputs: Vec<Input>, options: &ImportOptions) -> Result<Records, ImportError> {
    if format == Format::Etsy {
        return etsy::records(inputs);
    }
    let sources =
        inputs.into_iter().map(|input| open(format, input, options)).collect::<Result<Vec<_>, _>>()?;
    Ok(Records::new(sources, vec![]))
}

/// An order a shop sent as a webhook body: the record its export gives, and the shop's own time
/// of the order's last change — its version, which tells a replayed old state from a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopOrder {
    /// The order and its customer, as the platform's export gives them.
    pub record: tenure_domain::ImportRecord,
    /// Shopify's `updated_at`, WooCommerce's `date_modified_gmt` (else `date_modified`); `None`
    /// when the body has none.
    pub modified_at: Option<tenure_domain::Timestamp>,
}

/// One Shopify REST order object — the body of an `orders/create`, `orders/paid` or
/// `orders/updated` webhook — read into the record the orders export gives for that order (order
/// id `name`, customer by e-mail, the export's status mapping), with `updated_at` as its version.
/// `input` names it in errors, which name the bad field by its JSON path.
pub fn shopify_order(input: &str, json: &[u8]) -> Result<ShopOrder, RowError> {
    shopify_order::parse_order(fields::At { file: input, line: 1 }, json)
}

/// One WooCommerce REST order object — the body of an `order.created` or `order.updated`
/// webhook — read exactly as an order of a WooCommerce export is read, with `date_modified_gmt`
/// as its version; `Ok(None)` for a checkout draft (an abandoned checkout, never stored).
pub fn woocommerce_order(input: &str, json: &[u8]) -> Result<Option<ShopOrder>, RowError> {
    woocommerce::parse_version(fields::At { file: input, line: 1 }, json)
}

/// Opens one input of `format` on its own (an Etsy orders file without items).
fn open(format: Format, input: Input, options: &ImportOptions) -> Result<Box<dyn RecordSource>, ImportError> {
    Ok(match format {
        Format::Cdnow => {
            Box::new(cdnow::CdnowSource::open(input, options.id_counters, options.cdnow_order_ids)?)
        }
        Format::Etsy => Box::new(etsy::EtsySource::open(input, etsy_items::ItemsByOrder::default())?),
        Format::Shopify => Box::new(shopify::ShopifySource::open(input)?),
        Format::Opencart => Box::new(opencart::OpencartSource::open(
            input,
            &options.opencart_sale_statuses,
            options.time_zone,
        )?),
        Format::Woocommerce => Box::new(woocommerce::WooSource::open(input)?),
        Format::Csv => Box::new(generic::GenericSource::open(
            input,
            csv_mapping(options)?,
            options.id_counters,
            options.time_zone,
        )?),
    })
}

fn csv_mapping(options: &ImportOptions) -> Result<&CsvMapping, ImportError> {
    options.csv_mapping.as_ref().ok_or_else(|| {
        ImportError::BadMapping("the csv format needs a column mapping (--map or a mapping file)".into())
    })
}
