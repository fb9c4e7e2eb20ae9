//! `tenure serve`'s protection settings, from flags and from `tenure.toml`: the trusted proxy
//! whose `X-Forwarded-For` names the client the sign-in limits count, and HSTS behind TLS.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{Read, Write};
use std::process::Stdio;

use common::{Server, get, sqlite_url, start, tenure};

/// A failed sign-in for `email` through the proxy at 127.0.0.1 on behalf of `client`; the status.
fn sign_in_through_proxy(server: &Server, client: &str, email: &str) -> u16 {
    let body = format!("csrf=t&email={email}&password=wrong");
    let mut stream = std::net::TcpStream::connect(&server.address).unwrap();
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Cookie: tenure_login=t\r\nX-Forwarded-For: {client}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn behind_the_trusted_proxy_each_client_is_counted_apart_and_hsts_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let server = start(
        tenure(&db)
            .args(["serve", "--bind", "127.0.0.1:0", "--secure-cookies", "--trusted-proxy", "127.0.0.1"])
            .stderr(Stdio::null()),
    );
    for junk in 0..50 {
        assert_eq!(sign_in_through_proxy(&server, "198.51.100.7", &format!("junk{junk}%40x.example")), 401);
    }
    assert_eq!(
        sign_in_through_proxy(&server, "198.51.100.7", "more%40x.example"),
        429,
        "this client is stopped"
    );
    assert_eq!(sign_in_through_proxy(&server, "198.51.100.8", "more%40x.example"), 401, "another is not");

    let (status, headers, _) = get(&server.address, "/healthz", &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "strict-transport-security"), Some("max-age=31536000"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
}

#[test]
fn the_config_file_names_trusted_proxies_and_hsts_and_a_bad_entry_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let config = dir.path().join("tenure.toml");
    std::fs::write(
        &config,
        "[serve]\nsecure_cookies = true\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\nhsts_max_age = 600\n",
    )
    .unwrap();
    let server = start(
        tenure(&db)
            .arg("--config")
            .arg(&config)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stderr(Stdio::null()),
    );
    for junk in 0..50 {
        assert_eq!(sign_in_through_proxy(&server, "198.51.100.7", &format!("junk{junk}%40x.example")), 401);
    }
    assert_eq!(sign_in_through_proxy(&server, "198.51.100.8", "more%40x.example"), 401, "counted per client");
    let (_, headers, _) = get(&server.address, "/healthz", &[]);
    assert_eq!(header(&headers, "strict-transport-security"), Some("max-age=600"));
    drop(server);

    let refused = tenure(&db)
        .args(["serve", "--bind", "127.0.0.1:0", "--trusted-proxy", "proxy.example"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--trusted-proxy") && stderr.contains("proxy.example"), "{stderr}");
}
