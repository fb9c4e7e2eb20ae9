//! The communication calendar's storage contract on both engines: contact dates kept by when
//! interactions happened (logged out of order, edited, deleted), keys that log once, replies that
//! answer queries, follow-ups whose sequence rises with every change and whose reminder goes once,
//! silence alerts once per silence, and surveys sent after a conversation.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tenure_domain::{
    Channel, Currency, CustomerId, CustomerRecord, CustomerRef, Direction, Email, ImportRecord, OrderRecord,
    OrderStatus, QueryState, Role, SourceName,
};
use tenure_store::{
    ContactSettings, FollowUpEdit, FollowUpEnd, FollowUpOrigin, FollowUpQuery, FollowUpStatus,
    InteractionEdit, InteractionQuery, InteractionTrigger, Logged, MessageKind, NewCadenceAlert, NewFollowUp,
    NewInteraction, NewMessage, NewSurvey, NewUser, OutboxQuery, Purpose, Store, StoreError, SurveyChange,
    SurveySettings,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn customer(store: &mut dyn Store, key: &str) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: key.into(),
            email: Some(Email::parse(&format!("{key}@example.com")).unwrap()),
            name: Some(format!("Customer {key}")),
            marketing_consent: Some(true),
        },
        order: OrderRecord {
            external_id: format!("order-{key}"),
            placed_at: now() - days(400),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 2500,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    let email = Email::parse(&format!("{key}@example.com")).unwrap();
    store.resolve_customers(&[CustomerRef::Email(email)]).unwrap()[0].unwrap()
}

fn user(store: &mut dyn Store, email: &str) -> i64 {
    let new = NewUser { email, name: "Staff", role: Role::Agent, password_hash: "x" };
    store.create_user(&new, now()).unwrap()
}

fn interaction(customer: CustomerId, key: &str, at: DateTime<Utc>, direction: Direction) -> NewInteraction {
    NewInteraction {
        customer_id: customer,
        key: key.into(),
        occurred_at: at,
        channel: Channel::Phone,
        direction,
        duration_seconds: Some(300),
        subject: format!("Call {key}"),
        notes: String::new(),
        outcome: String::new(),
        staff: Some("ann@shop.example".into()),
        state: None,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some("ann@shop.example".into()),
    }
}

/// Last inbound, last outbound, last of any kind.
type Dates = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn dates(store: &mut dyn Store, c: CustomerId) -> Dates {
    let d = store.contact_dates(c).unwrap();
    (d.last_inbound, d.last_outbound, d.last_any)
}

fn contact_dates_follow_when_interactions_happened_not_when_they_were_logged(store: &mut dyn Store) {
    let c = customer(store, "ada");
    assert_eq!(dates(store, c), (None, None, None));
    let t = |d: i64| now() - days(d);
    store.log_interactions(&[interaction(c, "a", t(10), Direction::Inbound)], now()).unwrap();
    assert_eq!(dates(store, c), (Some(t(10)), None, Some(t(10))));
    // An older call logged later moves nothing.
    store.log_interactions(&[interaction(c, "b", t(30), Direction::Outbound)], now()).unwrap();
    assert_eq!(dates(store, c), (Some(t(10)), Some(t(30)), Some(t(10))));
    // A newer one, logged in the same batch as an older one, moves them.
    let logged = store
        .log_interactions(
            &[interaction(c, "c", t(2), Direction::Outbound), interaction(c, "d", t(50), Direction::Inbound)],
            now(),
        )
        .unwrap();
    assert_eq!(dates(store, c), (Some(t(10)), Some(t(2)), Some(t(2))));
    // Editing the newest one's date back moves the dates back to the next newest.
    let newest = logged[0].id();
    let edit = InteractionEdit { occurred_at: Some(t(40)), ..Default::default() };
    store.edit_interaction(newest, &edit, now()).unwrap();
    assert_eq!(dates(store, c), (Some(t(10)), Some(t(30)), Some(t(10))));
    // Deleting the newest inbound one moves inbound and any back.
    let inbound =
        store.interactions(&InteractionQuery { customer: Some(c), limit: 10, ..Default::default() }).unwrap();
    let a = inbound.iter().find(|i| i.subject == "Call a").unwrap().id;
    store.delete_interaction(a, now()).unwrap();
    assert_eq!(dates(store, c), (Some(t(50)), Some(t(30)), Some(t(30))));
    // Deleting everything empties them.
    for i in
        store.interactions(&InteractionQuery { customer: Some(c), limit: 10, ..Default::default() }).unwrap()
    {
        store.delete_interaction(i.id, now()).unwrap();
    }
    assert_eq!(dates(store, c), (None, None, None));
    assert!(matches!(store.delete_interaction(a, now()), Err(StoreError::NotFound(_))));
}

fn a_key_logs_once_and_a_reply_answers_its_query(store: &mut dyn Store) {
    let c = customer(store, "bea");
    let other = customer(store, "cy");
    let mut query = interaction(c, "api:q1", now() - Duration::hours(5), Direction::Inbound);
    query.channel = Channel::Email;
    let first = store.log_interactions(std::slice::from_ref(&query), now()).unwrap()[0];
    let Logged::New(id) = first else { panic!("first log should be new: {first:?}") };
    assert_eq!(store.log_interactions(&[query], now()).unwrap()[0], Logged::Existing(id));
    let stored = store.interaction(id).unwrap();
    assert_eq!((stored.state, stored.answered_at), (Some(QueryState::Open), None));

    // A reply from another customer's file, or an inbound "reply", is refused.
    let mut wrong = interaction(other, "api:r0", now() - Duration::hours(4), Direction::Outbound);
    wrong.reply_to = Some(id);
    assert!(matches!(store.log_interactions(&[wrong], now()), Err(StoreError::Invalid(_))));
    // Two replies: the earlier one is the first response, whichever is logged first.
    let mut late = interaction(c, "api:r2", now() - Duration::hours(1), Direction::Outbound);
    late.reply_to = Some(id);
    let mut early = interaction(c, "api:r1", now() - Duration::hours(3), Direction::Outbound);
    early.reply_to = Some(id);
    store.log_interactions(&[late], now()).unwrap();
    store.log_interactions(&[early], now()).unwrap();
    let answered = store.interaction(id).unwrap();
    assert_eq!(answered.state, Some(QueryState::Answered));
    assert_eq!(answered.answered_at, Some(now() - Duration::hours(3)));
    let closed = store
        .edit_interaction(
            id,
            &InteractionEdit { state: Some(QueryState::Closed), ..Default::default() },
            now(),
        )
        .unwrap();
    assert_eq!((closed.state, closed.closed_at), (Some(QueryState::Closed), Some(now())));
    let timings = store.query_timings(now() - days(1), now()).unwrap();
    assert_eq!(timings.len(), 1);
    assert_eq!(timings[0].answered_at, Some(now() - Duration::hours(3)));
}

fn followups_raise_their_sequence_and_remind_once(store: &mut dyn Store) {
    let c = customer(store, "dot");
    let ann = user(store, "ann@shop.example");
    let new = NewFollowUp {
        uid: "uid-1@tenure".into(),
        customer_id: Some(c),
        owner_id: ann,
        title: "Call back about the refund".into(),
        notes: "Wants a call after 3 pm".into(),
        due_at: now() + days(1),
        duration_minutes: 15,
        remind_minutes: 60,
        origin: FollowUpOrigin::Manual,
        case_id: None,
        created_by: Some("ann@shop.example".into()),
    };
    let made = store.add_followup(&new, now()).unwrap();
    assert_eq!(
        (made.sequence, made.status, made.owner_email.as_str()),
        (0, FollowUpStatus::Open, "ann@shop.example")
    );
    assert_eq!(made.customer_name.as_deref(), Some("Customer dot"));
    // Not due for a reminder until an hour before.
    assert!(store.due_reminders(now() + Duration::hours(22), 10).unwrap().is_empty());
    let due = store.due_reminders(now() + Duration::hours(23), 10).unwrap();
    assert_eq!(due.len(), 1);
    let message = NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Transactional,
        topic: "followup.reminder".into(),
        customer_id: Some(c),
        recipient: "ann@shop.example".into(),
        subscription_id: None,
        payload: "{}".into(),
        not_before: now(),
        dedupe_key: Some(format!("followup.reminder:{}:{}", made.id, made.sequence)),
    };
    let reminders = vec![(due[0].clone(), message)];
    assert_eq!(store.send_reminders(&reminders, now() + Duration::hours(23)).unwrap(), 1);
    assert_eq!(store.send_reminders(&reminders, now() + Duration::hours(23)).unwrap(), 0);
    assert!(store.due_reminders(now() + days(2), 10).unwrap().is_empty());
    let outbox = store.messages(&OutboxQuery { limit: 100, ..Default::default() }).unwrap();
    assert_eq!(outbox.iter().filter(|m| m.topic == "followup.reminder").count(), 1);

    // Moving it raises the sequence and arms the reminder again.
    let moved = store
        .edit_followup(made.id, &FollowUpEdit { due_at: Some(now() + days(3)), ..Default::default() }, now())
        .unwrap();
    assert_eq!(moved.sequence, 1);
    assert_eq!(store.due_reminders(now() + days(3) - Duration::minutes(30), 10).unwrap().len(), 1);
    let done = store.finish_followup(made.id, &FollowUpEnd::Done("Refund sent".into()), now()).unwrap();
    assert_eq!(
        (done.status, done.sequence, done.outcome.as_deref()),
        (FollowUpStatus::Done, 2, Some("Refund sent"))
    );
    assert!(matches!(
        store.finish_followup(made.id, &FollowUpEnd::Cancelled, now()),
        Err(StoreError::Conflict(_))
    ));
    assert!(store.due_reminders(now() + days(3), 10).unwrap().is_empty());
    let listed =
        store.followups(&FollowUpQuery { owner_id: Some(ann), limit: 10, ..Default::default() }).unwrap();
    assert_eq!(listed, vec![done.clone()]);
    // The feed still carries it, and a cancelled one, by UID.
    let second = store.add_followup(&NewFollowUp { uid: "uid-2@tenure".into(), ..new }, now()).unwrap();
    store.finish_followup(second.id, &FollowUpEnd::Cancelled, now()).unwrap();
    let feed = store.feed_followups(ann, now() - days(30)).unwrap();
    let shapes: Vec<_> = feed.iter().map(|f| (f.uid.as_str(), f.status, f.sequence)).collect();
    assert_eq!(
        shapes,
        vec![("uid-2@tenure", FollowUpStatus::Cancelled, 1), ("uid-1@tenure", FollowUpStatus::Done, 2)]
    );
    // Feed tokens: one per user, a new generation replaces the old hash.
    store.set_calendar_feed(ann, 1, "hash-1", now()).unwrap();
    assert_eq!(store.calendar_feed_user("hash-1").unwrap(), Some(ann));
    store.set_calendar_feed(ann, 2, "hash-2", now()).unwrap();
    assert_eq!(store.calendar_feed_user("hash-1").unwrap(), None);
    assert_eq!(store.calendar_feed(ann).unwrap(), Some((2, "hash-2".to_string())));
}

fn a_silence_is_alerted_once_with_its_follow_up(store: &mut dyn Store) {
    let c = customer(store, "eve");
    let ann = user(store, "ann@shop.example");
    let settings = ContactSettings {
        keep_in_touch_days: Some(Some(30)),
        snoozed_until: Some(Some(now() + days(7))),
        owner_id: Some(Some(ann)),
    };
    let contact = store.set_contact_settings(c, &settings).unwrap();
    assert_eq!((contact.keep_in_touch_days, contact.owner_id), (Some(30), Some(ann)));
    assert!(matches!(
        store.set_contact_settings(CustomerId(999_999), &settings),
        Err(StoreError::NotFound(_))
    ));
    let alert = |since: DateTime<Utc>| NewCadenceAlert {
        customer_id: c,
        silent_since: since,
        cause: "keep_in_touch".into(),
        quiet_days: 30,
        owner_id: Some(ann),
        value_at_risk: Some(12.5),
        follow_up: Some(NewFollowUp {
            uid: format!("alert-{}@tenure", since.timestamp()),
            customer_id: Some(c),
            owner_id: ann,
            title: "Get in touch".into(),
            notes: String::new(),
            due_at: now() + days(1),
            duration_minutes: 15,
            remind_minutes: 0,
            origin: FollowUpOrigin::Cadence,
            case_id: None,
            created_by: None,
        }),
    };
    let since = now() - days(45);
    let notify = |new: &[usize]| -> Result<Vec<NewMessage>, StoreError> {
        Ok(vec![NewMessage {
            kind: MessageKind::Email,
            purpose: Purpose::Transactional,
            topic: "cadence.alerts".into(),
            customer_id: None,
            recipient: "ann@shop.example".into(),
            subscription_id: None,
            payload: format!("{{\"new\": {}}}", new.len()),
            not_before: now(),
            dedupe_key: None,
        }])
    };
    assert_eq!(store.record_cadence_alerts(&[alert(since)], &notify, now()).unwrap().len(), 1);
    assert!(store.record_cadence_alerts(&[alert(since)], &notify, now() + days(1)).unwrap().is_empty());
    assert_eq!(store.record_cadence_alerts(&[alert(now() - days(31))], &notify, now()).unwrap().len(), 1);
    let outbox = store.messages(&OutboxQuery { limit: 100, ..Default::default() }).unwrap();
    assert_eq!(outbox.iter().filter(|m| m.topic == "cadence.alerts").count(), 2);
    assert_eq!(store.cadence_alerts(10).unwrap().len(), 2);
    let followups =
        store.followups(&FollowUpQuery { customer: Some(c), limit: 10, ..Default::default() }).unwrap();
    assert_eq!(followups.len(), 2);
    assert!(followups.iter().all(|f| f.origin == FollowUpOrigin::Cadence && f.alert_id.is_some()));
    let mut rows = Vec::new();
    store
        .for_each_contact(&mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].snoozed_until, Some(now() + days(7)));
}

fn a_conversation_on_a_triggering_channel_invites_to_its_survey_once(store: &mut dyn Store) {
    let c = customer(store, "fay");
    let new = NewSurvey {
        name: "support",
        definition: r#"{"v":1}"#,
        public_token: "pub-support",
        settings: SurveySettings::default(),
    };
    let survey = store.create_survey(&new, now()).unwrap();
    let trigger = InteractionTrigger { channels: vec![Channel::Phone], on: "logged".into() };
    store
        .change_survey(
            survey,
            &SurveyChange { interaction_trigger: Some(Some(trigger.clone())), ..Default::default() },
            now(),
        )
        .unwrap();
    assert_eq!(store.survey(tenure_store::SurveyKey::Id(survey)).unwrap().interaction_trigger, Some(trigger));
    let mut chat = interaction(c, "k-chat", now() - Duration::hours(2), Direction::Inbound);
    chat.channel = Channel::Chat;
    store.log_interactions(&[chat], now()).unwrap();
    assert!(store.due_invitations(now(), 10).unwrap().is_empty());
    let call = interaction(c, "k-call", now() - Duration::hours(1), Direction::Outbound);
    store.log_interactions(std::slice::from_ref(&call), now()).unwrap();
    store.log_interactions(&[call], now()).unwrap();
    let due = store.due_invitations(now(), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].customer_id, c);
}

fn a_batch_logs_as_one_at_a_time_would(store: &mut dyn Store) {
    let a = customer(store, "gil");
    let b = customer(store, "hal");
    let t = |d: i64| now() - days(d);
    let old =
        store.log_interactions(&[interaction(a, "old", t(20), Direction::Inbound)], now()).unwrap()[0].id();
    let batch = [
        interaction(a, "k1", t(5), Direction::Outbound),
        interaction(b, "k2", t(9), Direction::Inbound),
        interaction(a, "k1", t(1), Direction::Inbound),
        interaction(a, "old", t(20), Direction::Inbound),
        interaction(b, "k3", t(3), Direction::Outbound),
        interaction(a, "k4", t(30), Direction::Inbound),
    ];
    let logged = store.log_interactions(&batch, now()).unwrap();
    let k1 = logged[0].id();
    assert!(matches!(logged[0], Logged::New(_)));
    assert!(matches!(logged[1], Logged::New(_)));
    assert_eq!(logged[2], Logged::Existing(k1));
    assert_eq!(logged[3], Logged::Existing(old));
    assert!(matches!(logged[4], Logged::New(_)));
    assert!(matches!(logged[5], Logged::New(_)));
    // Every id names the row of its key (SQLite derives a statement's new ids from the last one).
    for (record, logged) in batch.iter().zip(&logged) {
        assert_eq!(store.interaction(logged.id()).unwrap().subject, format!("Call {}", record.key));
    }
    // The duplicate key's second row wrote nothing: its inbound time of t(1) is nowhere.
    assert_eq!(dates(store, a), (Some(t(20)), Some(t(5)), Some(t(5))));
    assert_eq!(dates(store, b), (Some(t(9)), Some(t(3)), Some(t(3))));
    assert_eq!(store.interaction(logged[1].id()).unwrap().state, Some(QueryState::Open));
    assert_eq!(
        store.log_interactions(&batch, now()).unwrap().iter().filter(|l| matches!(l, Logged::New(_))).count(),
        0
    );

    let refs = [
        CustomerRef::Id(a),
        CustomerRef::Email(Email::parse("hal@example.com").unwrap()),
        CustomerRef::Identity { source: SourceName::parse("shop").unwrap(), external_id: "gil".into() },
        CustomerRef::Identity { source: SourceName::parse("shop").unwrap(), external_id: "nobody".into() },
        CustomerRef::Identity { source: SourceName::parse("elsewhere").unwrap(), external_id: "gil".into() },
        CustomerRef::Email(Email::parse("nobody@example.com").unwrap()),
        CustomerRef::Id(CustomerId(987_654)),
        CustomerRef::Id(a),
    ];
    let expected = vec![Some(a), Some(b), Some(a), None, None, None, None, Some(a)];
    assert_eq!(store.resolve_customers(&refs).unwrap(), expected);
    // An import answers the same, batch after batch: from what it looked up before, and (on
    // SQLite, once it has asked about a tenth of the customers) from every customer read at once.
    let mut import = store.begin_interaction_import(now()).unwrap();
    for _ in 0..3 {
        assert_eq!(import.resolve(&refs).unwrap(), expected);
        let mut reversed = refs.to_vec();
        reversed.reverse();
        let mut backwards = expected.clone();
        backwards.reverse();
        assert_eq!(import.resolve(&reversed).unwrap(), backwards);
    }
}

fn a_removed_user_hands_on_their_work_or_is_refused(store: &mut dyn Store) {
    let c = customer(store, "fay");
    let ann = user(store, "ann@shop.example");
    let bob = user(store, "bob@shop.example");
    let new = NewFollowUp {
        uid: "uid-fay@tenure".into(),
        customer_id: Some(c),
        owner_id: ann,
        title: "Ask about the wedding order".into(),
        notes: String::new(),
        due_at: now() + days(1),
        duration_minutes: 15,
        remind_minutes: 60,
        origin: FollowUpOrigin::Manual,
        case_id: None,
        created_by: None,
    };
    let made = store.add_followup(&new, now()).unwrap();
    let owner = ContactSettings { owner_id: Some(Some(ann)), ..Default::default() };
    store.set_contact_settings(c, &owner).unwrap();
    store.set_calendar_feed(ann, 1, "ann-feed", now()).unwrap();

    // Owning a follow-up, Ann cannot simply go: the error says how many and what to do.
    let Err(StoreError::Conflict(why)) = store.remove_user("ann@shop.example", None, now()) else {
        panic!("removing an owner of follow-ups must be refused")
    };
    assert!(why.contains("1 follow-up (1 open)") && why.contains("--reassign-to"), "{why}");
    assert!(store.user_by_email("ann@shop.example").unwrap().is_some(), "nothing removed");
    assert!(matches!(
        store.remove_user("ann@shop.example", Some("nobody@shop.example"), now()),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.remove_user("ann@shop.example", Some("ann@shop.example"), now()),
        Err(StoreError::Invalid(_))
    ));

    // Handed to Bob: the follow-up is his (a changed calendar entry), so is the customer; her feed goes.
    store.remove_user("ann@shop.example", Some("bob@shop.example"), now() + days(1)).unwrap();
    assert!(store.user_by_email("ann@shop.example").unwrap().is_none());
    let moved = store.followup(made.id).unwrap();
    assert_eq!((moved.owner_id, moved.owner_email.as_str(), moved.sequence), (bob, "bob@shop.example", 1));
    assert_eq!(store.contact_dates(c).unwrap().owner_id, Some(bob));
    assert_eq!(store.calendar_feed_user("ann-feed").unwrap(), None);

    // Without follow-ups, a user goes and leaves their customers without an owner.
    store.finish_followup(made.id, &FollowUpEnd::Cancelled, now()).unwrap();
    assert!(
        matches!(store.remove_user("bob@shop.example", None, now()), Err(StoreError::Conflict(_))),
        "a finished follow-up still has its owner"
    );
    let carl = user(store, "carl@shop.example");
    store
        .set_contact_settings(c, &ContactSettings { owner_id: Some(Some(carl)), ..Default::default() })
        .unwrap();
    store.remove_user("carl@shop.example", None, now()).unwrap();
    assert_eq!(store.contact_dates(c).unwrap().owner_id, None);
}

tenure_store::contract_tests!(
    a_batch_logs_as_one_at_a_time_would,
    contact_dates_follow_when_interactions_happened_not_when_they_were_logged,
    a_key_logs_once_and_a_reply_answers_its_query,
    followups_raise_their_sequence_and_remind_once,
    a_silence_is_alerted_once_with_its_follow_up,
    a_conversation_on_a_triggering_channel_invites_to_its_survey_once,
    a_removed_user_hands_on_their_work_or_is_refused,
);
