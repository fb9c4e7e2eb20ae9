//! Property tests: no importer panics on arbitrary input, and what the exporters of each format
//! would write reads back as the orders that were written.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use tenure_domain::{ImportRecord, OrderStatus};
use tenure_import::{CsvMapping, Format, ImportOptions, Input, RowError, records};

/// Runs an import of one in-memory input to the end; the header may be rejected.
fn run(
    format: Format,
    bytes: Vec<u8>,
    options: &ImportOptions,
) -> Option<Vec<Result<ImportRecord, RowError>>> {
    let mut stream = records(format, vec![Input::from_bytes("p", bytes)], options).ok()?;
    let all: Vec<_> = stream.by_ref().collect();
    let _ = stream.summary();
    Some(all)
}

fn csv_options() -> ImportOptions {
    let mapping = CsvMapping::from_pairs("order_id=id,customer_id=customer,email=email,date=date,amount=amount,currency=currency,status=status,refunded=refunded,marketing_consent=consent")
        .expect("a valid mapping");
    ImportOptions { csv_mapping: Some(mapping), ..ImportOptions::default() }
}

/// A valid header for each format, so that arbitrary rows get past the header check.
fn header(format: Format) -> &'static str {
    match format {
        Format::Cdnow => "customer_id date number_of_cds dollar_value\n",
        Format::Etsy => {
            "Sale Date,Order ID,Buyer User ID,Buyer,Currency,Order Total,Adjusted Order Total,Status\n"
        }
        Format::Shopify => {
            "Name,Email,Financial Status,Accepts Marketing,Currency,Total,Created at,Refunded Amount,Cancelled at,Lineitem quantity,Lineitem name,Lineitem price\n"
        }
        Format::Opencart => {
            "order_id,customer_id,email,total,order_status_id,currency_code,currency_value,date_added\n"
        }
        Format::Woocommerce => "[",
        Format::Csv => "id,customer,email,date,amount,currency,status,refunded,consent\n",
    }
}

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date") + Duration::days(offset)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_importer_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for format in Format::ALL {
            let _ = run(format, bytes.clone(), &csv_options());
        }
    }

    #[test]
    fn single_order_readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                        fields in "[{}\\[\\]\":,0-9a-z_. -]{0,300}") {
        let _ = tenure_import::shopify_order("body", &bytes);
        let _ = tenure_import::woocommerce_order("body", &bytes);
        let object = format!("{{\"id\": 1, \"line_items\": [{{}}], {fields}}}");
        let _ = tenure_import::shopify_order("body", object.as_bytes());
        let _ = tenure_import::woocommerce_order("body", object.as_bytes());
    }

    #[test]
    fn no_importer_panics_on_arbitrary_rows_under_a_valid_header(body in "[0-9a-zA-Z,\"\n\r/.:£$@' {}\\[\\]-]{0,400}") {
        for format in Format::ALL {
            let text = format!("{}{body}", header(format));
            prop_assert!(run(format, text.into_bytes(), &csv_options()).is_some(), "{} rejected its own header", format);
        }
    }

    #[test]
    fn cdnow_rows_read_back(rows in proptest::collection::vec((1u32..99_999, 0i64..500, 0i64..20, 0i64..100_000), 1..40)) {
        let mut text = String::from("customer_id date number_of_cds dollar_value\r\n");
        for (customer, offset, cds, cents) in &rows {
            text += &format!(" {customer:05} {} {cds:>3} {:>8}.{:02}\r\n", day(*offset).format("%Y%m%d"), cents / 100, cents % 100);
        }
        let read = run(Format::Cdnow, text.into_bytes(), &ImportOptions::default()).expect("header accepted");
        let mut ids = std::collections::HashSet::new();
        for (index, (result, (customer, offset, cds, cents))) in read.iter().zip(&rows).enumerate() {
            let record = result.as_ref().expect("a valid row");
            prop_assert_eq!(record.line, index as u64 + 2);
            prop_assert_eq!(&record.customer.external_id, &customer.to_string());
            prop_assert_eq!(record.order.total_minor, *cents);
            prop_assert_eq!(record.order.items[0].quantity, *cds);
            prop_assert_eq!(record.order.placed_at.date_naive(), day(*offset));
            prop_assert!(ids.insert(record.order.external_id.clone()), "repeated id");
        }
        prop_assert_eq!(read.len(), rows.len());
    }

    #[test]
    fn generic_csv_rows_read_back(rows in proptest::collection::vec(
        ("[a-z0-9 ,\"\n]{1,12}", "[A-Za-z0-9]{1,8}", 0i64..2000, 0i64..10_000_000, prop_oneof![Just("USD"), Just("EUR"), Just("JPY")],
         prop_oneof![Just(OrderStatus::Paid), Just(OrderStatus::Cancelled), Just(OrderStatus::Pending), Just(OrderStatus::Failed)]),
        1..30)) {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["id", "customer", "email", "date", "amount", "currency", "status", "refunded", "consent"]).unwrap();
        for (index, (name, customer, offset, minor, currency, status)) in rows.iter().enumerate() {
            let amount = if *currency == "JPY" { minor.to_string() } else { format!("{}.{:02}", minor / 100, minor % 100) };
            let id = format!("{index}-{}", name.trim());
            writer.write_record([&id, customer, "", &day(*offset).to_string(), &amount, currency, status.as_str(), "", "no"]).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let read = run(Format::Csv, bytes, &csv_options()).expect("header accepted");
        prop_assert_eq!(read.len(), rows.len());
        for (index, (result, (name, customer, offset, minor, currency, status))) in read.iter().zip(&rows).enumerate() {
            let record = result.as_ref().expect("a valid row");
            prop_assert_eq!(&record.order.external_id, &format!("{index}-{}", name.trim()));
            prop_assert_eq!(&record.customer.external_id, customer);
            prop_assert_eq!(record.order.currency.code(), *currency);
            prop_assert_eq!(record.order.total_minor, *minor);
            prop_assert_eq!(record.order.status, *status);
            prop_assert_eq!(record.order.placed_at.date_naive(), day(*offset));
            prop_assert_eq!(record.customer.marketing_consent, Some(false));
        }
    }

    #[test]
    fn woocommerce_orders_read_back_with_their_lines(orders in proptest::collection::vec(
        (1u64..1_000_000, "[^\u{0}]{0,20}", 0i64..1_000_000, proptest::collection::vec(1i64..5000, 0..3), any::<bool>()),
        0..15)) {
        let values: Vec<serde_json::Value> = orders.iter().map(|(id, name, total, refunds, guest)| serde_json::json!({
            "id": id, "status": "completed", "currency": "USD", "date_created_gmt": "2024-01-02T03:04:05",
            "total": format!("{}.{:02}", total / 100, total % 100), "customer_id": if *guest { 0 } else { 9 },
            "billing": {"first_name": name, "email": "a@b.c"},
            "line_items": [{"name": name, "quantity": 1, "total": "1.00"}],
            "refunds": refunds.iter().map(|r| serde_json::json!({"total": format!("-{}.{:02}", r / 100, r % 100), "reason": name})).collect::<Vec<_>>(),
        })).collect();
        let text = serde_json::to_string_pretty(&values).unwrap();
        let read = run(Format::Woocommerce, text.clone().into_bytes(), &ImportOptions::default()).expect("array accepted");
        prop_assert_eq!(read.len(), orders.len());
        let starts: Vec<u64> = text.lines().enumerate().filter(|(_, l)| *l == "  {").map(|(i, _)| i as u64 + 1).collect();
        for ((result, (id, name, total, refunds, _)), start) in read.iter().zip(&orders).zip(starts) {
            let record = result.as_ref().expect("a valid order");
            prop_assert_eq!(&record.order.external_id, &id.to_string());
            prop_assert_eq!(record.line, start);
            prop_assert_eq!(record.order.total_minor, *total);
            prop_assert_eq!(record.order.refunded_minor, refunds.iter().sum::<i64>());
            prop_assert_eq!(&record.order.items[0].name, name);
        }
    }

    #[test]
    fn shopify_orders_read_back_from_their_line_item_rows(orders in proptest::collection::vec((1i64..1_000_000, 1usize..4, "[a-z][a-z ,\"\n]{0,9}"), 1..20)) {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"]).unwrap();
        for (index, (total, lines, item)) in orders.iter().enumerate() {
            let name = format!("#{}", 1000 + index);
            let amount = format!("{}.{:02}", total / 100, total % 100);
            writer.write_record([name.as_str(), "x@y.z", "paid", "USD", &amount, "2024-05-01 10:00:00 -0500", "1", item, "1.00"]).unwrap();
            for _ in 1..*lines {
                writer.write_record([name.as_str(), "", "", "", "", "", "2", item, "0.50"]).unwrap();
            }
        }
        let read = run(Format::Shopify, writer.into_inner().unwrap(), &ImportOptions::default()).expect("header accepted");
        prop_assert_eq!(read.len(), orders.len());
        for (index, (result, (total, lines, item))) in read.iter().zip(&orders).enumerate() {
            let record = result.as_ref().expect("a valid order");
            prop_assert_eq!(&record.order.external_id, &format!("#{}", 1000 + index));
            prop_assert_eq!(record.order.total_minor, *total);
            prop_assert_eq!(record.order.items.len(), *lines);
            prop_assert_eq!(&record.order.items[0].name, &item.trim().to_string());
        }
    }
}
