//! Webhook signatures made by an independent signer — Python's standard
//! library (`hmac`, `hashlib`, `base64`) in a child process — never by the code under test.

#![allow(clippy::unwrap_used, dead_code)] // Each test file uses its own part of this module.

use std::io::Write;
use std::process::{Command, Stdio};

/// The Standard Webhooks specification's test secret.
pub const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Signs like Shopify and WooCommerce: base64(HMAC-SHA256(body, secret)).
const BODY_SIGNER: &str = "import base64, hashlib, hmac, sys
key = sys.argv[1].encode()
print(base64.b64encode(hmac.new(key, sys.stdin.buffer.read(), hashlib.sha256).digest()).decode())";

/// Signs like Standard Webhooks: `v1,` + base64(HMAC-SHA256(`id.timestamp.body`, base64-decoded
/// secret after `whsec_`)).
const STANDARD_SIGNER: &str = "import base64, hashlib, hmac, sys
secret, msg_id, timestamp = sys.argv[1:4]
key = base64.b64decode(secret[len('whsec_'):])
signed = (msg_id + '.' + timestamp + '.').encode() + sys.stdin.buffer.read()
print('v1,' + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode())";

fn python(script: &str, args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (it is the independent signer of these tests)");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the signer failed");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// base64(HMAC-SHA256(body, secret)), as Shopify and WooCommerce sign.
pub fn body_signature(secret: &str, body: &[u8]) -> String {
    python(BODY_SIGNER, &[secret], body)
}

/// The three Standard Webhooks headers of a delivery `id` at Unix time `timestamp`.
pub fn standard_headers(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    let timestamp = timestamp.to_string();
    let signature = python(STANDARD_SIGNER, &[secret, id, &timestamp], body);
    vec![("webhook-id", id.to_string()), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
}

/// Now, in Unix seconds.
pub fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}
