//! Outgoing webhooks: an HTTP POST signed per Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature` = `v1,` + base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` under each live secret), with a timeout, no redirects followed, and
//! no connection to a private, loopback or link-local address unless the subscription allows it.
//!
//! The address rule is enforced where the connection is made: names are resolved by our own
//! resolver, which drops such addresses (so a name that resolves to 127.0.0.1 later — DNS
//! rebinding — is refused too), and URLs naming an address literally are checked before sending.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Once};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;
use tenure_domain::{Timestamp, WebhookSecret};

use super::mailer::SendFailure;
use crate::webhooks::standard_key;

/// How long one delivery may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Two HTTP clients: one that refuses private addresses, one for subscriptions that allow them.
#[derive(Clone)]
pub struct WebhookClient {
    public_only: reqwest::Client,
    any_address: reqwest::Client,
}

impl WebhookClient {
    /// Clients whose requests give up after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        install_crypto_provider();
        let build = |allow_private: bool| {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .user_agent(concat!("Tenure-Webhooks/", env!("CARGO_PKG_VERSION")))
                .dns_resolver(Arc::new(GuardedResolver { allow_private }))
                .pool_max_idle_per_host(32)
                .build()
                .map_err(|e| format!("starting the webhook client: {e}"))
        };
        Ok(WebhookClient { public_only: build(false)?, any_address: build(true)? })
    }

    /// POSTs `body` to `url`, signed as message `id` at `now` with `secrets`.
    pub async fn deliver(
        &self,
        url: &str,
        id: &str,
        body: &str,
        secrets: &[WebhookSecret],
        allow_private: bool,
        now: Timestamp,
    ) -> Result<(), SendFailure> {
        let retryable = |error: String| SendFailure { error, permanent: false };
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| SendFailure { error: format!("URL: {e}"), permanent: true })?;
        if !allow_private && let Err(error) = check_literal_host(&parsed) {
            return Err(SendFailure { error, permanent: true });
        }
        let timestamp = now.timestamp().to_string();
        let signature = sign(id, &timestamp, body.as_bytes(), secrets).ok_or_else(|| SendFailure {
            error: "the subscription's secret is not a whsec_ key".into(),
            permanent: true,
        })?;
        let client = if allow_private { &self.any_address } else { &self.public_only };
        let response = client
            .post(parsed)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", &timestamp)
            .header("webhook-signature", signature)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| retryable(describe_error(&e)))?;
        let status = response.status();
        if status.is_success() { Ok(()) } else { Err(retryable(format!("the receiver answered {status}"))) }
    }
}

/// The `webhook-signature` header: one `v1,…` entry per secret, space-separated.
pub fn sign(id: &str, timestamp: &str, body: &[u8], secrets: &[WebhookSecret]) -> Option<String> {
    let mut entries = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let key = standard_key(secret)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        entries.push(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())));
    }
    (!entries.is_empty()).then(|| entries.join(" "))
}

/// An error as an operator reads it: what failed, without reqwest's URL (which may carry a
/// token in its query).
fn describe_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() { kind.to_string() } else { format!("{kind}: {detail}") }
}

/// Refuses a URL whose host is a private, loopback or link-local address (or `localhost`).
pub fn check_literal_host(url: &reqwest::Url) -> Result<(), String> {
    let Some(host) = url.host_str() else { return Err("the URL names no host".into()) };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let private = match bare.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost"),
    };
    if private { Err(private_error(bare)) } else { Ok(()) }
}

fn private_error(host: &str) -> String {
    format!(
        "{host} is a private, loopback or link-local address: webhooks go there only from a subscription added with --allow-private"
    )
}

/// Whether `ip` is an address on the public internet (not private, loopback, link-local,
/// unspecified, multicast, shared or documentation space).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Resolves names with the system resolver, keeping only public addresses unless told otherwise.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> =
                found.iter().copied().filter(|address| allow_private || is_public(address.ip())).collect();
            if kept.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host} did not resolve").into()
                } else {
                    private_error(&host).into()
                };
                return Err(error);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// rustls needs a process-wide cryptography provider; ours is ring. rustls 0.23.48 deprecates
/// ring's provider for lacking post-quantum key exchange, which only aws-lc-rs offers — a C/CMake
/// build that costs minutes on a 2-core machine (ENGINEERING.md §7). Webhook TLS keeps classical
/// key exchange until ring gains it.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    #[allow(deprecated)]
    ONCE.call_once(|| {
        // An error means another part of the process installed one first: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's test vector (its reference libraries' tests).
    #[test]
    fn signing_reproduces_the_published_test_vector() {
        let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signature =
            sign("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", br#"{"test": 2432232314}"#, &[secret])
                .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn two_live_secrets_give_two_signatures() {
        let secrets =
            [WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), WebhookSecret::new("whsec_AAAA")];
        let signature = sign("id", "1", b"{}", &secrets).unwrap();
        assert_eq!(signature.split(' ').count(), 2);
        assert!(sign("id", "1", b"{}", &[WebhookSecret::new("not-whsec")]).is_none());
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_naming_private_hosts_are_refused_with_the_flag_named() {
        for url in
            ["http://127.0.0.1:9000/hook", "http://[::1]/x", "http://localhost:80/", "http://app.localhost/"]
        {
            let error = check_literal_host(&reqwest::Url::parse(url).unwrap()).unwrap_err();
            assert!(error.contains("--allow-private"), "{url}: {error}");
        }
        assert!(check_literal_host(&reqwest::Url::parse("https://hooks.example.com/a").unwrap()).is_ok());
    }
}
