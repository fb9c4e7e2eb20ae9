//! Recognising an export's format from its first bytes, so a seller who picked the wrong
//! `--format` is told which one the file looks like (and `--format auto` can pick it).
//!
//! Only the start of the file is read: a UTF-8 byte-order mark is skipped, a leading `[` means a
//! JSON order list (WooCommerce), otherwise the first line is a CSV header whose column names
//! (compared as [`header_key`] compares them) tell the shops apart, or a CDNOW line.

use crate::Format;
use crate::headers::header_key;

/// Columns that only one shop's export has, with the format they betray. The first format whose
/// columns are all present wins.
const SIGNATURES: &[(Format, &[&str])] = &[
    (Format::Shopify, &["Name", "Financial Status"]),
    (Format::Shopify, &["Lineitem name", "Email"]),
    (Format::Etsy, &["Sale Date", "Order ID", "Order Total"]),
    (Format::Etsy, &["Sale Date", "Transaction ID", "Item Name"]),
    (Format::Opencart, &["order_id", "order_status_id"]),
];

/// The format `start` (the first bytes of a file, a few KiB are plenty) looks like, if any.
pub fn sniff(start: &[u8]) -> Option<Format> {
    let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    let text = String::from_utf8_lossy(start);
    let trimmed = text.trim_start();
    if let Some(array) = trimmed.strip_prefix('[') {
        // An array of order objects (or an empty one), not a `[section]` of some config file.
        let opens_orders = array.trim_start().starts_with(['{', ']']);
        return opens_orders.then_some(Format::Woocommerce);
    }
    let first_line = trimmed.lines().next()?;
    if looks_like_cdnow(first_line) {
        return Some(Format::Cdnow);
    }
    let columns: Vec<String> =
        first_line.split(',').map(|c| header_key(c.trim().trim_matches('"'))).collect();
    SIGNATURES
        .iter()
        .find(|(_, needed)| needed.iter().all(|name| columns.contains(&header_key(name))))
        .map(|(format, _)| *format)
}

/// CDNOW's header (`customer_id date number_of_cds dollar_value`) or a data line of 4 or 5
/// whitespace-separated numbers with a `YYYYMMDD` date.
fn looks_like_cdnow(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields == ["customer_id", "date", "number_of_cds", "dollar_value"] {
        return true;
    }
    let numeric = |f: &str| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit() || c == '.');
    let has_date = |f: &&str| f.len() == 8 && f.starts_with(['1', '2']) && numeric(f);
    matches!(fields.len(), 4 | 5) && fields.iter().all(|f| numeric(f)) && fields.iter().any(has_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = format!("{}/../../data/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        bytes[..bytes.len().min(4096)].to_vec()
    }

    #[test]
    fn recognises_every_bundled_export() {
        assert_eq!(sniff(&sample("samples/shopify_orders_export.csv")), Some(Format::Shopify));
        assert_eq!(sniff(&sample("samples/EtsySoldOrders.csv")), Some(Format::Etsy));
        assert_eq!(sniff(&sample("samples/EtsySoldOrderItems.csv")), Some(Format::Etsy));
        assert_eq!(sniff(&sample("samples/opencart_oc_order.csv")), Some(Format::Opencart));
        assert_eq!(sniff(&sample("samples/woocommerce_orders.json")), Some(Format::Woocommerce));
        assert_eq!(sniff(&sample("cdnow/CDNOW_master.txt")), Some(Format::Cdnow));
        assert_eq!(sniff(&sample("cdnow/CDNOW_sample.txt")), Some(Format::Cdnow));
    }

    #[test]
    fn recognises_localised_and_quoted_headers_behind_a_bom() {
        let uk = "\u{feff}\"Sale Date\",\"Order ID\",\"Buyer User ID\",\"Delivery City\",\"Order Total\"\r\n";
        assert_eq!(sniff(uk.as_bytes()), Some(Format::Etsy));
    }

    #[test]
    fn says_nothing_about_files_it_does_not_know() {
        assert_eq!(sniff(b"order,customer,date,total\n1,a,2024-01-01,5\n"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(sniff(b"[workspace]\nmembers = []\n"), None);
        assert_eq!(sniff(b"  [\n  ]"), Some(Format::Woocommerce));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = sniff(&bytes);
        }
    }
}
