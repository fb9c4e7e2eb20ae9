//! What the caller hands in: named byte streams, the format they are in, and import options.
//! Opening files is the caller's business; this module only wraps readers.

use std::io::{BufReader, Read};
use std::str::FromStr;

use crate::derived_ids::IdCounters;
use crate::error::ImportError;
use crate::mapping::CsvMapping;

/// The export formats Tenure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CDNOW transactions (`CDNOW_master.txt`, `CDNOW_sample.txt`): whitespace-separated.
    Cdnow,
    /// Etsy "Sold Orders" CSV, optionally with the "Sold Order Items" CSV.
    Etsy,
    /// Shopify orders export CSV (one row per line item).
    Shopify,
    /// OpenCart `oc_order` table exported as CSV.
    Opencart,
    /// WooCommerce REST API order list (`GET /wp-json/wc/v3/orders`), a JSON array.
    Woocommerce,
    /// Any CSV with one row per order, read through a [`CsvMapping`].
    Csv,
}

impl Format {
    /// Every format, in the order shown in help texts.
    pub const ALL: [Format; 6] =
        [Format::Cdnow, Format::Etsy, Format::Shopify, Format::Opencart, Format::Woocommerce, Format::Csv];

    /// The lower-case name used on the command line (`etsy`, `woocommerce`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Cdnow => "cdnow",
            Format::Etsy => "etsy",
            Format::Shopify => "shopify",
            Format::Opencart => "opencart",
            Format::Woocommerce => "woocommerce",
            Format::Csv => "csv",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ImportError;

    /// Parses a format name, ignoring case and surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|format| format.as_str() == wanted)
            .ok_or_else(|| ImportError::UnknownFormat(text.trim().to_string()))
    }
}

/// One input: a name for messages (usually the file name) and its bytes.
pub struct Input {
    /// Shown in every message about this input, e.g. `EtsySoldOrders2024.csv`.
    pub name: String,
    /// The input's content.
    pub reader: Box<dyn Read + Send>,
}

impl Input {
    /// An input read from `reader`.
    pub fn new(name: impl Into<String>, reader: impl Read + Send + 'static) -> Self {
        Input { name: name.into(), reader: Box::new(reader) }
    }

    /// An input held in memory (tests, uploads).
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Input::new(name, std::io::Cursor::new(bytes.into()))
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Settings that change how an export is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// OpenCart `order_status_id`s that count as a sale (paid). OpenCart's defaults: the
    /// "complete" statuses 5 (Complete) and 3 (Shipped), and the "processing" statuses
    /// 1 (Pending), 2 (Processing) and 12 (Reversed).
    pub opencart_sale_statuses: Vec<u32>,
    /// The column mapping for [`Format::Csv`]; required for that format, ignored by the others.
    pub csv_mapping: Option<CsvMapping>,
    /// Which counts derived order ids keep (CDNOW, a CSV without an order column): all of them
    /// by default; [`IdCounters::Ordered`] for bounded memory from a caller that can read an
    /// input again when it turns out unordered.
    pub id_counters: IdCounters,
    /// The zone of times written without one: OpenCart's `date_added` (the shop server's local
    /// time) and a generic CSV's date-times without an offset. UTC by default. Times that carry
    /// their zone (Shopify, WooCommerce's `date_created_gmt`) and dates without a time (noon
    /// UTC) do not depend on it.
    pub time_zone: chrono_tz::Tz,
    /// How CDNOW's derived order ids write customer numbers: padded by default, unpadded for the
    /// sources that were imported that way.
    pub cdnow_order_ids: crate::CdnowOrderIds,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            opencart_sale_statuses: vec![5, 3, 1, 2, 12],
            csv_mapping: None,
            id_counters: IdCounters::All,
            time_zone: chrono_tz::Tz::UTC,
            cdnow_order_ids: crate::CdnowOrderIds::default(),
        }
    }
}

/// A buffered reader over `reader` that skips a leading UTF-8 byte-order mark.
pub(crate) fn without_bom(
    mut reader: Box<dyn Read + Send>,
) -> std::io::Result<BufReader<Box<dyn Read + Send>>> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut prefix = Vec::with_capacity(BOM.len());
    reader.by_ref().take(BOM.len() as u64).read_to_end(&mut prefix)?;
    if prefix == BOM {
        prefix.clear();
    }
    let replayed: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(prefix).chain(reader));
    Ok(BufReader::with_capacity(64 * 1024, replayed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        without_bom(Box::new(std::io::Cursor::new(bytes.to_vec()))).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn format_names_round_trip_and_ignore_case() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>().unwrap(), format);
        }
        assert_eq!(" Etsy ".parse::<Format>().unwrap(), Format::Etsy);
        assert!(
            matches!("magento".parse::<Format>(), Err(ImportError::UnknownFormat(name)) if name == "magento")
        );
    }

    #[test]
    fn a_leading_bom_is_skipped_and_anything_else_kept() {
        assert_eq!(strip(b"\xEF\xBB\xBFabc"), b"abc");
        assert_eq!(strip(b"abc"), b"abc");
        assert_eq!(strip(b"\xEF\xBBx"), b"\xEF\xBBx");
        assert_eq!(strip(b"\xEF"), b"\xEF");
        assert_eq!(strip(b""), b"");
    }

    #[test]
    fn opencart_sale_statuses_default_to_complete_and_processing() {
        let mut statuses = ImportOptions::default().opencart_sale_statuses;
        statuses.sort_unstable();
        assert_eq!(statuses, [1, 2, 3, 5, 12]);
    }
}
