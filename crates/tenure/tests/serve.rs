//! `tenure serve` on a real socket: health, and the retention API answering with a token exactly
//! what `tenure report retention --json` prints.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use common::{data, json, run, sqlite_url, tenure};
use serde_json::Value;

/// A running server; killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tenure serve` on a free port and waits for the line that names it.
fn serve(db: &str) -> Server {
    let mut child = tenure(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap();
    Server { address: address.to_string(), child }
}

/// A plain HTTP/1.1 GET; returns the status code and the body.
fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n", server.address)
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

#[test]
fn the_server_answers_health_and_the_retention_api_as_the_cli_reports() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    run(tenure(&db)
        .args(["import", "--format", "cdnow", "--no-refresh"])
        .arg(data("cdnow/CDNOW_sample.txt")));
    let token = json(&db, &["token", "create", "--role", "analyst", "--name", "test", "--json"]);
    let token = token["token"].as_str().unwrap();
    let server = serve(&db);

    assert_eq!(get(&server, "/healthz", None), (200, "ok".to_string()));
    let path = "/api/v1/metrics/retention?from=1997-06-30&to=1998-06-30";
    let (status, body) = get(&server, path, None);
    assert_eq!(status, 401, "{body}");
    let (status, body) = get(&server, path, Some(token));
    assert_eq!(status, 200, "{body}");
    let api: Value = serde_json::from_str(&body).unwrap();
    let cli = json(&db, &["report", "retention", "--from", "1997-06-30", "--to", "1998-06-30", "--json"]);
    assert_eq!(api, cli);

    let revoked = json(&db, &["token", "list", "--json"])[0]["id"].as_i64().unwrap();
    run(tenure(&db).args(["token", "revoke", &revoked.to_string()]));
    assert_eq!(get(&server, path, Some(token)).0, 401, "a revoked token stops working at once");
}
