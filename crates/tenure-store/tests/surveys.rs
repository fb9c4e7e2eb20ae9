//! Surveys' storage contract on both engines: versions, purchase triggers that invite once per
//! order and never for orders from before the trigger, the survey's own interval, reminders,
//! links by hash, responses kept page by page and answered only once.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, Email, ImportRecord, OrderItem, OrderRecord, OrderStatus,
    SourceName,
};
use tenure_store::{
    DueInvitation, InvitationSend, MessageKind, NewInvitation, NewMessage, NewSurvey, OutboxQuery,
    PurchaseTrigger, Purpose, ResponseChannel, ResponseOwner, ResponseWrite, Store, StoreError, SurveyChange,
    SurveyKey, SurveySettings, SurveyState,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Imports one order of `customer` (created with that key's e-mail if new), placed at `placed_at`,
/// with one item named `product`; returns the customer's id.
fn order(
    store: &mut dyn Store,
    customer: &str,
    order: &str,
    placed_at: DateTime<Utc>,
    product: &str,
) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: customer.into(),
            email: Some(Email::parse(&format!("{customer}@example.com")).unwrap()),
            name: Some(format!("Customer {customer}")),
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: order.into(),
            placed_at,
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 2500,
            refunded_minor: 0,
            items: vec![OrderItem { name: product.into(), sku: None, quantity: 1, total_minor: 2500 }],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    let listed = store.customers(&tenure_store::CustomerQuery { limit: 1000, after: None }).unwrap();
    let address = format!("{customer}@example.com");
    listed.iter().find(|c| c.email.as_deref() == Some(address.as_str())).unwrap().id
}

fn survey(store: &mut dyn Store, name: &str, settings: SurveySettings) -> i64 {
    let new = NewSurvey { name, definition: r#"{"v":1}"#, public_token: &format!("pub-{name}"), settings };
    store.create_survey(&new, now()).unwrap()
}

fn mail(due: &DueInvitation) -> InvitationSend {
    InvitationSend::Queue(NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Survey,
        topic: "survey.invitation".into(),
        customer_id: Some(due.customer_id),
        recipient: due.email.clone().unwrap(),
        subscription_id: None,
        payload: "{}".into(),
        not_before: now(),
        dedupe_key: Some(format!("survey-invitation:{}:{}", due.id, due.reminder)),
    })
}

/// Runs the dispatch step at `at`: every due invitation gets its e-mail. Returns (queued, skipped).
fn dispatch(store: &mut dyn Store, at: DateTime<Utc>) -> (u64, u64) {
    let due = store.due_invitations(at, 100).unwrap();
    let sends: Vec<_> = due.iter().map(|d| (d.clone(), mail(d))).collect();
    let outcome = store.queue_invitations(&sends, at).unwrap();
    (outcome.queued, outcome.skipped)
}

fn survey_emails(store: &mut dyn Store) -> usize {
    let query = OutboxQuery { limit: 1000, ..Default::default() };
    store.messages(&query).unwrap().iter().filter(|m| m.topic == "survey.invitation").count()
}

fn editing_a_survey_makes_a_version_and_keeps_the_old_one(store: &mut dyn Store) {
    let id = survey(store, "csat", SurveySettings::default());
    assert!(matches!(
        store.create_survey(
            &NewSurvey {
                name: "csat",
                definition: "{}",
                public_token: "other",
                settings: SurveySettings::default()
            },
            now()
        ),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.save_survey_version(id, r#"{"v":2}"#, now()).unwrap(), 2);
    let info = store.survey(SurveyKey::Name("csat")).unwrap();
    assert_eq!((info.version, info.state), (2, SurveyState::Live));
    assert_eq!(store.survey_definition(id, 1).unwrap(), r#"{"v":1}"#);
    assert_eq!(store.survey_definition(id, 2).unwrap(), r#"{"v":2}"#);
    assert_eq!(store.survey(SurveyKey::PublicToken("pub-csat")).unwrap().id, id);
    assert!(matches!(store.survey(SurveyKey::Name("nope")), Err(StoreError::NotFound(_))));
    let uncounted = store.survey_uncounted(SurveyKey::Name("csat")).unwrap();
    assert_eq!((uncounted.invited, uncounted.responses), (0, 0));
    assert_eq!(
        tenure_store::SurveyInfo { invited: info.invited, responses: info.responses, ..uncounted },
        info
    );
}

fn a_purchase_trigger_invites_once_per_later_order_after_its_delay(store: &mut dyn Store) {
    let before = order(store, "ann", "o-1", now() - days(30), "Teapot");
    let settings = SurveySettings { interval_days: 60, reminders: 0, ..SurveySettings::default() };
    let id = survey(store, "after-purchase", settings);
    let trigger = PurchaseTrigger { delay_days: 7, source: None, product: Some("teapot".into()) };
    let change = SurveyChange { purchase_trigger: Some(Some(trigger)), ..Default::default() };
    store.change_survey(id, &change, now()).unwrap();

    let ann = order(store, "ann", "o-2", now() + days(1), "Teapot");
    assert_eq!(ann, before);
    let bob = order(store, "bob", "o-3", now() + days(1), "Mug");
    let _ = bob;
    assert_eq!(store.scan_purchase_triggers(now() + days(1)).unwrap(), 1, "ann's later teapot only");
    assert_eq!(store.scan_purchase_triggers(now() + days(2)).unwrap(), 0, "a scan never invites twice");

    assert!(store.due_invitations(now() + days(7), 10).unwrap().is_empty(), "not before its delay");
    let due = store.due_invitations(now() + days(8), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].customer_id, due[0].email.as_deref(), due[0].reminder),
        (ann, Some("ann@example.com"), 0)
    );
    assert_eq!(dispatch(store, now() + days(8)), (1, 0));
    assert_eq!(dispatch(store, now() + days(8)), (0, 0), "queued once");

    // A second order within the survey's interval invites nobody.
    order(store, "ann", "o-4", now() + days(10), "Teapot");
    assert_eq!(store.scan_purchase_triggers(now() + days(10)).unwrap(), 1);
    assert_eq!(dispatch(store, now() + days(17)), (0, 1));
    assert_eq!(survey_emails(store), 1);
    // After the interval, another order does.
    order(store, "ann", "o-5", now() + days(80), "Teapot");
    store.scan_purchase_triggers(now() + days(80)).unwrap();
    assert_eq!(dispatch(store, now() + days(87)), (1, 0));
    assert_eq!(survey_emails(store), 2);
    assert_eq!(store.survey(SurveyKey::Id(id)).unwrap().invited, 2);
}

fn reminders_follow_their_gap_and_stop_once_answered(store: &mut dyn Store) {
    let cara = order(store, "cara", "o-1", now(), "Tea");
    let dan = order(store, "dan", "o-2", now(), "Tea");
    let settings = SurveySettings { reminders: 2, reminder_gap_days: 3, ..SurveySettings::default() };
    let id = survey(store, "nps", settings);
    let invitations = [cara, dan].map(|customer| NewInvitation {
        customer_id: customer,
        cause: format!("send:1:{}", customer.0),
        order_id: None,
        due_at: now(),
    });
    assert_eq!(store.invite(id, &invitations, now()).unwrap(), 2);
    assert_eq!(store.invite(id, &invitations, now()).unwrap(), 0, "a cause invites once");
    assert_eq!(dispatch(store, now()), (2, 0));
    assert!(store.due_invitations(now() + days(2), 10).unwrap().is_empty());

    // Cara answers; only Dan is reminded.
    let cara_invitation = store.customer_responses(cara).unwrap();
    assert!(cara_invitation.is_empty());
    let due = store.due_invitations(now() + days(3), 10).unwrap();
    assert_eq!(due.len(), 2);
    let cara_due = due.iter().find(|d| d.customer_id == cara).unwrap();
    store.add_survey_tokens(&[(cara_due.id, "hash-cara".into())], now()).unwrap();
    let link = store.survey_link("hash-cara").unwrap().unwrap();
    assert_eq!((link.invitation_id, link.customer_id, link.answered), (cara_due.id, cara, false));
    assert_eq!(link.expires_at, Some(now() + days(30)));
    answer(store, id, link.invitation_id, cara, true).unwrap();

    let due = store.due_invitations(now() + days(3), 10).unwrap();
    assert_eq!(due.iter().map(|d| (d.customer_id, d.reminder)).collect::<Vec<_>>(), vec![(dan, 1)]);
    assert_eq!(dispatch(store, now() + days(3)), (1, 0));
    assert!(store.due_invitations(now() + days(5), 10).unwrap().is_empty());
    let due = store.due_invitations(now() + days(6), 10).unwrap();
    assert_eq!(due.iter().map(|d| d.reminder).collect::<Vec<_>>(), vec![2]);
    assert_eq!(dispatch(store, now() + days(6)), (1, 0));
    assert!(store.due_invitations(now() + days(20), 10).unwrap().is_empty(), "two reminders at most");
    assert!(store.survey_link("hash-unknown").unwrap().is_none());
}

fn answer(
    store: &mut dyn Store,
    survey_id: i64,
    invitation: i64,
    customer: CustomerId,
    submit: bool,
) -> Result<tenure_store::StoredResponse, StoreError> {
    let write = ResponseWrite {
        survey_id,
        version: 1,
        owner: ResponseOwner::Invitation(invitation),
        customer_id: Some(customer),
        channel: ResponseChannel::Email,
        language: "en",
        answers: if submit { r#"{"q1":9,"q2":"fine"}"# } else { r#"{"q1":9}"# },
        next_page: if submit { 3 } else { 2 },
        submit,
        on_submit: None,
    };
    store.save_survey_response(&write, now())
}

fn a_response_is_kept_page_by_page_and_taken_once(store: &mut dyn Store) {
    let eve = order(store, "eve", "o-1", now(), "Tea");
    let id = survey(store, "ces", SurveySettings::default());
    let invitation =
        NewInvitation { customer_id: eve, cause: "send:1".into(), order_id: None, due_at: now() };
    store.invite(id, &[invitation], now()).unwrap();
    let due = store.due_invitations(now(), 10).unwrap();
    dispatch(store, now());

    let first = answer(store, id, due[0].id, eve, false).unwrap();
    assert_eq!((first.next_page, first.submitted_at), (2, None));
    let owner = ResponseOwner::Invitation(due[0].id);
    assert_eq!(store.survey_response(&owner).unwrap().unwrap().answers, r#"{"q1":9}"#, "resumable");
    let done = answer(store, id, due[0].id, eve, true).unwrap();
    assert_eq!((done.id, done.submitted_at), (first.id, Some(now())));
    assert!(matches!(answer(store, id, due[0].id, eve, true), Err(StoreError::Conflict(_))), "once");
    assert!(matches!(answer(store, id, due[0].id, eve, false), Err(StoreError::Conflict(_))));

    // A visitor of the public link resumes by their key.
    let visitor = ResponseWrite {
        survey_id: id,
        version: 1,
        owner: ResponseOwner::Visitor("visitor-hash".into()),
        customer_id: None,
        channel: ResponseChannel::Link,
        language: "de",
        answers: "{}",
        next_page: 2,
        submit: false,
        on_submit: None,
    };
    let begun = store.save_survey_response(&visitor, now()).unwrap();
    let finished =
        store.save_survey_response(&ResponseWrite { submit: true, ..visitor.clone() }, now()).unwrap();
    assert_eq!(begun.id, finished.id);
    assert!(matches!(store.save_survey_response(&visitor, now()), Err(StoreError::Conflict(_))));

    let mut seen = Vec::new();
    store
        .for_each_survey_response(id, None, &mut |r| {
            seen.push((r.id, r.channel));
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, vec![(done.id, ResponseChannel::Email), (finished.id, ResponseChannel::Link)]);
    let mine = store.customer_responses(eve).unwrap();
    assert_eq!(
        mine.iter().map(|r| (r.survey_name.as_str(), r.response.id)).collect::<Vec<_>>(),
        [("ces", done.id)]
    );
    assert_eq!(store.survey(SurveyKey::Id(id)).unwrap().responses, 2);
}

fn a_closed_survey_sends_nothing_more(store: &mut dyn Store) {
    let fay = order(store, "fay", "o-1", now(), "Tea");
    let id = survey(store, "closing", SurveySettings::default());
    store
        .invite(
            id,
            &[NewInvitation { customer_id: fay, cause: "send:1".into(), order_id: None, due_at: now() }],
            now(),
        )
        .unwrap();
    store
        .change_survey(id, &SurveyChange { state: Some(SurveyState::Closed), ..Default::default() }, now())
        .unwrap();
    assert_eq!(dispatch(store, now()), (0, 1));
    assert_eq!(survey_emails(store), 0);
}

fn analysis_filters_find_a_sources_customers_and_a_products_buyers(store: &mut dyn Store) {
    let gil = order(store, "gil", "o-1", now(), "Green Tea");
    let hal = order(store, "hal", "o-2", now(), "Green Teapot");
    assert_eq!(store.customers_of_source("shop").unwrap().len(), 2);
    assert!(store.customers_of_source("elsewhere").unwrap().is_empty());
    assert_eq!(store.customers_who_bought("green tea").unwrap(), vec![gil], "the whole name, any case");
    assert_eq!(store.customers_who_bought("GREEN TEAPOT").unwrap(), vec![hal]);
    assert!(store.customers_who_bought("tea").unwrap().is_empty(), "not a part of a name");
    assert!(store.customers_who_bought("%").unwrap().is_empty(), "no wildcards");
}

tenure_store::contract_tests!(
    analysis_filters_find_a_sources_customers_and_a_products_buyers,
    editing_a_survey_makes_a_version_and_keeps_the_old_one,
    a_purchase_trigger_invites_once_per_later_order_after_its_delay,
    reminders_follow_their_gap_and_stop_once_answered,
    a_response_is_kept_page_by_page_and_taken_once,
    a_closed_survey_sends_nothing_more,
);

/// On PostgreSQL, two processes queuing the two invitations of one customer at the same moment
/// take turns on the customer's lock: exactly one is queued, the other skipped for the interval.
#[test]
fn concurrent_dispatches_on_postgres_invite_a_customer_once_within_the_interval() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let mut store = tenure_store::open(&database.url, now()).unwrap();
    store.migrate(now()).unwrap();
    let id = survey(store.as_mut(), "nps", SurveySettings { reminders: 0, ..SurveySettings::default() });
    let customers: Vec<CustomerId> =
        (0..40).map(|n| order(store.as_mut(), &format!("c{n}"), &format!("o-{n}"), now(), "Tea")).collect();
    let invitations: Vec<NewInvitation> = customers
        .iter()
        .flat_map(|c| {
            ["a", "b"].map(|side| NewInvitation {
                customer_id: *c,
                cause: format!("send:{side}:{}", c.0),
                order_id: None,
                due_at: now(),
            })
        })
        .collect();
    store.invite(id, &invitations, now()).unwrap();
    let due = store.due_invitations(now(), 1000).unwrap();
    assert_eq!(due.len(), 80);
    // Each process takes one of every customer's two invitations (the earlier one, or the later
    // one), customer by customer, side by side.
    let mut by_id = due.clone();
    by_id.sort_by_key(|d| d.id);
    let mut halves: Vec<Vec<DueInvitation>> = vec![Vec::new(), Vec::new()];
    for d in by_id {
        let side = usize::from(halves[0].iter().any(|a| a.customer_id == d.customer_id));
        halves[side].push(d);
    }
    assert_eq!((halves[0].len(), halves[1].len()), (40, 40));
    let handles: Vec<_> = halves
        .into_iter()
        .map(|mine| {
            let url = database.url.clone();
            std::thread::spawn(move || {
                let mut store = tenure_store::open(&url, now()).unwrap();
                for due in mine {
                    let send = mail(&due);
                    store.queue_invitations(&[(due, send)], now()).unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let queued: Vec<_> = store
        .messages(&OutboxQuery { limit: 1000, ..Default::default() })
        .unwrap()
        .into_iter()
        .filter(|m| m.topic == "survey.invitation")
        .collect();
    let customers_mailed: std::collections::HashSet<_> = queued.iter().map(|m| m.customer_id).collect();
    assert_eq!(queued.len(), 40, "one invitation per customer, however the two processes interleaved");
    assert_eq!(customers_mailed.len(), 40);
}
