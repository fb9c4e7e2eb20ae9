//! `tenure serve` on a real socket: health, and the retention API answering with a token exactly
//! what `tenure report retention --json` prints.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use common::{Server, data, json, run, serve, sqlite_url, start, tenure};
use serde_json::Value;

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

/// A raw HTTP/1.1 request with headers and a body; returns the status, the lower-cased head and
/// the body.
fn send(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_string())
}

#[test]
fn two_servers_over_one_postgres_database_serve_the_same_orders_and_sessions() {
    let Some(database) = tenure_store::testing::postgres_database() else { return };
    let db = database.url.clone();
    run(tenure(&db).arg("migrate"));
    let admin = json(&db, &["token", "create", "--role", "admin", "--name", "test", "--json"]);
    let token = format!("Bearer {}", admin["token"].as_str().unwrap());
    let (one, two) = (serve(&db), serve(&db));

    let order = r#"{"source": "api", "external_id": "A-1", "placed_at": "2024-05-01T10:00:00Z",
        "currency": "EUR", "total": "12.50", "status": "paid",
        "customer": {"external_id": "c-17", "email": "eve@example.com"}}"#;
    let headers = [("Authorization", token.as_str()), ("Content-Type", "application/json")];
    let (status, _, body) = send(&one, "POST", "/api/v1/orders", &headers, order);
    assert_eq!(status, 201, "{body}");
    let written: Value = serde_json::from_str(&body).unwrap();
    let customer = written["customer_id"].as_i64().unwrap();

    let (status, body) = get(&two, &format!("/api/v1/customers/{customer}"), Some(&token[7..]));
    assert_eq!(status, 200, "{body}");
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["orders"][0]["external_id"], "A-1", "{detail}");
    assert_eq!(detail["email"], "eve@example.com");
    let (status, _, _) = send(&two, "POST", "/api/v1/orders", &headers, order);
    assert_eq!(status, 200, "the same order through the other server changes nothing");
    assert_eq!(json(&db, &["stats", "--json"])["orders"], 1);

    // A session started on one server is good on the other, and ends on both.
    let mut add = tenure(&db)
        .args(["user", "add", "ann@shop.example", "--role", "analyst", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"ann's long password\n").unwrap();
    assert!(add.wait().unwrap().success());
    let (_, head, form) = send(&one, "GET", "/login", &[], "");
    let login_cookie = cookie(&head, "tenure_login");
    let csrf = hidden(&form, "csrf");
    let login = format!("csrf={csrf}&email=ann%40shop.example&password=ann%27s+long+password");
    let form_headers = [
        ("Cookie", &*format!("tenure_login={login_cookie}")),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, head, _) = send(&one, "POST", "/login", &form_headers, &login);
    assert_eq!(status, 303);
    let session = format!("tenure_session={}", cookie(&head, "tenure_session"));
    let (status, _, page) = send(&two, "GET", "/account", &[("Cookie", &session)], "");
    assert_eq!(status, 200, "the other server knows the session");
    let csrf = hidden(&page, "csrf");
    let logout = [("Cookie", session.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    assert_eq!(send(&two, "POST", "/logout", &logout, &format!("csrf={csrf}")).0, 303);
    let (status, head, _) = send(&one, "GET", "/account", &[("Cookie", &session)], "");
    assert_eq!(status, 303, "signed out on both");
    assert!(head.contains("location: /login"));
}

/// The value a `Set-Cookie` of the (lower-cased) head gives cookie `name`.
fn cookie(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find_map(|c| c.split(';').next()?.strip_prefix(&format!("{name}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("no cookie {name} in {head}"))
}

/// The value of the hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap() + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[test]
fn logs_are_json_lines_without_secrets_and_metrics_count_the_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    run(tenure(&db)
        .args(["import", "--format", "cdnow", "--no-refresh"])
        .arg(data("cdnow/CDNOW_sample.txt")));
    let token = json(&db, &["token", "create", "--role", "analyst", "--name", "scraper", "--json"]);
    let token = token["token"].as_str().unwrap().to_string();
    let log_path = dir.path().join("server.log");
    let server = start(
        tenure(&db)
            .args(["serve", "--bind", "127.0.0.1:0", "--log", "info"])
            .stderr(std::fs::File::create(&log_path).unwrap()),
    );

    assert_eq!(get(&server, "/api/v1/customers/1", Some(&token)).0, 200);
    assert_eq!(get(&server, "/api/v1/customers/2", Some(&token)).0, 200);
    assert_eq!(get(&server, "/api/v1/stats?secret=hunter2", None).0, 401);
    let login = "csrf=x&email=a%40b.example&password=hunter2-password";
    let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "tenure_login=y")];
    assert_eq!(send(&server, "POST", "/login", &headers, login).0, 403);
    let (status, metrics) = get(&server, "/metrics", Some(&token));
    assert_eq!(status, 200);
    let customers =
        "tenure_http_requests_total{method=\"GET\",route=\"/api/v1/customers/{id}\",status=\"2xx\"} 2";
    assert!(metrics.contains(customers), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/stats\",status=\"4xx\"} 1"), "{metrics}");
    assert_eq!(get(&server, "/metrics", None).0, 401, "metrics need a token too");
    drop(server);

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let routes: Vec<&str> = lines.iter().filter_map(|l| l["route"].as_str()).collect();
    assert!(routes.contains(&"/api/v1/customers/{id}") && routes.contains(&"/login"), "{log}");
    for secret in [token.as_str(), "hunter2", "tenure_login=y"] {
        assert!(!log.contains(secret), "the log holds {secret}: {log}");
    }
}
