//! Surveys end to end with real peers: an order triggers an invitation after its delay (the
//! dispatch run on a given clock), a real SMTP server (aiosmtpd) receives it, Chromium follows its
//! link on a phone-sized window and answers, the answer shows in the analysis and on the
//! customer's page, the link cannot answer twice, and a second order within the survey's
//! interval sends nothing.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use common::peers;
use common::{run, sqlite_url, tenure};
use webdriver::Driver;

const FROM: &str = "Linden Tea <shop@linden.example>";
const EMAIL: &str = "owner@shop.example";
const PASSWORD: &str = "the owner's password";

fn browser() -> Option<(PathBuf, PathBuf)> {
    webdriver::browser_or_skip("the survey browser test")
}

/// Saves a screenshot to `target/screenshots/NAME.png` for review.
fn screenshot(session: &webdriver::Session, name: &str) {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    session.screenshot(&folder.join(format!("{name}.png")));
}

/// Imports one order of Ann's, placed at `placed_at`.
fn order(dir: &Path, db: &str, id: &str, placed_at: chrono::DateTime<Utc>) {
    let csv = dir.join(format!("{id}.csv"));
    let when = placed_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    std::fs::write(
        &csv,
        format!("Order,Buyer,Email,Name,Date,Total\n{id},b-1,ann@example.com,Ann Linde,{when},24.50\n"),
    )
    .unwrap();
    run(tenure(db)
        .args(["import", "--format", "csv", "--progress", "none"])
        .arg(&csv)
        .args(["--map", "order_id=Order,customer_id=Buyer,email=Email,name=Name,date=Date,amount=Total"]));
}

/// `tenure survey dispatch` as of `at`, with links to `public_url`; returns (queued, skipped).
fn dispatch(db: &str, public_url: &str, at: chrono::DateTime<Utc>) -> (i64, i64) {
    let at = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let output =
        run(tenure(db).args(["survey", "dispatch", "--now", &at, "--public-url", public_url, "--json"]));
    let done = common::stdout_json(&output);
    (done["queued"].as_i64().unwrap(), done["skipped"].as_i64().unwrap())
}

/// The survey link in a received message (its plain-text part).
fn survey_link(raw: &str) -> String {
    let start = raw.find("/s/").expect("a survey link in the message");
    let before = raw[..start].rfind("http://").unwrap();
    let token: String = raw[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 22, "a 128-bit token: {token}");
    format!("{}/s/{token}", &raw[before..start])
}

#[test]
fn an_order_brings_an_invitation_that_is_answered_once_on_a_phone_and_shows_in_the_analysis() {
    let Some(python) = peers::python() else { return };
    let Some((driver_path, chromium)) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::add_admin(&db, EMAIL, PASSWORD);
    run(tenure(&db).args([
        "survey",
        "create",
        "after-purchase",
        "--template",
        "post-purchase-csat",
        "--min-fill-seconds",
        "0",
        "--reminders",
        "0",
        "--interval-days",
        "60",
    ]));
    run(tenure(&db).args(["survey", "trigger", "after-purchase", "--after-purchase-days", "7"]));

    let (sink, server, inbox) = peers::server_mailing_to_a_sink(&python, &db, dir.path(), FROM);
    let base = server.base();

    let placed = Utc::now() + Duration::minutes(1);
    order(dir.path(), &db, "A-1", placed);
    assert_eq!(dispatch(&db, &base, placed + Duration::days(6)), (0, 0), "not before the delay");
    assert_eq!(dispatch(&db, &base, placed + Duration::days(7) + Duration::minutes(1)), (1, 0));

    sink.wait_for("Message-ID", 1); // the server's worker delivered it
    let emls: Vec<_> = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(emls.len(), 1);
    let raw = std::fs::read_to_string(&emls[0]).unwrap();
    assert!(raw.contains("To: Ann Linde <ann@example.com>") || raw.contains("ann@example.com"), "{raw}");
    assert!(!raw.contains("survey-token"), "the placeholder was replaced: {raw}");
    let link = survey_link(&raw);
    assert!(link.starts_with(&base), "{link} points at the server");

    let driver = Driver::start(&driver_path);
    let session = driver.session(&chromium);
    session.resize(390, 844);
    session.open(&link);
    assert_eq!(session.find("h1").text(), "How was your order?");
    let width = session.page_width();
    assert!(width <= 400, "the survey is {width} px wide on a 390 px screen: {}", session.wider_than(390));
    screenshot(&session, "survey-phone");
    session.find("input[name='q.overall'][value='4']").click();
    session.find("input[name='q.delivery'][value='5']").click();
    session.find("textarea[name='q.improve']").type_text("Gift wrapping, please");
    session.find("#survey-submit").click();
    assert!(session.find("#survey-message").text().contains("Thank you"), "{}", session.source());

    // The same link cannot answer twice.
    session.open(&link);
    assert!(session.find("#survey-message").text().contains("answered"), "{}", session.source());
    let path = &link[link.find("/s/").unwrap()..];
    let (again, _) = common::post_form(&server.address, path, "page=1&q.overall=1");
    assert_eq!(again, 409, "a second answer through the link is refused");

    // The answer is in the analysis…
    let analysis = common::json(&db, &["survey", "analyze", "after-purchase", "--json"]);
    assert_eq!(analysis["responses"], 1);
    assert_eq!(analysis["questions"]["overall"]["n"], 1);
    assert_eq!(analysis["questions"]["overall"]["csat_percent"], 100.0);
    assert_eq!(analysis["questions"]["delivery"]["mean"], 5.0);

    // …and on the customer's page.
    session.resize(1280, 1000);
    session.open(&format!("{base}/login"));
    session.find("#email").type_text(EMAIL);
    session.find("#password").type_text(PASSWORD);
    session.find("#sign-in").click();
    session.find("#sign-out");
    let customers = common::json(&db, &["customers", "list", "--json"]);
    let ann =
        customers.as_array().unwrap().iter().find(|c| c["email"] == "ann@example.com").unwrap()["id"].clone();
    session.open(&format!("{base}/customers/{ann}"));
    let answers = session.find("table.survey-answers").text();
    assert!(answers.contains("after-purchase"), "{answers}");
    assert!(answers.contains("4 — Satisfied") && answers.contains("Gift wrapping, please"), "{answers}");

    // The survey's report counts it, and reads on a phone.
    session.open(&format!("{base}/surveys/after-purchase"));
    assert_eq!(session.find("#survey-responses").text(), "1");
    assert!(session.find("#q-overall").text().contains("100.0 % satisfied"), "{}", session.source());
    screenshot(&session, "survey-report");
    session.resize(390, 844);
    let width = session.page_width();
    assert!(width <= 400, "the report is {width} px wide on a 390 px screen: {}", session.wider_than(390));

    // What she did afterwards: one satisfied answer, too recent for any window to have passed.
    session.resize(1280, 1000);
    session.find("#behaviour-link").click();
    let behaviour = session.find("#behaviour-overall").text();
    assert!(behaviour.contains("satisfied") && behaviour.contains("— of 0"), "{behaviour}");

    // A second order within the survey's interval invites nobody.
    let second = placed + Duration::days(10);
    order(dir.path(), &db, "A-2", second);
    assert_eq!(dispatch(&db, &base, second + Duration::days(8)), (0, 1));
    let outbox = common::json(&db, &["outbox", "list", "--json"]);
    let invitations = outbox.as_array().unwrap().iter().filter(|m| m["topic"] == "survey.invitation").count();
    assert_eq!(invitations, 1, "one invitation in all: {outbox}");
}
