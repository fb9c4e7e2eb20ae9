//! Hand-made exports in `tests/fixtures/` with the awkward cases real exports have: a UK Etsy
//! export with `£`, BOM and CRLF, quoted commas and newlines, an older Shopify export without
//! its trailing columns, guests, refunds, partial refunds, abandoned checkouts and bad dates.

mod common;

use common::{fixture, import, import_with, input};
use tenure_domain::{Currency, OrderStatus};
use tenure_import::{CsvMapping, Format, ImportError, ImportOptions, records};

#[test]
fn a_uk_etsy_export_with_pounds_bom_and_crlf_reads_every_good_row() {
    let outcome = import(Format::Etsy, &[fixture("etsy_uk_orders.csv"), fixture("etsy_uk_items.csv")]);
    let gbp = Currency::parse("GBP").unwrap();
    let ada = outcome.order("3000001");
    assert_eq!((ada.line, ada.customer.external_id.as_str(), ada.order.currency), (2, "ada_uk", gbp));
    assert_eq!((ada.order.total_minor, ada.order.status), (125_000, OrderStatus::Paid));
    assert_eq!(ada.order.placed_at.to_rfc3339(), "2024-03-01T12:00:00+00:00");
    let items: Vec<_> =
        ada.order.items.iter().map(|i| (i.name.as_str(), i.quantity, i.total_minor)).collect();
    assert_eq!(items, [("Analytical engine, brass", 1, 100_000), ("Punch cards (set of 50)", 2, 25_000)]);
    assert_eq!(ada.customer.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(ada.customer.email, None);
}

#[test]
fn an_etsy_adjusted_total_below_the_total_is_a_partial_refund() {
    let outcome = import(Format::Etsy, &[fixture("etsy_uk_orders.csv")]);
    let babbage = outcome.order("3000002");
    assert_eq!(babbage.customer.external_id, "babbage", "falls back to `Buyer` without a Buyer User ID");
    assert_eq!(babbage.line, 3, "a record spanning lines 3-4 starts on line 3");
    assert_eq!((babbage.order.status, babbage.order.refunded_minor), (OrderStatus::PartiallyRefunded, 750));
    assert_eq!(babbage.order.revenue_minor(), 1250);
    assert_eq!(
        outcome.order("3000006").order.status,
        OrderStatus::Paid,
        "an adjusted total of 0 means not adjusted"
    );
}

#[test]
fn etsy_statuses_mark_refunds_and_cancellations() {
    let outcome = import(Format::Etsy, &[fixture("etsy_uk_orders.csv")]);
    let refunded = &outcome.order("3000003").order;
    assert_eq!((refunded.status, refunded.refunded_minor), (OrderStatus::Refunded, 3000));
    assert_eq!(outcome.order("3000004").order.status, OrderStatus::Cancelled);
}

#[test]
fn a_bad_etsy_date_is_reported_with_file_line_and_column() {
    let outcome = import(Format::Etsy, &[fixture("etsy_uk_orders.csv"), fixture("etsy_uk_items.csv")]);
    assert_eq!(
        outcome.messages(),
        ["etsy_uk_orders.csv:7: column `Sale Date`: `13/45/24` is not a date (expected MM/DD/YY)"]
    );
    assert_eq!(outcome.records.len(), 5, "reading goes on after a bad row");
    assert_eq!(outcome.summary.rows_read, 6 + 3);
}

#[test]
fn an_older_shopify_export_groups_line_items_into_orders() {
    let outcome = import(Format::Shopify, &[fixture("shopify_older_export.csv")]);
    let grace = outcome.order("#2001");
    assert_eq!((grace.line, grace.order.total_minor, grace.order.status), (2, 103_000, OrderStatus::Paid));
    assert_eq!(grace.customer.external_id, "grace.hopper@example.com");
    assert_eq!(
        (grace.customer.name.as_deref(), grace.customer.marketing_consent),
        (Some("Grace Hopper"), Some(true))
    );
    let items: Vec<_> =
        grace.order.items.iter().map(|i| (i.name.as_str(), i.quantity, i.total_minor)).collect();
    assert_eq!(items, [("Compiler, \"A-0\"", 2, 100_000), ("Bug\nlog book", 1, 3_000)]);
    assert_eq!(grace.order.placed_at.to_rfc3339(), "2024-05-01T15:00:00+00:00");
    assert_eq!(outcome.order("#2002").line, 5, "the previous order's second row spans lines 3-4");
}

#[test]
fn a_shopify_order_without_email_is_a_guest_of_its_own() {
    let outcome = import(Format::Shopify, &[fixture("shopify_older_export.csv")]);
    let pos = outcome.order("#2002");
    assert_eq!((pos.customer.external_id.as_str(), pos.customer.email.as_ref()), ("guest:#2002", None));
    assert_eq!(pos.customer.marketing_consent, None);
}

#[test]
fn shopify_refunds_and_cancellations_set_status_and_refunded_amount() {
    let outcome = import(Format::Shopify, &[fixture("shopify_older_export.csv")]);
    let partial = &outcome.order("#2003").order;
    assert_eq!(
        (partial.status, partial.refunded_minor, partial.revenue_minor()),
        (OrderStatus::PartiallyRefunded, 3000, 5000)
    );
    assert_eq!(outcome.order("#2004").order.status, OrderStatus::Refunded);
    assert_eq!(outcome.order("#2004").customer.marketing_consent, Some(false));
    assert_eq!(outcome.order("#2005").order.status, OrderStatus::Cancelled);
    assert_eq!(
        outcome.messages(),
        [
            "shopify_older_export.csv:9: column `Created at`: `2024-13-01 12:00:00 +0000` is not a date (expected YYYY-MM-DD HH:MM:SS -HHMM)"
        ]
    );
}

#[test]
fn opencart_guests_conversions_and_abandoned_checkouts() {
    let outcome = import(Format::Opencart, &[fixture("opencart_mixed.csv")]);
    let emmy = &outcome.order("1");
    // 100.0000 EUR-store total × 0.78460002 = 78.460002 → 78.46, exactly.
    assert_eq!((emmy.order.total_minor, emmy.order.currency.code()), (7846, "EUR"));
    assert_eq!(
        (emmy.customer.external_id.as_str(), emmy.customer.name.as_deref()),
        ("7", Some("Emmy Noether"))
    );
    let guest = &outcome.order("2");
    assert_eq!(guest.customer.external_id, "email:guest.buyer@example.com");
    assert_eq!(guest.order.status, OrderStatus::Paid, "status 2 (Processing) is a sale by default");
    assert_eq!(outcome.order("4").order.status, OrderStatus::Cancelled);
    assert_eq!(
        (outcome.order("5").order.status, outcome.order("5").order.refunded_minor),
        (OrderStatus::Refunded, 3138)
    );
    assert_eq!(outcome.order("6").order.total_minor, 151_230, "yen have no minor unit");
    assert_eq!(outcome.summary.abandoned_checkouts, 2);
    assert_eq!(outcome.summary.rows_read, 8);
    assert_eq!(
        outcome.messages(),
        [
            "opencart_mixed.csv:9: column `date_added`: `2024-02-31 10:00:00` is not a date (expected YYYY-MM-DD HH:MM:SS)"
        ]
    );
}

#[test]
fn opencart_sale_statuses_are_configurable() {
    let options = ImportOptions { opencart_sale_statuses: vec![5], ..ImportOptions::default() };
    let outcome = import_with(Format::Opencart, &[fixture("opencart_mixed.csv")], &options);
    assert_eq!(outcome.order("2").order.status, OrderStatus::Pending);
}

/// Line of each top-level order object in the pretty-printed fixture (`{` indented by one).
fn object_lines(path: &std::path::Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).expect("the fixture is readable");
    text.lines().enumerate().filter(|(_, line)| *line == " {").map(|(index, _)| index as u64 + 1).collect()
}

#[test]
fn woocommerce_refunds_guests_drafts_and_a_bad_total() {
    let path = fixture("woocommerce_mixed.json");
    let lines = object_lines(&path);
    let outcome = import(Format::Woocommerce, std::slice::from_ref(&path));
    let guest = outcome.order("201");
    assert_eq!((guest.line, guest.customer.external_id.as_str()), (lines[0], "email:rosalind@example.com"));
    assert_eq!((guest.order.status, guest.order.refunded_minor), (OrderStatus::PartiallyRefunded, 2550));
    assert_eq!(outcome.order("202").customer.external_id, "31");
    assert_eq!(outcome.order("202").order.status, OrderStatus::Paid);
    assert_eq!(outcome.order("203").order.status, OrderStatus::Refunded);
    assert_eq!(outcome.order("205").order.status, OrderStatus::Pending);
    assert_eq!(outcome.order("207").order.status, OrderStatus::Cancelled);
    assert_eq!(
        (outcome.order("208").order.status, outcome.order("208").order.refunded_minor),
        (OrderStatus::Refunded, 900)
    );
    assert_eq!(outcome.summary.abandoned_checkouts, 1);
    assert_eq!(outcome.summary.rows_read, 8);
    let expected = format!("woocommerce_mixed.json:{}: column `total`: `lots` is not an amount", lines[5]);
    assert_eq!(outcome.messages(), [expected]);
}

#[test]
fn a_truncated_woocommerce_file_ends_with_a_fatal_error() {
    let text = std::fs::read_to_string(fixture("woocommerce_mixed.json")).unwrap();
    let cut = text[..text.len() / 2].to_string();
    let stream = records(
        Format::Woocommerce,
        vec![tenure_import::Input::from_bytes("cut.json", cut)],
        &ImportOptions::default(),
    )
    .unwrap();
    let last = stream.last().unwrap().unwrap_err();
    assert!(last.fatal, "{last}");
    assert!(last.reason.contains("unexpected end of file"), "{last}");
}

fn generic_mapping() -> CsvMapping {
    CsvMapping::from_pairs(
        "order_id=Order No,customer_id=Buyer,email=E-mail,date=Date,date_format=%d/%m/%Y,amount=Total,currency=Cur,\
         status=State,refunded=Refund,marketing_consent=Newsletter",
    )
    .expect("a valid mapping")
}

#[test]
fn a_mapped_csv_reads_ids_currencies_statuses_and_refunds() {
    let options = ImportOptions { csv_mapping: Some(generic_mapping()), ..ImportOptions::default() };
    let outcome = import_with(Format::Csv, &[fixture("generic_orders.csv")], &options);
    let first = outcome.order("A-1");
    assert_eq!(
        (first.order.total_minor, first.order.currency.code(), first.order.status),
        (123_450, "EUR", OrderStatus::Paid)
    );
    assert_eq!((first.customer.external_id.as_str(), first.customer.marketing_consent), ("c1", Some(true)));
    assert_eq!(first.order.placed_at.to_rfc3339(), "2024-03-02T12:00:00+00:00");
    assert_eq!(outcome.order("A-2").order.status, OrderStatus::Refunded);
    let by_email = outcome.order("A-3");
    assert_eq!(
        (by_email.customer.external_id.as_str(), by_email.order.status),
        ("two@example.com", OrderStatus::PartiallyRefunded)
    );
    assert_eq!(
        outcome.messages(),
        [
            "generic_orders.csv:5: column `Date`: `31/02/2024` is not a date (expected %d/%m/%Y)",
            "generic_orders.csv:6: column `State`: `lost` is not a known status (add it to the mapping's status_values)",
        ]
    );
}

#[test]
fn a_mapped_csv_without_order_ids_derives_stable_ones() {
    let mut mapping = generic_mapping();
    mapping.order_id = None;
    mapping.status_values.insert("LOST".into(), OrderStatus::Cancelled);
    let options = ImportOptions { csv_mapping: Some(mapping), ..ImportOptions::default() };
    let outcome = import_with(Format::Csv, &[fixture("generic_orders.csv")], &options);
    let ids: Vec<_> = outcome.records.iter().map(|r| r.order.external_id.as_str()).collect();
    assert_eq!(ids, ["c1-20240302-1", "c1-20240303-1", "two@example.com-20240304-1", "c3-20240305-1"]);
}

#[test]
fn a_mapping_naming_a_missing_column_is_a_file_error() {
    let mapping = CsvMapping::from_pairs("customer_id=Buyer,date=Day,amount=Total").unwrap();
    let options = ImportOptions { csv_mapping: Some(mapping), ..ImportOptions::default() };
    let error = records(Format::Csv, vec![input(&fixture("generic_orders.csv"))], &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "generic_orders.csv: required column `Day` is missing (accepted headers: `Day`)"
    );
}

#[test]
fn the_csv_format_needs_a_mapping() {
    let error = records(Format::Csv, vec![input(&fixture("generic_orders.csv"))], &ImportOptions::default())
        .unwrap_err();
    assert!(matches!(error, ImportError::BadMapping(_)), "{error}");
}

#[test]
fn a_file_of_the_wrong_format_names_the_missing_column() {
    let error =
        records(Format::Shopify, vec![input(&fixture("opencart_mixed.csv"))], &ImportOptions::default())
            .unwrap_err();
    assert_eq!(
        error.to_string(),
        "opencart_mixed.csv: required column `Financial Status` is missing (accepted headers: `Financial Status`, `Payment Status`)"
    );
    let error = records(Format::Etsy, vec![input(&fixture("opencart_mixed.csv"))], &ImportOptions::default())
        .unwrap_err();
    assert!(matches!(error, ImportError::Unrecognised { .. }), "{error}");
}

#[test]
fn an_etsy_items_file_alone_is_not_enough() {
    let error = records(Format::Etsy, vec![input(&fixture("etsy_uk_items.csv"))], &ImportOptions::default())
        .unwrap_err();
    assert!(error.to_string().contains("no Etsy Sold Orders export"), "{error}");
}

#[test]
fn several_inputs_are_read_one_after_the_other() {
    let outcome = import(Format::Opencart, &[fixture("opencart_mixed.csv"), fixture("opencart_mixed.csv")]);
    assert_eq!(outcome.records.len(), 10);
    assert_eq!(outcome.summary.abandoned_checkouts, 4);
    assert_eq!(outcome.summary.rows_read, 16);
}

fn run_text(
    format: Format,
    name: &str,
    text: &str,
) -> Vec<Result<tenure_domain::ImportRecord, tenure_import::RowError>> {
    let input = tenure_import::Input::from_bytes(name.to_string(), text.as_bytes().to_vec());
    records(format, vec![input], &ImportOptions::default()).expect("the header is valid").collect()
}

#[test]
fn a_row_with_several_bad_fields_reports_the_first() {
    let text = "Sale Date,Order ID,Buyer User ID,Currency,Order Total\n02/30/24,9,bob,GBP,lots\n";
    let results = run_text(Format::Etsy, "o.csv", text);
    let error = results[0].as_ref().expect_err("two bad fields");
    assert_eq!(
        error.to_string(),
        "o.csv:2: column `Sale Date`: `02/30/24` is not a date (expected MM/DD/YY)"
    );
}

#[test]
fn shopify_rows_of_an_order_that_are_not_consecutive_are_explained() {
    let text = "Name,Email,Financial Status,Currency,Total,Created at\n\
                #1,a@b.c,paid,USD,1.00,2024-05-01 10:00:00 -0500\n\
                #2,a@b.c,paid,USD,1.00,2024-05-01 10:00:00 -0500\n\
                #1,,,,,\n";
    let results = run_text(Format::Shopify, "s.csv", text);
    let error = results[2].as_ref().expect_err("a stray row of #1");
    assert_eq!(error.line, 4);
    assert!(error.reason.contains("are its rows consecutive?"), "{error}");
}
