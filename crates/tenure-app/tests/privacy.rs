//! A customer's export and erasure through the use cases, on SQLite and PostgreSQL, with their
//! data in every feature: orders from two shops, an unsubscribe, a survey answer in their own
//! words, a call logged with notes, a follow-up, loyalty points adjusted with a reason and a
//! birthday, an e-mail in the outbox. The export holds every row that names them; after the
//! erasure their name and e-mail are nowhere in the database (the SQLite file read byte by
//! byte, or a dump of PostgreSQL), the reports' totals are the same, and importing the shops'
//! records again does not bring them back. Both are in the audit log.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_app::audit::Actor;
use tenure_app::loyalty::Mailing;
use tenure_app::loyalty::programme::{save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust};
use tenure_app::outbox::CustomerMail;
use tenure_app::privacy::{erase_customer, export_customer};
use tenure_domain::{
    Channel, Currency, CustomerId, CustomerRecord, Direction, Email, ImportRecord, OrderRecord, OrderStatus,
    Role, SourceName,
};
use tenure_store::{
    AuditQuery, FollowUpOrigin, NewFollowUp, NewInteraction, Purpose, Store, SuppressionReason,
};

const EMAIL: &str = "annabel.quist@example.org";
const NAME: &str = "Annabel Quist";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn record(customer: &str, email: &str, name: &str, order: &str, days_ago: i64, cents: i64) -> ImportRecord {
    ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: Some(Email::parse(email).unwrap()),
            name: Some(name.into()),
            marketing_consent: Some(true),
        },
        order: OrderRecord {
            external_id: order.into(),
            placed_at: now() - Duration::days(days_ago),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: cents,
            refunded_minor: 0,
            items: vec![],
        },
    }
}

fn shops() -> [(&'static str, Vec<ImportRecord>); 2] {
    [
        (
            "shop",
            vec![
                record("c-17", EMAIL, NAME, "1001", 200, 4_500),
                record("c-18", "bob@example.org", "Bob Brandt", "1002", 150, 1_200),
                record("c-17", EMAIL, NAME, "1003", 40, 2_250),
            ],
        ),
        ("etsy", vec![record("etsy-9", EMAIL, NAME, "E-77", 20, 3_000)]),
    ]
}

fn import_shops(store: &mut dyn Store) -> tenure_store::ImportCounts {
    let mut total = tenure_store::ImportCounts::default();
    for (source, records) in shops() {
        let mut session = store.begin_import(&SourceName::parse(source).unwrap(), now()).unwrap();
        for record in records {
            session.ingest(record).unwrap();
        }
        let counts = session.commit().unwrap();
        total.records_of_erased += counts.records_of_erased;
        total.orders_added += counts.orders_added;
        total.customers_added += counts.customers_added;
    }
    total
}

/// Ann's data in every feature; returns her id.
fn ann_everywhere(store: &mut dyn Store) -> CustomerId {
    import_shops(store);
    let page = store.customers(&tenure_store::CustomerQuery { after: None, limit: 10 }).unwrap();
    let ann = page.iter().find(|c| c.email.as_deref() == Some(EMAIL)).unwrap().id;
    store.suppress(EMAIL, SuppressionReason::Unsubscribed, Some(ann), now()).unwrap();

    let survey = tenure_surveys::Template::all()[0].definition();
    tenure_app::surveys::create(
        store,
        "after-purchase",
        &survey,
        tenure_store::SurveySettings::default(),
        now(),
    )
    .unwrap();
    let input = tenure_app::surveys::answering::ResponseInput {
        key: "shop-form-1".into(),
        customer_id: Some(ann.0),
        answers: serde_json::json!({"overall": 2, "improve": format!("This is {NAME}, write to {EMAIL}")}),
    };
    let recorded =
        tenure_app::surveys::answering::record(store, "after-purchase", &input, "https://x", now()).unwrap();
    assert!(matches!(recorded, tenure_app::surveys::answering::Recorded::Created(_)), "{recorded:?}");

    let call = NewInteraction {
        customer_id: ann,
        key: "api:call-1".into(),
        occurred_at: now() - Duration::days(1),
        channel: Channel::Phone,
        direction: Direction::Inbound,
        duration_seconds: Some(300),
        subject: format!("{NAME} about order 1003"),
        notes: format!("Called back on her mobile; confirm by e-mail to {EMAIL}"),
        outcome: "refund promised".into(),
        staff: Some("agent@shop.example".into()),
        state: None,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some("agent@shop.example".into()),
    };
    store.log_interactions(&[call], now()).unwrap();
    let owner = tenure_app::users::add_user(
        store,
        "agent@shop.example",
        None,
        Role::Agent,
        "a password for tests",
        now(),
    )
    .unwrap();
    let follow_up = NewFollowUp {
        uid: "follow-up-1@tenure".into(),
        customer_id: Some(ann),
        owner_id: owner.id,
        title: format!("Call {NAME} back"),
        notes: format!("She asked for a reply to {EMAIL}"),
        due_at: now() + Duration::days(2),
        duration_minutes: 15,
        remind_minutes: 60,
        origin: FollowUpOrigin::Manual,
        case_id: None,
        created_by: Some("agent@shop.example".into()),
    };
    store.add_followup(&follow_up, now()).unwrap();

    let mailing =
        Mailing { shop: "Juniper & Pine".into(), links: Some(("https://shop.example".into(), vec![9; 32])) };
    let rules = serde_json::to_string(&template(Currency::USD)).unwrap();
    save_programme(store, &rules, None, "admin@shop.example", now()).unwrap();
    let reason = format!("Goodwill for {NAME} after the late parcel");
    let adjustment =
        Adjustment { customer: ann, points: 250, reason: &reason, by: "Agent", key: "goodwill-1" };
    adjust(store, &mailing, &adjustment, now()).unwrap();
    tenure_app::loyalty::set_birthday(store, &mailing, ann, Some("04-17"), now()).unwrap();

    let content = tenure_app::outbox::email::Content {
        subject: "Your order".into(),
        greeting_name: None,
        paragraphs: vec!["Your parcel is on its way.".into()],
        action: None,
        signature: "Juniper & Pine".into(),
    };
    let mail = CustomerMail {
        customer: ann,
        purpose: Purpose::Transactional,
        topic: "order.shipped",
        content,
        language: None,
        public_url: "https://x",
        not_before: now(),
    };
    tenure_app::outbox::enqueue_customer_mail(store, mail, now()).unwrap();
    ann
}

/// Everything the database holds, as bytes.
fn everything(url: &str) -> Vec<u8> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(log) = std::fs::read(format!("{path}-wal")) {
            bytes.extend(log);
        }
        return bytes;
    }
    let dump = std::process::Command::new("pg_dump").args(["--data-only", url]).output().unwrap();
    assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
    dump.stdout
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w.eq_ignore_ascii_case(text.as_bytes()))
}

/// What reports count: customers, orders, paid orders, revenue by currency.
fn totals(store: &mut dyn Store) -> (u64, u64, u64, String) {
    let stats = store.stats().unwrap();
    (stats.customers, stats.orders, stats.paid_orders, format!("{:?}", store.revenue_by_currency().unwrap()))
}

fn on_both_engines(test: impl Fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    tenure_store::open(&url, now()).unwrap().migrate(now()).unwrap();
    test(&url);
    if let Some(database) = tenure_store::testing::postgres_database() {
        tenure_store::open(&database.url, now()).unwrap().migrate(now()).unwrap();
        test(&database.url);
    }
}

#[test]
fn export_holds_every_row_that_names_a_customer_and_erasure_leaves_none() {
    on_both_engines(|url| {
        let mut store = tenure_store::open(url, now()).unwrap();
        let ann = ann_everywhere(store.as_mut());
        let before = totals(store.as_mut());
        assert!(holds(&everything(url), NAME), "the check sees her name before erasure");

        let export = export_customer(store.as_mut(), ann, &Actor::cli(), now()).unwrap();
        let document = serde_json::to_string(&export).unwrap();
        for table in [
            "customers",
            "identities",
            "orders",
            "suppressions",
            "survey_responses",
            "interactions",
            "followups",
            "loyalty_accounts",
            "loyalty_entries",
            "outbox",
        ] {
            assert!(export.tables.contains_key(table), "the export has no `{table}`: {document}");
        }
        assert!(document.contains(&format!("write to {EMAIL}")), "her own words are in the export");

        let erasure = erase_customer(store.as_mut(), ann, &Actor::cli(), now()).unwrap();
        assert!(erasure.erased_now, "{erasure:?}");
        let bytes = everything(url);
        for text in [EMAIL, NAME, "Annabel", "c-17", "etsy-9", "late parcel"] {
            assert!(!holds(&bytes, text), "`{text}` is still in the database at {url}");
        }
        assert!(holds(&bytes, "bob@example.org"), "another customer is untouched");
        assert_eq!(totals(store.as_mut()), before, "reports keep their totals");
        assert_eq!(store.suppression(EMAIL).unwrap(), Some(SuppressionReason::Erased));
        let ledger = store.ledger(ann).unwrap();
        assert_eq!(ledger.iter().map(|row| row.points).sum::<i64>(), 250, "the points stay (liability)");

        let again = import_shops(store.as_mut());
        assert_eq!((again.records_of_erased, again.customers_added, again.orders_added), (3, 0, 0));
        assert!(!holds(&everything(url), EMAIL), "the re-import brought her back");

        let log = store
            .audit(&AuditQuery { action: Some("customers".into()), limit: 10, ..AuditQuery::default() })
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(actions, ["customers.erase", "customers.export"]);
        assert_eq!(log[1].entry.rows, Some(export.rows() as i64));
    });
}

#[test]
fn the_retention_erases_only_customers_inactive_for_its_years() {
    on_both_engines(|url| {
        let mut store = tenure_store::open(url, now()).unwrap();
        import_shops(store.as_mut());
        let mut old = store.begin_import(&SourceName::parse("old").unwrap(), now()).unwrap();
        old.ingest(record("o-1", "olga@example.org", "Olga Old", "9", 4 * 365, 900)).unwrap();
        old.commit().unwrap();
        let off = tenure_app::privacy::run_retention(store.as_mut(), &Actor::system(), now()).unwrap();
        assert_eq!(off.erased, 0, "off until set");
        tenure_app::privacy::set_retention_years(store.as_mut(), Some(3), &Actor::cli(), now()).unwrap();
        let run = tenure_app::privacy::run_retention(store.as_mut(), &Actor::system(), now()).unwrap();
        assert_eq!(run.erased, 1, "{run:?}");
        assert!(!holds(&everything(url), "olga@example.org"));
        assert!(holds(&everything(url), "bob@example.org"), "Bob bought 150 days ago");
        let rerun = tenure_app::privacy::run_retention(store.as_mut(), &Actor::system(), now()).unwrap();
        assert_eq!(rerun.erased, 0, "an erased customer is not erased again");
    });
}
