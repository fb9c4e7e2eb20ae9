//! Faults a seller's machine meets, survived: the server killed (SIGKILL) while orders pour in
//! through the API — every order it answered 201 is there after a restart, on SQLite and
//! PostgreSQL — and an import that fills the database's space — a clear error, nothing of the
//! import written, the database intact. (PostgreSQL going away under load is
//! tenure-web/tests/errors.rs: 503 while it is gone, recovery by itself.)

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{data, json, run, serve, sqlite_url, tenure};

/// POSTs order `n`; `Some(true)` when answered 201, `None` when the server is gone.
fn post_order(address: &str, token: &str, n: usize) -> Option<bool> {
    let body = format!(
        r#"{{"source": "api", "external_id": "K-{n}", "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR",
            "total": "9.90", "status": "paid", "customer": {{"external_id": "k-{n}", "email": "kill{n}@example.org"}}}}"#
    );
    let mut stream = TcpStream::connect(address).ok()?;
    write!(
        stream,
        "POST /api/v1/orders HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    (!response.is_empty()).then(|| response.starts_with("HTTP/1.1 201"))
}

fn killed_under_ingest(db: &str) {
    let token = json(db, &["token", "create", "--role", "admin", "--name", "shop", "--json"])["token"]
        .as_str()
        .unwrap()
        .to_string();
    let server = serve(db);
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let posters: Vec<_> = (0..4)
        .map(|lane| {
            let (address, token) = (server.address.clone(), token.clone());
            let (acknowledged, answered) = (Arc::clone(&acknowledged), Arc::clone(&answered));
            std::thread::spawn(move || {
                for n in (lane..100_000).step_by(4) {
                    match post_order(&address, &token, n) {
                        Some(true) => {
                            acknowledged.lock().unwrap().insert(n);
                        }
                        Some(false) => {}
                        None => return,
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 300 {
        std::thread::yield_now();
    }
    drop(server); // SIGKILL, with requests in flight
    for poster in posters {
        poster.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300, "{} acknowledged", acknowledged.len());

    let restarted = serve(db);
    let customers = json(db, &["customers", "list", "--limit", "100000", "--json"]);
    drop(restarted);
    let stored: HashSet<String> = customers
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<&usize> =
        acknowledged.iter().filter(|n| !stored.contains(&format!("kill{n}@example.org"))).collect();
    assert!(lost.is_empty(), "orders answered 201 and lost after the kill: {lost:?}");
    let stats = json(db, &["stats", "--json"]);
    assert_eq!(
        stats["orders"].as_u64().unwrap() as usize,
        stored.len(),
        "one order per customer, none half-written"
    );
}

#[test]
fn every_order_answered_201_survives_the_server_killed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    killed_under_ingest(&sqlite_url(&dir));
}

#[test]
fn every_order_answered_201_survives_the_server_killed_on_postgres() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    killed_under_ingest(&database.url);
}

#[test]
fn an_import_that_fills_the_database_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let shopify = data("samples/shopify_orders_export.csv");
    run(tenure(&db)
        .args(["import", "--format", "shopify", "--progress", "none", "--no-refresh"])
        .arg(&shopify));
    let before = json(&db, &["stats", "--json"]);
    // Room for a few more MiB only: CDNOW's 69,659 orders need more.
    let capped = format!("{db}?max_size_mb=6");
    let full = tenure(&capped)
        .args(["import", "--format", "cdnow", "--progress", "none", "--no-refresh"])
        .arg(data("cdnow/CDNOW_master.txt"))
        .output()
        .unwrap();
    assert!(!full.status.success());
    let said = String::from_utf8_lossy(&full.stderr);
    assert!(said.contains("full") && said.contains("nothing of this change was written"), "{said}");
    assert_eq!(json(&db, &["stats", "--json"]), before, "the database is as it was");
    let backup = dir.path().join("check.db");
    let checked = json(&db, &["backup", backup.to_str().unwrap(), "--json"]);
    assert_eq!(checked["integrity"], "ok");
}
