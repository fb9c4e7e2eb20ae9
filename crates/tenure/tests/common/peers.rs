//! Real protocol peers for the delivery tests, run as processes: an SMTP server (aiosmtpd) that
//! acknowledges a message only once it is on disk, and a webhook receiver that verifies
//! signatures with the Standard Webhooks reference library. Both come from the venv that
//! `scripts/lib/python.sh` makes (`TENURE_TEST_PYTHON`); see `tests/peers/README.md`.
//!
//! Waiting is on the peers' own words: each prints a line when it listens and one per message it
//! acknowledges, and the tests block on reading those lines.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};

/// The venv's Python, or `None` when the run asked to skip these tests (said loudly).
///
/// # Panics
/// When no venv is set up: run the tests through `scripts/test`, which makes it.
pub fn python() -> Option<PathBuf> {
    match std::env::var("TENURE_TEST_PYTHON") {
        Ok(value) if value == "skip" => {
            eprintln!("SKIPPED: delivery test against Python peers not run because TENURE_TEST_PYTHON=skip");
            None
        }
        Ok(value) => Some(PathBuf::from(value)),
        Err(_) => {
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-peers/bin/python");
            assert!(
                venv.exists(),
                "no Python peers: run the tests with scripts/test (it makes target/py-peers), or set \
                 TENURE_TEST_PYTHON to a Python with aiosmtpd and standardwebhooks (or to `skip`)"
            );
            Some(venv)
        }
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers").join(name)
}

/// A free local port: bound, read, and released for a peer started later.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A peer process whose stderr lines arrive on a channel; killed when dropped.
pub struct Peer {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    lines: Receiver<String>,
}

impl Peer {
    fn start(command: &mut Command) -> Peer {
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let lines = read_lines(child.stderr.take().unwrap());
        let port = loop {
            let line = lines.recv().unwrap_or_else(|_| panic!("the peer {command:?} ended before listening"));
            if let Some(rest) = line.split("listening on 127.0.0.1:").nth(1) {
                break rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
            }
        };
        Peer { child, port, lines }
    }

    /// Blocks until the peer has printed `count` more lines containing `marker`; returns them.
    pub fn wait_for(&self, marker: &str, count: usize) -> Vec<String> {
        let mut found = Vec::new();
        while found.len() < count {
            let line = self.lines.recv().expect("the peer ended early");
            if line.contains(marker) {
                found.push(line);
            }
        }
        found
    }

    /// Kills it at once (SIGKILL).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A channel of `stderr`'s lines, read by a thread of its own.
pub fn read_lines(stderr: ChildStderr) -> Receiver<String> {
    let (send, receive) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

/// Starts the SMTP sink on `port` (0: any), writing messages to `out`.
pub fn smtp_sink(python: &Path, out: &Path, port: u16) -> Peer {
    Peer::start(&mut sink_command(python, out, port))
}

/// Starts the SMTP sink requiring STARTTLS with this certificate chain and key.
pub fn smtp_sink_tls(python: &Path, out: &Path, cert: &Path, key: &Path) -> Peer {
    Peer::start(sink_command(python, out, 0).arg("--tls-cert").arg(cert).arg("--tls-key").arg(key))
}

fn sink_command(python: &Path, out: &Path, port: u16) -> Command {
    let mut command = Command::new(python);
    command
        .arg(script("smtp_sink.py"))
        .args(["--port", &port.to_string(), "--out"])
        .arg(out)
        .arg("--ready-file")
        .arg(out.with_extension("ready"));
    command
}

/// A test CA and a server certificate it signed for 127.0.0.1, made with the openssl command:
/// returns (CA certificate, server certificate, server key).
pub fn test_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Tenure test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

/// Starts the webhook receiver on `port`, verifying with `secret`, answering per `steps`
/// (`500,timeout:3,close,ok`…), recording what it answered 200 to `out`.
pub fn webhook_receiver(python: &Path, out: &Path, port: u16, secret: &str, steps: &str) -> Peer {
    let mut command = Command::new(python);
    command
        .arg(script("webhook_receiver.py"))
        .args(["--port", &port.to_string(), "--secret", secret, "--out"])
        .arg(out)
        .arg("--ready-file")
        .arg(out.with_extension("ready"));
    if !steps.is_empty() {
        command.args(["--script", steps]);
    }
    Peer::start(&mut command)
}

/// The `Message-ID` of every message the sink wrote to `dir`, one entry per file.
pub fn message_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            let text = std::fs::read_to_string(&path).unwrap();
            ids.push(
                header(&text, "Message-ID").unwrap_or_else(|| panic!("{} has no Message-ID", path.display())),
            );
        }
    }
    ids
}

/// The Message-IDs the sinks writing to `dir` acknowledged, one line per acknowledgement.
pub fn acknowledged(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("acknowledged.log")).unwrap().lines().map(str::to_string).collect()
}

/// The value of header `name` in a raw message (first occurrence, unfolded).
pub fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
    })
}

/// The JSON lines the receiver recorded.
pub fn recorded(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A mail sink writing to `DIR/inbox`, and `tenure serve` on `db` delivering to it as `from`:
/// (the sink, the server, the inbox folder).
pub fn server_mailing_to_a_sink(
    python: &Path,
    db: &str,
    dir: &Path,
    from: &str,
) -> (Peer, super::Server, PathBuf) {
    let inbox = dir.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let sink = smtp_sink(python, &inbox, 0);
    let smtp_url = format!("smtp://127.0.0.1:{}", sink.port);
    let server = super::start(
        super::tenure(db)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--log",
                "off",
                "--smtp-url",
                &smtp_url,
                "--mail-from",
                from,
            ])
            .stderr(Stdio::null()),
    );
    (sink, server, inbox)
}
