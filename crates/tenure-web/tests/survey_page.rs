//! The survey page against whatever a form can carry: arbitrary field names and values never
//! crash it, and a response is either stored whole (200) or not at all (422, 409, 429).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use proptest::prelude::*;
use tenure_app::reports::ShopTimeZone;
use tenure_store::{Store, SurveyKey, SurveySettings};
use tenure_web::{AppState, StorePool, router};
use tower::ServiceExt;

/// A store with a one-page survey that takes answers at once; returns its public token.
fn survey(url: &str) -> String {
    let mut store = tenure_store::open(url, chrono::Utc::now()).unwrap();
    let definition = tenure_surveys::Template::all()
        .iter()
        .map(|t| t.definition())
        .find(|d| d.pages() == 1 && d.questions.iter().any(|q| q.required))
        .expect("a one-page template with a required question");
    let settings = SurveySettings { min_fill_seconds: 0, ..SurveySettings::default() };
    tenure_app::surveys::create(store.as_mut(), "fuzzed", &definition, settings, chrono::Utc::now())
        .unwrap()
        .info
        .public_token
}

fn submitted(store: &mut dyn Store) -> i64 {
    store.survey(SurveyKey::Name("fuzzed")).unwrap().responses
}

async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, String) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A field name a form might carry: the survey's own, near misses, or anything.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("q.overall".to_string()),
        Just("q.overall".to_string()),
        Just("q.delivery".to_string()),
        Just("q.product".to_string()),
        Just("q.value".to_string()),
        Just("q.improve".to_string()),
        Just("page".to_string()),
        Just("website".to_string()),
        "q\\.[a-z_]{0,12}(\\.(expectation|perception))?",
        ".{0,12}",
    ]
}

/// A value: numbers in and out of range, option-like words, or anything.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1u8..=5).prop_map(|n| n.to_string()),
        1 => (0u16..300).prop_map(|n| n.to_string()),
        1 => "-?[0-9]{1,4}",
        1 => "[a-z_]{0,10}",
        1 => ".{0,40}",
        1 => Just(String::new()),
    ]
}

#[test]
fn arbitrary_form_bodies_never_crash_the_page_nor_leave_half_a_response() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let token = survey(&url);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = AppState::new(StorePool::open(&url, 2, chrono::Utc::now()).unwrap(), ShopTimeZone::UTC)
        .with_survey_posts_per_address(0);
    let store = std::cell::RefCell::new(tenure_store::open(&url, chrono::Utc::now()).unwrap());
    let (status, page) =
        runtime.block_on(send(&state, Request::get(format!("/s/p/{token}")).body(Body::empty()).unwrap()));
    assert_eq!(status, StatusCode::OK);
    let at = page.find("name=\"stamp\" value=\"").unwrap() + 20;
    let stamp = page[at..at + page[at..].find('"').unwrap()].to_string();

    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    proptest!(ProptestConfig::with_cases(300), |(fields in proptest::collection::vec((field_name(), field_value()), 0..12), visitor in "[A-Za-z0-9_-]{22}")| {
        let mut body: Vec<String> = vec![format!("stamp={}", common::encode(&stamp)), format!("visitor={visitor}")];
        body.extend(fields.iter().map(|(k, v)| format!("{}={}", common::encode(k), common::encode(v))));
        if !fields.iter().any(|(k, _)| k == "page") {
            body.push("page=1".into());
        }
        let before = submitted(store.borrow_mut().as_mut());
        let request = Request::post(format!("/s/p/{token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.join("&")))
            .unwrap();
        let (status, text) = runtime.block_on(send(&state, request));
        let after = submitted(store.borrow_mut().as_mut());
        prop_assert!(status.as_u16() < 500, "{status}: {text}");
        *seen.borrow_mut().entry(status.as_u16()).or_default() += 1;
        match status {
            StatusCode::OK => prop_assert_eq!(after, before + 1, "200 stores one whole response: {}", text),
            _ => prop_assert_eq!(after, before, "{} stores nothing: {}", status, text),
        }
        if status == StatusCode::UNPROCESSABLE_ENTITY && !text.contains("program") && !text.contains("page it is") {
            prop_assert!(text.contains("field-error"), "a 422 names its question: {}", text);
        }
    });
    // Both outcomes were reached: some bodies were whole answers, many were refused.
    let seen = seen.into_inner();
    assert!(seen.get(&200).is_some_and(|n| *n > 0) && seen.get(&422).is_some_and(|n| *n > 0), "{seen:?}");
    // What was stored analyses cleanly.
    let mut store = store.into_inner();
    let (_, analysis) = tenure_app::surveys::analysis::analyze_stored(store.as_mut(), "fuzzed", 30).unwrap();
    assert_eq!(analysis.responses as i64, submitted(store.as_mut()));
}

/// A survey with every kind of question.
const EVERY_KIND: &str = r#"{
  "title": "Every kind",
  "questions": [
    {"id": "sat", "type": "csat", "text": "Satisfied?", "overall": true},
    {"id": "rec", "type": "nps", "text": "Recommend?"},
    {"id": "easy", "type": "ces", "points": 7, "text": "Easy?"},
    {"id": "agree", "type": "likert", "points": 5, "text": "Agree?"},
    {"id": "fast", "type": "pair", "points": 7, "dimension": "responsiveness", "text": "Fast?"},
    {"id": "via", "type": "single", "text": "Where?", "options": [{"id": "web", "text": "Web"}, {"id": "shop", "text": "Shop"}]},
    {"id": "what", "type": "multi", "text": "What?", "options": [{"id": "tea", "text": "Tea"}, {"id": "cups", "text": "Cups"}]},
    {"id": "say", "type": "text", "text": "Anything else?"}
  ]
}"#;

#[test]
fn every_kind_of_invalid_answer_is_a_422_naming_its_question_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let mut store = tenure_store::open(&url, chrono::Utc::now()).unwrap();
    let definition = tenure_app::surveys::parse_definition(EVERY_KIND).unwrap();
    let settings = SurveySettings { min_fill_seconds: 0, ..SurveySettings::default() };
    let token =
        tenure_app::surveys::create(store.as_mut(), "fuzzed", &definition, settings, chrono::Utc::now())
            .unwrap()
            .info
            .public_token;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = AppState::new(StorePool::open(&url, 2, chrono::Utc::now()).unwrap(), ShopTimeZone::UTC)
        .with_survey_posts_per_address(0);
    let (_, page) =
        runtime.block_on(send(&state, Request::get(format!("/s/p/{token}")).body(Body::empty()).unwrap()));
    let at = page.find("name=\"stamp\" value=\"").unwrap() + 20;
    let stamp = page[at..at + page[at..].find('"').unwrap()].to_string();
    let post = |n: usize, fields: &[(&str, &str)]| {
        let mut body = vec![format!("stamp={}", common::encode(&stamp)), "page=1".to_string()];
        body.push(format!("visitor=v{n:0>21}"));
        body.extend(fields.iter().map(|(k, v)| format!("{}={}", common::encode(k), common::encode(v))));
        let request = Request::post(format!("/s/p/{token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.join("&")))
            .unwrap();
        runtime.block_on(send(&state, request))
    };
    let long_text = "x".repeat(5001);
    // (question, fields posted, words the error must carry)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case<'_>; 11] = [
        ("sat", vec![("q.sat", "6")], "outside 1–5"),
        ("rec", vec![("q.rec", "11")], "outside 0–10"),
        ("easy", vec![("q.easy", "0")], "outside 1–7"),
        ("agree", vec![("q.agree", "0")], "outside 1–5"),
        ("agree", vec![("q.agree", "three")], "not a number"),
        ("fast", vec![("q.fast.expectation", "5")], ""),
        ("fast", vec![("q.fast.expectation", "5"), ("q.fast.perception", "8")], "outside 1–7"),
        ("via", vec![("q.via", "phone")], ""),
        ("via", vec![("q.via", "web"), ("q.via", "shop")], ""),
        ("what", vec![("q.what", "tea"), ("q.what", "tea")], ""),
        ("say", vec![("q.say", long_text.as_str())], ""),
    ];
    for (n, (question, fields, reason)) in cases.iter().enumerate() {
        let (status, body) = post(n, fields);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{question} {fields:?}");
        assert!(
            body.contains(&format!("id=\"error-{question}\"")),
            "{question}: the error is at its question"
        );
        assert!(body.contains(reason), "{question}: {reason}");
        assert_eq!(submitted(store.as_mut()), 0, "{question}: nothing stored");
    }
    let (status, _) = post(
        99,
        &[
            ("q.sat", "4"),
            ("q.rec", "9"),
            ("q.easy", "6"),
            ("q.agree", "5"),
            ("q.fast.expectation", "6"),
            ("q.fast.perception", "5"),
            ("q.via", "web"),
            ("q.what", "tea"),
            ("q.what", "cups"),
            ("q.say", "Lovely"),
        ],
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(submitted(store.as_mut()), 1);
}

#[test]
fn a_shops_plain_embedded_form_is_taken_with_its_embed_stamp_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let token = survey(&url);
    let mut store = tenure_store::open(&url, chrono::Utc::now()).unwrap();
    let key = tenure_app::outbox::links::link_key(store.as_mut()).unwrap();
    let stamp = tenure_app::surveys::answering::embed_stamp(&key, &token);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = AppState::new(StorePool::open(&url, 2, chrono::Utc::now()).unwrap(), ShopTimeZone::UTC);
    let post = |path: &str, body: String| {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        runtime.block_on(send(&state, request)).0
    };
    // What the report page's snippet posts: page, stamp, an empty honeypot, the first question.
    let form = |stamp: &str| format!("page=1&stamp={}&website=&q.overall=5", common::encode(stamp));
    assert_eq!(
        post(&format!("/s/p/{token}"), form(&stamp)),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not framed: refused"
    );
    assert_eq!(post(&format!("/s/p/{token}?embed=1"), form("embed.00")), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(submitted(store.as_mut()), 0);
    assert_eq!(post(&format!("/s/p/{token}?embed=1"), form(&stamp)), StatusCode::OK);
    assert_eq!(submitted(store.as_mut()), 1);
}
