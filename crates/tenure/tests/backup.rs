//! Backups as a seller takes them: `tenure backup` while the server takes 1,000 orders through
//! the API, restored with `tenure restore` into a fresh file that passes SQLite's integrity
//! check and holds every order acknowledged before the backup began; a damaged backup is
//! refused; and PostgreSQL's documented route (pg_dump, pg_restore) brings a database back whole.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{data, json, run, serve, sqlite_url, tenure};

const ORDERS: usize = 1_000;

/// POSTs one order for its own customer; true when the server answered 201.
fn post_order(address: &str, token: &str, n: usize) -> bool {
    let body = format!(
        r#"{{"source": "api", "external_id": "B-{n}", "placed_at": "2024-05-01T10:00:00Z", "currency": "EUR",
            "total": "12.50", "status": "paid", "customer": {{"external_id": "c-{n}", "email": "buyer{n}@example.org"}}}}"#
    );
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /api/v1/orders HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.starts_with("HTTP/1.1 201")
}

#[test]
fn a_backup_taken_under_load_restores_every_order_acknowledged_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let token = json(&db, &["token", "create", "--role", "admin", "--name", "shop", "--json"])["token"]
        .as_str()
        .unwrap()
        .to_string();
    let server = serve(&db);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(Mutex::new(Vec::new()));
    let poster = {
        let (address, token) = (server.address.clone(), token.clone());
        let (acknowledged, refused) = (Arc::clone(&acknowledged), Arc::clone(&refused));
        std::thread::spawn(move || {
            for n in 0..ORDERS {
                if post_order(&address, &token, n) {
                    acknowledged.store(n + 1, Ordering::SeqCst);
                } else {
                    refused.lock().unwrap().push(n);
                }
            }
        })
    };
    // Orders go in one after another: once a third are acknowledged, back up mid-stream.
    while acknowledged.load(Ordering::SeqCst) < ORDERS / 3 {
        std::thread::yield_now();
    }
    let before_backup = acknowledged.load(Ordering::SeqCst);
    let file = dir.path().join("tenure-backup.db");
    let report = json(&db, &["backup", file.to_str().unwrap(), "--json"]);
    poster.join().unwrap();
    assert!(refused.lock().unwrap().is_empty(), "orders refused: {:?}", refused.lock().unwrap());
    assert_eq!(report["integrity"], "ok");
    let in_backup = report["orders"].as_u64().unwrap() as usize;
    assert!(
        in_backup >= before_backup && in_backup <= ORDERS,
        "{in_backup} orders, {before_backup} acknowledged"
    );
    drop(server);

    let restored = format!("sqlite:{}", dir.path().join("restored.db").display());
    let unconfirmed = tenure(&restored).args(["restore", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(unconfirmed.status.code(), Some(2), "nothing is restored without --yes");
    let back = json(&restored, &["restore", file.to_str().unwrap(), "--yes", "--json"]);
    assert_eq!(back["integrity"], "ok");
    let customers = json(&restored, &["customers", "list", "--limit", "2000", "--json"]);
    let emails: std::collections::HashSet<&str> =
        customers.as_array().unwrap().iter().filter_map(|c| c["email"].as_str()).collect();
    for n in 0..before_backup {
        assert!(
            emails.contains(format!("buyer{n}@example.org").as_str()),
            "order B-{n} was acknowledged before the backup"
        );
    }
    let actions = |db: &str| -> Vec<String> {
        let log = json(db, &["audit", "list", "--json"]);
        log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
    };
    assert!(actions(&db).contains(&"backup".to_string()), "the backup is in the live database's log");
    assert!(actions(&restored).contains(&"restore".to_string()), "the restore is in the restored one's");
}

#[test]
fn a_damaged_backup_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    common::import_cdnow(&db);
    let file = dir.path().join("backup.db");
    run(tenure(&db).args(["backup", file.to_str().unwrap()]));
    let again = tenure(&db).args(["backup", file.to_str().unwrap()]).output().unwrap();
    assert!(!again.status.success(), "a backup never overwrites a file");
    // Overwrite the middle of the file: pages of the orders table.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 40_000].fill(0x5a);
    std::fs::write(&file, bytes).unwrap();
    let before = json(&db, &["stats", "--json"]);
    let refused = tenure(&db).args(["restore", file.to_str().unwrap(), "--yes"]).output().unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("integrity") || said.contains("malformed"), "{said}");
    assert_eq!(json(&db, &["stats", "--json"]), before, "the database is as it was");
}

#[test]
fn postgres_is_backed_up_and_restored_with_pg_dump_and_pg_restore() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let Some(copy) = tenure_store::testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    run(tenure(&database.url)
        .args(["import", "--format", "shopify", "--progress", "none"])
        .arg(data("samples/shopify_orders_export.csv")));
    let refused = tenure(&database.url).args(["backup", "x.db"]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"), "the CLI points at the right tool");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenure.dump");
    let dump = std::process::Command::new("pg_dump")
        .args(["-Fc", "-f"])
        .arg(&file)
        .arg(&database.url)
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let restore = std::process::Command::new("pg_restore")
        .args(["--no-owner", "-d", &copy.url])
        .arg(&file)
        .output()
        .unwrap();
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    assert_eq!(json(&copy.url, &["stats", "--json"]), json(&database.url, &["stats", "--json"]));
    let retention = ["report", "retention", "--from", "2024-01-01", "--to", "2024-12-31", "--json"];
    assert_eq!(json(&copy.url, &retention), json(&database.url, &retention));
}
