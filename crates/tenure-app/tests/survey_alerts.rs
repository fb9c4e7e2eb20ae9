//! Closing the loop: a detractor's response, with a negative comment, sets off exactly what the
//! survey's rules say — a team e-mail, a Slack-format `survey.alert` webhook, a follow-up case —
//! once, in the transaction that keeps the response; a promoter sets off nothing; a case closes
//! with its outcome.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeZone, Utc};
use serde_json::json;
use tenure_app::surveys::alerts;
use tenure_app::surveys::answering::{self, Recorded, ResponseInput};
use tenure_domain::{Currency, CustomerRecord, Email, ImportRecord, OrderRecord, OrderStatus, SourceName};
use tenure_store::{AlertKind, BodyFormat, CaseOutcome, NewAlertRule, OutboxQuery, Store, SurveySettings};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
}

fn shop() -> (tempfile::TempDir, Box<dyn Store>, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        tenure_store::open(&format!("sqlite:{}", dir.path().join("t.db").display()), now()).unwrap();
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
            placed_at: now(),
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
    let customer = store.customers(&tenure_store::CustomerQuery { limit: 10, after: None }).unwrap()[0].id.0;
    let definition = tenure_surveys::Template::RelationshipNps.definition();
    tenure_app::surveys::create(store.as_mut(), "nps", &definition, SurveySettings::default(), now())
        .unwrap();
    (dir, store, customer)
}

fn record(store: &mut dyn Store, key: &str, customer: i64, answers: serde_json::Value) -> Recorded {
    record_to(store, "nps", key, customer, answers)
}

fn record_to(
    store: &mut dyn Store,
    survey: &str,
    key: &str,
    customer: i64,
    answers: serde_json::Value,
) -> Recorded {
    let input = ResponseInput { key: key.into(), customer_id: Some(customer), answers };
    answering::record(store, survey, &input, "https://tenure.shop.example", now()).unwrap()
}

fn alert_messages(store: &mut dyn Store) -> Vec<tenure_store::Message> {
    let all = store.messages(&OutboxQuery { limit: 100, ..Default::default() }).unwrap();
    all.into_iter().filter(|m| m.topic == alerts::ALERT_EVENT).collect()
}

#[test]
fn a_detractor_alerts_the_team_once_opens_a_case_and_a_promoter_alerts_nobody() {
    let (_dir, mut store, customer) = shop();
    let store = store.as_mut();
    let hook = tenure_app::outbox::add_subscription(
        store,
        "https://hooks.slack.example/T000/B000",
        &["survey.alert".to_string()],
        false,
        BodyFormat::Slack,
        now(),
    )
    .unwrap();
    let rule = NewAlertRule {
        kind: AlertKind::Detractor,
        question: None,
        threshold: None,
        notify_email: Some("care@shop.example".into()),
        notify_webhook: true,
        open_case: true,
        case_owner: Some("sam@shop.example".into()),
        case_due_days: 2,
        invite_survey: None,
    };
    alerts::add_rule(store, "nps", &rule, now()).unwrap();
    // Sam is a dashboard user: the cases become follow-ups of his too.
    let sam = tenure_app::users::add_user(
        store,
        "sam@shop.example",
        Some("Sam"),
        tenure_domain::Role::Agent,
        "a long password",
        now(),
    )
    .unwrap();
    let comment = NewAlertRule {
        kind: AlertKind::NegativeComment,
        notify_email: None,
        notify_webhook: false,
        ..rule.clone()
    };
    alerts::add_rule(store, "nps", &comment, now()).unwrap();
    // A rule on a question the survey lacks, or of the wrong kind, is refused.
    let wrong = NewAlertRule { question: Some("reason".into()), ..rule.clone() };
    assert!(alerts::add_rule(store, "nps", &wrong, now()).is_err());

    let answers = json!({"nps": 3, "reason": "The parcel arrived broken and nobody answered my e-mails."});
    assert!(matches!(record(store, "form-1", customer, answers.clone()), Recorded::Created(_)));
    let messages = alert_messages(store);
    assert_eq!(messages.len(), 2, "one e-mail, one webhook: {messages:?}");
    let mail = messages.iter().find(|m| m.recipient == "care@shop.example").unwrap();
    assert!(mail.payload.contains("detractor") && mail.payload.contains("/customers/"), "{}", mail.payload);
    let webhook = messages.iter().find(|m| m.subscription_id == Some(hook.id)).unwrap();
    let body: serde_json::Value = serde_json::from_str(&webhook.payload).unwrap();
    assert!(body["text"].as_str().unwrap().contains("a detractor (NPS answer 3)"), "{body}");

    let cases = alerts::cases(store, true).unwrap();
    assert_eq!(cases.len(), 2, "one case per rule tripped: {cases:?}");
    let detractor = cases.iter().find(|c| c.reason.contains("detractor")).unwrap();
    assert_eq!(detractor.owner.as_deref(), Some("sam@shop.example"));
    assert_eq!(detractor.due_at, now() + chrono::Duration::days(2));
    assert!(cases.iter().any(|c| c.reason.contains("negative comment")));
    let followups = |store: &mut dyn Store| {
        store
            .followups(&tenure_store::FollowUpQuery {
                owner_id: Some(sam.id),
                limit: 10,
                ..Default::default()
            })
            .unwrap()
    };
    let opened = followups(store);
    assert_eq!(opened.len(), 2, "one follow-up per case: {opened:?}");
    assert!(opened.iter().all(|f| f.origin == tenure_store::FollowUpOrigin::Case
        && f.due_at == now() + chrono::Duration::days(2)
        && f.customer_id.map(|c| c.0) == Some(customer)
        && f.case_id.is_some()));

    // The same response again changes nothing; a promoter trips nothing.
    assert!(matches!(record(store, "form-1", customer, answers), Recorded::Replayed(_)));
    assert!(matches!(
        record(store, "form-2", customer, json!({"nps": 10, "reason": "Lovely tea"})),
        Recorded::Created(_)
    ));
    assert_eq!(alert_messages(store).len(), 2);
    assert_eq!(alerts::cases(store, true).unwrap().len(), 2);
    assert_eq!(followups(store).len(), 2, "a replayed response opens no second follow-up");

    let closed = alerts::close_case(
        store,
        detractor.id,
        CaseOutcome::Recovered,
        "Called Dora, sent a new teapot.",
        now(),
    )
    .unwrap();
    assert_eq!((closed.status.as_str(), closed.outcome), ("closed", Some(CaseOutcome::Recovered)));
    assert_eq!(alerts::cases(store, true).unwrap().len(), 1);
    assert!(
        alerts::close_case(store, detractor.id, CaseOutcome::NotRecovered, "", now()).is_err(),
        "closed once"
    );
}

#[test]
fn a_promoter_is_invited_to_write_a_testimonial_that_counts_once_approved() {
    let (_dir, mut store, customer) = shop();
    let store = store.as_mut();
    let definition = tenure_surveys::Template::Testimonial.definition();
    let testimonial =
        tenure_app::surveys::create(store, "testimonial", &definition, SurveySettings::default(), now())
            .unwrap();
    let rule = NewAlertRule {
        kind: AlertKind::Promoter,
        question: None,
        threshold: None,
        notify_email: None,
        notify_webhook: false,
        open_case: false,
        case_owner: None,
        case_due_days: 2,
        invite_survey: Some(testimonial.info.id),
    };
    alerts::add_rule(store, "nps", &rule, now()).unwrap();
    record(store, "form-1", customer, json!({"nps": 6}));
    assert!(store.due_invitations(now(), 10).unwrap().is_empty(), "a detractor is not asked");
    record(store, "form-2", customer, json!({"nps": 10}));
    let due = store.due_invitations(now(), 10).unwrap();
    assert_eq!(
        due.iter().map(|d| (d.survey_name.as_str(), d.customer_id.0)).collect::<Vec<_>>(),
        [("testimonial", customer)]
    );

    let words = "Lovely teas, and they wrote back the same day when I had a question.";
    record_to(store, "testimonial", "t-1", customer, json!({"testimonial": words, "publish": "first_name"}));
    let pending = alerts::testimonials_list(store, true).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].text.as_str(), pending[0].publish.as_deref()), (words, Some("first_name")));
    assert!(store.approved_testimonials().unwrap().is_empty(), "pending testimonials do not count");
    let before = store.revision().unwrap();
    alerts::decide_testimonial(store, pending[0].id, true, "owner@shop.example", now()).unwrap();
    assert_eq!(store.approved_testimonials().unwrap(), vec![(tenure_domain::CustomerId(customer), 1)]);
    assert!(store.revision().unwrap() > before, "reports see the new influence");
    assert!(alerts::decide_testimonial(store, pending[0].id, false, "x", now()).is_err(), "decided once");

    // The customer is an influencer in the segments now.
    let scope = tenure_app::reports::ReportScope::default();
    let purchases = tenure_app::reports::Purchases::load(store, &scope).unwrap();
    let segments = purchases.segments(purchases.last_day().unwrap()).unwrap();
    let json = serde_json::to_value(&segments).unwrap();
    assert_eq!(json["flags"]["influencer"], 1, "{json}");
}
