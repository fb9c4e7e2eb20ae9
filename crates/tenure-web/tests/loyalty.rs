//! The loyalty pages and API in process: the member's signed page (its language, and one and the
//! same 404 for every bad link), redemptions from it (one coupon however often the form is sent,
//! refused from another site, 409 with the reason for too few points), the staff pages (roles,
//! CSRF, an adjustment made once per form), the coupons' CSV (safe for spreadsheets), the API's
//! writes (a replayed Idempotency-Key answers the same coupon; 409 and 422 with reasons), and
//! referrals: held ones reviewed once on the page and over the API, the referral link's landing
//! page (one 404 for every code it does not show), and codes recorded from a shop.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Answer, Dashboard, dashboard};
use serde_json::Value;
use tenure_app::loyalty::Mailing;
use tenure_app::loyalty::links::member_token;
use tenure_app::loyalty::programme::{save_programme, template};
use tenure_app::loyalty::redeem::{Adjustment, adjust, redeem};
use tenure_app::outbox::links::link_key;
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{Currency, CustomerId, Role};
use tenure_store::{ReferralStatus, Store};
use tenure_web::{AppState, StorePool};
use tower::ServiceExt;

const MEMBER: CustomerId = CustomerId(1);

/// The dashboard with a programme (points available at once) and customer 1 holding `points`.
fn with_member(points: i64) -> Dashboard {
    let dashboard = dashboard();
    let mut store = open(&dashboard);
    save_rules(store.as_mut(), None);
    grant(store.as_mut(), MEMBER, points, "test:grant");
    dashboard
}

fn open(dashboard: &Dashboard) -> Box<dyn Store> {
    tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap()
}

/// Saves the template programme in USD, without a return window; `free_shipping_name` renames
/// that reward.
fn save_rules(store: &mut dyn Store, free_shipping_name: Option<&str>) {
    let mut rules = template(Currency::USD);
    rules.return_window_days = 0;
    if let Some(name) = free_shipping_name {
        rules.rewards.iter_mut().find(|r| r.id == "free-shipping").unwrap().name = name.to_string();
    }
    let json = serde_json::to_string(&rules).unwrap();
    save_programme(store, &json, None, "test", chrono::Utc::now()).unwrap();
}

fn grant(store: &mut dyn Store, customer: CustomerId, points: i64, key: &str) {
    let adjustment = Adjustment { customer, points, reason: "test", by: "test", key };
    adjust(store, &Mailing::default(), &adjustment, chrono::Utc::now()).unwrap();
}

fn token_for(dashboard: &Dashboard, customer: CustomerId, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut store = open(dashboard);
    member_token(&link_key(store.as_mut()).unwrap(), customer, at)
}

fn balance(dashboard: &Dashboard, customer: CustomerId) -> i64 {
    open(dashboard).loyalty_account(customer).unwrap().map_or(0, |a| a.summary.balance)
}

fn coupons(dashboard: &Dashboard, customer: CustomerId) -> Vec<String> {
    let found = open(dashboard).coupons(Some(customer), None, 100).unwrap();
    found.into_iter().map(|c| c.coupon.code).collect()
}

async fn get(dashboard: &Dashboard, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    dashboard.send(request.body(Body::empty()).unwrap()).await
}

async fn post_form(
    dashboard: &Dashboard,
    uri: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Answer {
    let body: Vec<String> =
        fields.iter().map(|(k, v)| format!("{}={}", common::encode(k), common::encode(v))).collect();
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    dashboard.send(request.body(Body::from(body.join("&"))).unwrap()).await
}

/// The value of the first hidden input named `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_member_page_speaks_the_members_language_and_every_bad_link_gets_the_same_404() {
    let dashboard = with_member(1_000);
    let now = chrono::Utc::now();
    let token = token_for(&dashboard, MEMBER, now);
    let page = get(&dashboard, &format!("/member/{token}"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<html lang=\"en\">") && page.body.contains("Your points"));
    assert!(page.body.contains("id=\"balance\" value=\"1000\""), "{}", page.body);
    assert!(page.body.contains("id=\"redeem-free-shipping\""), "an affordable reward has its button");
    assert!(!page.body.contains("id=\"redeem-tote\""), "a reward beyond the points has none");
    assert!(page.body.contains("/r/"), "the referral link");
    let german =
        get(&dashboard, &format!("/member/{token}"), &[("accept-language", "de-DE,de;q=0.9,en;q=0.5")]).await;
    assert!(
        german.body.contains("<html lang=\"de\">") && german.body.contains("Ihre Punkte"),
        "{}",
        german.body
    );
    assert!(german.body.contains("Einlösen"));

    let (head, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.ends_with('A') { "B" } else { "A" };
    let forged = format!("{head}.{}{flipped}", &signature[..signature.len() - 1]);
    let other_customer = token.replacen("1.", "2.", 1);
    let lapsed = token_for(&dashboard, MEMBER, now - chrono::Duration::days(200));
    let mut bodies = Vec::new();
    for bad in [forged.as_str(), other_customer.as_str(), lapsed.as_str(), "1.x.y", "nothing"] {
        let answer = get(&dashboard, &format!("/member/{bad}"), &[]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(answer.body.contains("not valid or has lapsed"), "{}", answer.body);
        assert!(!answer.body.contains("1,000") && !answer.body.contains("1000"), "nothing of the account");
        bodies.push(answer.body);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "one answer for every bad link");
}

#[tokio::test]
async fn a_redemption_from_the_page_issues_one_coupon_however_often_the_form_is_sent() {
    let dashboard = with_member(1_000);
    let token = token_for(&dashboard, MEMBER, chrono::Utc::now());
    let path = format!("/member/{token}");
    let page = get(&dashboard, &path, &[]).await;
    let key = hidden(&page.body, "key");
    let redeem_path = format!("{path}/redeem");
    let fields = [("key", key.as_str()), ("reward", "free-shipping")];
    let first = post_form(&dashboard, &redeem_path, &fields, &[]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let location = first.location().unwrap().to_string();
    assert!(location.starts_with(&format!("{path}?coupon=TEN-")), "{location}");
    // A double click, a refresh that posts again: the same coupon, the points spent once.
    let again = post_form(&dashboard, &redeem_path, &fields, &[]).await;
    assert_eq!(again.location(), Some(location.as_str()));
    let issued = coupons(&dashboard, MEMBER);
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(balance(&dashboard, MEMBER), 700);
    let shown = get(&dashboard, &location, &[]).await;
    assert!(shown.body.contains(&format!("<code id=\"new-coupon\">{}</code>", issued[0])), "{}", shown.body);

    // The same page's key for another reward is another redemption.
    let other = post_form(&dashboard, &redeem_path, &[("key", &key), ("reward", "five-off")], &[]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
    assert_eq!((coupons(&dashboard, MEMBER).len(), balance(&dashboard, MEMBER)), (2, 200));

    // With 200 points left no reward has a button; a page opened earlier still posts.
    let fresh_key = tenure_app::surveys::links::new_token();
    let too_few = post_form(&dashboard, &redeem_path, &[("key", &fresh_key), ("reward", "tote")], &[]).await;
    assert_eq!(too_few.status, StatusCode::CONFLICT);
    assert!(
        too_few.body.contains("A canvas tote costs 1500 points; you have 200 points available now."),
        "{}",
        too_few.body
    );
    let unknown = post_form(&dashboard, &redeem_path, &[("key", &fresh_key), ("reward", "yacht")], &[]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let keyless = post_form(&dashboard, &redeem_path, &[("reward", "free-shipping")], &[]).await;
    assert_eq!(keyless.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cross_site = [("origin", "https://evil.example"), ("host", "127.0.0.1:8080")];
    let forged =
        post_form(&dashboard, &redeem_path, &[("key", &fresh_key), ("reward", "free-shipping")], &cross_site)
            .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let same_site = [("origin", "http://shop.local:9000"), ("host", "shop.local:9000")];
    let ours =
        post_form(&dashboard, &redeem_path, &[("key", &fresh_key), ("reward", "free-shipping")], &same_site)
            .await;
    assert_eq!(
        ours.status,
        StatusCode::CONFLICT,
        "past the origin check, refused for its points: {}",
        ours.body
    );
    let bad_link = post_form(
        &dashboard,
        "/member/1.99999.AAAA/redeem",
        &[("key", &fresh_key), ("reward", "free-shipping")],
        &[],
    )
    .await;
    assert_eq!(bad_link.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (coupons(&dashboard, MEMBER).len(), balance(&dashboard, MEMBER)),
        (2, 200),
        "nothing else was spent"
    );
}

#[tokio::test]
async fn staff_see_the_liability_and_adjust_points_once_per_csrf_checked_form() {
    let dashboard = with_member(1_000);
    let mut admin = dashboard.signed_in(Role::Admin).await;
    let page = admin.get("/loyalty").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // 1,000 points at the template's five-off rate (500 points = USD 5.00): USD 10.00.
    assert!(page.body.contains("<data id=\"liability\" value=\"1000\">USD 10.00</data>"), "{}", page.body);
    assert!(page.body.contains("href=\"/loyalty/members/1\""));
    let overview = admin.get("/").await;
    assert!(overview.body.contains("id=\"loyalty-liability\" value=\"1000\""), "{}", overview.body);
    let customer = admin.get("/customers/1").await;
    assert!(customer.body.contains("href=\"/loyalty/members/1\""));

    let mut agent = dashboard.signed_in(Role::Agent).await;
    assert_eq!(agent.get("/loyalty").await.status, StatusCode::FORBIDDEN);
    assert_eq!(agent.get("/loyalty/coupons.csv").await.status, StatusCode::FORBIDDEN);
    let member = agent.get("/loyalty/members/1").await;
    assert_eq!(member.status, StatusCode::OK, "{}", member.body);
    let key = hidden(&member.body, "key");
    let csrf = agent.token();
    let form = |csrf: &'static str| [("csrf", csrf), ("points", "-100"), ("reason", "Returned gift")];
    let stale: Vec<(&str, &str)> = form("not the token").into_iter().chain([("key", key.as_str())]).collect();
    assert_eq!(agent.post_form("/loyalty/members/1/adjust", &stale).await.status, StatusCode::FORBIDDEN);
    assert_eq!(balance(&dashboard, MEMBER), 1_000, "a forged form changes nothing");
    let mut good: Vec<(&str, &str)> = vec![("csrf", csrf.as_str()), ("key", key.as_str())];
    good.extend(form("").into_iter().skip(1));
    for _ in 0..2 {
        let answer = agent.post_form("/loyalty/members/1/adjust", &good).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(answer.location(), Some("/loyalty/members/1?adjusted=1"));
    }
    assert_eq!(balance(&dashboard, MEMBER), 900, "one form, one adjustment");
    let ledger = agent.get("/loyalty/members/1?adjusted=1").await;
    assert!(
        ledger.body.contains("Returned gift") && ledger.body.contains("agent@shop.example"),
        "{}",
        ledger.body
    );
    let too_much = [
        ("csrf", csrf.as_str()),
        ("key", &hidden(&ledger.body, "key")),
        ("points", "-5000"),
        ("reason", "x"),
    ];
    let refused = agent.post_form("/loyalty/members/1/adjust", &too_much).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("id=\"adjust-problem\""));
    assert_eq!(balance(&dashboard, MEMBER), 900);
    assert_eq!(agent.get("/loyalty/members/999999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_coupons_csv_lists_every_coupon_safe_for_spreadsheets() {
    let dashboard = with_member(1_000);
    {
        let mut store = open(&dashboard);
        save_rules(store.as_mut(), Some("=HYPERLINK(\"http://evil.example\")"));
        redeem(store.as_mut(), &Mailing::default(), MEMBER, "free-shipping", "test:csv", chrono::Utc::now())
            .unwrap();
    }
    let mut analyst = dashboard.signed_in(Role::Analyst).await;
    let csv = analyst.get("/loyalty/coupons.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("code,customer_id,email,reward_id,reward_name,reward_kind,points,issued_at,used_at")
    );
    let row = lines.next().unwrap();
    let code = &coupons(&dashboard, MEMBER)[0];
    assert!(row.starts_with(&format!("{code},1,")), "{row}");
    assert!(
        row.contains(",free-shipping,\"'=HYPERLINK(\"\"http://evil.example\"\")\",\"{\"\"type\"\":\"\"free_shipping\"\"}\",300,"),
        "{row}"
    );
    assert_eq!(lines.next(), None);
}

/// An API call with `role`'s token.
async fn api(
    dashboard: &Dashboard,
    token: &str,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let answer = dashboard.send(request.body(Body::from(body.to_string())).unwrap()).await;
    (answer.status, serde_json::from_str(&answer.body).unwrap_or(Value::String(answer.body)))
}

#[tokio::test]
async fn the_api_redeems_once_per_key_and_says_why_it_refuses() {
    let dashboard = with_member(1_000);
    let token = {
        let mut store = open(&dashboard);
        tenure_app::access::create_token(store.as_mut(), Role::Agent, "shop-sync", chrono::Utc::now())
            .unwrap()
            .token
    };
    let redemptions = "/api/v1/loyalty/members/1/redemptions";
    let body = r#"{"reward": "free-shipping"}"#;
    let (status, first) = api(&dashboard, &token, "POST", redemptions, Some("order-77"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(first["coupon"]["code"].as_str().unwrap().starts_with("TEN-"));
    assert_eq!((first["available"].as_i64(), first["replayed"].as_bool()), (Some(700), Some(false)));
    let (status, replay) = api(&dashboard, &token, "POST", redemptions, Some("order-77"), body).await;
    assert_eq!(status, StatusCode::OK, "{replay}");
    assert_eq!(replay["coupon"]["code"], first["coupon"]["code"], "the same coupon");
    assert_eq!(replay["replayed"], true);
    assert_eq!((coupons(&dashboard, MEMBER).len(), balance(&dashboard, MEMBER)), (1, 700));

    let (status, refused) =
        api(&dashboard, &token, "POST", redemptions, Some("order-78"), r#"{"reward": "tote"}"#).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("700 available"), "{refused}");
    let (status, unknown) =
        api(&dashboard, &token, "POST", redemptions, Some("order-79"), r#"{"reward": "yacht"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
    assert!(unknown["error"]["message"].as_str().unwrap().contains("free-shipping"), "names the catalogue");
    let (status, _) =
        api(&dashboard, &token, "POST", redemptions, Some("order-80"), r#"{"reward": "tote", "x": 1}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api(&dashboard, &token, "POST", redemptions, None, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the key is required");
    assert_eq!(coupons(&dashboard, MEMBER).len(), 1, "no refusal spent anything");

    let adjustments = "/api/v1/loyalty/members/1/adjustments";
    let take = r#"{"points": -50, "reason": "Goodwill given twice"}"#;
    let (status, adjusted) = api(&dashboard, &token, "POST", adjustments, Some("fix-1"), take).await;
    assert_eq!((status, adjusted["balance"].as_i64()), (StatusCode::CREATED, Some(650)), "{adjusted}");
    let (status, again) = api(&dashboard, &token, "POST", adjustments, Some("fix-1"), take).await;
    assert_eq!(
        (status, again["replayed"].as_bool(), again["balance"].as_i64()),
        (StatusCode::OK, Some(true), Some(650))
    );
    let (status, _) =
        api(&dashboard, &token, "POST", adjustments, Some("fix-2"), r#"{"points": 0, "reason": "x"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        api(&dashboard, &token, "POST", adjustments, Some("fix-3"), r#"{"points": -5000, "reason": "x"}"#)
            .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, member) = api(&dashboard, &token, "GET", "/api/v1/loyalty/members/1", None, "").await;
    assert_eq!((status, member["balance"].as_i64()), (StatusCode::OK, Some(650)), "{member}");
    assert_eq!(member["coupons"].as_array().unwrap().len(), 1);
    let (status, _) = api(&dashboard, &token, "GET", "/api/v1/loyalty/members/2", None, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no account");
    let (status, _) = api(&dashboard, &token, "GET", "/api/v1/loyalty", None, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents do not read programme-wide numbers");
}

/// The dashboard with the template programme and Ann's two held referrals.
fn with_held_referrals() -> (Dashboard, common::HeldReferrals) {
    let dashboard = dashboard();
    let mut store = open(&dashboard);
    save_rules(store.as_mut(), None);
    let held = common::held_referrals(store.as_mut(), chrono::Utc::now());
    (dashboard, held)
}

fn status_of(dashboard: &Dashboard, referral: i64) -> ReferralStatus {
    open(dashboard).referral(referral).unwrap().status
}

fn review_path(referral: i64) -> String {
    format!("/loyalty/referrals/{referral}/review")
}

#[tokio::test]
async fn staff_approve_or_refuse_a_held_referral_once_with_the_sessions_csrf_token() {
    let (dashboard, held) = with_held_referrals();
    let [twin, namesake] = held.held;
    let ann = held.referrer;
    let referrer_points = template(Currency::USD).referral.referrer_points;

    let mut stranger = dashboard.browser();
    let page = stranger.get("/loyalty/referrals").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/login"));
    let posted = stranger.post_form(&review_path(twin), &[("csrf", "x"), ("decision", "approve")]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "to the sign-in page");
    assert_eq!(status_of(&dashboard, twin), ReferralStatus::Held, "a stranger decides nothing");

    let mut admin = dashboard.signed_in(Role::Admin).await;
    let programme = admin.get("/loyalty").await;
    assert!(
        programme
            .body
            .contains("<a href=\"/loyalty/referrals\">Referrals held for review: <strong>2</strong></a>"),
        "{}",
        programme.body
    );

    let mut agent = dashboard.signed_in(Role::Agent).await;
    let page = agent.get("/loyalty/referrals").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<a href=\"/loyalty/referrals\" aria-current=\"page\">Referrals</a>"),
        "in the menu"
    );
    for shown in [
        "Ann Linde",
        "annlinde@gmail.com",
        "A. L.",
        "Linde, Ann",
        "<li>same e-mail address</li>",
        "<li>same name</li>",
        &format!("href=\"/customers/{}\"", ann.0),
        &format!("id=\"approve-{twin}\""),
        &format!("id=\"refuse-{namesake}\""),
    ] {
        assert!(page.body.contains(shown), "{shown} in {}", page.body);
    }

    let before = balance(&dashboard, ann);
    let forged =
        agent.post_form(&review_path(twin), &[("csrf", "not the token"), ("decision", "approve")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!((status_of(&dashboard, twin), balance(&dashboard, ann)), (ReferralStatus::Held, before));

    let csrf = agent.token();
    let approve = [("csrf", csrf.as_str()), ("decision", "approve")];
    let approved = agent.post_form(&review_path(twin), &approve).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let back = format!("/loyalty/referrals?approved={twin}");
    assert_eq!(approved.location(), Some(back.as_str()));
    assert_eq!(balance(&dashboard, ann) - before, referrer_points, "approving pays the referrer");
    let shown = agent.get(&back).await;
    assert!(shown.body.contains(&format!("Referral {twin} approved")), "{}", shown.body);
    assert!(!shown.body.contains(&format!("id=\"approve-{twin}\"")), "no longer held");

    let again = agent.post_form(&review_path(twin), &approve).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("id=\"review-problem\""), "{}", again.body);
    assert!(again.body.contains(&format!("Referral {twin} is paid")), "{}", again.body);
    assert!(again.body.contains("agent@shop.example"), "who decided");
    assert_eq!(balance(&dashboard, ann) - before, referrer_points, "paid once");

    let refused = agent.post_form(&review_path(namesake), &[("csrf", &csrf), ("decision", "refuse")]).await;
    assert_eq!(refused.location(), Some(format!("/loyalty/referrals?refused={namesake}").as_str()));
    let decided = open(&dashboard).referral(namesake).unwrap();
    assert_eq!(
        (decided.status, decided.decided_by.as_deref()),
        (ReferralStatus::Refused, Some("agent@shop.example"))
    );
    let all = agent.get("/loyalty/referrals?status=all").await;
    assert!(all.body.contains("<li>refused by agent@shop.example</li>"), "{}", all.body);
    assert_eq!(balance(&dashboard, ann) - before, referrer_points, "refusing pays nothing");

    let odd = agent.post_form(&review_path(namesake), &[("csrf", &csrf), ("decision", "maybe")]).await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    let unknown = agent.post_form(&review_path(999_999), &approve).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(agent.get("/loyalty/referrals?status=lost").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_referral_link_greets_by_first_name_and_every_other_code_gets_the_same_404() {
    let (dashboard, held) = with_held_referrals();
    let page = get(&dashboard, &format!("/r/{}", held.code), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Ann invited you to Your shop."), "{}", page.body);
    assert!(page.body.contains(&format!("<code id=\"referral-code\">{}</code>", held.code)));
    assert!(page.body.contains("you and your friend both get points once your first order is kept"));
    assert!(!page.body.contains("Linde") && !page.body.contains("gmail"), "no surname, no e-mail");
    assert!(!page.body.contains("id=\"to-shop\""), "no shop address configured, no button");

    let typed = held.code.to_lowercase().replace('-', " ");
    let loose = get(&dashboard, &format!("/r/{}", common::encode(&typed)), &[]).await;
    assert!(loose.body.contains(&format!("<code id=\"referral-code\">{}</code>", held.code)), "canonical");

    let german =
        get(&dashboard, &format!("/r/{}", held.code), &[("accept-language", "de-DE,de;q=0.9")]).await;
    assert!(german.body.contains("<html lang=\"de\">"), "{}", german.body);
    assert!(german.body.contains("Ann hat Sie zu Your shop eingeladen."), "{}", german.body);

    // A server told the shop's name and address: the button, and each address's limit.
    let shop =
        AppState::new(StorePool::open(&dashboard.url, 1, chrono::Utc::now()).unwrap(), ShopTimeZone::UTC)
            .with_shop_name("Juniper & Pine")
            .with_shop_url("https://shop.example/");
    let open_landing = || async {
        let request = Request::get(format!("/r/{}", held.code)).body(Body::empty()).unwrap();
        let response = tenure_web::router(shop.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    };
    let (status, body) = open_landing().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Ann invited you to Juniper &#38; Pine."), "{body}");
    assert!(body.contains("<a class=\"button\" id=\"to-shop\" href=\"https://shop.example/\">"), "{body}");
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(open_landing().await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 29, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "the 31st in a minute");

    // Unknown, malformed, too long: one answer, which says nothing about any code.
    let unused = if held.code == "K7MQ-4XRT" { "K7MQ-4XRV" } else { "K7MQ-4XRT" };
    let mut bodies = Vec::new();
    for bad in [unused, "K7MQ-4XR", "ILO0-1111", "x", &"K".repeat(300)] {
        let answer = get(&dashboard, &format!("/r/{bad}"), &[]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(answer.body.contains("This invitation does not work"), "{}", answer.body);
        bodies.push(answer.body);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "one answer for every code not shown");
}

#[tokio::test]
async fn the_api_lists_reviews_and_records_referrals_and_a_retry_changes_nothing() {
    let (dashboard, held) = with_held_referrals();
    let [twin, namesake] = held.held;
    let ann = held.referrer;
    let (token, cleo, eve_code) = {
        let mut store = open(&dashboard);
        let now = chrono::Utc::now();
        let token =
            tenure_app::access::create_token(store.as_mut(), Role::Agent, "shop-sync", now).unwrap().token;
        let cleo = common::customer_with_order(
            store.as_mut(),
            "cleo",
            ("cleo@example.com", "Cleo Moss"),
            now,
            2_500,
        );
        let eve =
            common::customer_with_order(store.as_mut(), "eve", ("eve@example.com", "Eve Hart"), now, 2_500);
        let eve_code =
            tenure_app::loyalty::join(store.as_mut(), &Mailing::default(), eve, now).unwrap().referral_code;
        (token, cleo, eve_code)
    };

    let (status, _) = api(&dashboard, "tenure_not-a-token", "GET", "/api/v1/referrals", None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, list) = api(&dashboard, &token, "GET", "/api/v1/referrals?status=held", None, "").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let listed = list["referrals"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{list}");
    let twin_json = listed.iter().find(|r| r["id"] == twin).unwrap();
    assert_eq!(twin_json["status"], "held");
    assert_eq!(twin_json["reasons"][0]["reason"], "same_email", "{twin_json}");
    assert_eq!(twin_json["referrer"]["name"], "Ann Linde");
    let (status, _) = api(&dashboard, &token, "GET", "/api/v1/referrals?status=lost", None, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let before = balance(&dashboard, ann);
    let review = |id: i64| format!("/api/v1/referrals/{id}/review");
    let approve = r#"{"decision": "approve"}"#;
    let (status, approved) = api(&dashboard, &token, "POST", &review(twin), None, approve).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        (approved["status"].as_str(), approved["decided_by"].as_str()),
        (Some("paid"), Some("api token shop-sync"))
    );
    let paid = template(Currency::USD).referral.referrer_points;
    assert_eq!(balance(&dashboard, ann) - before, paid);
    let (status, retried) = api(&dashboard, &token, "POST", &review(twin), None, approve).await;
    assert_eq!((status, retried["status"].as_str()), (StatusCode::OK, Some("paid")), "a retry: as it stands");
    let (status, changed) =
        api(&dashboard, &token, "POST", &review(twin), None, r#"{"decision": "refuse"}"#).await;
    assert_eq!(status, StatusCode::CONFLICT, "{changed}");
    assert!(changed["error"]["message"].as_str().unwrap().contains("is paid"), "{changed}");
    assert_eq!(balance(&dashboard, ann) - before, paid, "paid once");
    let (status, _) =
        api(&dashboard, &token, "POST", &review(namesake), None, r#"{"decision": "maybe"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api(&dashboard, &token, "POST", &review(999_999), None, approve).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&dashboard, namesake), ReferralStatus::Held, "refusals decided nothing");

    // A code used at a shop's checkout, typed loosely; sent again, the same referral.
    let body =
        format!(r#"{{"code": "{}", "customer": {}}}"#, held.code.to_lowercase().replace('-', " "), cleo.0);
    let (status, recorded) = api(&dashboard, &token, "POST", "/api/v1/referrals", None, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(
        (recorded["status"].as_str(), recorded["referrer"]["id"].as_i64()),
        (Some("waiting"), Some(ann.0))
    );
    let (status, again) = api(&dashboard, &token, "POST", "/api/v1/referrals", None, &body).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &recorded["id"]), "{again}");
    let other = format!(r#"{{"code": "{eve_code}", "customer": {}}}"#, cleo.0);
    let (status, conflict) = api(&dashboard, &token, "POST", "/api/v1/referrals", None, &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "referred once: {conflict}");
    let unused = if held.code == "K7MQ-4XRT" { "K7MQ-4XRV" } else { "K7MQ-4XRT" };
    for (body, why) in [
        (format!(r#"{{"code": "{}", "customer": {}}}"#, held.code, ann.0), "herself"),
        (format!(r#"{{"code": "{unused}", "customer": {}}}"#, cleo.0), "nobody's code"),
        (format!(r#"{{"code": "x", "customer": {}}}"#, cleo.0), "not a code"),
        (format!(r#"{{"code": "{eve_code}", "customer": {}, "at": "yesterday"}}"#, cleo.0), "not a time"),
        (format!(r#"{{"code": "{eve_code}"}}"#), "no customer"),
    ] {
        let (status, answer) = api(&dashboard, &token, "POST", "/api/v1/referrals", None, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {answer}");
    }
    let nobody = format!(r#"{{"code": "{eve_code}", "customer": 999999}}"#);
    let (status, _) = api(&dashboard, &token, "POST", "/api/v1/referrals", None, &nobody).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
