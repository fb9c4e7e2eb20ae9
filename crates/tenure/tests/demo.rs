//! `tenure demo` as a person runs it: it imports, serves, prints a URL and a login, and that
//! login opens the dashboard, whose overview shows what `tenure report retention` prints.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::{json, run};

/// The running demo; killed when dropped.
struct Demo {
    child: Child,
    address: String,
    email: String,
    password: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo(file: &std::path::Path) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenure"))
        .args(["demo", "--bind", "127.0.0.1:0", "--file"])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let announced = read_login(BufReader::new(child.stdout.take().unwrap()));
    let Some((address, email, password)) = announced else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the demo ended without printing its URL and login");
    };
    Demo { child, address, email, password }
}

/// The URL and the login the demo prints: (address, e-mail, password).
fn read_login(output: impl BufRead) -> Option<(String, String, String)> {
    let mut address = None;
    for line in output.lines() {
        let line = line.ok()?;
        if let Some(rest) = line.strip_prefix("Tenure demo dashboard: http://") {
            address = Some(rest.trim_end_matches('/').to_string());
        }
        if let Some(rest) = line.strip_prefix("Sign in as ") {
            let (email, password) = rest.split_once(" with password ")?;
            return Some((address?, email.to_string(), password.to_string()));
        }
    }
    None
}

/// What a raw HTTP/1.1 exchange returned.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn cookie(&self, name: &str) -> Option<String> {
        self.head.lines().filter_map(|l| l.strip_prefix("set-cookie: ")).find_map(|c| {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            pair.strip_prefix(&format!("{name}=")).map(str::to_string)
        })
    }
}

fn exchange(address: &str, method: &str, path: &str, cookie: &str, form: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    let body = form.unwrap_or("");
    let content = if form.is_some() {
        format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len())
    } else {
        String::new()
    };
    let cookie = if cookie.is_empty() { String::new() } else { format!("Cookie: {cookie}\r\n") };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{cookie}{content}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Reply { status, head: head.to_lowercase(), body: body.to_string() }
}

fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap() + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn sign_in(demo: &Demo, password: &str) -> Reply {
    let form = exchange(&demo.address, "GET", "/login", "", None);
    assert_eq!(form.status, 200);
    let login_cookie = form.cookie("tenure_login").unwrap();
    let csrf = form_value(&form.body, "csrf");
    let body = format!("csrf={csrf}&email={}&password={}", encode(&demo.email), encode(password));
    exchange(&demo.address, "POST", "/login", &format!("tenure_login={login_cookie}"), Some(&body))
}

#[test]
fn the_demo_prints_a_login_that_opens_the_dashboard_with_the_reports_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let demo = start_demo(&file);

    assert_eq!(sign_in(&demo, "not the password").status, 401);
    let signed_in = sign_in(&demo, &demo.password);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in.cookie("tenure_session").unwrap();
    let overview = exchange(&demo.address, "GET", "/", &format!("tenure_session={session}"), None);
    assert_eq!(overview.status, 200);

    // The overview's default period is the year to the last purchase, window 365 days.
    let db = format!("sqlite:{}", file.display());
    let report = json(&db, &["report", "retention", "--from", "1997-06-30", "--to", "1998-06-30", "--json"]);
    let crr = report["crr"].as_f64().unwrap();
    assert!(
        overview.body.contains(&format!("<data id=\"crr\" value=\"{crr}\">{crr:.1} %</data>")),
        "{}",
        overview.body
    );
    assert!(overview.body.contains("1997-06-30") && overview.body.contains("1998-06-30"));

    // Starting the demo again replaces the password: the old one stops working.
    drop(demo);
    let again = start_demo(&file);
    assert_ne!(again.password, "");
    assert_eq!(sign_in(&again, &again.password).status, 303);
    run(Command::new(env!("CARGO_BIN_EXE_tenure")).args(["--db", &db, "user", "list"]));
}
