//! Just enough of the W3C WebDriver protocol to drive a real Chromium from tests: sessions,
//! navigation, elements (find, type, click, read), the page source and screenshots. It speaks
//! HTTP/1.1 to a `chromedriver` on loopback, so no HTTP or TLS stack is pulled into the build.
//!
//! The browser comes from Debian's `chromium` and `chromium-driver` packages (`scripts/test`
//! installs them); `TENURE_TEST_CHROMEDRIVER` and `TENURE_TEST_CHROMIUM` point elsewhere.

#![allow(dead_code)] // Each browser test uses its own part of this driver.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The W3C key of an element reference in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser's paths, or `None` (loudly) when `TENURE_TEST_BROWSER=skip` says to skip `what`.
///
/// # Panics
/// When the browser is missing and no skip was asked for.
pub fn browser_or_skip(what: &str) -> Option<(PathBuf, PathBuf)> {
    if std::env::var("TENURE_TEST_BROWSER").as_deref() == Ok("skip") {
        eprintln!("\n*** SKIPPED: {what} (TENURE_TEST_BROWSER=skip) ***\n");
        return None;
    }
    Some(browser_paths().unwrap_or_else(|why| panic!("{why} (or set TENURE_TEST_BROWSER=skip)")))
}

/// A running chromedriver; stopped when dropped.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where chromedriver and Chromium are, or why the browser tests cannot run here.
pub fn browser_paths() -> Result<(PathBuf, PathBuf), String> {
    let driver = std::env::var_os("TENURE_TEST_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    let browser = std::env::var_os("TENURE_TEST_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    for path in [&driver, &browser] {
        if !path.exists() {
            return Err(format!(
                "{} is missing: install Debian's chromium and chromium-driver (scripts/test does, as root)",
                path.display()
            ));
        }
    }
    Ok((driver, browser))
}

impl Driver {
    /// Starts chromedriver on a free port and waits for the line saying it listens.
    pub fn start(path: &Path) -> Driver {
        let mut child = Command::new(path)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
            // "ChromeDriver was started successfully on port 40123."
            let rest = line.split("started successfully on port ").nth(1)?;
            rest.trim_end_matches('.').trim().parse::<u16>().ok()
        });
        // Keep reading what it prints, so it never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromedriver did not say which port it listens on");
        };
        Driver { child, port }
    }

    /// A new headless browser session.
    pub fn session(&self, chromium: &Path) -> Session {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--lang=en-US"]
            }
        }}});
        let answer = call(self.port, "POST", "/session", Some(&capabilities));
        let id = answer["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}")).to_string();
        let session = Session { port: self.port, id };
        // Finding an element waits (up to this) for it to appear: a click that starts a
        // navigation returns before the next page is there, and the next `find` waits for it.
        session.command("POST", "/timeouts", Some(&json!({"implicit": 10_000, "pageLoad": 30_000})));
        session
    }
}

/// One browser window.
pub struct Session {
    port: u16,
    id: String,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = try_call(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// An element of the current page.
pub struct Element<'a> {
    session: &'a Session,
    id: String,
}

impl Session {
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        call(self.port, method, &format!("/session/{}{path}", self.id), body)
    }

    /// Opens `url` and waits for it to load.
    pub fn open(&self, url: &str) {
        self.command("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The address of the page shown.
    pub fn url(&self) -> String {
        self.command("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    /// The page's HTML as the browser holds it.
    pub fn source(&self) -> String {
        self.command("GET", "/source", None).as_str().unwrap_or_default().to_string()
    }

    /// The first element matching a CSS selector (the test fails when there is none).
    pub fn find(&self, css: &str) -> Element<'_> {
        let answer = self.command("POST", "/element", Some(&json!({"using": "css selector", "value": css})));
        let id = answer[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("no element {css}: {answer}"));
        Element { session: self, id: id.to_string() }
    }

    /// How many elements match a CSS selector.
    pub fn count(&self, css: &str) -> usize {
        let answer = self.command("POST", "/elements", Some(&json!({"using": "css selector", "value": css})));
        answer.as_array().map_or(0, Vec::len)
    }

    /// Resizes the window (a phone is about 390 × 844).
    pub fn resize(&self, width: u32, height: u32) {
        self.command("POST", "/window/rect", Some(&json!({"width": width, "height": height})));
    }

    /// The page's width as laid out, in CSS pixels (wider than the window: it scrolls sideways).
    pub fn page_width(&self) -> u64 {
        let script = json!({"script": "return document.documentElement.scrollWidth;", "args": []});
        self.command("POST", "/execute/sync", Some(&script)).as_u64().unwrap_or(0)
    }

    /// The elements that stick out past `width` CSS pixels (tag, id, class), for a failure message.
    pub fn wider_than(&self, width: u64) -> String {
        let script = json!({"script": "const w = arguments[0]; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');", "args": [width]});
        self.command("POST", "/execute/sync", Some(&script)).as_str().unwrap_or_default().to_string()
    }

    /// Saves a PNG screenshot of the window to `path`.
    pub fn screenshot(&self, path: &Path) {
        let answer = self.command("GET", "/screenshot", None);
        let png = decode_base64(answer.as_str().expect("base64 PNG"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("screenshot folder");
        std::fs::write(path, png).expect("screenshot written");
    }
}

impl Element<'_> {
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.session.command(method, &format!("/element/{}{path}", self.id), body)
    }

    /// Types `text` into it (for a file input: the file's path).
    pub fn type_text(&self, text: &str) {
        self.command("POST", "/value", Some(&json!({ "text": text })));
    }

    /// Clicks it (and waits for a navigation it starts).
    pub fn click(&self) {
        self.command("POST", "/click", Some(&json!({})));
    }

    /// Its rendered text.
    pub fn text(&self) -> String {
        self.command("GET", "/text", None).as_str().unwrap_or_default().to_string()
    }

    /// One of its attributes.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.command("GET", &format!("/attribute/{name}"), None).as_str().map(str::to_string)
    }
}

/// One WebDriver command; the test fails on a protocol error, with its message.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let answer = try_call(port, method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    if let Some(error) = answer.get("value").and_then(|v| v.get("error")) {
        panic!("{method} {path}: {error}: {}", answer["value"]["message"]);
    }
    answer["value"].clone()
}

/// One HTTP/1.1 exchange with chromedriver, its JSON answer.
fn try_call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    // chromedriver may keep the connection open: read the head, then exactly the body.
    let mut reader = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("the connection closed inside the HTTP head".into());
        }
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
        chunked |= line.starts_with("transfer-encoding:") && line.contains("chunked");
    }
    let json = if let Some(length) = length {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&body).into_owned()
    } else {
        let mut rest = String::new();
        reader.read_to_string(&mut rest).map_err(|e| e.to_string())?;
        if chunked { dechunk(&rest) } else { rest }
    };
    serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))
}

/// The body of a chunked HTTP/1.1 answer.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

/// Standard base64 (RFC 4648) to bytes; screenshots only, so invalid input fails the test.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> =
        text.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()).map(value).collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            bytes.push((n >> (16 - 8 * i)) as u8);
        }
    }
    bytes
}

#[test]
fn base64_decodes_the_rfc_4648_vectors() {
    assert_eq!(decode_base64("Zm9vYmFy"), b"foobar");
    assert_eq!(decode_base64("Zm9vYg=="), b"foob");
    assert_eq!(decode_base64("Zm9vYmE="), b"fooba");
}
