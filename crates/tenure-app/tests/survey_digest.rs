//! The weekly survey digest: this week's responses and NPS against last week's, the worst
//! comment, open and overdue cases; queued once per week and address however often it runs.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{Duration, TimeZone, Utc};
use tenure_app::surveys::digest;
use tenure_store::{OutboxQuery, ResponseChannel, ResponseOwner, ResponseWrite, SurveySettings};

#[test]
fn the_digest_compares_this_week_with_the_last_and_goes_out_once_a_week() {
    let now = Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        tenure_store::open(&format!("sqlite:{}", dir.path().join("t.db").display()), now).unwrap();
    let store = store.as_mut();
    let definition = tenure_surveys::Template::RelationshipNps.definition();
    let survey =
        tenure_app::surveys::create(store, "nps", &definition, SurveySettings::default(), now).unwrap();
    // Last week: two promoters. This week: a promoter, a detractor with a bitter comment, a passive.
    let answers = [
        (10, r#"{"nps": 10}"#),
        (9, r#"{"nps": 9}"#),
        (2, r#"{"nps": 10, "reason": "Lovely, friendly service"}"#),
        (3, r#"{"nps": 2, "reason": "Terrible: the parcel was lost and nobody helped."}"#),
        (4, r#"{"nps": 7}"#),
    ];
    let keys: Vec<String> = (0..answers.len()).map(|n| format!("key-{n}")).collect();
    let writes: Vec<_> = answers
        .iter()
        .zip(&keys)
        .map(|((days_ago, json), key)| {
            let write = ResponseWrite {
                survey_id: survey.info.id,
                version: 1,
                owner: ResponseOwner::Visitor(key.clone()),
                customer_id: None,
                channel: ResponseChannel::Api,
                language: "en",
                answers: json,
                next_page: 2,
                submit: true,
                on_submit: None,
            };
            (write, now - Duration::days(*days_ago))
        })
        .collect();
    store.save_survey_responses(&writes).unwrap();

    let week = digest::digest(store, now).unwrap();
    assert_eq!(week.surveys.len(), 1);
    let nps = &week.surveys[0];
    assert_eq!((nps.responses, nps.previous), (3, 2));
    let (label, this, before) = nps.headline.clone().unwrap();
    assert_eq!(label, "NPS");
    // This week: 1 promoter, 1 passive, 1 detractor of 3 → 0; last week 2 of 2 promoters → 100.
    assert!(this.unwrap().abs() < 1e-9 && (before.unwrap() - 100.0).abs() < 1e-9, "{this:?} {before:?}");
    assert_eq!(nps.worst_comment.as_deref(), Some("Terrible: the parcel was lost and nobody helped."));

    let to = vec!["team@shop.example".to_string(), "owner@shop.example".to_string()];
    assert_eq!(digest::send(store, &to, "https://tenure.shop.example", now).unwrap(), 2);
    assert_eq!(
        digest::send(store, &to, "https://tenure.shop.example", now + Duration::hours(1)).unwrap(),
        0,
        "once a week"
    );
    let messages = store.messages(&OutboxQuery { limit: 10, ..Default::default() }).unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages.iter().all(|m| m.payload.contains("NPS 0.0 (before: 100.0)")),
        "{}",
        messages[0].payload
    );

    let zone = tenure_app::reports::ShopTimeZone::parse("Europe/Berlin").unwrap();
    digest::schedule(store, &to, zone, now).unwrap();
    assert_eq!(digest::recipients(store).unwrap(), to);
    digest::schedule(store, &to[..1], zone, now).unwrap();
    assert_eq!(
        digest::recipients(store).unwrap(),
        to[..1].to_vec(),
        "a new schedule replaces the recipients"
    );
}
