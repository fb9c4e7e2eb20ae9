//! `tenure user add | list | remove | set-password` as an admin runs them.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{json, run, sqlite_url, tenure};

/// Whether `email` can sign in with `password` (through the same use case as the login page).
fn can_sign_in(db: &str, email: &str, password: &str) -> bool {
    let mut store = tenure_store::open(db, chrono::Utc::now()).unwrap();
    tenure_app::users::sign_in(store.as_mut(), email, password, chrono::Utc::now()).unwrap().is_some()
}

fn with_stdin(db: &str, args: &[&str], input: &str) -> std::process::Output {
    let mut child = tenure(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_are_added_listed_given_new_passwords_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);

    let added = json(&db, &["user", "add", "Ann@Shop.example", "--role", "admin", "--name", "Ann", "--json"]);
    let generated = added["password"].as_str().unwrap().to_string();
    assert_eq!((added["email"].as_str(), added["role"].as_str()), (Some("ann@shop.example"), Some("admin")));
    assert!(can_sign_in(&db, "ann@shop.example", &generated));

    let output = with_stdin(
        &db,
        &["user", "add", "bob@shop.example", "--role", "agent", "--password-stdin"],
        "bob's long password\n",
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("bob's long password"),
        "a chosen password is not echoed"
    );
    assert!(can_sign_in(&db, "bob@shop.example", "bob's long password"));

    let list = json(&db, &["user", "list", "--json"]);
    let emails: Vec<&str> = list.as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["ann@shop.example", "bob@shop.example"]);
    assert!(!list.to_string().contains("argon2"), "no hashes in the list");

    let duplicate =
        tenure(&db).args(["user", "add", "ANN@shop.example", "--role", "agent"]).output().unwrap();
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists already"));
    let short =
        with_stdin(&db, &["user", "add", "c@shop.example", "--role", "agent", "--password-stdin"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));

    let output = with_stdin(
        &db,
        &["user", "set-password", "bob@shop.example", "--password-stdin"],
        "a new password for bob\n",
    );
    assert!(output.status.success());
    assert!(!can_sign_in(&db, "bob@shop.example", "bob's long password"));
    assert!(can_sign_in(&db, "bob@shop.example", "a new password for bob"));

    run(tenure(&db).args(["user", "remove", "bob@shop.example"]));
    assert!(!can_sign_in(&db, "bob@shop.example", "a new password for bob"));
    let missing = tenure(&db).args(["user", "remove", "bob@shop.example"]).output().unwrap();
    assert!(!missing.status.success());
}

#[test]
fn a_user_who_owns_follow_ups_is_removed_only_by_handing_them_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::import_cdnow(&db);
    for email in ["ann@shop.example", "bob@shop.example"] {
        run(tenure(&db).args(["user", "add", email, "--role", "agent"]));
    }
    let due = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d 10:00").to_string();
    let made = json(
        &db,
        &[
            "followups",
            "add",
            "--customer",
            "1",
            "--owner",
            "ann@shop.example",
            "--due",
            &due,
            "--title",
            "Call",
            "--json",
        ],
    );

    let refused = tenure(&db).args(["user", "remove", "ann@shop.example"]).output().unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("owns 1 follow-up (1 open)") && message.contains("--reassign-to"), "{message}");

    run(tenure(&db).args(["user", "remove", "ann@shop.example", "--reassign-to", "bob@shop.example"]));
    let listed = json(&db, &["followups", "list", "--json"]);
    let moved = listed.as_array().unwrap().iter().find(|f| f["id"] == made["id"]).unwrap();
    assert_eq!(moved["owner_email"], "bob@shop.example");
    let users = json(&db, &["user", "list", "--json"]);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
}
