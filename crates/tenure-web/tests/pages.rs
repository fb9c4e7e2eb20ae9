//! The dashboard's access rules in process: every page × every role × anonymous, sessions
//! (sign in, sign out, cookies), CSRF on every form, the sign-in rate limit, and the overview's
//! numbers against the report use case.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::http::StatusCode;
use common::{Browser, PASSWORD, dashboard, email_of};
use tenure_app::reports::{ActivityWindow, Purchases, ReportScope};
use tenure_domain::Role;
use tenure_web::routes::{Access, EXPORT_PAGES, PAGES};

/// Requests `page` as `browser`; POST forms carry the browser's CSRF token.
async fn request(browser: &mut Browser<'_>, method: &str, uri: &str) -> common::Answer {
    match method {
        "GET" => browser.get(uri).await,
        _ => {
            let csrf = browser.csrf.clone().unwrap_or_default();
            browser.post_form(uri, &[("csrf", &csrf)]).await
        }
    }
}

#[tokio::test]
async fn every_page_admits_exactly_the_roles_its_table_names() {
    let dashboard = dashboard();
    // One session per role for the whole walk (signing in per page would trip the sign-in rate
    // limit); only signing out ends one, and then the role signs in again.
    let mut sessions = Vec::new();
    for role in Role::ALL {
        sessions.push((role, dashboard.signed_in(role).await));
    }
    for page in PAGES {
        let mut anonymous = dashboard.browser();
        let answer = request(&mut anonymous, page.method, page.example).await;
        match page.access {
            Access::Signed => {
                panic!("{} {}: no page is reached by a webhook signature", page.method, page.path)
            }
            Access::Public => {
                assert_ne!(answer.status, StatusCode::FORBIDDEN, "{} {}", page.method, page.example);
                assert!(answer.status.as_u16() < 500, "{} {}: {}", page.method, page.example, answer.status);
            }
            Access::Roles(allowed) => {
                assert_eq!(
                    answer.status,
                    StatusCode::SEE_OTHER,
                    "{} {} anonymous",
                    page.method,
                    page.example
                );
                assert!(answer.location().unwrap().starts_with("/login"), "{} {}", page.method, page.example);
                for (role, browser) in &mut sessions {
                    let role = *role;
                    // A signed-in page first, so the browser holds this session's CSRF token.
                    browser.get("/login").await;
                    browser.csrf = Some(session_token(browser).await);
                    let answer = request(browser, page.method, page.example).await;
                    let what = format!("{} {} as {role}", page.method, page.example);
                    // Downloads of customers' data also need the export permission.
                    let may_export = tenure_app::privacy::may_export(role, None);
                    if allowed.contains(&role) && (may_export || !EXPORT_PAGES.contains(&page.path)) {
                        // Past the access check: a GET shows its page; a POST with nothing but
                        // the token may be refused for its missing fields, never for the role.
                        let passed = if page.method == "GET" {
                            answer.status == StatusCode::OK
                        } else {
                            answer.status != StatusCode::FORBIDDEN && answer.status.as_u16() < 500
                        };
                        assert!(passed, "{what}: {} {}", answer.status, answer.body);
                        assert!(!answer.location().is_some_and(|l| l.starts_with("/login?")), "{what}");
                    } else {
                        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
                    }
                    if page.path == "/logout" && allowed.contains(&role) {
                        *browser = dashboard.signed_in(role).await;
                    }
                }
            }
        }
    }
}

/// This browser's session CSRF token, read from a page every signed-in role may open.
async fn session_token(browser: &mut Browser<'_>) -> String {
    // The error page of a forbidden page has no form; the overview has one for admins and
    // analysts. For any role, the sign-out form is on every page of the shell: use the first
    // page of the table the role may open.
    for page in PAGES.iter().filter(|p| p.method == "GET" && p.menu.is_some()) {
        let answer = browser.get(page.example).await;
        if answer.status == StatusCode::OK {
            return browser.token();
        }
    }
    panic!("no page with a form for this role");
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_and_a_forged_login_form_do_not_sign_in() {
    let dashboard = dashboard();
    let mut browser = dashboard.browser();
    let wrong = browser.sign_in(&email_of(Role::Admin), "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("do not match"));
    let unknown = browser.sign_in("nobody@shop.example", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body.replace("nobody@shop.example", "X").len(),
        wrong.body.replace(&email_of(Role::Admin), "X").len(),
        "the same answer either way"
    );

    // A form posted from elsewhere has no login cookie: refused even with the right password.
    let mut forged = dashboard.browser();
    let answer = forged
        .post_form(
            "/login",
            &[("csrf", &"0".repeat(64)), ("email", &email_of(Role::Admin)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(forged.get("/").await.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn signing_in_sets_a_safe_cookie_and_signing_out_ends_the_session_everywhere() {
    let dashboard = dashboard();
    let mut browser = dashboard.browser();
    let answer = browser.sign_in(&email_of(Role::Analyst), PASSWORD).await;
    assert_eq!((answer.status, answer.location()), (StatusCode::SEE_OTHER, Some("/")));
    let cookie = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tenure_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );

    let overview = browser.get("/").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(overview.headers["cache-control"], "no-store");
    let stolen = browser.cookies.clone();

    // Sign-out without the form's token is refused; with it, the session ends in the store, so
    // a copy of the cookie (another tab, another server) is signed out too.
    assert_eq!(browser.post_form("/logout", &[("csrf", "wrong")]).await.status, StatusCode::FORBIDDEN);
    let token = browser.token();
    let out = browser.post_form("/logout", &[("csrf", &token)]).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, Some("/login")));
    let mut copy = dashboard.browser();
    copy.cookies = stolen;
    assert!(copy.get("/").await.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn after_signing_in_the_user_goes_back_to_the_page_they_asked_for_and_only_on_this_site() {
    let dashboard = dashboard();
    let mut browser = dashboard.browser();
    let first = browser.get("/?window=90").await;
    assert_eq!(first.location(), Some("/login?next=%2F%3Fwindow%3D90"));
    let form = browser.get(first.location().unwrap()).await;
    assert!(form.body.contains("value=\"/?window=90\""), "the form carries where to go");
    let csrf = browser.token();
    let answer = browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", "/?window=90"),
                ("email", &email_of(Role::Admin)),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.location(), Some("/?window=90"));

    let mut other = dashboard.browser();
    other.get("/login").await;
    let csrf = other.token();
    let answer = other
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", "//evil.example/"),
                ("email", &email_of(Role::Admin)),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.location(), Some("/"), "never off-site");
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_e_mail() {
    let dashboard = dashboard();
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let mut browser = dashboard.browser();
        statuses.push(browser.sign_in(&email_of(Role::Agent), "not the password").await.status);
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    // Even the right password waits out the window: guessing gets nothing by luck.
    let mut browser = dashboard.browser();
    assert_eq!(browser.sign_in(&email_of(Role::Agent), PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    let mut admin = dashboard.browser();
    assert_eq!(
        admin.sign_in(&email_of(Role::Admin), PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "others are not locked out"
    );
}

#[tokio::test]
async fn the_overview_shows_the_retention_report_of_its_period() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Analyst).await;
    let page = browser.get("/?from=1997-06-30&to=1998-06-30&window=180").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    let report = Purchases::load(store.as_mut(), &ReportScope::default())
        .unwrap()
        .retention(
            "1997-06-30".parse().unwrap(),
            "1998-06-30".parse().unwrap(),
            ActivityWindow::new(180).unwrap(),
        )
        .unwrap();
    let shown = |id: &str| {
        let at =
            page.body.find(&format!("<data id=\"{id}\" value=\"")).unwrap_or_else(|| panic!("{id} shown"));
        let rest = &page.body[at + id.len() + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    assert_eq!(shown("crr"), report.crr.unwrap().to_string());
    assert_eq!(shown("churn"), report.churn_rate.unwrap().to_string());
    assert_eq!(shown("S"), report.s.to_string());
    assert_eq!(shown("E"), report.e.to_string());
    assert_eq!(shown("N"), report.n.to_string());
    assert_eq!(shown("active"), report.e.to_string());
    assert!(page.body.contains(&format!("{:.1} %", report.crr.unwrap())), "the rate as people read it");
}

#[tokio::test]
async fn names_are_escaped_on_every_page() {
    let dashboard = dashboard();
    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    tenure_app::users::add_user(
        store.as_mut(),
        "x@shop.example",
        Some("<script>alert(1)</script>"),
        Role::Admin,
        PASSWORD,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut browser = dashboard.browser();
    browser.sign_in("x@shop.example", PASSWORD).await;
    let page = browser.get("/").await;
    assert!(!page.body.contains("<script>alert(1)"), "the name is escaped");
    assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
}

/// The `<data id=ID value=…>` of a page.
fn data_value(html: &str, id: &str) -> String {
    let marker = format!("<data id=\"{id}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("{id} shown")) + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn pages_show_a_change_made_elsewhere_at_once_though_reports_are_cached() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Analyst).await;
    let uri = "/?from=1997-06-30&to=1998-06-30&window=365";
    let before: u64 = data_value(&browser.get(uri).await.body, "N").parse().unwrap();
    assert_eq!(data_value(&browser.get(uri).await.body, "N"), before.to_string(), "the same from the cache");

    // Another process (an import, another server) adds a customer who first buys in the period.
    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    let mut session =
        store.begin_import(&tenure_domain::SourceName::parse("other").unwrap(), chrono::Utc::now()).unwrap();
    let record = tenure_domain::ImportRecord {
        line: 2,
        customer: tenure_domain::CustomerRecord {
            external_id: "new-customer".into(),
            email: None,
            name: None,
            marketing_consent: None,
        },
        order: tenure_domain::OrderRecord {
            external_id: "new-order".into(),
            placed_at: "1998-03-01T12:00:00Z".parse().unwrap(),
            status: tenure_domain::OrderStatus::Paid,
            currency: tenure_domain::Currency::USD,
            total_minor: 1_000,
            refunded_minor: 0,
            items: vec![],
        },
    };
    session.ingest(record).unwrap();
    session.commit().unwrap();

    assert_eq!(data_value(&browser.get(uri).await.body, "N"), (before + 1).to_string());
}

#[tokio::test]
async fn the_at_risk_list_follows_new_scores_at_once() {
    let dashboard = dashboard();
    let mut browser = dashboard.signed_in(Role::Agent).await;
    assert!(browser.get("/at-risk").await.body.contains("id=\"no-scores\""), "no scores yet");

    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    let first = store.customers(&tenure_store::CustomerQuery { after: None, limit: 1 }).unwrap()[0].id;
    let score = tenure_store::CustomerScore {
        customer: first,
        currency: "USD".into(),
        model: "bgnbd".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(1998, 6, 30).unwrap(),
        probability_alive: 0.25,
        expected_purchases: 0.5,
        horizon_days: 364,
        expected_spend_minor: 2_000,
        clv_minor: 1_000,
    };
    store.replace_scores(&[score]).unwrap();
    let page = browser.get("/at-risk").await.body;
    assert!(page.contains(&format!("<data class=\"customer\" value=\"{}\">", first.0)), "{page}");
}
