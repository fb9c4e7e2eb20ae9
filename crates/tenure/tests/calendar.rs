//! The communication calendar end to end: follow-ups planned with the CLI reach a user's
//! iCalendar feed as the server serves it, read by an independent parser (the `icalendar`
//! package from PyPI) through every change — edited, cancelled, revoked — and, in Chromium, a call
//! logged on a customer's page shows on the timeline and on the week view.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use common::{peers, run, sqlite_url, tenure};
use serde_json::Value;

const OWNER: &str = "owner@shop.example";
const PASSWORD: &str = "the owner's password";

/// Imports one order of Ann's; returns her customer id.
fn ann(dir: &Path, db: &str) -> i64 {
    let csv = dir.join("orders.csv");
    let when = (Utc::now() - Duration::days(40)).to_rfc3339_opts(SecondsFormat::Secs, true);
    std::fs::write(
        &csv,
        format!("Order,Buyer,Email,Name,Date,Total\nA-1,b-1,ann@example.com,Ann Linde,{when},24.50\n"),
    )
    .unwrap();
    run(tenure(db)
        .args(["import", "--format", "csv", "--progress", "none"])
        .arg(&csv)
        .args(["--map", "order_id=Order,customer_id=Buyer,email=Email,name=Name,date=Date,amount=Total"]));
    let customers = common::json(db, &["customers", "list", "--json"]);
    customers.as_array().unwrap()[0]["id"].as_i64().unwrap()
}

/// The feed at `path` parsed by `ics_check.py` (the `icalendar` package), with its ETag.
fn parsed_feed(python: &Path, dir: &Path, address: &str, path: &str) -> (Value, String) {
    let (status, headers, body) = common::get(address, path, &[]);
    assert_eq!(status, 200, "{body}");
    let header =
        |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(header("content-type").starts_with("text/calendar"), "{headers:?}");
    let file = dir.join("feed.ics");
    std::fs::write(&file, &body).unwrap();
    let checker = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tenure-calendar/tests/ics_check.py");
    let output = std::process::Command::new(python).arg(checker).arg(&file).output().unwrap();
    assert!(
        output.status.success(),
        "icalendar refused the feed: {}\n{body}",
        String::from_utf8_lossy(&output.stderr)
    );
    (serde_json::from_slice(&output.stdout).unwrap(), header("etag"))
}

fn event<'a>(feed: &'a Value, uid: &str) -> &'a Value {
    feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"] == uid)
        .unwrap_or_else(|| panic!("{uid} in {feed}"))
}

#[test]
fn the_feed_reads_in_an_independent_parser_through_every_change_and_a_revoked_url_is_gone() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::add_admin(&db, OWNER, PASSWORD);
    let customer = ann(dir.path(), &db).to_string();
    let long_notes: String =
        (0..60).map(|n| format!("Grüße aus Köln — 日本語のメモ {n}; a, b; \\ back\\slash 🎉\n")).collect();
    let due = (Utc::now() + Duration::days(1)).format("%Y-%m-%d 10:00").to_string();
    let add = |title: &str, notes: &str| -> Value {
        common::json(
            &db,
            &[
                "followups",
                "add",
                "--customer",
                &customer,
                "--owner",
                OWNER,
                "--due",
                &due,
                "--title",
                title,
                "--notes",
                notes,
                "--json",
            ],
        )
    };
    let call = add("Call back: Grüße to Ann 🎉", &long_notes);
    let visit = add("Visit the shop, bring the catalogue", "short");
    let (call_uid, visit_uid) = (call["uid"].as_str().unwrap(), visit["uid"].as_str().unwrap());

    let path =
        common::json(&db, &["calendar", "feed-url", OWNER, "--json"])["path"].as_str().unwrap().to_string();
    assert!(path.starts_with("/calendar/feed/") && path.ends_with(".ics"), "{path}");
    let server = common::serve(&db);
    let (feed, etag) = parsed_feed(&python, dir.path(), &server.address, &path);
    assert_eq!(feed["events"].as_array().unwrap().len(), 2);
    let first = event(&feed, call_uid);
    assert_eq!(first["summary"], "Call back: Grüße to Ann 🎉");
    assert_eq!(first["sequence"], 0);
    assert_eq!(first["status"], "CONFIRMED");
    assert!(
        first["description"].as_str().unwrap().contains(long_notes.trim_end()),
        "the notes survive folding: {first}"
    );
    assert!(first["dtstart"].as_str().unwrap().ends_with("Z"));

    // Unchanged: the same UIDs and bytes; a client that has them gets 304.
    let (again, same_etag) = parsed_feed(&python, dir.path(), &server.address, &path);
    assert_eq!((again, same_etag.clone()), (feed.clone(), etag.clone()));
    let (status, _, _) = common::get(&server.address, &path, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(status, 304);

    // Edited: same UID, higher SEQUENCE, new time, new ETag.
    let later = (Utc::now() + Duration::days(2)).format("%Y-%m-%d 15:30").to_string();
    run(tenure(&db).args(["followups", "update", &call["id"].to_string(), "--due", &later]));
    let (edited, edited_etag) = parsed_feed(&python, dir.path(), &server.address, &path);
    assert_eq!(event(&edited, call_uid)["sequence"], 1);
    assert_ne!(event(&edited, call_uid)["dtstart"], first["dtstart"]);
    assert_ne!(edited_etag, etag);
    let (status, _, _) = common::get(&server.address, &path, &[&format!("If-None-Match: {etag}")]);
    assert_eq!(status, 200, "a changed feed is sent again");

    // Cancelled: still there, CANCELLED, higher SEQUENCE; done: still there.
    run(tenure(&db).args(["followups", "cancel", &visit["id"].to_string()]));
    run(tenure(&db).args(["followups", "done", &call["id"].to_string(), "--outcome", "Spoke to Ann"]));
    let (ended, _) = parsed_feed(&python, dir.path(), &server.address, &path);
    assert_eq!(event(&ended, visit_uid)["status"], "CANCELLED");
    assert_eq!(event(&ended, visit_uid)["sequence"], 1);
    assert_eq!(event(&ended, call_uid)["sequence"], 2);
    assert!(event(&ended, call_uid)["description"].as_str().unwrap().contains("Spoke to Ann"));

    // Revoked: the old URL is gone, the new one works; a made-up token is as gone.
    let new_path = common::json(&db, &["calendar", "feed-url", OWNER, "--revoke", "--json"])["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_path, path);
    assert_eq!(common::get(&server.address, &path, &[]).0, 404);
    let made_up = format!("/calendar/feed/{}.ics", "A".repeat(43));
    assert_eq!(common::get(&server.address, &made_up, &[]).0, 404);
    let (renewed, _) = parsed_feed(&python, dir.path(), &server.address, &new_path);
    assert_eq!(renewed["events"].as_array().unwrap().len(), 2);
}

#[test]
fn a_call_logged_on_the_customer_page_shows_on_the_timeline_the_week_view_and_a_planned_follow_up_in_the_feed()
 {
    let Some(python) = peers::python() else { return };
    let Some((driver_path, chromium)) = webdriver::browser_or_skip("the calendar browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::add_admin(&db, OWNER, PASSWORD);
    let customer = ann(dir.path(), &db);
    let server = common::serve(&db);
    let base = server.base();

    let driver = webdriver::Driver::start(&driver_path);
    let session = driver.session(&chromium);
    session.resize(1280, 1000);
    session.open(&format!("{base}/login"));
    session.find("#email").type_text(OWNER);
    session.find("#password").type_text(PASSWORD);
    session.find("#sign-in").click();
    session.find("#sign-out");

    // Log a call on Ann's page.
    session.open(&format!("{base}/customers/{customer}"));
    session.find("#channel option[value='phone']").click();
    session.find("#direction option[value='inbound']").click();
    session.find("#duration").type_text("7");
    session.find("#subject").type_text("Asked about the gift box <b>now</b>");
    session.find("#notes").type_text("Wants it wrapped; call back tomorrow.");
    session.find("#log-form button[type='submit']").click();
    let notice = session.find("#notice").text(); // only on the page the form leads to
    assert!(!notice.is_empty());
    let timeline = session.find("#timeline-entries").text();
    assert!(timeline.contains("Asked about the gift box <b>now</b>"), "escaped, as typed: {timeline}");
    assert!(timeline.contains("Phone from the customer"), "{timeline}");
    assert!(session.find("#last-inbound").text().len() > 4, "the contact dates moved");
    let logged = common::json(&db, &["interactions", "list", "--customer", &customer.to_string(), "--json"]);
    assert_eq!(logged.as_array().unwrap().len(), 1, "{logged}");
    assert_eq!(logged[0]["duration_seconds"], 420);

    // It is on this week's calendar.
    session.open(&format!("{base}/calendar?view=week"));
    let week = session.find("#agenda").text();
    assert!(week.contains("Asked about the gift box"), "{week}");

    // Plan a follow-up for tomorrow (the form's default time) and find it in the feed.
    session.open(&format!("{base}/customers/{customer}"));
    session.find("#title").type_text("Call Ann back about the gift box");
    session.find("#plan-form button[type='submit']").click();
    session.find("#notice");
    assert!(session.find("#timeline-entries").text().contains("Call Ann back about the gift box"));
    let planned = common::json(&db, &["followups", "list", "--json"]);
    let due = planned[0]["due_at"].as_str().unwrap().to_string();
    let tomorrow = (Utc::now() + Duration::days(1)).date_naive().to_string();
    assert!(due.starts_with(&tomorrow), "due tomorrow: {due}");
    let path =
        common::json(&db, &["calendar", "feed-url", OWNER, "--json"])["path"].as_str().unwrap().to_string();
    let (feed, _) = parsed_feed(&python, dir.path(), &server.address, &path);
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{feed}");
    assert_eq!(events[0]["summary"], "Call Ann back about the gift box");
    assert_eq!(events[0]["uid"], planned[0]["uid"]);

    // A phone reads the week as a list.
    session.open(&format!("{base}/calendar?view=week"));
    session.resize(390, 844);
    let width = session.page_width();
    assert!(width <= 400, "the calendar is {width} px wide on a 390 px screen: {}", session.wider_than(390));
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    session.screenshot(&folder.join("calendar-week-phone.png"));
}

#[test]
fn bad_interactions_are_refused_with_their_reason_and_a_csv_with_one_bad_line_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let customer = ann(dir.path(), &db).to_string();
    let refused = |args: &[&str]| -> String {
        let output = tenure(&db).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?} was accepted");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let log = ["interactions", "log", "--customer", &customer, "--direction", "inbound"];
    let future = (Utc::now() + Duration::hours(30)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let error = refused(&[&log[..], &["--channel", "phone", "--at", &future]].concat());
    assert!(error.contains("is in the future"), "{error}");
    let error = refused(&[&log[..], &["--channel", "fax"]].concat());
    assert!(error.contains("`fax` is not a channel"), "{error}");
    let error =
        refused(&["interactions", "log", "--customer", "999", "--channel", "phone", "--direction", "in"]);
    assert!(error.contains("customer 999"), "{error}");

    // 6,000 good rows but line 5001 (row 5000): nothing is written, and the line is named.
    let csv = dir.path().join("calls.csv");
    let mut text = String::from("date,channel,direction,email,subject,id\n");
    for n in 2..=6001 {
        let channel = if n == 5001 { "carrier pigeon" } else { "phone" };
        text.push_str(&format!(
            "2026-01-{:02} 10:00,{channel},inbound,ann@example.com,Call {n},c-{n}\n",
            1 + n % 28
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let output =
        tenure(&db).args(["interactions", "import", "--progress", "none"]).arg(&csv).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("calls.csv:5001: column channel: `carrier pigeon` is not a channel"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.contains("calls.csv:")).count(), 1, "{stderr}");
    let listed = common::json(&db, &["interactions", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing written: {listed}");

    // Fixed, it imports whole, and again changes nothing.
    let fixed = std::fs::read_to_string(&csv).unwrap().replace("carrier pigeon", "phone");
    std::fs::write(&csv, fixed).unwrap();
    let report =
        common::json(&db, &["interactions", "import", "--progress", "none", "--json", csv.to_str().unwrap()]);
    assert_eq!((report["added"].as_u64(), report["committed"].as_bool()), (Some(6000), Some(true)));
    let again =
        common::json(&db, &["interactions", "import", "--progress", "none", "--json", csv.to_str().unwrap()]);
    assert_eq!((again["added"].as_u64(), again["already_stored"].as_u64()), (Some(0), Some(6000)));
}
