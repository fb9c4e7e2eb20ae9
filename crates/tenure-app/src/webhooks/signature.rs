//! Checking a delivery's signature, per platform, before anything reads its body. Every
//! comparison is constant-time (`hmac`'s `verify_slice`), and a missing or malformed header is
//! simply "not signed": the caller learns nothing about which part failed.
//!
//! - Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(body, secret)).
//! - WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(body, secret)).
//! - Standard Webhooks: `webhook-signature` = space-separated `v1,`+base64(HMAC-SHA256(
//!   `{webhook-id}.{webhook-timestamp}.{body}`, base64-decoded secret after `whsec_`)); the
//!   timestamp (Unix seconds) must be within [`TIMESTAMP_TOLERANCE_SECONDS`] of now, so a captured
//!   delivery cannot be replayed later.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenure_domain::{Timestamp, WebhookKind, WebhookSecret};

use super::Headers;

/// How far a Standard Webhooks timestamp may be from now, either way (the spec's 5 minutes).
pub const TIMESTAMP_TOLERANCE_SECONDS: i64 = 5 * 60;

/// What Standard Webhooks secrets start with.
pub const STANDARD_SECRET_PREFIX: &str = "whsec_";

type HmacSha256 = Hmac<Sha256>;

/// True when `body` with `headers` is signed with `secret` by the scheme of `kind`.
pub(crate) fn verifies(
    kind: WebhookKind,
    secret: &WebhookSecret,
    headers: &dyn Headers,
    body: &[u8],
    now: Timestamp,
) -> bool {
    match kind {
        WebhookKind::Shopify => {
            body_signed(secret.expose().as_bytes(), headers.header("x-shopify-hmac-sha256"), body)
        }
        WebhookKind::Woocommerce => {
            body_signed(secret.expose().as_bytes(), headers.header("x-wc-webhook-signature"), body)
        }
        WebhookKind::Standard => standard_signed(secret, headers, body, now),
    }
}

/// `signature` is base64(HMAC-SHA256(body, key)).
fn body_signed(key: &[u8], signature: Option<&str>, body: &[u8]) -> bool {
    let Some(Ok(expected)) = signature.map(|s| STANDARD.decode(s.trim())) else { return false };
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else { return false };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn standard_signed(secret: &WebhookSecret, headers: &dyn Headers, body: &[u8], now: Timestamp) -> bool {
    let (Some(id), Some(timestamp), Some(signatures)) = (
        headers.header("webhook-id"),
        headers.header("webhook-timestamp"),
        headers.header("webhook-signature"),
    ) else {
        return false;
    };
    let Some(key) = standard_key(secret) else { return false };
    let Ok(seconds) = timestamp.trim().parse::<i64>() else { return false };
    if (now.timestamp() - seconds).abs() > TIMESTAMP_TOLERANCE_SECONDS {
        return false;
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(&key) else { return false };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // Several signatures may be listed (a sender rotating its secret); one that verifies suffices.
    signatures.split_whitespace().filter_map(|entry| entry.strip_prefix("v1,")).any(|encoded| {
        STANDARD.decode(encoded).is_ok_and(|expected| mac.clone().verify_slice(&expected).is_ok())
    })
}

/// The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`.
pub(crate) fn standard_key(secret: &WebhookSecret) -> Option<Vec<u8>> {
    STANDARD.decode(secret.expose().strip_prefix(STANDARD_SECRET_PREFIX)?).ok()
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn at(seconds: i64) -> Timestamp {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_headers(signature: &str) -> Vec<(String, String)> {
        vec![
            ("webhook-id".into(), SPEC_ID.into()),
            ("webhook-timestamp".into(), SPEC_TIMESTAMP.to_string()),
            ("webhook-signature".into(), signature.into()),
        ]
    }

    fn standard(headers: &[(String, String)], body: &[u8], now: i64) -> bool {
        verifies(WebhookKind::Standard, &WebhookSecret::new(SPEC_SECRET), &headers.to_vec(), body, at(now))
    }

    /// The test vector published with the Standard Webhooks specification (its reference
    /// libraries' tests): this secret, id, timestamp and payload sign to `SPEC_SIGNATURE`.
    #[test]
    fn the_standard_webhooks_published_test_vector_verifies() {
        assert!(standard(&spec_headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_TIMESTAMP));
        let listed = format!("v1,bm90IHRoaXM= {SPEC_SIGNATURE} v1a,whatever");
        assert!(standard(&spec_headers(&listed), SPEC_BODY, SPEC_TIMESTAMP + 299), "any listed v1 signature");
    }

    #[test]
    fn standard_deliveries_that_are_tampered_stale_or_unsigned_do_not_verify() {
        assert!(!standard(&spec_headers(SPEC_SIGNATURE), br#"{"test": 2432232315}"#, SPEC_TIMESTAMP));
        assert!(!standard(
            &spec_headers(SPEC_SIGNATURE),
            SPEC_BODY,
            SPEC_TIMESTAMP + TIMESTAMP_TOLERANCE_SECONDS + 1
        ));
        assert!(!standard(
            &spec_headers(SPEC_SIGNATURE),
            SPEC_BODY,
            SPEC_TIMESTAMP - TIMESTAMP_TOLERANCE_SECONDS - 1
        ));
        assert!(!standard(&spec_headers(&SPEC_SIGNATURE.replace("v1,", "v2,")), SPEC_BODY, SPEC_TIMESTAMP));
        assert!(!standard(&spec_headers(""), SPEC_BODY, SPEC_TIMESTAMP));
        let mut other_id = spec_headers(SPEC_SIGNATURE);
        other_id[0].1 = "msg_other".into();
        assert!(!standard(&other_id, SPEC_BODY, SPEC_TIMESTAMP), "the id is signed");
        assert!(!standard(&spec_headers(SPEC_SIGNATURE)[1..], SPEC_BODY, SPEC_TIMESTAMP));
        let wrong = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx");
        let headers = spec_headers(SPEC_SIGNATURE);
        assert!(!verifies(WebhookKind::Standard, &wrong, &headers, SPEC_BODY, at(SPEC_TIMESTAMP)));
    }

    /// RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?") =
    /// 5bdcc146…64ec3843, here in base64.
    #[test]
    fn body_signatures_are_base64_of_hmac_sha256() {
        let expected = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";
        let body = b"what do ya want for nothing?";
        assert!(body_signed(b"Jefe", Some(expected), body));
        assert!(!body_signed(b"Jefe", Some(expected), b"what do ya want for nothing!"));
        assert!(!body_signed(b"Jeff", Some(expected), body));
        assert!(!body_signed(b"Jefe", None, body));
        assert!(!body_signed(b"Jefe", Some("not base64!"), body));
    }
}
