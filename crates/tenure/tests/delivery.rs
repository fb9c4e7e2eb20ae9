//! Messages out, end to end, against real peers: an SMTP server process (aiosmtpd) that is
//! started, stopped and killed, and a webhook receiver that fails on purpose and checks every
//! signature with the Standard Webhooks reference library. Counts are taken at the receivers.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::peers::{self, Peer};
use common::{run, sqlite_url, tenure};
use tenure_store::{MessageKind, NewMessage, Purpose};

const FROM: &str = "Linden Tea <shop@linden.example>";

/// `tenure worker --drain` (or without it) delivering to `smtp_url`, retrying after about a second.
fn worker(db: &str, smtp_url: &str, drain: bool) -> Command {
    let mut command = tenure(db);
    command.args(["worker", "--smtp-url", smtp_url, "--mail-from", FROM]).args([
        "--retry-base-seconds",
        "1",
        "--retry-max-seconds",
        "2",
        "--max-attempts",
        "100",
        "--webhook-timeout-seconds",
        "1",
    ]);
    if drain {
        command.arg("--drain");
    }
    command
}

fn wait_ok(mut child: Child) {
    let status = child.wait().unwrap();
    assert!(status.success(), "the worker failed: {status}");
}

/// Enqueues `count` transactional test messages through the app's own use case.
fn enqueue_test_mails(db: &str, count: usize) -> Vec<i64> {
    let mut store = tenure_store::open(db, chrono::Utc::now()).unwrap();
    (0..count)
        .map(|n| {
            tenure_app::outbox::enqueue_test_mail(
                store.as_mut(),
                &format!("c{n}@example.com"),
                "Linden Tea",
                chrono::Utc::now(),
            )
            .unwrap()
        })
        .collect()
}

fn import_customers(dir: &Path, db: &str) {
    let csv = dir.join("customers.csv");
    std::fs::write(
        &csv,
        "Order,Buyer,Email,Name,Date,Total,Marketing\n\
         A-1,b-1,ann@example.com,Ann Linde,2025-05-01,24.50,yes\n\
         A-2,b-2,bo@example.com,Bo Berg,2025-05-02,12.00,no\n",
    )
    .unwrap();
    run(tenure(db).args(["import", "--format", "csv", "--progress", "none"]).arg(&csv).args([
        "--map",
        "order_id=Order,customer_id=Buyer,email=Email,name=Name,date=Date,amount=Total,marketing_consent=Marketing",
    ]));
}

fn message_json(db: &str, id: i64) -> serde_json::Value {
    common::json(db, &["outbox", "show", &id.to_string(), "--json"])
}

#[test]
fn a_marketing_message_arrives_once_with_both_parts_and_a_one_click_link_that_unsubscribes() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    import_customers(dir.path(), &db);
    let (sink, server, inbox) = peers::server_mailing_to_a_sink(&python, &db, dir.path(), FROM);
    let public_url = server.base();
    let customers = common::json(&db, &["customers", "list", "--json"]);
    let ann = customers.as_array().unwrap().iter().find(|c| c["email"] == "ann@example.com").unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let send = |subject: &str| {
        let output = run(tenure(&db)
            .args(["mail", "send", &ann, "--subject", subject, "--purpose", "marketing"])
            .args([
                "--body",
                "Our spring teas are in.\n\nTen percent off until Sunday.",
                "--public-url",
                &public_url,
                "--json",
            ]));
        common::stdout_json(&output)["id"].as_i64().unwrap()
    };

    let first = send("Spring teas");
    sink.wait_for("Message-ID", 1); // the server's worker delivered it
    let files: Vec<_> = std::fs::read_dir(&inbox).unwrap().map(|e| e.unwrap().path()).collect();
    let emls: Vec<_> = files.iter().filter(|p| p.extension().is_some_and(|e| e == "eml")).collect();
    assert_eq!(emls.len(), 1, "exactly one message arrived");
    let raw = std::fs::read_to_string(emls[0]).unwrap();
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(
        raw.contains("Content-Type: text/plain; charset=utf-8")
            && raw.contains("Content-Type: text/html; charset=utf-8")
    );
    assert_eq!(peers::header(&raw, "To").as_deref(), Some("\"Ann Linde\" <ann@example.com>"));
    assert_eq!(peers::header(&raw, "List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    let link = peers::header(&raw, "List-Unsubscribe").unwrap();
    let link = link.trim_start_matches('<').trim_end_matches('>');
    let path = link.strip_prefix(&public_url).unwrap_or_else(|| panic!("{link} is not on {public_url}"));
    assert!(path.starts_with("/unsubscribe/"));
    assert_eq!(message_json(&db, first)["state"], "sent");

    // RFC 8058: a POST with `List-Unsubscribe=One-Click`, no sign-in, no script.
    let (status, page) = common::post_form(&server.address, path, "List-Unsubscribe=One-Click");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You are unsubscribed") && page.contains("ann@example.com"), "{page}");
    let (status, _) =
        common::post_form(&server.address, "/unsubscribe/1.forged", "List-Unsubscribe=One-Click");
    assert_eq!(status, 404, "a forged link changes nothing");
    drop(server);

    let second = send("Last days of the spring sale");
    let smtp_url = format!("smtp://127.0.0.1:{}", sink.port);
    let drained = worker(&db, &smtp_url, true).stderr(Stdio::null()).spawn().unwrap();
    wait_ok(drained);
    let skipped = message_json(&db, second);
    assert_eq!(skipped["state"], "skipped");
    assert_eq!(skipped["skip_reason"], "suppressed: unsubscribed");
    assert_eq!(peers::message_ids(&inbox).len(), 1, "nothing more arrived");
}

#[test]
fn messages_enqueued_while_the_smtp_server_is_down_all_arrive_once_it_is_up() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let ids = enqueue_test_mails(&db, 40);
    let port = peers::free_port();
    let mut drain =
        worker(&db, &format!("smtp://127.0.0.1:{port}"), true).stderr(Stdio::piped()).spawn().unwrap();
    let log = peers::read_lines(drain.stderr.take().unwrap());
    // Wait until the worker has found the server down …
    while !log.recv().unwrap().contains("delivery failed") {}
    // … then start it.
    let sink = peers::smtp_sink(&python, &inbox, port);
    wait_ok(drain);
    drop(sink);
    let received = peers::message_ids(&inbox);
    let distinct: HashSet<&String> = received.iter().collect();
    assert_eq!(received.len(), ids.len(), "every message arrived, none twice");
    assert_eq!(distinct.len(), ids.len());
    let failed = common::json(&db, &["outbox", "list", "--state", "sent", "--limit", "100", "--json"]);
    assert_eq!(failed.as_array().unwrap().len(), ids.len());
    assert!(
        failed.as_array().unwrap().iter().any(|m| m["attempts"].as_i64().unwrap() > 1),
        "some were retried"
    );
}

#[test]
fn a_server_killed_mid_run_loses_nothing_and_repeats_only_what_it_had_acknowledged() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let ids = enqueue_test_mails(&db, 1000);
    let sink = peers::smtp_sink(&python, &inbox, 0);
    let port = sink.port;
    let drain = worker(&db, &format!("smtp://127.0.0.1:{port}"), true).stderr(Stdio::null()).spawn().unwrap();
    sink.wait_for("Message-ID", 300);
    sink.kill(); // SIGKILL, mid-conversation
    let acknowledged_before: HashSet<String> = peers::acknowledged(&inbox).into_iter().collect();
    assert!(acknowledged_before.len() >= 300);
    let restarted = peers::smtp_sink(&python, &inbox, port);
    wait_ok(drain);
    drop(restarted);

    // What counts is what the sinks acknowledged ("250 OK" follows the log line): a message
    // whose bytes reached the killed sink without an acknowledgement was not delivered, and is
    // rightly sent again.
    let received = peers::acknowledged(&inbox);
    let mut copies: HashMap<&String, usize> = HashMap::new();
    for id in &received {
        *copies.entry(id).or_default() += 1;
    }
    assert_eq!(copies.len(), ids.len(), "no message lost");
    let repeated: Vec<&&String> = copies.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id).collect();
    for id in &repeated {
        assert!(
            acknowledged_before.contains(**id),
            "{id} arrived twice without having been acknowledged before the kill"
        );
        assert_eq!(copies[**id], 2);
    }
    eprintln!(
        "killed after {} acknowledgements: {} of {} messages acknowledged twice (acknowledged, not yet recorded as sent)",
        acknowledged_before.len(),
        repeated.len(),
        ids.len()
    );
}

/// Enqueues `count` webhook messages to `subscription` in one transaction.
fn enqueue_webhooks(db: &str, subscription: i64, url: &str, count: usize) {
    let mut store = tenure_store::open(db, chrono::Utc::now()).unwrap();
    let now = chrono::Utc::now();
    let messages: Vec<NewMessage> = (0..count)
        .map(|n| NewMessage {
            kind: MessageKind::Webhook,
            purpose: Purpose::Transactional,
            topic: "webhook.test".into(),
            customer_id: None,
            recipient: url.to_string(),
            subscription_id: Some(subscription),
            payload:
                serde_json::json!({"type": "webhook.test", "timestamp": now.to_rfc3339(), "data": {"n": n}})
                    .to_string(),
            not_before: now,
            dedupe_key: None,
        })
        .collect();
    assert_eq!(store.enqueue(&messages, now).unwrap().len(), count);
}

/// Adds a subscription to the local URL; returns its id and secret.
fn subscribe(db: &str, url: &str) -> (i64, String) {
    let refused = tenure(db).args(["webhook", "add", url, "--events", "*"]).output().unwrap();
    assert!(!refused.status.success(), "a loopback URL needs --allow-private");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("127.0.0.1 is a private, loopback or link-local address")
            && said.contains("--allow-private"),
        "{said}"
    );
    let added = common::json(db, &["webhook", "add", url, "--events", "*", "--allow-private", "--json"]);
    (added["id"].as_i64().unwrap(), added["secret"].as_str().unwrap().to_string())
}

#[test]
fn webhooks_outlast_errors_and_timeouts_and_verify_with_the_reference_library() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let port = peers::free_port();
    let url = format!("http://127.0.0.1:{port}/hooks/tenure");
    let (subscription, secret) = subscribe(&db, &url);
    assert!(secret.starts_with("whsec_"));
    let out = dir.path().join("received.jsonl");
    // Two server errors, a dropped connection, then a receiver slower than the 1 s timeout.
    let receiver =
        peers::webhook_receiver(&python, &out, port, &secret, "500,500,close,timeout:3,timeout:3,ok");
    enqueue_webhooks(&db, subscription, &url, 20);
    wait_ok(worker(&db, "log:", true).stderr(Stdio::null()).spawn().unwrap());
    drop(receiver);

    let records = peers::recorded(&out);
    assert!(records.iter().all(|r| r["verified"] == true), "every signature verifies with standardwebhooks");
    let ids: HashSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let numbers: HashSet<i64> = records.iter().map(|r| r["body"]["data"]["n"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 20, "each webhook-id once after de-duplication");
    assert_eq!(numbers, (0..20).collect());
    let retried = common::json(&db, &["outbox", "list", "--kind", "webhook", "--json"]);
    assert!(retried.as_array().unwrap().iter().all(|m| m["state"] == "sent"));
    assert!(retried.as_array().unwrap().iter().any(|m| m["attempts"].as_i64().unwrap() > 1));
}

#[test]
fn two_servers_over_one_postgres_database_deliver_ten_thousand_webhooks_exactly_once() {
    let Some(python) = peers::python() else { return };
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let db = database.url.clone();
    run(tenure(&db).arg("migrate"));
    let dir = tempfile::tempdir().unwrap();
    let port = peers::free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (subscription, secret) = subscribe(&db, &url);
    let out = dir.path().join("received.jsonl");
    let receiver: Peer = peers::webhook_receiver(&python, &out, port, &secret, "");
    enqueue_webhooks(&db, subscription, &url, 10_000);
    let serve = || {
        common::start(
            tenure(&db)
                .args(["serve", "--bind", "127.0.0.1:0", "--log", "off", "--refit-minutes", "0"])
                .stderr(Stdio::null()),
        )
    };
    let (first, second) = (serve(), serve());
    receiver.wait_for("recorded id=", 10_000);
    drop((first, second));
    let records = peers::recorded(&out);
    let ids: HashSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(records.len(), 10_000, "no delivery twice");
    assert_eq!(ids.len(), 10_000);
    assert!(records.iter().all(|r| r["verified"] == true));
}

#[test]
fn starttls_is_required_and_the_server_certificate_checked_against_the_named_ca() {
    let Some(python) = peers::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let (ca, cert, key) = peers::test_certificates(dir.path());
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let sink = peers::smtp_sink_tls(&python, &inbox, &cert, &key);
    let mail_test = |url: &str, to: &str| {
        tenure(&db)
            .args([
                "mail",
                "test",
                to,
                "--wait",
                "--json",
                "--max-attempts",
                "1",
                "--smtp-url",
                url,
                "--mail-from",
                FROM,
            ])
            .output()
            .unwrap()
    };

    let unknown_ca = mail_test(&format!("smtp://127.0.0.1:{}?tls=required", sink.port), "a@example.com");
    assert!(!unknown_ca.status.success(), "a certificate no trusted root signed is refused");
    let said = common::stdout_json(&unknown_ca);
    assert_eq!(said["state"], "dead");
    assert!(said["last_error"].as_str().unwrap().contains("TLS"), "{said}");

    let trusted = mail_test(
        &format!("smtp://127.0.0.1:{}?tls=required&ca_file={}", sink.port, ca.display()),
        "b@example.com",
    );
    assert!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stdout));
    sink.wait_for("Message-ID", 1);
    let received = peers::message_ids(&inbox);
    assert_eq!(received.len(), 1, "only the message sent over TLS arrived");
}

#[test]
fn the_worker_runs_a_due_model_refit_job_and_the_run_log_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    run(tenure(&db)
        .args(["import", "--format", "cdnow", "--progress", "none", "--no-refresh"])
        .arg(common::data("cdnow/CDNOW_sample.txt")));
    let mut store = tenure_store::open(&db, chrono::Utc::now()).unwrap();
    let job = tenure_store::NewJob {
        kind: "model.refit".into(),
        key: "model.refit".into(),
        payload: "{}".into(),
        run_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        recurrence: tenure_store::Recurrence::Every(600),
    };
    store.schedule_job(&job, chrono::Utc::now()).unwrap();
    let query = tenure_store::ScoreQuery {
        currency: "USD".into(),
        order: tenure_store::ScoreOrder::Customer,
        limit: None,
    };
    assert!(store.scores(&query).unwrap().is_empty(), "imported without fitting");
    drop(store);
    let drained = run(worker(&db, "log:", true).stderr(Stdio::null()));
    // The refit, and what every worker schedules: the survey dispatch, the follow-up reminders,
    // the cadence check, the loyalty earning and nightly runs and the retention job (due at once
    // when first scheduled; without a programme or a retention setting they do nothing).
    assert!(
        String::from_utf8_lossy(&drained.stdout).contains("7 jobs run"),
        "{}",
        String::from_utf8_lossy(&drained.stdout)
    );
    let jobs = common::json(&db, &["jobs", "list", "--json"]);
    let refit = jobs.as_array().unwrap().iter().find(|j| j["kind"] == "model.refit").unwrap();
    assert_eq!(refit["recurrence"]["every"], 600);
    let runs = common::json(&db, &["jobs", "runs", "--job", &refit["id"].to_string(), "--json"]);
    assert_eq!(runs[0]["outcome"], "done");
    assert!(runs[0]["detail"].as_str().unwrap().starts_with("refitted: "), "{runs}");
    let mut store = tenure_store::open(&db, chrono::Utc::now()).unwrap();
    assert!(!store.scores(&query).unwrap().is_empty(), "the job stored scores");
}
