//! The store contract: the same behaviour, test by test, from the SQLite and the PostgreSQL
//! engine. Each test body is written once against `dyn Store` and run on both engines.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, TimeZone, Utc};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, Role, SourceName,
    WebhookKind, WebhookSecret,
};
use tenure_store::{
    CustomerQuery, CustomerScore, Delivery, DeliveryOutcome, ImportCounts, KeptResponse, KeyedWrite, NewUser,
    OrderWrite, OrderWritten, RequestKey, ScoreOrder, ScoreQuery, Store, StoreError, WriteResult, open,
    testing,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

fn source(name: &str) -> SourceName {
    SourceName::parse(name).unwrap()
}

fn record(customer: &str, email: Option<&str>, order: &str, day: u32, cents: i64) -> ImportRecord {
    ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: email.map(|e| Email::parse(e).unwrap()),
            name: Some(format!("Customer {customer}")),
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: order.into(),
            placed_at: Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap(),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: cents,
            refunded_minor: 0,
            items: vec![],
        },
    }
}

fn import(store: &mut dyn Store, source_name: &str, records: &[ImportRecord]) -> ImportCounts {
    let mut session = store.begin_import(&source(source_name), now()).unwrap();
    for record in records {
        session.ingest(record.clone()).unwrap();
    }
    session.commit().unwrap()
}

/// (added, unchanged, updated)
fn orders(counts: ImportCounts) -> (u64, u64, u64) {
    (counts.orders_added, counts.orders_unchanged, counts.orders_updated)
}

fn empty_store_has_no_customers_orders_or_revenue(store: &mut dyn Store) {
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders, stats.paid_orders), (0, 0, 0));
    assert_eq!(stats.first_order_at, None);
    assert!(stats.revenue.is_empty());
}

fn reimporting_the_same_records_adds_nothing(store: &mut dyn Store) {
    let records =
        [record("a", None, "1", 1, 1000), record("a", None, "2", 5, 250), record("b", None, "3", 3, 99)];
    let first = import(store, "shop", &records);
    assert_eq!(orders(first), (3, 0, 0));
    assert_eq!((first.customers_added, first.customers_merged), (2, 0));
    let second = import(store, "shop", &records);
    assert_eq!(orders(second), (0, 3, 0));
    assert_eq!(second.customers_added, 0);
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders, stats.paid_orders), (2, 3, 3));
    assert_eq!(stats.revenue.get("USD"), Some(&1349));
    assert_eq!(stats.first_order_at, Some(Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap()));
    assert_eq!(stats.last_order_at, Some(Utc.with_ymd_and_hms(2024, 1, 5, 12, 0, 0).unwrap()));
}

fn the_same_order_id_in_another_source_is_another_order(store: &mut dyn Store) {
    import(store, "etsy", &[record("a", None, "1", 1, 1000)]);
    assert_eq!(orders(import(store, "shopify", &[record("a", None, "1", 1, 1000)])), (1, 0, 0));
    assert_eq!(store.stats().unwrap().orders, 2);
}

fn a_refund_reported_later_updates_the_order_and_its_revenue(store: &mut dyn Store) {
    import(store, "shop", &[record("a", None, "1", 1, 5000), record("a", None, "2", 2, 700)]);
    let mut partial = record("a", None, "1", 1, 5000);
    partial.order.status = OrderStatus::PartiallyRefunded;
    partial.order.refunded_minor = 1200;
    let mut full = record("a", None, "2", 2, 700);
    full.order.status = OrderStatus::Refunded;
    full.order.refunded_minor = 700;
    assert_eq!(orders(import(store, "shop", &[partial.clone(), full.clone()])), (0, 0, 2));
    assert_eq!(orders(import(store, "shop", &[partial, full])), (0, 2, 0));
    let stats = store.stats().unwrap();
    assert_eq!((stats.orders, stats.paid_orders), (2, 1));
    assert_eq!(stats.revenue.get("USD"), Some(&3800));
}

fn the_same_order_twice_in_one_import_keeps_the_later_version(store: &mut dyn Store) {
    let mut refunded = record("a", None, "1", 1, 5000);
    refunded.order.status = OrderStatus::Refunded;
    refunded.order.refunded_minor = 5000;
    assert_eq!(orders(import(store, "shop", &[record("a", None, "1", 1, 5000), refunded])), (1, 0, 1));
    let stats = store.stats().unwrap();
    assert_eq!((stats.orders, stats.paid_orders), (1, 0));
}

fn imports_larger_than_a_batch_count_every_order_once(store: &mut dyn Store) {
    let records: Vec<_> = (0..1000)
        .map(|i| record(&format!("c{}", i % 97), None, &format!("o{i}"), 1 + i % 28, 100 + i64::from(i)))
        .collect();
    assert_eq!(orders(import(store, "shop", &records)), (1000, 0, 0));
    let mut changed = records.clone();
    for record in changed.iter_mut().step_by(7) {
        record.order.total_minor += 1;
    }
    changed.push(record("new", None, "o-new", 2, 1));
    assert_eq!(orders(import(store, "shop", &changed)), (1, 857, 143));
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (98, 1001));
    let expected: i64 = changed.iter().map(|r| r.order.total_minor).sum();
    assert_eq!(stats.revenue.get("USD"), Some(&expected));
}

fn stored_and_new_orders_mixed_in_one_batch_are_told_apart(store: &mut dyn Store) {
    // Every other order stored first: each multi-row insert of the second import then skips
    // some of its rows, and which ones it added must be found (SQLite counts them and reads the
    // newest ids back; PostgreSQL returns their keys).
    let all: Vec<_> = (0..200)
        .map(|i| record(&format!("c{}", i % 13), None, &format!("o{i}"), 1 + i % 28, 100 + i64::from(i)))
        .collect();
    let evens: Vec<_> = all.iter().step_by(2).cloned().collect();
    assert_eq!(orders(import(store, "shop", &evens)), (100, 0, 0));
    // Every stored order changes, so one taken for new would keep its old total.
    let mut changed = all.clone();
    for record in changed.iter_mut().step_by(2) {
        record.order.total_minor += 1;
    }
    assert_eq!(orders(import(store, "shop", &changed)), (100, 0, 100));
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (13, 200));
    let expected: i64 = changed.iter().map(|r| r.order.total_minor).sum();
    assert_eq!(stats.revenue.get("USD"), Some(&expected));
    for customer in store.customers(&CustomerQuery::default()).unwrap() {
        let detail = store.customer(customer.id).unwrap();
        let external = &detail.identities[0].external_id;
        let mine = all.iter().filter(|r| &r.customer.external_id == external).count();
        assert_eq!(detail.orders.len(), mine, "customer {external} has exactly their orders");
    }
}

fn reimporting_part_of_an_export_reads_only_its_own_orders(store: &mut dyn Store) {
    // The second file holds every other order of the first, some changed: the stored orders
    // between its keys include ones it does not mention (SQLite reads a batch's key range in one
    // go), which must be left alone and not counted.
    let all: Vec<_> = (0..100).map(|i| record("c", None, &format!("k{i:03}"), 1 + i % 28, 1_000)).collect();
    assert_eq!(orders(import(store, "shop", &all)), (100, 0, 0));
    let mut part: Vec<_> = all.iter().step_by(2).cloned().collect();
    for record in part.iter_mut().step_by(5) {
        record.order.total_minor = 2_000;
    }
    assert_eq!(orders(import(store, "shop", &part)), (0, 40, 10));
    assert_eq!(orders(import(store, "shop", &part)), (0, 50, 0));
    let stats = store.stats().unwrap();
    assert_eq!((stats.orders, stats.revenue.get("USD")), (100, Some(&110_000)));
}

fn customers_recurring_batches_apart_are_found_in_a_new_and_a_known_source(store: &mut dyn Store) {
    // Customers come back hundreds of records later, in later batches: in a source new to the
    // store (whose lookups only ask about ids this import created) and in a known one.
    let records = |order_prefix: &str| -> Vec<ImportRecord> {
        (0..900)
            .map(|i| record(&format!("k{}", i % 300), None, &format!("{order_prefix}{i}"), 1 + i % 28, 100))
            .collect()
    };
    let first = import(store, "shop", &records("a"));
    assert_eq!((first.customers_added, first.orders_added), (300, 900));
    let again = import(store, "shop", &records("b"));
    assert_eq!((again.customers_added, again.orders_added), (0, 900));
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (300, 1800));
    let some = store.customers(&CustomerQuery::default()).unwrap()[7].id;
    assert_eq!(store.customer(some).unwrap().orders.len(), 6);
}

fn revenue_is_kept_per_currency_and_excludes_non_purchases(store: &mut dyn Store) {
    let mut euro = record("a", None, "1", 1, 1000);
    euro.order.currency = Currency::parse("EUR").unwrap();
    let mut cancelled = record("b", None, "2", 1, 5000);
    cancelled.order.status = OrderStatus::Cancelled;
    let mut pending = record("c", None, "3", 1, 7000);
    pending.order.status = OrderStatus::Pending;
    import(store, "shop", &[euro, cancelled, pending, record("a", None, "4", 2, 300)]);
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders, stats.paid_orders), (3, 4, 2));
    assert_eq!(store.revenue_by_currency().unwrap(), stats.revenue);
    assert_eq!(stats.revenue.into_iter().collect::<Vec<_>>(), [("EUR".into(), 1000), ("USD".into(), 300)]);
}

fn one_email_in_two_sources_is_one_customer_until_unmerged(store: &mut dyn Store) {
    import(store, "shopify", &[record("eve@example.com", Some("Eve@Example.com"), "#1", 1, 1000)]);
    import(store, "opencart", &[record("17", Some("eve@example.com"), "9", 2, 500)]);
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (1, 2));
    let list = store.customers(&CustomerQuery::default()).unwrap();
    assert_eq!(list.len(), 1);
    let eve = store.customer(list[0].id).unwrap();
    assert_eq!(eve.identities.len(), 2);
    assert_eq!(eve.orders.len(), 2);
    assert_eq!(eve.merges.len(), 1);
    let merge = &eve.merges[0];
    assert_eq!((merge.source.as_str(), merge.external_id.as_str()), ("opencart", "17"));

    let split = store.unmerge(merge.id, now()).unwrap();
    assert_eq!(store.stats().unwrap().customers, 2);
    let split_customer = store.customer(split).unwrap();
    assert_eq!(split_customer.orders.len(), 1);
    assert_eq!(split_customer.orders[0].external_id, "9");
    let eve = store.customer(eve.id).unwrap();
    assert_eq!(eve.orders.len(), 1);
    assert_eq!(eve.merges[0].undone_at, Some(now()));
    assert_eq!(eve.merges[0].split_customer_id, Some(split));
    assert!(matches!(store.unmerge(merge.id, now()), Err(StoreError::Conflict(_))));
    // The split stays split: the identity is known, so a re-import does not merge it again.
    import(store, "opencart", &[record("17", Some("eve@example.com"), "10", 3, 500)]);
    assert_eq!(store.customer(split).unwrap().orders.len(), 2);
}

fn one_email_twice_in_one_source_stays_two_customers(store: &mut dyn Store) {
    import(
        store,
        "shop",
        &[record("1", Some("a@example.com"), "1", 1, 100), record("2", Some("a@example.com"), "2", 1, 100)],
    );
    assert_eq!(store.stats().unwrap().customers, 2);
}

fn an_email_learned_later_is_kept_on_the_identity_and_customer(store: &mut dyn Store) {
    import(store, "shop", &[record("1", None, "1", 1, 100)]);
    import(store, "shop", &[record("1", Some("late@example.com"), "2", 2, 100)]);
    let id = store.customers(&CustomerQuery::default()).unwrap()[0].id;
    let customer = store.customer(id).unwrap();
    assert_eq!(customer.email.as_deref(), Some("late@example.com"));
    assert_eq!(customer.identities[0].email.as_deref(), Some("late@example.com"));
}

fn a_customer_seen_again_after_others_in_one_import_is_the_same_customer(store: &mut dyn Store) {
    let counts = import(
        store,
        "shop",
        &[
            record("a", None, "1", 1, 100),
            record("b", None, "2", 1, 100),
            record("a", Some("a@example.com"), "3", 2, 100),
        ],
    );
    assert_eq!((counts.customers_added, counts.orders_added), (2, 3));
    let list = store.customers(&CustomerQuery::default()).unwrap();
    let a = store.customer(list[0].id).unwrap();
    assert_eq!(a.orders.len(), 2);
    assert_eq!(a.email.as_deref(), Some("a@example.com"), "the e-mail of the later row is learned");
    assert_eq!(a.identities[0].email.as_deref(), Some("a@example.com"));
    // Learned within the import, the e-mail joins the next source's identity to this customer.
    let other = import(store, "other", &[record("z", Some("a@example.com"), "9", 3, 100)]);
    assert_eq!((other.customers_added, other.customers_merged), (0, 1));
    assert_eq!(store.customer(a.id).unwrap().identities.len(), 2);
}

fn new_identities_with_one_email_join_one_customer_each_per_source(store: &mut dyn Store) {
    let email = Some("e@example.com");
    import(store, "shop", &[record("s1", email, "1", 1, 100), record("s2", email, "2", 1, 100)]);
    let web = import(
        store,
        "web",
        &[
            record("w1", email, "1", 2, 100),
            record("w2", email, "2", 2, 100),
            record("w3", email, "3", 2, 100),
        ],
    );
    assert_eq!((web.customers_added, web.customers_merged), (1, 2));
    let list = store.customers(&CustomerQuery::default()).unwrap();
    assert_eq!(list.len(), 3);
    let mut identities = |id| -> Vec<String> {
        let customer = store.customer(id).unwrap();
        customer.identities.iter().map(|i| format!("{}:{}", i.source, i.external_id)).collect()
    };
    assert_eq!(identities(list[0].id), ["shop:s1", "web:w1"], "the lowest customer id joins first");
    assert_eq!(identities(list[1].id), ["shop:s2", "web:w2"]);
    assert_eq!(identities(list[2].id), ["web:w3"]);
}

fn an_uncommitted_import_leaves_nothing_behind(store: &mut dyn Store) {
    import(store, "shop", &[record("a", None, "1", 1, 100)]);
    {
        let mut session = store.begin_import(&source("other"), now()).unwrap();
        session.ingest(record("b", Some("b@example.com"), "2", 1, 100)).unwrap();
        session.ingest(record("a", None, "3", 1, 100)).unwrap();
        // dropped without commit
    }
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders), (1, 1));
}

fn the_customer_list_pages_by_id(store: &mut dyn Store) {
    let records: Vec<_> =
        (1..=5).map(|i| record(&format!("c{i}"), None, &format!("o{i}"), i, 100 * i64::from(i))).collect();
    import(store, "shop", &records);
    let first = store.customers(&CustomerQuery { after: None, limit: 2 }).unwrap();
    let second = store.customers(&CustomerQuery { after: Some(first[1].id), limit: 2 }).unwrap();
    let third = store.customers(&CustomerQuery { after: Some(second[1].id), limit: 2 }).unwrap();
    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 1));
    assert!(first[1].id < second[0].id);
    assert_eq!(third[0].revenue.get("USD"), Some(&500));
    assert_eq!((third[0].orders, third[0].paid_orders), (1, 1));
}

fn contacts_name_the_customers_asked_for(store: &mut dyn Store) {
    import(store, "shop", &[record("a", Some("a@example.com"), "1", 1, 100), record("b", None, "2", 1, 100)]);
    let ids: Vec<CustomerId> =
        store.customers(&CustomerQuery::default()).unwrap().iter().map(|c| c.id).collect();
    let mut contacts = store.contacts(&[ids[1], ids[0], CustomerId(999_999)]).unwrap();
    contacts.sort_by_key(|c| c.id);
    assert_eq!(contacts.len(), 2, "the unknown id is left out");
    assert_eq!(
        (contacts[0].name.as_deref(), contacts[0].email.as_deref()),
        (Some("Customer a"), Some("a@example.com"))
    );
    assert_eq!((contacts[1].name.as_deref(), contacts[1].email.as_deref()), (Some("Customer b"), None));
    assert!(store.contacts(&[]).unwrap().is_empty());
}

fn tokens_authenticate_by_hash_until_revoked(store: &mut dyn Store) {
    let hash = "a".repeat(64);
    let id = store.create_token("shopify-sync", Role::Analyst, &hash, now()).unwrap();
    let later = now() + chrono::Duration::minutes(5);
    let token = store.authenticate_token(&hash, later).unwrap().expect("a live token");
    assert_eq!((token.id, token.role, token.name.as_str()), (id, Role::Analyst, "shopify-sync"));
    assert_eq!(token.last_used_at, Some(later));
    assert_eq!(store.tokens().unwrap()[0].last_used_at, Some(later), "the use is stored");
    let soon = later + chrono::Duration::seconds(10);
    assert_eq!(
        store.authenticate_token(&hash, soon).unwrap().unwrap().last_used_at,
        Some(later),
        "to the minute"
    );
    let next = later + chrono::Duration::minutes(2);
    store.authenticate_token(&hash, next).unwrap();
    assert_eq!(store.tokens().unwrap()[0].last_used_at, Some(next));
    assert!(store.authenticate_token(&"b".repeat(64), later).unwrap().is_none());
    assert!(matches!(store.create_token("again", Role::Admin, &hash, now()), Err(StoreError::Conflict(_))));

    let second = store.create_token("reports", Role::Agent, &"c".repeat(64), now()).unwrap();
    assert_eq!(store.tokens().unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), [second, id]);
    store.revoke_token(id, later).unwrap();
    assert!(store.authenticate_token(&hash, later).unwrap().is_none(), "a revoked token opens nothing");
    assert!(matches!(store.revoke_token(id, later), Err(StoreError::Conflict(_))));
    assert!(matches!(store.revoke_token(424_242, later), Err(StoreError::NotFound(_))));
    assert_eq!(store.tokens().unwrap().iter().find(|t| t.id == id).unwrap().revoked_at, Some(later));
}

fn an_unknown_customer_is_not_found(store: &mut dyn Store) {
    assert!(matches!(store.customer(CustomerId(424242)), Err(StoreError::NotFound(_))));
    assert!(matches!(store.unmerge(424242, now()), Err(StoreError::NotFound(_))));
}

fn purchases_stream_by_customer_then_time(store: &mut dyn Store) {
    let mut refunded = record("a", None, "x", 1, 999);
    refunded.order.status = OrderStatus::Refunded;
    refunded.order.refunded_minor = 999;
    import(
        store,
        "shop",
        &[
            record("b", None, "1", 9, 100),
            record("a", None, "2", 7, 200),
            record("a", None, "3", 2, 300),
            refunded,
        ],
    );
    let mut seen = Vec::new();
    store
        .for_each_purchase("USD", &mut |row| {
            seen.push((row.customer, row.placed_at.format("%d").to_string(), row.revenue_minor));
            Ok(())
        })
        .unwrap();
    let (b, a) = (seen[0].0, seen[1].0);
    assert!(b < a, "customer b was created first");
    assert_eq!(seen, [(b, "09".into(), 100), (a, "02".into(), 300), (a, "07".into(), 200)]);
}

fn score(customer: CustomerId, p_alive: f64, clv_minor: i64) -> CustomerScore {
    CustomerScore {
        customer,
        currency: "USD".into(),
        model: "bgnbd".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
        probability_alive: p_alive,
        expected_purchases: 1.0 / 3.0,
        horizon_days: 364,
        expected_spend_minor: 2500,
        clv_minor,
    }
}

fn three_customers(store: &mut dyn Store) -> Vec<CustomerId> {
    import(
        store,
        "shop",
        &[record("a", None, "1", 1, 100), record("b", None, "2", 1, 100), record("c", None, "3", 1, 100)],
    );
    store.customers(&CustomerQuery::default()).unwrap().iter().map(|c| c.id).collect()
}

fn query(order: ScoreOrder, limit: Option<u32>) -> ScoreQuery {
    ScoreQuery { currency: "USD".into(), order, limit }
}

fn scores_are_stored_exactly_and_ranked_by_clv_or_probability_alive(store: &mut dyn Store) {
    let ids = three_customers(store);
    let scores = [score(ids[0], 0.9, 1000), score(ids[1], 0.2, 5000), score(ids[2], 0.5, 3000)];
    assert_eq!(store.replace_scores(&scores).unwrap(), 3);
    let by_clv = store.scores(&query(ScoreOrder::HighestClv, Some(2))).unwrap();
    assert_eq!(by_clv, [scores[1].clone(), scores[2].clone()], "floats and dates come back exactly");
    let by_alive = store.scores(&query(ScoreOrder::LowestProbabilityAlive, None)).unwrap();
    assert_eq!(by_alive.iter().map(|s| s.customer).collect::<Vec<_>>(), [ids[1], ids[2], ids[0]]);
    assert_eq!(store.scores(&query(ScoreOrder::Customer, None)).unwrap().len(), 3);
    let other = ScoreQuery { currency: "EUR".into(), ..query(ScoreOrder::Customer, None) };
    assert!(store.scores(&other).unwrap().is_empty());
}

fn replacing_scores_drops_the_old_set_and_reads_them_by_customer(store: &mut dyn Store) {
    let ids = three_customers(store);
    store.replace_scores(&[score(ids[0], 0.9, 1000), score(ids[1], 0.2, 5000)]).unwrap();
    store.replace_scores(&[score(ids[2], 0.4, 7)]).unwrap();
    assert_eq!(store.scores(&query(ScoreOrder::Customer, None)).unwrap(), [score(ids[2], 0.4, 7)]);
    let found = store.scores_of(&[ids[2], ids[0], CustomerId(999_999)]).unwrap();
    assert_eq!(found, [score(ids[2], 0.4, 7)], "unscored and unknown ids are left out");
    assert!(store.scores_of(&[]).unwrap().is_empty());
}

fn scores_for_an_unknown_customer_are_refused_and_the_old_set_kept(store: &mut dyn Store) {
    let ids = three_customers(store);
    store.replace_scores(&[score(ids[0], 0.9, 1000)]).unwrap();
    assert!(store.replace_scores(&[score(ids[1], 0.5, 1), score(CustomerId(999_999), 0.5, 1)]).is_err());
    assert_eq!(store.scores(&query(ScoreOrder::Customer, None)).unwrap(), [score(ids[0], 0.9, 1000)]);
}

fn migrating_again_changes_nothing(store: &mut dyn Store) {
    store.migrate(now()).unwrap();
    let status = store.migrate(now()).unwrap();
    assert!(status.applied.is_empty());
    assert!(store.schema_status().unwrap().is_current());
}

fn user<'a>(email: &'a str, role: Role) -> NewUser<'a> {
    NewUser { email, name: "Someone", role, password_hash: "$argon2id$v=19$hash-of-the-test" }
}

fn users_are_unique_by_email_and_listed_without_hashes(store: &mut dyn Store) {
    let ann = store.create_user(&user("ann@shop.example", Role::Admin), now()).unwrap();
    store.create_user(&user("bob@shop.example", Role::Agent), now()).unwrap();
    let again = store.create_user(&user("ann@shop.example", Role::Agent), now());
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let (found, hash) = store.user_by_email("ann@shop.example").unwrap().unwrap();
    assert_eq!((found.id, found.role, found.created_at), (ann, Role::Admin, now()));
    assert_eq!(hash, "$argon2id$v=19$hash-of-the-test");
    assert!(store.user_by_email("nobody@shop.example").unwrap().is_none());
    let all = store.users().unwrap();
    assert_eq!(
        all.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        ["ann@shop.example", "bob@shop.example"]
    );
    store.remove_user("bob@shop.example", None, now()).unwrap();
    assert!(matches!(store.remove_user("bob@shop.example", None, now()), Err(StoreError::NotFound(_))));
    assert!(matches!(store.set_password("bob@shop.example", "x", now()), Err(StoreError::NotFound(_))));
}

fn sessions_live_until_expiry_sign_out_password_change_or_removal(store: &mut dyn Store) {
    let id = store.create_user(&user("ann@shop.example", Role::Analyst), now()).unwrap();
    let hour = chrono::Duration::hours(1);
    store.create_session(id, "one", "csrf-one", now(), now() + hour).unwrap();
    store.create_session(id, "two", "csrf-two", now(), now() + hour).unwrap();
    let one = store.session("one", now()).unwrap().unwrap();
    assert_eq!((one.user.id, one.user.role, one.csrf_token.as_str()), (id, Role::Analyst, "csrf-one"));
    assert_eq!(one.expires_at, now() + hour);
    assert!(store.session("one", now() + hour).unwrap().is_none(), "expired at its end");
    assert!(store.session("unknown", now()).unwrap().is_none());

    store.delete_session("one").unwrap();
    store.delete_session("one").unwrap();
    assert!(store.session("one", now()).unwrap().is_none());
    assert!(store.session("two", now()).unwrap().is_some(), "other sessions go on");

    store.set_password("ann@shop.example", "new-hash", now()).unwrap();
    assert!(store.session("two", now()).unwrap().is_none(), "a new password ends every session");
    assert_eq!(store.user_by_email("ann@shop.example").unwrap().unwrap().1, "new-hash");

    store.create_session(id, "three", "csrf-three", now(), now() + hour).unwrap();
    store.remove_user("ann@shop.example", None, now()).unwrap();
    assert!(store.session("three", now()).unwrap().is_none(), "removing the user ends their sessions");
}

/// The response a test keeps for a write: the result and ids, as text.
fn respond(written: &OrderWritten) -> KeptResponse {
    let status = if written.result == WriteResult::Created { 201 } else { 200 };
    KeptResponse {
        status,
        body: format!("{:?} {} {}", written.result, written.order_id, written.customer_id),
    }
}

fn key(key: &str, body_hash: &str) -> RequestKey {
    RequestKey { scope: "orders".into(), key: key.into(), request_sha256: body_hash.repeat(64) }
}

fn write(
    store: &mut dyn Store,
    source_name: &str,
    record: &ImportRecord,
    key: Option<&RequestKey>,
) -> KeyedWrite {
    let source = source(source_name);
    store.write_order(&OrderWrite { source: &source, record, key }, &respond, now()).unwrap()
}

fn fresh(answer: KeyedWrite) -> KeptResponse {
    match answer {
        KeyedWrite::Fresh(response) => response,
        other => panic!("expected a fresh write, got {other:?}"),
    }
}

fn an_order_write_follows_the_import_rules_for_customers_and_known_orders(store: &mut dyn Store) {
    import(store, "shop", &[record("eve", Some("eve@example.com"), "1", 1, 1000)]);
    let first = fresh(write(store, "api", &record("e-1", Some("EVE@example.com"), "A-1", 2, 500), None));
    assert_eq!(first.status, 201);
    let eve = store.customers(&CustomerQuery::default()).unwrap()[0].id;
    assert!(first.body.starts_with("Created ") && first.body.ends_with(&format!(" {eve}")), "{}", first.body);
    assert_eq!(store.customer(eve).unwrap().merges.len(), 1, "joined by e-mail, the merge recorded");
    let again = fresh(write(store, "api", &record("e-1", None, "A-1", 2, 500), None));
    assert!(again.body.starts_with("Unchanged "), "{}", again.body);
    let mut refunded = record("e-1", None, "A-1", 2, 500);
    refunded.order.status = OrderStatus::Refunded;
    refunded.order.refunded_minor = 500;
    assert!(fresh(write(store, "api", &refunded, None)).body.starts_with("Updated "));
    let stats = store.stats().unwrap();
    assert_eq!((stats.customers, stats.orders, stats.paid_orders), (1, 2, 1));
}

fn an_idempotency_key_replays_its_response_and_refuses_another_body(store: &mut dyn Store) {
    let first = fresh(write(store, "api", &record("a", None, "A-1", 1, 500), Some(&key("k1", "a"))));
    // The replay sends another record on purpose: a replay must not even look at it.
    let replay = write(store, "api", &record("a", None, "A-1", 1, 999), Some(&key("k1", "a")));
    assert_eq!(replay, KeyedWrite::Replayed(first.clone()), "the kept response, status and body");
    assert_eq!(
        write(store, "api", &record("a", None, "A-2", 1, 1), Some(&key("k1", "b"))),
        KeyedWrite::KeyReused
    );
    let stats = store.stats().unwrap();
    assert_eq!((stats.orders, stats.revenue.get("USD")), (1, Some(&500)), "neither wrote anything");
    let other = RequestKey { scope: "refunds".into(), ..key("k1", "b") };
    let source = source("api");
    let record = record("a", None, "A-3", 1, 1);
    let answer = store.write_order(
        &OrderWrite { source: &source, record: &record, key: Some(&other) },
        &respond,
        now(),
    );
    assert!(matches!(answer.unwrap(), KeyedWrite::Fresh(_)), "keys of another scope never meet");
}

fn webhook_sources_are_added_listed_and_removed_keeping_their_data(store: &mut dyn Store) {
    import(store, "shopify", &[record("a", None, "1", 1, 100)]);
    let secret = WebhookSecret::new("s3cret");
    store.add_webhook(&source("shopify"), WebhookKind::Shopify, &secret, now()).unwrap();
    store.add_webhook(&source("etsy"), WebhookKind::Standard, &WebhookSecret::new("whsec_x"), now()).unwrap();
    let again = store.add_webhook(&source("shopify"), WebhookKind::Shopify, &secret, now());
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let endpoint = store.webhook_endpoint(&source("shopify")).unwrap().unwrap();
    assert_eq!((endpoint.kind, endpoint.secret.expose()), (WebhookKind::Shopify, "s3cret"));
    let listed = store.sources().unwrap();
    let summary: Vec<_> = listed.iter().map(|s| (s.name.as_str(), s.webhook, s.orders)).collect();
    assert_eq!(
        summary,
        [("etsy", Some(WebhookKind::Standard), 0), ("shopify", Some(WebhookKind::Shopify), 1)]
    );
    assert_eq!(listed[1].webhook_added_at, Some(now()));

    store.remove_webhook(&source("shopify")).unwrap();
    assert_eq!(store.webhook_endpoint(&source("shopify")).unwrap(), None);
    assert!(matches!(store.remove_webhook(&source("shopify")), Err(StoreError::Conflict(_))));
    assert!(matches!(store.remove_webhook(&source("nowhere")), Err(StoreError::NotFound(_))));
    let shopify = store.sources().unwrap().into_iter().find(|s| s.name == "shopify").unwrap();
    assert_eq!(
        (shopify.webhook, shopify.webhook_added_at, shopify.orders),
        (None, None, 1),
        "the data stays"
    );
    store.add_webhook(&source("shopify"), WebhookKind::Woocommerce, &secret, now()).unwrap();
}

fn a_source_remembers_the_time_zone_of_its_files(store: &mut dyn Store) {
    assert_eq!(store.source_time_zone(&source("opencart")).unwrap(), None, "an unknown source");
    import(store, "opencart", &[record("a", None, "1", 1, 100)]);
    assert_eq!(store.source_time_zone(&source("opencart")).unwrap(), None, "none named yet");
    store.set_source_time_zone(&source("opencart"), "Europe/Berlin", now()).unwrap();
    store.set_source_time_zone(&source("csv"), "America/New_York", now()).unwrap();
    store.set_source_time_zone(&source("opencart"), "Europe/Vienna", now()).unwrap();
    assert_eq!(store.source_time_zone(&source("opencart")).unwrap().as_deref(), Some("Europe/Vienna"));
    let listed: Vec<_> =
        store.sources().unwrap().into_iter().map(|s| (s.name, s.time_zone, s.orders)).collect();
    assert_eq!(
        listed,
        [
            ("csv".to_string(), Some("America/New_York".to_string()), 0),
            ("opencart".to_string(), Some("Europe/Vienna".to_string()), 1)
        ]
    );
}

fn deliver(
    store: &mut dyn Store,
    source_name: &str,
    id: &str,
    record: &ImportRecord,
) -> Result<DeliveryOutcome, StoreError> {
    let source = source(source_name);
    store.receive_delivery(
        &Delivery { source: &source, delivery_id: id, topic: "orders/create", record, modified_at: None },
        now(),
    )
}

fn a_delivery_writes_its_order_once_and_a_repeat_changes_nothing(store: &mut dyn Store) {
    store.add_webhook(&source("shop"), WebhookKind::Shopify, &WebhookSecret::new("k"), now()).unwrap();
    let order = record("eve@example.com", Some("eve@example.com"), "#1001", 1, 1250);
    let DeliveryOutcome::Written(written) = deliver(store, "shop", "d-1", &order).unwrap() else {
        panic!("the first delivery writes")
    };
    assert_eq!((written.result, written.customer_added), (WriteResult::Created, true));
    let before = store.stats().unwrap();
    let mut changed = order.clone();
    changed.order.status = OrderStatus::Refunded;
    assert_eq!(deliver(store, "shop", "d-1", &changed).unwrap(), DeliveryOutcome::Repeated);
    assert_eq!(store.stats().unwrap(), before, "a repeated delivery changes nothing, whatever it carries");
    let DeliveryOutcome::Written(update) = deliver(store, "shop", "d-2", &changed).unwrap() else {
        panic!("another delivery of the same order writes")
    };
    assert_eq!((update.result, update.order_id), (WriteResult::Updated, written.order_id));
    assert_eq!(store.stats().unwrap().paid_orders, 0);
}

fn a_delivery_to_a_source_without_webhooks_writes_nothing(store: &mut dyn Store) {
    import(store, "shop", &[record("a", None, "1", 1, 100)]);
    let error = deliver(store, "shop", "d-1", &record("b", None, "2", 1, 100)).unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
    assert!(matches!(
        deliver(store, "nowhere", "d-1", &record("b", None, "2", 1, 100)),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.stats().unwrap().orders, 1);
}

tenure_store::contract_tests!(
    empty_store_has_no_customers_orders_or_revenue,
    reimporting_the_same_records_adds_nothing,
    the_same_order_id_in_another_source_is_another_order,
    the_same_order_twice_in_one_import_keeps_the_later_version,
    imports_larger_than_a_batch_count_every_order_once,
    stored_and_new_orders_mixed_in_one_batch_are_told_apart,
    reimporting_part_of_an_export_reads_only_its_own_orders,
    customers_recurring_batches_apart_are_found_in_a_new_and_a_known_source,
    a_refund_reported_later_updates_the_order_and_its_revenue,
    revenue_is_kept_per_currency_and_excludes_non_purchases,
    one_email_in_two_sources_is_one_customer_until_unmerged,
    one_email_twice_in_one_source_stays_two_customers,
    an_email_learned_later_is_kept_on_the_identity_and_customer,
    an_uncommitted_import_leaves_nothing_behind,
    a_customer_seen_again_after_others_in_one_import_is_the_same_customer,
    new_identities_with_one_email_join_one_customer_each_per_source,
    the_customer_list_pages_by_id,
    an_unknown_customer_is_not_found,
    tokens_authenticate_by_hash_until_revoked,
    contacts_name_the_customers_asked_for,
    purchases_stream_by_customer_then_time,
    migrating_again_changes_nothing,
    scores_are_stored_exactly_and_ranked_by_clv_or_probability_alive,
    replacing_scores_drops_the_old_set_and_reads_them_by_customer,
    scores_for_an_unknown_customer_are_refused_and_the_old_set_kept,
    users_are_unique_by_email_and_listed_without_hashes,
    sessions_live_until_expiry_sign_out_password_change_or_removal,
    an_order_write_follows_the_import_rules_for_customers_and_known_orders,
    an_idempotency_key_replays_its_response_and_refuses_another_body,
    webhook_sources_are_added_listed_and_removed_keeping_their_data,
    a_source_remembers_the_time_zone_of_its_files,
    a_delivery_writes_its_order_once_and_a_repeat_changes_nothing,
    a_delivery_to_a_source_without_webhooks_writes_nothing,
);

#[test]
fn postgres_refuses_work_until_migrated() {
    let Some(database) = testing::postgres_database() else { return };
    let mut store = open(&database.url, now()).unwrap();
    let error = store.stats().unwrap_err();
    assert!(error.to_string().contains("tenure migrate"), "{error}");
    assert_eq!(store.schema_status().unwrap().current, 0);
}

#[test]
fn an_unknown_database_url_is_refused_with_the_accepted_forms() {
    let error = open("mysql://root@localhost/x", now()).err().unwrap();
    assert!(error.to_string().contains("sqlite:PATH"), "{error}");
}

#[test]
fn a_second_sqlite_writer_is_told_the_database_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?busy_timeout_ms=50", dir.path().join("tenure.db").display());
    let mut first = open(&url, now()).unwrap();
    let mut second = open(&url, now()).unwrap();
    let session = first.begin_import(&source("shop"), now()).unwrap();
    let error = second.begin_import(&source("shop"), now()).err().expect("the second writer had to wait");
    assert!(matches!(&error, StoreError::Conflict(text) if text.contains("busy")), "{error}");
    drop(session);
    assert!(
        second.begin_import(&source("shop"), now()).is_ok(),
        "the lock is free once the first import ends"
    );
}

#[test]
fn unknown_sqlite_url_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?cache=huge", dir.path().join("tenure.db").display());
    let error = open(&url, now()).err().unwrap();
    assert!(error.to_string().contains("busy_timeout_ms"), "{error}");
}
