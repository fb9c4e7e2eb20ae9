//! The communication calendar's HTTP face in process: logging on the customer page (the timeline,
//! the contact dates, a form sent twice, refusals that write nothing), the iCalendar feed (ETag,
//! revocation, strangers' tokens, the rate limit), the API's idempotency and its 422s, the
//! gone-quiet list's one-click forms and its admin-only rules, the calendar views, and access.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Answer, Browser, Dashboard, dashboard, email_of};
use serde_json::{Value, json};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{CustomerId, Direction, Role};
use tenure_store::{FollowUpQuery, FollowUpStatus, InteractionQuery, Store};
use tenure_web::routes::{Access, PAGES, ROUTES};
use tenure_web::{AppState, StorePool};

/// A dashboard whose shop keeps Berlin time (so the forms' local times are read in a zone that
/// is not UTC).
fn berlin_dashboard() -> Dashboard {
    let mut dashboard = dashboard();
    let pool = StorePool::open(&dashboard.url, 2, chrono::Utc::now()).unwrap();
    dashboard.state = AppState::new(pool, ShopTimeZone::parse("Europe/Berlin").unwrap());
    dashboard
}

fn open(dashboard: &Dashboard) -> Box<dyn Store> {
    tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap()
}

fn interactions_of(dashboard: &Dashboard, customer: i64) -> Vec<tenure_store::Interaction> {
    let query = InteractionQuery { customer: Some(CustomerId(customer)), limit: 100, ..Default::default() };
    open(dashboard).interactions(&query).unwrap()
}

/// The value of the first `<input … name="NAME" value="…">` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("a {name} field")) + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The `datetime` of `<time id="ID" …>`, if the page shows it.
fn time_of(html: &str, id: &str) -> Option<String> {
    let marker = format!("<time id=\"{id}\" datetime=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"').unwrap()].to_string())
}

/// The `<ol id="timeline-entries">` of a customer page.
fn timeline(html: &str) -> &str {
    let at = html.find("id=\"timeline-entries\"").expect("a timeline");
    &html[at..at + html[at..].find("</ol>").unwrap()]
}

/// Posts the log form of customer `customer`'s page with `fields` (the page's CSRF token and key
/// unless `fields` names them).
async fn log_form(browser: &mut Browser<'_>, customer: i64, fields: &[(&str, &str)]) -> Answer {
    let page = browser.get(&format!("/customers/{customer}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (csrf, key) = (browser.token(), hidden(&page.body, "key"));
    let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf), ("key", &key)];
    all.retain(|(name, _)| !fields.iter().any(|(given, _)| given == name));
    all.extend_from_slice(fields);
    browser.post_form(&format!("/customers/{customer}/interactions"), &all).await
}

#[tokio::test]
async fn logging_on_the_customer_page_puts_it_on_the_timeline_and_moves_the_contact_dates() {
    let dashboard = berlin_dashboard();
    let mut browser = dashboard.signed_in(Role::Agent).await;
    let call = [
        ("channel", "phone"),
        ("direction", "inbound"),
        ("occurred_at", "2026-01-15T10:00"),
        ("duration", "5"),
        ("subject", "Parcel never arrived"),
        ("notes", "Wants a replacement <b>soon</b>"),
    ];
    let answer = log_form(&mut browser, 1, &call).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(answer.location().unwrap().starts_with("/customers/1?logged="), "{:?}", answer.location());

    let page = browser.get("/customers/1").await.body;
    let entries = timeline(&page);
    assert!(entries.contains("Phone from the customer (open): Parcel never arrived — 5 min"), "{entries}");
    assert!(
        entries.contains("Wants a replacement &#60;b&#62;soon") || entries.contains("&lt;b&gt;"),
        "escaped"
    );
    // 10:00 in Berlin in January is 09:00 UTC.
    assert_eq!(time_of(&page, "last-inbound").as_deref(), Some("2026-01-15T09:00:00+00:00"));
    assert_eq!(time_of(&page, "last-any").as_deref(), Some("2026-01-15T09:00:00+00:00"));
    assert_eq!(time_of(&page, "last-outbound"), None);

    // An older outbound call logged later: the last outbound is set, the last of any kind stays.
    let older = [("channel", "email"), ("direction", "outbound"), ("occurred_at", "2026-01-10T09:30")];
    assert_eq!(log_form(&mut browser, 1, &older).await.status, StatusCode::SEE_OTHER);
    let page = browser.get("/customers/1").await.body;
    assert_eq!(time_of(&page, "last-outbound").as_deref(), Some("2026-01-10T08:30:00+00:00"));
    assert_eq!(time_of(&page, "last-any").as_deref(), Some("2026-01-15T09:00:00+00:00"));

    // Deleting the inbound call moves the dates back to what is left.
    let inbound =
        interactions_of(&dashboard, 1).into_iter().find(|i| i.direction == Direction::Inbound).unwrap();
    assert!(page.contains(&format!("action=\"/interactions/{}/delete\"", inbound.id)), "a delete button");
    let csrf = browser.token();
    let deleted = browser
        .post_form(&format!("/interactions/{}/delete", inbound.id), &[("csrf", &csrf), ("customer", "1")])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let dates = open(&dashboard).contact_dates(CustomerId(1)).unwrap();
    assert_eq!(dates.last_inbound, None);
    assert_eq!(dates.last_any.unwrap().to_rfc3339(), "2026-01-10T08:30:00+00:00");
    // Sent again (a double click), the delete is not an error.
    let again = browser
        .post_form(&format!("/interactions/{}/delete", inbound.id), &[("csrf", &csrf), ("customer", "1")])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_log_form_sent_twice_with_its_key_logs_once() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Agent).await;
    let page = browser.get("/customers/2").await.body;
    let (csrf, key) = (browser.token(), hidden(&page, "key"));
    assert!(key.starts_with("page:"), "{key}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("channel", "chat"),
        ("direction", "inbound"),
        ("subject", "Size question"),
    ];
    let first = browser.post_form("/customers/2/interactions", &fields).await;
    let second = browser.post_form("/customers/2/interactions", &fields).await;
    assert_eq!((first.status, second.status), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(first.location(), second.location(), "both answer the one interaction");
    let logged = interactions_of(&dashboard, 2);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].staff.as_deref(), Some(email_of(Role::Agent).as_str()), "by the signed-in user");
    // A new page has a new key.
    assert_ne!(hidden(&browser.get("/customers/2").await.body, "key"), key);
}

#[tokio::test]
async fn a_future_date_an_unknown_channel_and_long_text_are_refused_with_the_reason_and_write_nothing() {
    let dashboard = berlin_dashboard();
    let mut browser = dashboard.signed_in(Role::Agent).await;
    let zone = ShopTimeZone::parse("Europe/Berlin").unwrap().zone();
    let later =
        (chrono::Utc::now() + chrono::Duration::days(2)).with_timezone(&zone).format("%Y-%m-%dT%H:%M");
    let later = later.to_string();
    let long = "x".repeat(201);
    let cases: [(Vec<(&str, &str)>, &str); 5] = [
        (vec![("channel", "phone"), ("direction", "inbound"), ("occurred_at", &later)], "is in the future"),
        (vec![("channel", "fax"), ("direction", "inbound")], "Channel: `fax` is not a channel"),
        (
            vec![("channel", "phone"), ("direction", "inbound"), ("subject", &long)],
            "Subject: longer than 200",
        ),
        (vec![("channel", "phone"), ("direction", "sideways")], "Direction: `sideways` is not a direction"),
        (vec![("channel", "phone"), ("direction", "outbound"), ("state", "open")], "only an inbound query"),
    ];
    for (fields, reason) in cases {
        let mut fields = fields;
        fields.push(("notes", "kept as typed"));
        let answer = log_form(&mut browser, 3, &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(answer.body.contains("id=\"log-problem\""), "the reason is at the form");
        assert!(answer.body.contains(reason), "{reason}: {}", answer.body);
        assert!(answer.body.contains(">kept as typed</textarea>"), "the form keeps what was typed");
    }
    // A form from another session's page (or none) is refused before it is read.
    let page = browser.get("/customers/3").await.body;
    let forged =
        [("csrf", "forged"), ("key", &hidden(&page, "key")), ("channel", "phone"), ("direction", "in")];
    assert_eq!(browser.post_form("/customers/3/interactions", &forged).await.status, StatusCode::FORBIDDEN);
    assert!(interactions_of(&dashboard, 3).is_empty(), "nothing written");
    assert_eq!(open(&dashboard).contact_dates(CustomerId(3)).unwrap().last_any, None);
}

#[tokio::test]
async fn a_planned_follow_up_is_in_its_owners_feed_which_answers_304_when_unchanged_and_404_once_revoked() {
    let dashboard = berlin_dashboard();
    let mut browser = dashboard.signed_in(Role::Agent).await;
    browser.get("/customers/4").await;
    let csrf = browser.token();
    let plan = [
        ("csrf", csrf.as_str()),
        ("title", "Call about the parcel"),
        ("due", "2030-01-15T10:00"),
        ("owner", ""),
        ("notes", "Ask whether the replacement arrived"),
    ];
    let planned = browser.post_form("/customers/4/followups", &plan).await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    assert_eq!(browser.post_form("/customers/4/followups", &plan).await.status, StatusCode::SEE_OTHER);
    let query = FollowUpQuery { customer: Some(CustomerId(4)), limit: 10, ..Default::default() };
    let made = open(&dashboard).followups(&query).unwrap();
    assert_eq!(made.len(), 1, "a form sent twice plans once");
    assert_eq!(made[0].owner_email, email_of(Role::Agent), "the signed-in user's unless chosen");
    assert_eq!(made[0].due_at.to_rfc3339(), "2030-01-15T09:00:00+00:00", "on the shop's clock");

    let page = browser.get("/followups").await.body;
    assert!(page.contains("Call about the parcel"));
    let url = between(&page, "<code id=\"feed-url\">", "</code>");
    let path =
        url.strip_prefix("http://127.0.0.1:8080").expect("made absolute with the public URL").to_string();
    assert!(path.starts_with("/calendar/feed/") && path.ends_with(".ics"), "{path}");

    let feed = dashboard.send(Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers[header::CONTENT_TYPE], "text/calendar; charset=utf-8");
    assert_eq!(feed.headers[header::CACHE_CONTROL], "private, max-age=300");
    assert!(feed.body.starts_with("BEGIN:VCALENDAR") && feed.body.contains("SUMMARY:Call about the parcel"));
    let etag = feed.headers[header::ETAG].to_str().unwrap().to_string();
    let cached = Request::get(&path).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let cached = dashboard.send(cached).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    assert_eq!(cached.headers[header::ETAG].to_str().unwrap(), etag);

    // Done on the customer's timeline: the feed changes, so the old tag no longer matches.
    let customer_page = browser.get("/customers/4").await.body;
    let id = made[0].id;
    assert!(customer_page.contains(&format!("action=\"/followups/{id}/done\"")), "a done button");
    let csrf = browser.token();
    let done = [("csrf", csrf.as_str()), ("outcome", "Arrived"), ("from", "customer")];
    let answer = browser.post_form(&format!("/followups/{id}/done"), &done).await;
    assert_eq!(answer.location(), Some(format!("/customers/4?done={id}#timeline").as_str()));
    let changed = Request::get(&path).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let changed = dashboard.send(changed).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.body.contains("Outcome: Arrived"), "{}", changed.body);

    // Revoked: the old URL is a 404, exactly as a stranger's random token is; the new one works.
    let revoked = browser.post_form("/followups/feed", &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let old = dashboard.send(Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let stranger = format!("/calendar/feed/{}.ics", "A".repeat(43));
    let stranger = dashboard.send(Request::get(&stranger).body(Body::empty()).unwrap()).await;
    assert_eq!((stranger.status, &stranger.body), (StatusCode::NOT_FOUND, &old.body), "the same 404");
    let page = browser.get("/followups").await.body;
    let new = between(&page, "<code id=\"feed-url\">http://127.0.0.1:8080", "</code>");
    assert_ne!(new, path);
    assert_eq!(dashboard.send(Request::get(new).body(Body::empty()).unwrap()).await.status, StatusCode::OK);
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text.find(start).unwrap_or_else(|| panic!("{start}")) + start.len();
    &text[at..at + text[at..].find(end).unwrap()]
}

#[tokio::test]
async fn calendar_feeds_are_rate_limited_per_address() {
    let dashboard = dashboard();
    let mut statuses = Vec::new();
    for _ in 0..121 {
        let answer =
            dashboard.send(Request::get("/calendar/feed/nothing-here").body(Body::empty()).unwrap()).await;
        statuses.push(answer.status);
    }
    assert!(statuses[..120].iter().all(|s| *s == StatusCode::NOT_FOUND), "{statuses:?}");
    assert_eq!(statuses[120], StatusCode::TOO_MANY_REQUESTS);
}

/// An API token of `role`.
fn token(dashboard: &Dashboard, role: Role) -> String {
    tenure_app::access::create_token(open(dashboard).as_mut(), role, "test", chrono::Utc::now())
        .unwrap()
        .token
}

/// Sends `body` to `uri` with `method` and the token, an `Idempotency-Key` when given.
async fn api(
    dashboard: &Dashboard,
    method: &str,
    uri: &str,
    token: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, Answer) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let answer = dashboard.send(request.body(Body::from(body)).unwrap()).await;
    let json = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    (answer.status, json, answer)
}

#[tokio::test]
async fn the_api_logs_once_per_idempotency_key_and_names_the_field_it_refuses() {
    let dashboard = dashboard();
    let agent = token(&dashboard, Role::Agent);
    let call = json!({"customer_id": 5, "occurred_at": "2026-03-01T10:00:00Z", "channel": "phone",
        "direction": "inbound", "duration_seconds": 300, "subject": "Where is my parcel?", "state": "open"});
    let post = |key: Option<String>, body: Value| {
        let (dashboard, agent) = (&dashboard, agent.clone());
        async move { api(dashboard, "POST", "/api/v1/interactions", &agent, key.as_deref(), Some(body)).await }
    };
    let key = |text: &str| Some(text.to_string());
    let (first, logged, _) = post(key("call-1"), call.clone()).await;
    assert_eq!(first, StatusCode::CREATED, "{logged}");
    let (again, replay, answer) = post(key("call-1"), call.clone()).await;
    assert_eq!(again, StatusCode::OK);
    assert_eq!(replay["id"], logged["id"], "the same interaction");
    assert_eq!(answer.headers["idempotent-replayed"], "true");
    assert_eq!(interactions_of(&dashboard, 5).len(), 1);

    let (status, error, _) = post(None, call.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the key is required: {error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("Idempotency-Key"));
    let mut other = call.clone();
    other["customer_id"] = json!(6);
    let (status, error, _) = post(key("call-1"), other).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
    );

    let refusals = [
        ("channel", json!("fax"), "`channel`: `fax` is not a channel"),
        ("occurred_at", json!("2099-01-01T00:00:00Z"), "`occurred_at`:"),
        ("occurred_at", json!("yesterday"), "`occurred_at`: `yesterday` is not an RFC 3339 time"),
        ("subject", json!("x".repeat(201)), "`subject`: longer than 200 characters"),
        ("duration_seconds", json!("five"), "`duration_seconds`:"),
        ("chanel", json!("phone"), "`chanel`: is not a field"),
    ];
    for (n, (field, value, reason)) in refusals.into_iter().enumerate() {
        let mut body = call.clone();
        body[field] = value;
        let (status, error, _) = post(Some(format!("bad-{n}")), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {error}");
        assert_eq!(error["error"]["code"], "unprocessable");
        assert!(error["error"]["message"].as_str().unwrap().starts_with(reason), "{reason}: {error}");
    }
    let (status, error, _) = post(
        key("nobody"),
        json!({"customer_id": 999999, "occurred_at": "2026-03-01T10:00:00Z",
        "channel": "phone", "direction": "inbound"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    assert_eq!(interactions_of(&dashboard, 5).len(), 1, "nothing more written");

    // Corrected and deleted through the API; the contact dates follow.
    let id = logged["id"].as_i64().unwrap();
    let change = json!({"occurred_at": "2026-03-02T08:00:00Z", "state": "closed", "outcome": "Refunded"});
    let (status, changed, _) =
        api(&dashboard, "PATCH", &format!("/api/v1/interactions/{id}"), &agent, None, Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["state"], "closed");
    let dates = open(&dashboard).contact_dates(CustomerId(5)).unwrap();
    assert_eq!(dates.last_inbound.unwrap().to_rfc3339(), "2026-03-02T08:00:00+00:00");
    let (status, error, _) = api(
        &dashboard,
        "PATCH",
        &format!("/api/v1/interactions/{id}"),
        &agent,
        None,
        Some(json!({"channel": "pigeon"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (listed, list, _) =
        api(&dashboard, "GET", "/api/v1/interactions?customer=5", &agent, None, None).await;
    assert_eq!((listed, list["interactions"].as_array().unwrap().len()), (StatusCode::OK, 1));
    for _ in 0..2 {
        let (status, _, _) =
            api(&dashboard, "DELETE", &format!("/api/v1/interactions/{id}"), &agent, None, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "a repeated delete is harmless");
    }
    assert_eq!(open(&dashboard).contact_dates(CustomerId(5)).unwrap().last_any, None);
}

#[tokio::test]
async fn follow_ups_through_the_api_end_once_and_stand_on_the_timeline() {
    let dashboard = dashboard();
    let agent = token(&dashboard, Role::Agent);
    let plan = json!({"customer_id": 7, "owner": email_of(Role::Analyst), "title": "Send the catalogue",
        "due_at": "2030-02-01T09:00:00Z"});
    let (status, made, _) =
        api(&dashboard, "POST", "/api/v1/followups", &agent, None, Some(plan.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    let mut stranger = plan.clone();
    stranger["owner"] = json!("nobody@shop.example");
    let (status, error, _) = api(&dashboard, "POST", "/api/v1/followups", &agent, None, Some(stranger)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"].as_str().unwrap().starts_with("`owner`"), "{error}");

    let (status, timeline, _) =
        api(&dashboard, "GET", "/api/v1/customers/7/timeline", &agent, None, None).await;
    assert_eq!(status, StatusCode::OK);
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries[0]["kind"], "followup", "the newest first: it is due in 2030");
    assert!(entries.iter().any(|e| e["kind"] == "order"), "orders stand with it");

    let done = format!("/api/v1/followups/{id}/done");
    let outcome = Some(json!({"outcome": "Sent"}));
    let (first, ended, _) = api(&dashboard, "POST", &done, &agent, None, outcome.clone()).await;
    assert_eq!((first, &ended["status"]), (StatusCode::OK, &json!("done")));
    let (again, _, answer) = api(&dashboard, "POST", &done, &agent, None, outcome).await;
    assert_eq!((again, &answer.headers["idempotent-replayed"]), (StatusCode::OK, &"true".parse().unwrap()));
    let cancel = format!("/api/v1/followups/{id}/cancel");
    assert_eq!(
        api(&dashboard, "POST", &cancel, &agent, None, None).await.0,
        StatusCode::CONFLICT,
        "done is done"
    );
    let (status, open_list, _) =
        api(&dashboard, "GET", "/api/v1/followups?status=open", &agent, None, None).await;
    assert_eq!((status, open_list["followups"].as_array().unwrap().len()), (StatusCode::OK, 0));
}

#[tokio::test]
async fn only_admins_add_and_remove_cadence_rules() {
    let dashboard = dashboard();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    admin.get("/gone-quiet").await;
    let csrf = admin.token();
    let bad = [("csrf", csrf.as_str()), ("audience", "segment:Nobody"), ("days", "30"), ("owner", "")];
    let refused = admin.post_form("/gone-quiet/rules", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("id=\"problem\"") && refused.body.contains("segment:Nobody"),
        "{}",
        refused.body
    );
    let rule = [("csrf", csrf.as_str()), ("audience", "all"), ("days", "30"), ("owner", "")];
    let added = admin.post_form("/gone-quiet/rules", &rule).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let rules = open(&dashboard).cadence_rules().unwrap();
    assert_eq!(rules.len(), 1);
    let remove = format!("/gone-quiet/rules/{}/remove", rules[0].id);

    let mut agent = dashboard.signed_in(Role::Agent).await;
    let page = agent.get("/gone-quiet").await.body;
    assert!(page.contains("<code>all</code>"), "agents see the rules");
    assert!(!page.contains(&remove) && !page.contains("id=\"add-rule\""), "but get no forms for them");
    let csrf = agent.token();
    assert_eq!(agent.post_form(&remove, &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        agent
            .post_form("/gone-quiet/rules", &[("csrf", &csrf), ("audience", "all"), ("days", "9")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(open(&dashboard).cadence_rules().unwrap().len(), 1, "still there");

    let admin_csrf = admin.token();
    assert_eq!(admin.post_form(&remove, &[("csrf", &admin_csrf)]).await.status, StatusCode::SEE_OTHER);
    assert!(open(&dashboard).cadence_rules().unwrap().is_empty());
}

#[tokio::test]
async fn the_gone_quiet_list_takes_a_contact_and_plans_a_follow_up_for_ten_tomorrow_in_one_click() {
    let dashboard = berlin_dashboard();
    let mut store = open(&dashboard);
    tenure_app::calendar::cadence::add_rule(store.as_mut(), None, "all", 30, None, false, chrono::Utc::now())
        .unwrap();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let page = agent.get("/gone-quiet").await.body;
    // The CDNOW sample stops in 1998: everyone is past 30 days.
    let total: usize = between(&page, "<data id=\"quiet-total\" value=\"", "\"").parse().unwrap();
    assert_eq!(total, store.stats().unwrap().customers as usize, "{page}");
    let first: i64 = between(&page, "<data class=\"customer\" value=\"", "\"").parse().unwrap();
    let row = between(&page, &format!("<tr id=\"quiet-{first}\">"), "</tr>");
    let (csrf, key) = (agent.token(), hidden(row, "key"));

    let contact = [("csrf", csrf.as_str()), ("key", key.as_str()), ("channel", "whatsapp")];
    let logged = agent.post_form(&format!("/gone-quiet/{first}/contact"), &contact).await;
    assert_eq!(logged.location(), Some(format!("/gone-quiet?contacted={first}").as_str()));
    assert_eq!(
        agent.post_form(&format!("/gone-quiet/{first}/contact"), &contact).await.status,
        StatusCode::SEE_OTHER
    );
    let made = interactions_of(&dashboard, first);
    assert_eq!(made.len(), 1, "sent twice, logged once");
    assert_eq!((made[0].direction, made[0].channel.as_str()), (Direction::Outbound, "whatsapp"));
    let page = agent.get(logged.location().unwrap()).await.body;
    assert!(!page.contains(&format!("<tr id=\"quiet-{first}\">")), "a contact takes them off the list");
    assert!(page.contains(&format!("A contact with customer {first} is logged")), "and says so");

    let second: i64 = between(&page, "<data class=\"customer\" value=\"", "\"").parse().unwrap();
    let csrf = agent.token();
    for _ in 0..2 {
        let planned = agent.post_form(&format!("/gone-quiet/{second}/follow-up"), &[("csrf", &csrf)]).await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER);
    }
    let query = FollowUpQuery { customer: Some(CustomerId(second)), limit: 10, ..Default::default() };
    let planned = store.followups(&query).unwrap();
    assert_eq!(planned.len(), 1, "sent twice, planned once");
    let zone = ShopTimeZone::parse("Europe/Berlin").unwrap().zone();
    let due = planned[0].due_at.with_timezone(&zone);
    let tomorrow = chrono::Utc::now().with_timezone(&zone).date_naive().succ_opt().unwrap();
    assert_eq!((due.date_naive(), due.format("%H:%M").to_string()), (tomorrow, "10:00".to_string()));
    assert_eq!(
        (planned[0].owner_email.as_str(), planned[0].status),
        (email_of(Role::Agent).as_str(), FollowUpStatus::Open)
    );
    let followups = agent.get("/followups").await.body;
    assert!(followups.contains(&format!("id=\"followup-{}\"", planned[0].id)), "in the agent's follow-ups");

    // An unknown channel is refused with the reason and logs nothing.
    let row = between(&page, &format!("<tr id=\"quiet-{second}\">"), "</tr>");
    let fax = [("csrf", csrf.as_str()), ("key", &hidden(row, "key")), ("channel", "fax")];
    let refused = agent.post_form(&format!("/gone-quiet/{second}/contact"), &fax).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("`fax` is not a channel"));
    assert!(interactions_of(&dashboard, second).is_empty());
}

#[tokio::test]
async fn the_calendar_shows_interactions_and_follow_ups_by_day_for_the_team_or_one_user() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let logged = [
        ("channel", "phone"),
        ("direction", "inbound"),
        ("occurred_at", "2026-06-03T14:30"),
        ("subject", "Gift wrap"),
    ];
    assert_eq!(log_form(&mut agent, 8, &logged).await.status, StatusCode::SEE_OTHER);
    let csrf = agent.token();
    let plan = [("csrf", csrf.as_str()), ("title", "Ring back"), ("due", "2026-06-05T09:00"), ("owner", "")];
    assert_eq!(agent.post_form("/customers/8/followups", &plan).await.status, StatusCode::SEE_OTHER);

    let week = agent.get("/calendar?view=week&date=2026-06-03").await;
    assert_eq!(week.status, StatusCode::OK);
    assert!(week.body.contains("Week 23, 1–7 June 2026"), "{}", week.body);
    assert!(between(&week.body, "id=\"day-2026-06-03\"", "id=\"day-2026-06-04\"").contains("Gift wrap"));
    assert!(between(&week.body, "id=\"day-2026-06-05\"", "id=\"day-2026-06-06\"").contains("Ring back"));
    assert!(week.body.contains("href=\"/customers/8\""), "items link to the customer");
    assert!(
        week.body.contains("href=\"/calendar?view=week&amp;date=2026-05-27\"")
            || week.body.contains("date=2026-05-27")
    );

    let mine =
        agent.get(&format!("/calendar?view=day&date=2026-06-05&owner={}", email_of(Role::Agent))).await.body;
    assert!(mine.contains("Ring back"));
    let theirs =
        agent.get(&format!("/calendar?view=day&date=2026-06-05&owner={}", email_of(Role::Admin))).await.body;
    assert!(!theirs.contains("Ring back"), "another user's calendar");

    let month = agent.get("/calendar?view=month&date=2026-06-03").await.body;
    assert!(month.contains("class=\"agenda agenda-month\""));
    assert!(
        month.contains("class=\"day empty outside\""),
        "days of the months around, empty (hidden on a phone)"
    );
    assert!(month.contains("Gift wrap") && month.contains("Ring back"));
    assert_eq!(agent.get("/calendar?view=year").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_calendar_route_wants_a_session_or_a_token() {
    let dashboard = dashboard();
    let calendar_page = |path: &str| {
        ["/calendar", "/gone-quiet", "/followups", "/interactions"].iter().any(|p| path.starts_with(p))
            || (path.starts_with("/customers/{id}/") && path != "/customers/{id}")
    };
    let pages: Vec<_> = PAGES.iter().filter(|p| calendar_page(p.path)).collect();
    assert!(pages.len() >= 15, "{}", pages.len());
    for page in pages {
        let mut anonymous = dashboard.browser();
        let answer = match page.method {
            "GET" => anonymous.get(page.example).await,
            _ => anonymous.post_form(page.example, &[("csrf", "x")]).await,
        };
        match page.access {
            Access::Public => {
                assert_eq!(page.path, "/calendar/feed/{file}", "only the feed is public");
                assert_eq!(answer.status, StatusCode::NOT_FOUND, "the URL is the credential");
            }
            _ => {
                assert_eq!(answer.status, StatusCode::SEE_OTHER, "{} {}", page.method, page.path);
                assert!(answer.location().unwrap().starts_with("/login"), "{} {}", page.method, page.path);
            }
        }
    }
    let calendar_route =
        |path: &str| ["interactions", "followups", "timeline", "gone-quiet"].iter().any(|p| path.contains(p));
    let routes: Vec<_> = ROUTES.iter().filter(|r| calendar_route(r.path)).collect();
    assert_eq!(routes.len(), 10);
    for route in routes {
        let request = Request::builder().method(route.method).uri(route.example).body(Body::empty()).unwrap();
        let answer = dashboard.send(request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path);
        assert!(answer.body.contains("\"unauthorized\""));
    }
}
