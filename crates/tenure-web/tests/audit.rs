//! The audit log and the export permission through the dashboard and the API: an agent's CSV
//! download is refused and recorded, and allowed and recorded once granted; customer pages
//! opened, API pages of customers, exports and erasures are each recorded.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{dashboard, email_of};
use tenure_app::access::create_token;
use tenure_app::audit::Actor;
use tenure_domain::{CustomerId, Role};
use tenure_store::{AuditOutcome, AuditQuery, AuditRecord, ExportHolder};

fn entries(url: &str, action: &str) -> Vec<AuditRecord> {
    let mut store = tenure_store::open(url, chrono::Utc::now()).unwrap();
    store.audit(&AuditQuery { action: Some(action.into()), limit: 100, ..AuditQuery::default() }).unwrap()
}

#[tokio::test]
async fn an_agents_csv_download_is_refused_and_recorded_and_allowed_once_granted() {
    let dashboard = dashboard();
    let mut agent = dashboard.signed_in(Role::Agent).await;
    let refused = agent.get("/at-risk.csv?below=1").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let log = entries(&dashboard.url, "export");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].entry.actor, email_of(Role::Agent));
    assert_eq!(log[0].entry.outcome, AuditOutcome::Refused);
    assert_eq!(log[0].entry.target.as_deref(), Some("/at-risk.csv"));

    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    let agent_id = store.user_by_email(&email_of(Role::Agent)).unwrap().unwrap().0.id;
    let now = chrono::Utc::now();
    tenure_app::privacy::set_export_grant(
        store.as_mut(),
        ExportHolder::User(agent_id),
        Some(true),
        &Actor::cli(),
        now,
    )
    .unwrap();
    let allowed = agent.get("/at-risk.csv?below=1").await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    // The rows the file carried (the sample holds no scores yet: the header alone).
    let rows = allowed.body.lines().count() as i64 - 1;
    let log = entries(&dashboard.url, "export");
    assert_eq!((log[0].entry.outcome, log[0].entry.rows), (AuditOutcome::Ok, Some(rows)), "{log:?}");
    assert_eq!(entries(&dashboard.url, "users.export_grant").len(), 1);
}

#[tokio::test]
async fn customer_pages_api_pages_exports_and_erasures_are_recorded() {
    let dashboard = dashboard();
    let mut admin = dashboard.signed_in(Role::Admin).await;
    let page = admin.get("/customers/1").await;
    assert_eq!(page.status, StatusCode::OK);
    let viewed = entries(&dashboard.url, "customer.view");
    assert_eq!(viewed[0].entry.target.as_deref(), Some("customer:1"));
    assert_eq!(viewed[0].entry.actor, email_of(Role::Admin));

    let export = admin.get("/customers/1/export.json").await;
    assert_eq!(export.status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(document["format"], tenure_app::privacy::EXPORT_FORMAT);
    assert!(!document["tables"]["orders"].as_array().unwrap().is_empty());
    assert_eq!(entries(&dashboard.url, "customers.export").len(), 1);

    let csrf = common::hidden_csrf(&page.body).unwrap();
    let unconfirmed = admin.post_form("/customers/1/erase", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST, "erasing needs the word typed");
    let erased = admin.post_form("/customers/1/erase", &[("csrf", &csrf), ("confirm", "ERASE")]).await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.body);
    let mut store = tenure_store::open(&dashboard.url, chrono::Utc::now()).unwrap();
    let detail = store.customer(CustomerId(1)).unwrap();
    assert_eq!((detail.email, detail.name), (None, None));
    let erasures = entries(&dashboard.url, "customers.erase");
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0].entry.target.as_deref(), Some("customer:1"));

    let token = create_token(store.as_mut(), Role::Agent, "helpdesk", chrono::Utc::now()).unwrap().token;
    let request = Request::get("/api/v1/customers?limit=7")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(dashboard.send(request).await.status, StatusCode::OK);
    let pages = entries(&dashboard.url, "export");
    assert_eq!((pages[0].entry.actor.as_str(), pages[0].entry.rows), ("token:helpdesk", Some(7)));

    let token = admin.token();
    let export = b"order_id,customer_id,email,total,order_status_id,currency_code,date_added\n\
                   501,77,berlin@example.com,19.00,5,USD,2030-07-01 00:30:00\n";
    let parts = [
        common::field("csrf", &token),
        common::file("file", "oc_order.csv", export),
        common::field("format", "opencart"),
    ];
    let imported = admin.post_multipart("/import", &parts).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let imports = entries(&dashboard.url, "import");
    assert_eq!(
        (imports[0].entry.actor.as_str(), imports[0].entry.rows),
        (email_of(Role::Admin).as_str(), Some(1))
    );

    let audit = admin.get("/audit?action=customers").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(
        audit.body.contains("customers.erase") && audit.body.contains("customers.export"),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn sign_ins_refused_and_done_sign_outs_and_password_changes_are_recorded() {
    let dashboard = dashboard();
    let mut stranger = dashboard.browser();
    let wrong = stranger.sign_in(&email_of(Role::Analyst), "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let mut analyst = dashboard.signed_in(Role::Analyst).await;
    let log = entries(&dashboard.url, "signin");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (log[1].entry.actor.as_str(), log[1].entry.outcome),
        (email_of(Role::Analyst).as_str(), AuditOutcome::Refused)
    );
    assert_eq!(
        (log[0].entry.actor.as_str(), log[0].entry.outcome),
        (email_of(Role::Analyst).as_str(), AuditOutcome::Ok)
    );
    assert!(log[0].entry.address.is_some(), "from where");

    let page = analyst.get("/account").await;
    let csrf = common::hidden_csrf(&page.body).unwrap();
    let new = "a brand new password for tests";
    let changed = analyst
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", common::PASSWORD), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(entries(&dashboard.url, "password.change")[0].entry.actor, email_of(Role::Analyst));

    let mut admin = dashboard.signed_in(Role::Admin).await;
    let page = admin.get("/").await;
    let csrf = common::hidden_csrf(&page.body).unwrap();
    assert_eq!(admin.post_form("/logout", &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(entries(&dashboard.url, "signout")[0].entry.actor, email_of(Role::Admin));
}
