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
