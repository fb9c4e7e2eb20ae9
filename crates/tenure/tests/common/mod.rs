//! What the binary's tests share: running `tenure` as a user does, in a temporary directory,
//! against a database given by URL, and reading its JSON.

#![allow(clippy::unwrap_used, dead_code)] // Each test file uses its own part of this module.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub mod peers;

/// A file under the repository's `data/` folder.
pub fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(relative)
}

/// `tenure --db DB`, with the environment's database and time zone settings cleared.
pub fn tenure(db: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenure"));
    command.env_remove("TENURE_DATABASE_URL").env_remove("TENURE_TIMEZONE").arg("--db").arg(db);
    command
}

/// Runs `command`, failing the test with its output unless it succeeds.
pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the tenure binary runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Parses a command's stdout as JSON.
pub fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// Runs `tenure --db DB ARGS` (ARGS should include `--json`) and parses its stdout.
pub fn json(db: &str, args: &[&str]) -> Value {
    stdout_json(&run(tenure(db).args(args)))
}

/// A `sqlite:` URL for a database file in `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("tenure.db").display())
}

/// Imports CDNOW_master.txt into `db`.
pub fn import_cdnow(db: &str) {
    let master = data("cdnow/CDNOW_master.txt");
    run(tenure(db).args(["import", "--format", "cdnow", "--progress", "none"]).arg(master));
}

/// A running `tenure serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tenure --db DB serve` on a free port, its log discarded.
pub fn serve(db: &str) -> Server {
    start(tenure(db).args(["serve", "--bind", "127.0.0.1:0"]).stderr(Stdio::null()))
}

/// Starts a server command and waits for the line that names its address.
pub fn start(command: &mut Command) -> Server {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split_whitespace().next());
    let Some(address) = address.map(str::to_string) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not say where it listens: {line}");
    };
    Server { child, address }
}

/// POSTs a form `body` to `path` on `address` (`127.0.0.1:PORT`); returns the status and the body.
pub fn post_form(address: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

/// GETs `path` on `address` with extra `headers` (`Name: value` lines); returns the status, the
/// response's headers (names in lower case) and its body.
pub fn get(address: &str, path: &str, headers: &[&str]) -> (u16, Vec<(String, String)>, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n{extra}Connection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// Adds a dashboard admin `email` with `password` to the store at `db`.
pub fn add_admin(db: &str, email: &str, password: &str) {
    let mut add = tenure(db)
        .args(["user", "add", email, "--role", "admin", "--name", "Shop owner", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    assert!(add.wait().unwrap().success());
}
