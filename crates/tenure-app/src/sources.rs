//! Sources that accept signed webhooks: `tenure source add | list | remove`.
//!
//! A Standard Webhooks secret is generated here when none is given: `whsec_` + base64 of 32 bytes
//! from the operating system's secure generator, shown once. Shopify and WooCommerce secrets come
//! from the platform (Shopify's app or shop webhook secret; the "Secret" of a WooCommerce webhook)
//! and must be given. Secrets are stored usable, since verifying an HMAC needs the key itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use tenure_domain::{SourceName, Timestamp, WebhookKind, WebhookSecret};
use tenure_store::{SourceInfo, Store};

use crate::AppError;
use crate::webhooks::{STANDARD_SECRET_PREFIX, standard_key};

/// Key sizes of Standard Webhooks secrets, in bytes, as the specification bounds them.
const STANDARD_KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// Longest Shopify or WooCommerce secret accepted.
const MAX_SECRET_CHARS: usize = 1024;

/// A source now accepting webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSource {
    /// Its name.
    pub name: String,
    /// Its signing scheme.
    pub kind: WebhookKind,
    /// The secret Tenure generated, to give to the sender; shown once. `None` when it was given.
    pub secret: Option<String>,
    /// Where deliveries go, relative to the server's address.
    pub path: String,
}

/// Lets source `name` (created if new) accept webhooks of `kind`, signed with `secret`, or with a
/// generated one (Standard Webhooks only).
pub fn add_source(
    store: &mut dyn Store,
    name: &str,
    kind: WebhookKind,
    secret: Option<&str>,
    now: Timestamp,
) -> Result<NewSource, AppError> {
    let source = SourceName::parse(name).map_err(|e| AppError::Invalid(e.to_string()))?;
    let (secret, generated) = match secret {
        Some(given) => (checked_secret(kind, given)?, None),
        None if kind == WebhookKind::Standard => {
            let secret = generate_standard_secret();
            (WebhookSecret::new(secret.clone()), Some(secret))
        }
        None => {
            return Err(AppError::Invalid(format!(
                "a {kind} source needs the secret {kind} signs its webhooks with: give it with --secret"
            )));
        }
    };
    store.add_webhook(&source, kind, &secret, now)?;
    Ok(NewSource { path: format!("/webhooks/{source}"), name: source.to_string(), kind, secret: generated })
}

/// Every source, with its webhook kind: never a secret.
pub fn list_sources(store: &mut dyn Store) -> Result<Vec<SourceInfo>, AppError> {
    Ok(store.sources()?)
}

/// Stops source `name` accepting webhooks and forgets its secret; its data stays.
pub fn remove_source(store: &mut dyn Store, name: &str) -> Result<(), AppError> {
    let source = SourceName::parse(name).map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(store.remove_webhook(&source)?)
}

/// A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_standard_secret() -> String {
    let key: [u8; 32] = rand::random();
    format!("{STANDARD_SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// `given`, trimmed, if it can be `kind`'s secret. Messages never repeat it.
fn checked_secret(kind: WebhookKind, given: &str) -> Result<WebhookSecret, AppError> {
    let secret = WebhookSecret::new(given.trim());
    if kind == WebhookKind::Standard {
        let key_bytes = standard_key(&secret).map(|key| key.len());
        if !key_bytes.is_some_and(|bytes| STANDARD_KEY_BYTES.contains(&bytes)) {
            return Err(AppError::Invalid(format!(
                "a Standard Webhooks secret is `{STANDARD_SECRET_PREFIX}` followed by base64 of {} to {} bytes",
                STANDARD_KEY_BYTES.start(),
                STANDARD_KEY_BYTES.end()
            )));
        }
    } else if secret.expose().is_empty() || secret.expose().chars().count() > MAX_SECRET_CHARS {
        return Err(AppError::Invalid(format!("a {kind} secret is 1 to {MAX_SECRET_CHARS} characters")));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Box<dyn Store> {
        tenure_store::open("sqlite::memory:", chrono::Utc::now()).unwrap()
    }

    #[test]
    fn a_standard_source_gets_a_generated_secret_shown_once() {
        let mut store = store();
        let new =
            add_source(store.as_mut(), "Etsy", WebhookKind::Standard, None, chrono::Utc::now()).unwrap();
        let secret = new.secret.expect("generated");
        let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!((new.name.as_str(), new.path.as_str(), key.len()), ("etsy", "/webhooks/etsy", 32));
        let stored = store.webhook_endpoint(&SourceName::parse("etsy").unwrap()).unwrap().unwrap();
        assert_eq!(stored.secret.expose(), secret, "stored usable");
        assert_ne!(generate_standard_secret(), generate_standard_secret());
    }

    #[test]
    fn secrets_are_checked_for_their_kind_and_never_echoed() {
        let mut store = store();
        let now = chrono::Utc::now();
        let error = add_source(store.as_mut(), "shop", WebhookKind::Shopify, None, now).unwrap_err();
        assert!(error.to_string().contains("--secret"), "{error}");
        let error =
            add_source(store.as_mut(), "e", WebhookKind::Standard, Some("whsec_c2hvcnQ="), now).unwrap_err();
        assert!(!error.to_string().contains("c2hvcnQ"), "{error}");
        assert!(
            add_source(
                store.as_mut(),
                "e",
                WebhookKind::Standard,
                Some("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                now
            )
            .is_err()
        );
        let spec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert_eq!(
            add_source(store.as_mut(), "e", WebhookKind::Standard, Some(spec), now).unwrap().secret,
            None
        );
        assert!(add_source(store.as_mut(), "w", WebhookKind::Woocommerce, Some("  "), now).is_err());
    }
}
