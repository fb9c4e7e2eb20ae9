//! The API through the router, in process: access on every route for every role and for none,
//! and the retention endpoint answering exactly what the report use case (the CLI's) answers.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tenure_app::access::create_token;
use tenure_app::reports::{ActivityWindow, Purchases, ReportScope, ShopTimeZone};
use tenure_domain::Role;
use tenure_web::routes::{Access, ROUTES, Route};
use tenure_web::{AppState, StorePool, router};
use tower::ServiceExt;

/// A store holding the CDNOW sample, a token per role, and the server state over it.
struct Fixture {
    _dir: tempfile::TempDir,
    url: String,
    state: AppState,
    tokens: Vec<(Role, String)>,
}

fn fixture() -> Fixture {
    let (dir, url, mut store) = common::sample_store();
    let now = chrono::Utc::now();
    let tokens = Role::ALL
        .iter()
        .map(|&role| (role, create_token(store.as_mut(), role, "test", now).unwrap().token))
        .collect();
    // Signed routes: their example's source takes Standard Webhooks signed with a known secret.
    for route in ROUTES.iter().filter(|r| r.access == Access::Signed) {
        let source = route.example.rsplit('/').next().unwrap();
        let kind = tenure_domain::WebhookKind::Standard;
        tenure_app::sources::add_source(store.as_mut(), source, kind, Some(common::STANDARD_SECRET), now)
            .unwrap();
    }
    // The survey the survey routes' examples name.
    let template = tenure_surveys::Template::all()[0].definition();
    tenure_app::surveys::create(
        store.as_mut(),
        "example",
        &template,
        tenure_store::SurveySettings::default(),
        now,
    )
    .unwrap();
    calendar_examples(store.as_mut(), now);
    loyalty_examples(store.as_mut(), now);
    let state = AppState::new(StorePool::open(&url, 2, now).unwrap(), ShopTimeZone::UTC);
    Fixture { _dir: dir, url, state, tokens }
}

/// What the calendar routes' examples name: the user their follow-up bodies name, interaction 1
/// (an inbound query of customer 1) and follow-ups 1 and 2 of that user.
fn calendar_examples(store: &mut dyn tenure_store::Store, now: tenure_domain::Timestamp) {
    use tenure_app::calendar::{followups, interactions};
    let owner = common::email_of(Role::Agent);
    tenure_app::users::add_user(store, &owner, None, Role::Agent, common::PASSWORD, now).unwrap();
    let record = tenure_domain::InteractionRecord {
        customer: tenure_domain::CustomerRef::Id(tenure_domain::CustomerId(1)),
        occurred_at: now - chrono::Duration::hours(2),
        channel: tenure_domain::Channel::Email,
        direction: tenure_domain::Direction::Inbound,
        duration_seconds: None,
        subject: "Where is my parcel?".into(),
        notes: String::new(),
        outcome: String::new(),
        staff: None,
        state: None,
        key: "test:example".into(),
    };
    let request = interactions::LogRequest {
        record,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: None,
    };
    assert_eq!(interactions::log(store, &request, now).unwrap().1.id, 1);
    for title in ["Call back", "Send the catalogue"] {
        let request = followups::FollowUpRequest {
            customer: Some(tenure_domain::CustomerId(1)),
            owner: owner.clone(),
            title: title.into(),
            notes: String::new(),
            due_at: now + chrono::Duration::days(1),
            duration_minutes: 15,
            remind_minutes: 60,
            case_id: None,
            created_by: None,
        };
        followups::add(store, &request, now).unwrap();
    }
}

/// What the loyalty routes' examples name: a programme, and customer 1 with points enough for
/// every example redemption and adjustment the tests send.
fn loyalty_examples(store: &mut dyn tenure_store::Store, now: tenure_domain::Timestamp) {
    use tenure_app::loyalty::programme::{save_programme, template};
    use tenure_app::loyalty::redeem::{Adjustment, adjust};
    let mut rules = template(tenure_domain::Currency::USD);
    rules.return_window_days = 0;
    save_programme(store, &serde_json::to_string(&rules).unwrap(), None, "test", now).unwrap();
    let grant = Adjustment {
        customer: tenure_domain::CustomerId(1),
        points: 100_000,
        reason: "examples",
        by: "test",
        key: "test:examples",
    };
    adjust(store, &tenure_app::loyalty::Mailing::default(), &grant, now).unwrap();
    referral_examples(store, now);
}

/// What the referral routes' examples name: referral 1, held for review (refused by the example,
/// and again by every later call: the same decision answers as it stands), and customer 2 as the
/// member whose code is the example's `K7MQ-4XRT`, which the example records for customer 3.
fn referral_examples(store: &mut dyn tenure_store::Store, now: tenure_domain::Timestamp) {
    let held = common::held_referrals(store, now);
    assert_eq!(held.held[0], 1, "the example's referral");
    let mut code = || "K7MQ-4XRT".to_string();
    let written =
        store.write_loyalty(&[tenure_domain::CustomerId(2)], &mut code, &mut |_, _| Ok(None), now).unwrap();
    assert_eq!(written, [false], "the account opened, nothing written to it");
    let member = store.loyalty_account_by_code("K7MQ-4XRT").unwrap().unwrap();
    assert_eq!(member.customer_id, tenure_domain::CustomerId(2));
}

/// How a test request to a route presents itself.
#[derive(Debug, Clone, Copy)]
enum Credential<'a> {
    /// Nothing.
    None,
    /// `Authorization: Bearer`.
    Token(&'a str),
    /// Signed with the source's webhook secret (Standard Webhooks), a new delivery id each time.
    Signed,
}

static DELIVERIES: AtomicU64 = AtomicU64::new(0);

impl Fixture {
    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// The credential that opens `route` (the admin's token for role routes).
    fn opener(&self, route: &Route) -> Credential<'_> {
        match route.access {
            Access::Signed => Credential::Signed,
            _ => Credential::Token(self.token(Role::Admin)),
        }
    }

    /// Requests `route`'s example (with its example body, or `body` when given) as `credential`.
    async fn call(
        &self,
        route: &Route,
        credential: Credential<'_>,
        body: Option<&str>,
    ) -> (StatusCode, Value, Option<String>) {
        let body = body.or(route.body.map(|b| b.example)).unwrap_or("");
        let mut request = Request::builder().method(route.method).uri(route.example);
        if let Some(example) = route.body {
            request = request.header(header::CONTENT_TYPE, example.media_type);
        }
        // A header the route requires (an Idempotency-Key): a new value each time.
        for param in route.params.iter().filter(|p| p.location == "header" && p.required) {
            request =
                request.header(param.name, format!("test-{}", DELIVERIES.fetch_add(1, Ordering::Relaxed)));
        }
        match credential {
            Credential::None => {}
            Credential::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"))
            }
            Credential::Signed => {
                let id = format!("msg_{}", DELIVERIES.fetch_add(1, Ordering::Relaxed));
                let now = common::now_seconds();
                for (name, value) in
                    common::standard_headers(common::STANDARD_SECRET, &id, now, body.as_bytes())
                {
                    request = request.header(name, value);
                }
            }
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let challenge =
            response.headers().get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, body, challenge)
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> (StatusCode, Value, Option<String>) {
        let mut request = Request::get(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response =
            router(self.state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let challenge =
            response.headers().get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, body, challenge)
    }
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_its_table_names() {
    let fixture = fixture();
    for route in ROUTES {
        let uri = route.example;
        let (anonymous, _, challenge) = fixture.call(route, Credential::None, None).await;
        match route.access {
            Access::Public => assert_eq!(anonymous, StatusCode::OK, "{uri} anonymous"),
            Access::Roles(allowed) => {
                assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{uri} anonymous");
                assert_eq!(challenge.as_deref(), Some("Bearer"), "{uri}: 401 without a challenge");
                for role in Role::ALL {
                    let (status, body, _) =
                        fixture.call(route, Credential::Token(fixture.token(role)), None).await;
                    if allowed.contains(&role) {
                        assert!(status.is_success(), "{uri} as {role}: {status} {body}");
                    } else {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{uri} as {role}: {body}");
                    }
                }
            }
            Access::Signed => {
                assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{uri} unsigned");
                assert_eq!(challenge, None, "{uri}: no bearer challenge where no token helps");
                for role in Role::ALL {
                    let (status, _, _) =
                        fixture.call(route, Credential::Token(fixture.token(role)), None).await;
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{uri}: a {role} token is not the source's secret"
                    );
                }
                let (status, body, _) = fixture.call(route, Credential::Signed, None).await;
                assert!(status.is_success(), "{uri} signed: {status} {body}");
            }
        }
    }
}

#[tokio::test]
async fn retention_without_a_valid_token_is_401_with_the_error_envelope() {
    let fixture = fixture();
    let uri = "/api/v1/metrics/retention?from=1997-06-30&to=1998-06-30";
    let (status, body, _) = fixture.get(uri, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let forged = format!("tenure_{}", "0".repeat(64));
    assert_eq!(fixture.get(uri, Some(&forged)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(fixture.get(uri, Some("not-a-token")).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn retention_with_an_analyst_token_answers_what_the_report_answers() {
    let fixture = fixture();
    let uri = "/api/v1/metrics/retention?from=1997-06-30&to=1998-06-30&window=180";
    let (status, body, _) = fixture.get(uri, Some(fixture.token(Role::Analyst))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut store = tenure_store::open(&fixture.url, chrono::Utc::now()).unwrap();
    let scope = ReportScope::default();
    let expected = Purchases::load(store.as_mut(), &scope)
        .unwrap()
        .retention(
            "1997-06-30".parse().unwrap(),
            "1998-06-30".parse().unwrap(),
            ActivityWindow::new(180).unwrap(),
        )
        .unwrap();
    assert_eq!(body, serde_json::to_value(expected).unwrap());
    assert_eq!(body["window_days"], 180, "the window of the query was used");
}

#[tokio::test]
async fn bad_queries_are_400_with_the_reason_after_authentication() {
    let fixture = fixture();
    let analyst = Some(fixture.token(Role::Analyst));
    let (status, body, _) =
        fixture.get("/api/v1/metrics/retention?from=1998-06-30&to=1997-06-30", analyst).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert!(body["error"]["message"].as_str().unwrap().contains("after"));
    let (status, _, _) =
        fixture.get("/api/v1/metrics/retention?from=1997-02-30&to=1998-06-30", analyst).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without a token the answer is 401 whatever the query: nothing is told to strangers.
    assert_eq!(fixture.get("/api/v1/metrics/retention?from=x", None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn readyz_reports_a_ready_database() {
    let fixture = fixture();
    let (status, body, _) = fixture.get("/readyz", None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ready")));
}

#[tokio::test]
async fn customers_page_by_id_and_open_one_by_one_for_agents_too() {
    let fixture = fixture();
    let agent = Some(fixture.token(Role::Agent));
    let (status, first, _) = fixture.get("/api/v1/customers?limit=2", agent).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["customers"].as_array().unwrap().len(), 2);
    let next = first["next_after"].as_i64().unwrap();
    let (_, second, _) = fixture.get(&format!("/api/v1/customers?limit=2&after={next}"), agent).await;
    assert!(second["customers"][0]["id"].as_i64().unwrap() > next);

    let id = first["customers"][0]["id"].as_i64().unwrap();
    let (status, customer, _) = fixture.get(&format!("/api/v1/customers/{id}"), agent).await;
    assert_eq!(status, StatusCode::OK);
    let mut store = tenure_store::open(&fixture.url, chrono::Utc::now()).unwrap();
    let expected = store.customer(tenure_domain::CustomerId(id)).unwrap();
    assert_eq!(customer, serde_json::to_value(expected).unwrap());

    let (status, missing, _) = fixture.get("/api/v1/customers/999999", agent).await;
    assert_eq!((status, missing["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(fixture.get("/api/v1/customers/abc", agent).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(fixture.get("/api/v1/customers?limit=0", agent).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stats_and_every_metric_answer_what_the_use_cases_answer() {
    let fixture = fixture();
    let analyst = Some(fixture.token(Role::Analyst));
    let mut store = tenure_store::open(&fixture.url, chrono::Utc::now()).unwrap();
    let (_, stats, _) = fixture.get("/api/v1/stats", analyst).await;
    assert_eq!(stats, serde_json::to_value(store.stats().unwrap()).unwrap());
    let purchases = Purchases::load(store.as_mut(), &ReportScope::default()).unwrap();
    let as_of = "1998-06-30".parse().unwrap();
    let (_, cohorts, _) =
        fixture.get("/api/v1/metrics/cohorts?period=quarter&as_of=1998-06-30", analyst).await;
    let expected = purchases.cohorts(tenure_app::reports::Period::Quarter, Default::default(), as_of);
    assert_eq!(cohorts, serde_json::to_value(expected).unwrap());
    let (_, lifecycle, _) =
        fixture.get("/api/v1/metrics/lifecycle?as_of=1998-06-30&window=180", analyst).await;
    let expected = purchases.lifecycle(as_of, ActivityWindow::new(180).unwrap()).unwrap();
    assert_eq!(lifecycle, serde_json::to_value(expected).unwrap());
    let (_, segments, _) = fixture.get("/api/v1/metrics/segments?as_of=1998-06-30", analyst).await;
    assert_eq!(segments, serde_json::to_value(purchases.segments(as_of).unwrap()).unwrap());
    assert_eq!(
        fixture.get("/api/v1/metrics/segments", analyst).await.0,
        StatusCode::BAD_REQUEST,
        "as_of is required"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_what_the_server_answers() {
    let fixture = fixture();
    let admin = Some(fixture.token(Role::Admin));
    let (status, doc, _) = fixture.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|item| item.as_object().unwrap().len()).sum();
    assert_eq!(documented, ROUTES.len(), "one operation per route");
    for route in ROUTES {
        let operation = &paths[route.path][route.method.to_lowercase()];
        // The document's promises, checked against the server's behaviour:
        let (status, body, _) = fixture.call(route, fixture.opener(route), None).await;
        assert!(status.is_success(), "{} answers: {status} {body}", route.path);
        let protected = !operation["security"].as_array().unwrap().is_empty();
        let (anonymous, _, _) = fixture.call(route, Credential::None, None).await;
        assert_eq!(
            anonymous == StatusCode::UNAUTHORIZED,
            protected,
            "{}: security as documented",
            route.path
        );
        for parameter in operation["parameters"].as_array().unwrap() {
            if parameter["in"] == "query" && parameter["required"] == true {
                let name = parameter["name"].as_str().unwrap();
                let without: Vec<&str> =
                    route.example.split(['?', '&']).filter(|p| !p.starts_with(&format!("{name}="))).collect();
                let uri = format!("{}?{}", without[0], without[1..].join("&"));
                assert_eq!(
                    fixture.get(&uri, admin).await.0,
                    StatusCode::BAD_REQUEST,
                    "{uri}: `{name}` is required"
                );
            }
        }
        if operation["requestBody"]["required"] == true {
            let (status, body, _) = fixture.call(route, fixture.opener(route), Some("")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{}: the body is required: {body}", route.path);
        }
    }
    assert_eq!(
        fixture.get("/api/v1/refunds", admin).await.0,
        StatusCode::NOT_FOUND,
        "nothing undocumented answers"
    );
    assert_eq!(
        fixture.get("/api/v1/orders", admin).await.0,
        StatusCode::METHOD_NOT_ALLOWED,
        "no undocumented method answers"
    );
}

#[tokio::test]
async fn predictions_list_the_stored_scores_filtered_sorted_and_paged() {
    let fixture = fixture();
    let mut store = tenure_store::open(&fixture.url, chrono::Utc::now()).unwrap();
    let ids: Vec<i64> = store
        .customers(&tenure_store::CustomerQuery { after: None, limit: 4 })
        .unwrap()
        .iter()
        .map(|c| c.id.0)
        .collect();
    let score = |i: usize, probability_alive: f64, clv_minor: i64| tenure_store::CustomerScore {
        customer: tenure_domain::CustomerId(ids[i]),
        currency: "USD".into(),
        model: "bgnbd".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(1998, 6, 30).unwrap(),
        probability_alive,
        expected_purchases: 0.5,
        horizon_days: 364,
        expected_spend_minor: 2_000,
        clv_minor,
    };
    store
        .replace_scores(&[score(0, 0.9, 500), score(1, 0.2, 100), score(2, 0.4, 900), score(3, 0.1, 300)])
        .unwrap();
    let agent = Some(fixture.token(Role::Agent));
    let customers = |body: &Value| -> Vec<i64> {
        body["customers"].as_array().unwrap().iter().map(|c| c["customer"].as_i64().unwrap()).collect()
    };

    let (status, body, _) = fixture.get("/api/v1/predictions?below=0.5&limit=2", agent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(customers(&body), [ids[3], ids[1]], "lowest probability first");
    assert_eq!((body["matching"].as_u64(), body["scored"].as_u64()), (Some(3), Some(4)));
    assert_eq!(body["next_offset"], 2);
    let (_, rest, _) = fixture.get("/api/v1/predictions?below=0.5&limit=2&offset=2", agent).await;
    assert_eq!(customers(&rest), [ids[2]]);
    assert!(rest["next_offset"].is_null());

    let (_, by_clv, _) = fixture.get("/api/v1/predictions?sort=clv&min_clv=3", agent).await;
    assert_eq!(customers(&by_clv), [ids[2], ids[0], ids[3]], "highest CLV first, at least USD 3");
    assert_eq!(by_clv["customers"][0]["clv_minor"], 900);
    assert!(by_clv["customers"][0]["last_purchase"].is_string());

    assert_eq!(fixture.get("/api/v1/predictions?below=2", agent).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(fixture.get("/api/v1/predictions?sort=age", agent).await.0, StatusCode::BAD_REQUEST);
}
