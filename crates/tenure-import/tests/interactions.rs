//! The interactions CSV read end to end: columns found by name and synonym, every kind of bad
//! cell reported as `FILE:LINE: column: reason`, keys that make re-reading a file harmless, and
//! the reading rules every CSV follows (line numbers, quoted newlines, CRLF, BOM).

use chrono::DateTime;
use tenure_domain::{
    Channel, CustomerId, CustomerRef, Direction, Email, InteractionRecord, QueryState, SourceName, Timestamp,
};
use tenure_import::{ImportError, Input, InteractionOptions, RowError, interactions};

fn utc(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text).expect("a test time in RFC 3339").to_utc()
}

/// The clock of most tests.
fn now() -> Timestamp {
    utc("2026-03-01T12:00:00Z")
}

/// Every item of `bytes` read as `name` at `options`.
fn read_with(
    name: &str,
    bytes: impl Into<Vec<u8>>,
    options: &InteractionOptions,
) -> Vec<Result<InteractionRecord, RowError>> {
    let reader =
        interactions(Input::from_bytes(name, bytes), options).unwrap_or_else(|error| panic!("{error}"));
    reader.collect()
}

fn read(name: &str, text: &str) -> Vec<Result<InteractionRecord, RowError>> {
    read_with(name, text, &InteractionOptions::new(now()))
}

fn records(name: &str, text: &str) -> Vec<InteractionRecord> {
    read(name, text).into_iter().map(|item| item.unwrap_or_else(|error| panic!("{error}"))).collect()
}

/// The messages of the bad rows of `text`.
fn messages(name: &str, text: &str) -> Vec<String> {
    read(name, text).into_iter().filter_map(Result::err).map(|error| error.to_string()).collect()
}

/// The one message of a file whose only row is `row` under `header`.
fn one_message(header: &str, row: &str) -> String {
    let found = messages("calls.csv", &format!("{header}\n{row}\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

fn keys(text: &str) -> Vec<String> {
    records("calls.csv", text).into_iter().map(|record| record.key).collect()
}

#[test]
fn a_file_with_every_column_under_synonyms_reads_every_field() {
    let text = "\
Ticket ID,When,Channel,Direction,Customer Email,Staff,Duration,Subject,Notes,Outcome,State
T-1001,2026-02-03 14:30,Phone,in,Ann@Example.com,bo@shop.example,12.5,Parcel late,\"Called twice,\nupset\",Sent a replacement,answered
T-1002,2026-02-04T09:00:00+01:00,e-mail,OUTBOUND,ann@example.com,,1:02:03,Follow-up,,,
T-1003,2026-02-05,In person,Out,ann@example.com,,05:30,,,,
";
    let found = records("helpdesk.csv", text);
    assert_eq!(found.len(), 3);
    let ann = CustomerRef::Email(Email::parse("ann@example.com").unwrap());
    assert_eq!(
        found[0],
        InteractionRecord {
            customer: ann.clone(),
            occurred_at: utc("2026-02-03T14:30:00Z"),
            channel: Channel::Phone,
            direction: Direction::Inbound,
            duration_seconds: Some(750),
            subject: "Parcel late".into(),
            notes: "Called twice,\nupset".into(),
            outcome: "Sent a replacement".into(),
            staff: Some(Email::parse("bo@shop.example").unwrap()),
            state: Some(QueryState::Answered),
            key: "csv:T-1001".into(),
        }
    );
    let second = &found[1];
    assert_eq!(
        (
            second.occurred_at,
            second.channel,
            second.direction,
            second.duration_seconds,
            second.staff.as_ref()
        ),
        (utc("2026-02-04T08:00:00Z"), Channel::Email, Direction::Outbound, Some(3723), None)
    );
    assert_eq!((second.notes.as_str(), second.outcome.as_str(), second.state), ("", "", None));
    let third = &found[2];
    assert_eq!(
        (&third.customer, third.occurred_at, third.channel, third.duration_seconds, third.key.as_str()),
        (&ann, utc("2026-02-05T12:00:00Z"), Channel::InPerson, Some(330), "csv:T-1003"),
        "a date alone is 12:00 UTC; mm:ss is minutes and seconds"
    );
}

#[test]
fn customers_are_named_by_tenure_id_or_a_shop_identity() {
    let text = "\
timestamp,channel,direction,customer,source,external_customer_id,interaction_id
2026-02-01,chat,in,42,,,a
2026-02-01,whatsapp,in,,Shopify,C-77,b
2026-02-01,social,in,,etsy,,c
";
    let messages = messages("calls.csv", text);
    assert_eq!(
        messages,
        ["calls.csv:4: column `customer`: is empty: the row names no customer (fill in `customer` or \
          `external_customer_id` with `source`)"],
        "a source alone names no customer"
    );
    let found: Vec<CustomerRef> =
        read("calls.csv", text).into_iter().filter_map(Result::ok).map(|record| record.customer).collect();
    assert_eq!(
        found,
        [
            CustomerRef::Id(CustomerId(42)),
            CustomerRef::Identity {
                source: SourceName::parse("shopify").unwrap(),
                external_id: "C-77".into()
            },
        ]
    );
}

#[test]
fn zoneless_times_are_read_in_the_options_time_zone() {
    let text = "datetime,channel,direction,email\n\
                2026-01-15 10:00,call,in,a@b.c\n\
                2026-01-15 10:00:00+00:00,call,in,a@b.c\n\
                2026-01-15,call,in,a@b.c\n";
    let options = InteractionOptions { time_zone: chrono_tz::Tz::Europe__Berlin, now: now() };
    let times: Vec<Timestamp> =
        read_with("c.csv", text, &options).into_iter().map(|item| item.unwrap().occurred_at).collect();
    assert_eq!(
        times,
        [utc("2026-01-15T09:00:00Z"), utc("2026-01-15T10:00:00Z"), utc("2026-01-15T12:00:00Z")]
    );
}

const HEADER: &str =
    "date,channel,direction,customer,email,source,source_customer_id,staff,duration,subject,state";

#[test]
fn an_unknown_channel_is_named_with_the_channels_there_are() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,fax,in,1,,,,,,,"),
        "calls.csv:2: column `channel`: `fax` is not a channel (expected email, phone, chat, whatsapp, \
         social, in_person or ticket)"
    );
}

#[test]
fn a_bad_direction_is_named() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,sideways,1,,,,,,,"),
        "calls.csv:2: column `direction`: `sideways` is not a direction (expected inbound or outbound)"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,,1,,,,,,,"),
        "calls.csv:2: column `direction`: is empty"
    );
}

#[test]
fn a_date_more_than_a_day_ahead_is_refused_and_one_within_a_day_accepted() {
    let mut text = String::from("Date,Channel,Direction,Customer\n");
    for day in 1..=5 {
        text.push_str(&format!("2027-01-0{day},phone,in,1\n"));
    }
    text.push_str("2027-01-09,phone,in,1\n2027-01-10T09:00:00Z,phone,in,1\n");
    // At 2027-01-08 11:00 UTC, 2027-01-09 (12:00 UTC) is 25 hours ahead; at 2027-01-09 11:00 UTC
    // it is an hour ahead and 2027-01-10 09:00 UTC 22 hours.
    let items = read_with("calls.csv", text.clone(), &InteractionOptions::new(utc("2027-01-08T11:00:00Z")));
    let errors: Vec<String> =
        items.iter().filter_map(|item| item.as_ref().err()).map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "calls.csv:7: column `Date`: 2027-01-09 12:00:00 UTC is in the future: an interaction is logged \
             once it has happened (plan a follow-up instead)",
            "calls.csv:8: column `Date`: 2027-01-10 09:00:00 UTC is in the future: an interaction is logged \
             once it has happened (plan a follow-up instead)",
        ]
    );
    let later = InteractionOptions::new(utc("2027-01-09T11:00:00Z"));
    let items = read_with("calls.csv", text, &later);
    assert!(items.iter().all(Result::is_ok), "within a day of the clock: {items:?}");
}

#[test]
fn a_bad_date_says_what_is_expected() {
    assert_eq!(
        one_message(HEADER, "13/45/2026,phone,in,1,,,,,,,"),
        "calls.csv:2: column `date`: `13/45/2026` is not a date (expected a date like 2024-05-01, \
         2024-05-01 14:30 or 2024-05-01T14:30:00+02:00)"
    );
}

#[test]
fn bad_email_addresses_are_named_in_their_column() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,,ann.example.com,,,,,,"),
        "calls.csv:2: column `email`: `ann.example.com` is not an e-mail address (expected local@domain)"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,1,,,,bo at shop,,,"),
        "calls.csv:2: column `staff`: `bo at shop` is not an e-mail address (expected local@domain)"
    );
}

#[test]
fn a_row_without_a_customer_is_refused_on_the_customer_column() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,,,,,,,,"),
        "calls.csv:2: column `customer`: is empty: the row names no customer (fill in `customer`, `email` \
         or `source_customer_id` with `source`)"
    );
    assert_eq!(
        one_message("date,channel,direction,customer_email", "2026-02-01,phone,in,"),
        "calls.csv:2: column `customer_email`: is empty: the row names no customer (fill in `customer_email`)"
    );
}

#[test]
fn a_row_naming_its_customer_two_ways_is_refused() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,7,ann@example.com,,,,,,"),
        "calls.csv:2: column `email`: the row names its customer in `customer` too: fill in only one of \
         `customer`, `email` or `source_customer_id` with `source`"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,,ann@example.com,shopify,991,,,,"),
        "calls.csv:2: column `source_customer_id`: the row names its customer in `email` too: fill in only \
         one of `customer`, `email` or `source_customer_id` with `source`"
    );
}

#[test]
fn bad_customer_numbers_and_sources_are_named() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,0,,,,,,,"),
        "calls.csv:2: column `customer`: `0` is not a Tenure customer number (expected a whole number above 0)"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,,,,991,,,,"),
        "calls.csv:2: column `source`: is empty: a customer's id in a shop needs the shop's source name"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,,,My Shop!,991,,,,"),
        "calls.csv:2: column `source`: `My Shop!` is not a source name (1-64 characters of a-z, 0-9, `-`, `_`, `.`)"
    );
}

#[test]
fn a_state_on_an_outbound_contact_is_refused() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,out,1,,,,,,,open"),
        "calls.csv:2: column `state`: only an inbound query has a state"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,1,,,,,,,pending"),
        "calls.csv:2: column `state`: `pending` is not a state (expected open, answered or closed)"
    );
}

#[test]
fn an_over_long_subject_is_refused() {
    let subject = "x".repeat(201);
    assert_eq!(
        one_message(HEADER, &format!("2026-02-01,phone,in,1,,,,,,{subject},")),
        "calls.csv:2: column `subject`: longer than 200 characters"
    );
    let subject = "é".repeat(200);
    assert_eq!(
        messages("calls.csv", &format!("{HEADER}\n2026-02-01,phone,in,1,,,,,,{subject},\n")),
        [] as [String; 0]
    );
}

#[test]
fn bad_durations_are_named() {
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,1,,,,,12 min,,"),
        "calls.csv:2: column `duration`: `12 min` is not a duration (expected minutes like 12 or 12.5, or \
         h:mm:ss or mm:ss)"
    );
    assert_eq!(
        one_message(HEADER, "2026-02-01,phone,in,1,,,,,25:00:00,,"),
        "calls.csv:2: column `duration`: a duration over 24 hours"
    );
}

#[test]
fn missing_required_columns_are_file_errors_naming_the_column() {
    let open = |header: &str| {
        interactions(Input::from_bytes("calls.csv", format!("{header}\n")), &InteractionOptions::new(now()))
            .err()
            .map(|error| error.to_string())
    };
    assert_eq!(
        open("channel,direction,customer").as_deref(),
        Some(
            "calls.csv: required column `occurred_at` is missing (accepted headers: `occurred_at`, `date`, \
             `time`, `when`, `datetime`, `timestamp`)"
        )
    );
    assert_eq!(
        open("date,direction,customer").as_deref(),
        Some("calls.csv: required column `channel` is missing (accepted headers: `channel`)")
    );
    assert_eq!(
        open("date,channel,customer").as_deref(),
        Some("calls.csv: required column `direction` is missing (accepted headers: `direction`)")
    );
    assert_eq!(
        open("date,channel,direction,subject").as_deref(),
        Some(
            "calls.csv: required column `customer` is missing (accepted headers: `customer`, `email`, \
             `customer_email`, `source_customer_id`, `customer_ref`, `external_customer_id`)"
        )
    );
    assert_eq!(
        open("date,channel,direction,customer_ref").as_deref(),
        Some("calls.csv: required column `source` is missing (accepted headers: `source`)")
    );
    let empty = interactions(Input::from_bytes("calls.csv", ""), &InteractionOptions::new(now()));
    assert!(matches!(empty, Err(ImportError::Empty { .. })), "{empty:?}");
}

#[test]
fn a_bad_row_deep_in_a_large_file_is_reported_with_its_line() {
    let mut text = String::from("occurred_at,channel,direction,customer,subject\n");
    for line in 2..=6_000 {
        let channel = if line == 5_001 { "pigeon" } else { "phone" };
        text.push_str(&format!("2025-06-01T10:00:00Z,{channel},in,{},Row {line}\n", line % 97 + 1));
    }
    let mut reader =
        interactions(Input::from_bytes("big.csv", text), &InteractionOptions::new(now())).unwrap();
    let mut good = 0;
    let mut errors = vec![];
    for item in reader.by_ref() {
        match item {
            Ok(_) => good += 1,
            Err(error) => errors.push((error.line, error.column)),
        }
    }
    assert_eq!(errors, [(5_001, "channel".to_string())]);
    assert_eq!((good, reader.rows_read()), (5_998, 5_999));
}

const NO_IDS: &str = "\
date,channel,direction,email,subject,notes
2026-02-01 10:00,phone,in,ann@example.com,Parcel,Late again
2026-02-01 10:00,phone,in,ann@example.com,Parcel,Late again
2026-02-01 10:00,phone,in,ANN@example.com,Parcel,Late again
2026-02-01 10:00,phone,in,ann@example.com,Parcel,
2026-02-01 10:00,phone,out,ann@example.com,Parcel,Late again
";

#[test]
fn derived_keys_are_stable_across_reads_and_count_identical_rows() {
    let first = keys(NO_IDS);
    assert_eq!(first, keys(NO_IDS), "the same file gives the same keys");
    for key in &first {
        let parts: Vec<&str> = key.split(':').collect();
        assert_eq!(parts.len(), 3, "{key}");
        assert_eq!(parts[0], "row");
        assert!(parts[1].len() == 64 && parts[1].bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    }
    let digest = |key: &String| key.split(':').nth(1).unwrap().to_string();
    // Rows 1–3 are one content (e-mails are normalised): three interactions, counted 0, 1, 2.
    assert_eq!(digest(&first[0]), digest(&first[1]));
    assert_eq!(digest(&first[0]), digest(&first[2]));
    assert!(first[0].ends_with(":0") && first[1].ends_with(":1") && first[2].ends_with(":2"), "{first:?}");
    // Other notes, another direction: other contents.
    assert_ne!(digest(&first[3]), digest(&first[0]));
    assert_ne!(digest(&first[4]), digest(&first[0]));
    let mut distinct = first.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), first.len(), "{first:?}");
}

#[test]
fn derived_keys_follow_the_documented_encoding() {
    // The digests were computed from docs/interactions-csv.md's description with Python's
    // hashlib (each part as its 8-byte big-endian length and its UTF-8 bytes), not with this
    // crate: a change to the encoding would duplicate every re-imported file.
    let text = "date,channel,direction,customer,source,source_customer_id,subject\n\
                2026-02-03,call,in,42,,,Asked about wholesale prices\n\
                2026-02-03,chat,in,,shopify,6723187,Where is my order?\n\
                2026-02-03,chat,in,,shopify,6723187,Where is my order?\n";
    assert_eq!(
        keys(text),
        [
            "row:2653361d3a74000c2e8afc0c1834f3963332f7e96820dce3f7018c85e34c72a4:0",
            "row:6026daee737b52d271ea1673f07beec00062ae12abf719732ae18e4c2ada3677:0",
            "row:6026daee737b52d271ea1673f07beec00062ae12abf719732ae18e4c2ada3677:1",
        ]
    );
}

#[test]
fn derived_keys_do_not_depend_on_columns_outside_the_content_or_on_earlier_bad_rows() {
    let with_outcome = "\
date,channel,direction,email,subject,notes,outcome,duration
2026-02-01,fax,in,ann@example.com,Parcel,Late again,,
2026-02-01 10:00,phone,in,ann@example.com,Parcel,Late again,Refunded,3
";
    let plain = keys(NO_IDS);
    let other: Vec<String> =
        read("calls.csv", with_outcome).into_iter().filter_map(Result::ok).map(|record| record.key).collect();
    assert_eq!(other, [plain[0].clone()]);
}

#[test]
fn an_id_column_gives_the_key() {
    let text = "id,date,channel,direction,customer\nT-9,2026-02-01,phone,in,1\n,2026-02-01,phone,in,1\n";
    let found = keys(text);
    assert_eq!(found[0], "csv:T-9");
    assert!(found[1].starts_with("row:") && found[1].ends_with(":0"), "a blank id derives one: {found:?}");
    let long = "x".repeat(201);
    assert_eq!(
        one_message("id,date,channel,direction,customer", &format!("{long},2026-02-01,phone,in,1")),
        "calls.csv:2: column `id`: longer than 200 characters"
    );
}

#[test]
fn a_quoted_field_with_newlines_keeps_its_starting_line() {
    let text = "date,channel,direction,customer,notes\n\
                2026-02-01,phone,in,1,\"first line\nsecond line\nthird\"\n\
                2026-02-01,fax,in,1,\"bad\nrow\"\n\
                2026-02-01,chat,sideways,1,x\n";
    let mut reader =
        interactions(Input::from_bytes("calls.csv", text), &InteractionOptions::new(now())).unwrap();
    let first = reader.next().unwrap().unwrap();
    assert_eq!((first.notes.as_str(), reader.last_line()), ("first line\nsecond line\nthird", 2));
    let lines: Vec<(u64, String)> =
        reader.map(|item| item.unwrap_err()).map(|error| (error.line, error.column)).collect();
    assert_eq!(lines, [(5, "channel".to_string()), (7, "direction".to_string())]);
}

#[test]
fn crlf_and_a_byte_order_mark_read_as_plain_lf() {
    let lf = "date,channel,direction,email,subject,notes\n\
              2026-02-01,phone,in,ann@example.com,Parcel,\"two\nlines\"\n\
              2026-02-02,fax,in,ann@example.com,Parcel,\n";
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let plain = read("calls.csv", lf);
    let windows = read("calls.csv", &crlf);
    assert_eq!(plain, windows);
    assert_eq!(plain[0].as_ref().unwrap().notes, "two\nlines");
    assert_eq!(windows[1].as_ref().unwrap_err().line, 4);
}

proptest::proptest! {
    /// Whatever the cells hold, reading never panics, every row gives one item, and each error
    /// names a line of the file.
    #[test]
    fn any_cells_give_one_item_per_row_and_never_panic(
        rows in proptest::collection::vec(proptest::collection::vec("[ -~é\\n\"]{0,12}", 7), 1..20)
    ) {
        let mut text = String::from("date,channel,direction,customer,email,duration,state\n");
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|cell| format!("\"{}\"", cell.replace('"', "\"\""))).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        let lines = text.lines().count() as u64;
        let items = read("calls.csv", &text);
        let blank = rows.iter().filter(|row| row.iter().all(|cell| cell.trim().is_empty())).count();
        proptest::prop_assert_eq!(items.len(), rows.len() - blank);
        for item in items {
            if let Err(error) = item {
                proptest::prop_assert!((2..=lines).contains(&error.line), "{}", error);
            }
        }
    }
}
