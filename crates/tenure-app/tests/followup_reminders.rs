//! Follow-up reminders: `send_due_reminders` run at an explicit clock before, at and after a
//! follow-up's reminder time queues exactly one `followup.reminder` e-mail to its owner; moving the
//! follow-up re-arms it once; done, cancelled and reminder-less follow-ups send none; and a survey
//! case gets one follow-up however often it is asked for. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use tenure_app::calendar::followups::{self, FollowUpChange, FollowUpRequest, REMINDER_TOPIC};
use tenure_app::surveys::{alerts, answering};
use tenure_domain::{
    Currency, CustomerId, CustomerRecord, CustomerRef, Email, ImportRecord, OrderRecord, OrderStatus, Role,
    SourceName,
};
use tenure_store::{
    AlertKind, FollowUp, FollowUpOrigin, FollowUpQuery, FollowUpStatus, Message, NewAlertRule, NewUser,
    OutboxQuery, Store, SurveySettings,
};

/// Monday 2 March 2026, 09:00 UTC: when the follow-ups are made.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

const URL: &str = "https://shop.example";
const ANN: &str = "ann@shop.example";
const BOB: &str = "bob@shop.example";
const SAM: &str = "sam@shop.example";

/// A customer with one order, and the users ann, bob and sam.
fn shop(store: &mut dyn Store) -> CustomerId {
    let record = ImportRecord {
        line: 2,
        customer: CustomerRecord {
            external_id: "c-1".into(),
            email: Some(Email::parse("dora@example.com").unwrap()),
            name: Some("Dora Diaz".into()),
            marketing_consent: None,
        },
        order: OrderRecord {
            external_id: "o-1".into(),
            placed_at: now() - Duration::days(20),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor: 4200,
            refunded_minor: 0,
            items: vec![],
        },
    };
    let mut session = store.begin_import(&SourceName::parse("shop").unwrap(), now()).unwrap();
    session.ingest(record).unwrap();
    session.commit().unwrap();
    for email in [ANN, BOB, SAM] {
        let user = NewUser { email, name: "Staff", role: Role::Agent, password_hash: "not-a-real-hash" };
        store.create_user(&user, now()).unwrap();
    }
    let email = Email::parse("dora@example.com").unwrap();
    store.resolve_customers(&[CustomerRef::Email(email)]).unwrap()[0].unwrap()
}

fn request(
    customer: CustomerId,
    owner: &str,
    title: &str,
    due_at: DateTime<Utc>,
    remind: u32,
) -> FollowUpRequest {
    FollowUpRequest {
        customer: Some(customer),
        owner: owner.into(),
        title: title.into(),
        notes: "Ask how the new teapot is doing.".into(),
        due_at,
        duration_minutes: 15,
        remind_minutes: remind,
        case_id: None,
        created_by: Some(ANN.into()),
    }
}

/// The reminder e-mails in the outbox, oldest first.
fn reminders(store: &mut dyn Store) -> Vec<Message> {
    let mut all = store.messages(&OutboxQuery { limit: 1000, ..Default::default() }).unwrap();
    all.retain(|m| m.topic == REMINDER_TOPIC);
    all.sort_by_key(|m| m.id);
    all
}

fn subject(message: &Message) -> String {
    let payload: serde_json::Value = serde_json::from_str(&message.payload).unwrap();
    payload["subject"].as_str().unwrap().to_string()
}

/// Runs the reminder job at `at` and returns how many it queued.
fn run(store: &mut dyn Store, at: DateTime<Utc>) -> u64 {
    followups::send_due_reminders(store, URL, at).unwrap()
}

fn a_reminder_goes_once_at_its_time_and_once_more_after_each_move(store: &mut dyn Store) {
    let customer = shop(store);
    // Due Wednesday 09:00, reminded an hour before: at 08:00.
    let due = now() + Duration::days(2);
    let made =
        followups::add(store, &request(customer, ANN, "Call about the renewal", due, 60), now()).unwrap();
    assert_eq!(
        (made.status, made.origin, made.owner_email.as_str()),
        (FollowUpStatus::Open, FollowUpOrigin::Manual, ANN)
    );

    assert_eq!(run(store, now()), 0, "made two days ahead");
    assert_eq!(run(store, due - minutes(61)), 0, "a minute before the reminder time");
    assert_eq!(run(store, due - minutes(60) - Duration::seconds(1)), 0, "a second before");
    assert!(reminders(store).is_empty());
    assert_eq!(run(store, due - minutes(60)), 1, "at the reminder time");
    let sent = reminders(store);
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].recipient.as_str(), sent[0].not_before), (ANN, due - minutes(60)));
    assert_eq!(sent[0].customer_id, None, "a message to staff, not to the customer");
    let first_subject = subject(&sent[0]);
    assert!(first_subject.contains("Call about the renewal"), "{first_subject}");
    assert!(first_subject.contains("09:00 UTC"), "names the due time: {first_subject}");
    for later in [due - minutes(60), due - minutes(30), due, due + Duration::hours(5)] {
        assert_eq!(run(store, later), 0, "sent once: nothing more at {later}");
    }
    assert_eq!(reminders(store).len(), 1);

    // Moved to Thursday 09:00 after the first reminder went: re-armed for Thursday 08:00, once.
    let moved_to = due + Duration::days(1);
    let change = FollowUpChange { due_at: Some(moved_to), ..Default::default() };
    let moved = followups::update(store, made.id, &change, due + Duration::hours(6)).unwrap();
    assert!(moved.sequence > made.sequence);
    assert_eq!(run(store, moved_to - minutes(61)), 0);
    assert_eq!(run(store, moved_to - minutes(60)), 1, "re-armed by the move");
    assert_eq!(run(store, moved_to - minutes(59)), 0);
    // A new title is not a new time: no reminder again.
    let retitle = FollowUpChange {
        title: Some("Call about the renewal (and the invoice)".into()),
        ..Default::default()
    };
    followups::update(store, made.id, &retitle, moved_to - minutes(50)).unwrap();
    assert_eq!(run(store, moved_to - minutes(40)), 0, "retitled, not rescheduled");
    assert_eq!(reminders(store).len(), 2);

    // Moved twice before its reminder time: one reminder, for the latest time only.
    let (second, third) = (moved_to + Duration::days(2), moved_to + Duration::days(3));
    for to in [second, third] {
        let change = FollowUpChange { due_at: Some(to), ..Default::default() };
        followups::update(store, made.id, &change, moved_to + Duration::hours(1)).unwrap();
    }
    assert_eq!(run(store, second - minutes(60)), 0, "the time it was moved away from");
    assert_eq!(run(store, third - minutes(60)), 1);
    assert_eq!(run(store, third), 0);
    let sent = reminders(store);
    assert_eq!(
        sent.iter().map(|m| (m.recipient.as_str(), m.not_before)).collect::<Vec<_>>(),
        [(ANN, due - minutes(60)), (ANN, moved_to - minutes(60)), (ANN, third - minutes(60)),]
    );
}

fn done_cancelled_and_reminderless_follow_ups_send_none(store: &mut dyn Store) {
    let customer = shop(store);
    let due = now() + Duration::days(1);
    let open = followups::add(store, &request(customer, BOB, "Still open", due, 60), now()).unwrap();
    let done = followups::add(store, &request(customer, BOB, "Done early", due, 60), now()).unwrap();
    let cancelled = followups::add(store, &request(customer, BOB, "Called off", due, 60), now()).unwrap();
    followups::add(store, &request(customer, BOB, "No reminder wanted", due, 0), now()).unwrap();
    followups::cancel(store, cancelled.id, now()).unwrap();
    // Done after its reminder time has come but before the job got to it.
    followups::done(store, done.id, "Rang her back already", due - minutes(30)).unwrap();
    assert!(followups::done(store, done.id, "again", due - minutes(29)).is_err(), "done once");
    let change = FollowUpChange { due_at: Some(due + Duration::days(1)), ..Default::default() };
    assert!(
        followups::update(store, cancelled.id, &change, due - minutes(29)).is_err(),
        "a cancelled one stays so"
    );

    assert_eq!(run(store, due - minutes(20)), 1, "only the open one");
    for later in [due, due + Duration::days(1), due + Duration::days(3)] {
        assert_eq!(run(store, later), 0);
    }
    let sent = reminders(store);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient, BOB);
    assert!(subject(&sent[0]).contains("Still open"), "{}", subject(&sent[0]));
    let finished =
        followups::list(store, Some(BOB), FollowUpQuery { limit: 10, ..Default::default() }).unwrap();
    let status = |id: i64| finished.iter().find(|f| f.id == id).unwrap().status;
    assert_eq!(
        (status(open.id), status(done.id), status(cancelled.id)),
        (FollowUpStatus::Open, FollowUpStatus::Done, FollowUpStatus::Cancelled)
    );
}

fn a_follow_up_made_inside_its_lead_is_reminded_at_once_and_one_made_overdue_never(store: &mut dyn Store) {
    let customer = shop(store);
    // Due in 30 minutes with an hour's lead: the reminder time has passed, so it goes now.
    followups::add(store, &request(customer, ANN, "Soon", now() + minutes(30), 60), now()).unwrap();
    // Due an hour ago: nothing to remind of.
    followups::add(store, &request(customer, ANN, "Overdue", now() - minutes(60), 60), now()).unwrap();
    assert_eq!(run(store, now()), 1);
    assert_eq!(run(store, now() + minutes(30)), 0);
    assert_eq!(run(store, now() + Duration::days(1)), 0);
    let sent = reminders(store);
    assert_eq!(sent.len(), 1);
    assert!(subject(&sent[0]).contains("Soon"), "{}", subject(&sent[0]));
}

/// A detractor's answer that trips two rules: one with an owner (sam), one without.
fn two_cases(store: &mut dyn Store, customer: CustomerId) -> (i64, i64) {
    let definition = tenure_surveys::Template::RelationshipNps.definition();
    tenure_app::surveys::create(store, "nps", &definition, SurveySettings::default(), now()).unwrap();
    let rule = NewAlertRule {
        kind: AlertKind::Detractor,
        question: None,
        threshold: None,
        notify_email: None,
        notify_webhook: false,
        open_case: true,
        case_owner: Some(SAM.into()),
        case_due_days: 2,
        invite_survey: None,
    };
    alerts::add_rule(store, "nps", &rule, now()).unwrap();
    let unowned = NewAlertRule { kind: AlertKind::NegativeComment, case_owner: None, ..rule };
    alerts::add_rule(store, "nps", &unowned, now()).unwrap();
    let answers = json!({"nps": 2, "reason": "The parcel arrived broken and nobody answered my e-mails."});
    let input = answering::ResponseInput { key: "form-1".into(), customer_id: Some(customer.0), answers };
    answering::record(store, "nps", &input, URL, now()).unwrap();
    let cases = alerts::cases(store, true).unwrap();
    assert_eq!(cases.len(), 2, "{cases:?}");
    let owned = cases.iter().find(|c| c.owner.as_deref() == Some(SAM)).unwrap();
    let unowned = cases.iter().find(|c| c.owner.is_none()).unwrap();
    assert_eq!(owned.due_at, now() + Duration::days(2));
    (owned.id, unowned.id)
}

fn a_survey_case_gets_one_follow_up(store: &mut dyn Store) {
    let customer = shop(store);
    let (owned, unowned) = two_cases(store, customer);

    let first = followups::from_case(store, owned, None, Some(ANN), now()).unwrap();
    assert_eq!(
        (first.origin, first.case_id, first.customer_id, first.owner_email.as_str()),
        (FollowUpOrigin::Case, Some(owned), Some(customer), SAM)
    );
    assert_eq!(first.due_at, now() + Duration::days(2), "due when the case is");
    // Asked again — later, and naming another owner — it is the same follow-up.
    let again = followups::from_case(store, owned, Some(BOB), Some(BOB), now() + minutes(5)).unwrap();
    assert_eq!(again, first);
    // Made by hand for the same case: still the one.
    let by_hand = FollowUpRequest { case_id: Some(owned), ..request(customer, ANN, "By hand", now(), 60) };
    assert_eq!(followups::add(store, &by_hand, now()).unwrap().id, first.id);

    // A case without an owner needs one named.
    assert!(followups::from_case(store, unowned, None, None, now()).is_err());
    let second = followups::from_case(store, unowned, Some(BOB), None, now()).unwrap();
    assert_eq!((second.case_id, second.owner_email.as_str()), (Some(unowned), BOB));
    assert_ne!(second.id, first.id);
    assert_eq!(followups::from_case(store, unowned, Some(ANN), None, now()).unwrap().id, second.id);

    let all: Vec<FollowUp> = store.followups(&FollowUpQuery { limit: 100, ..Default::default() }).unwrap();
    let mut cases: Vec<Option<i64>> = all.iter().map(|f| f.case_id).collect();
    cases.sort();
    let mut wanted = vec![Some(owned), Some(unowned)];
    wanted.sort();
    assert_eq!(cases, wanted, "one follow-up per case, nothing else: {all:?}");

    // Each case's follow-up is reminded once, to its owner, an hour before it is due.
    let due = now() + Duration::days(2);
    assert_eq!(run(store, due - minutes(61)), 0);
    assert_eq!(run(store, due - minutes(60)), 2);
    assert_eq!(run(store, due), 0);
    let mut recipients: Vec<String> = reminders(store).into_iter().map(|m| m.recipient).collect();
    recipients.sort();
    assert_eq!(recipients, [BOB, SAM]);
}

tenure_store::contract_tests!(
    a_reminder_goes_once_at_its_time_and_once_more_after_each_move,
    done_cancelled_and_reminderless_follow_ups_send_none,
    a_follow_up_made_inside_its_lead_is_reminded_at_once_and_one_made_overdue_never,
    a_survey_case_gets_one_follow_up,
);
