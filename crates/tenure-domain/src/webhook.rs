//! Incoming webhooks: which platform's signing scheme a source uses, and its shared secret.
//!
//! The secret is kept as given (never hashed): checking an HMAC signature needs the key itself.
//! [`WebhookSecret`] therefore never shows itself in `Debug` output, so a logged value or a panic
//! message cannot leak it; only [`WebhookSecret::expose`] hands it out, to the code that signs
//! or stores it.

use std::fmt;

/// The signing scheme of a source's webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookKind {
    /// Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(body, secret)).
    Shopify,
    /// WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(body, secret)).
    Woocommerce,
    /// Standard Webhooks: `webhook-signature` = `v1,` + base64(HMAC-SHA256(`id.timestamp.body`,
    /// base64-decoded secret after `whsec_`)).
    Standard,
}

/// Why a text is not a webhook kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a webhook kind (shopify, woocommerce or standard)")]
pub struct WebhookKindError(pub String);

impl WebhookKind {
    /// Every kind.
    pub const ALL: [WebhookKind; 3] = [WebhookKind::Shopify, WebhookKind::Woocommerce, WebhookKind::Standard];

    /// The lower-case name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Shopify => "shopify",
            WebhookKind::Woocommerce => "woocommerce",
            WebhookKind::Standard => "standard",
        }
    }

    /// Parses a kind name, ignoring case and surrounding spaces.
    pub fn parse(text: &str) -> Result<WebhookKind, WebhookKindError> {
        let wanted = text.trim().to_ascii_lowercase();
        WebhookKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted)
            .ok_or_else(|| WebhookKindError(text.to_string()))
    }
}

impl fmt::Display for WebhookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source's webhook secret, as the platform shows it (for Standard Webhooks, `whsec_…`).
/// Deliberately neither `Display` nor `Serialize`, and `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps a secret; checking its shape for a kind is the caller's business.
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(secret.into())
    }

    /// The secret itself, for signing and storing: never for logs or messages.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_ignore_case() {
        for kind in WebhookKind::ALL {
            assert_eq!(WebhookKind::parse(&kind.as_str().to_uppercase()), Ok(kind));
        }
        assert!(WebhookKind::parse("stripe").is_err());
    }

    #[test]
    fn a_secret_never_shows_itself_in_debug_output() {
        let secret = WebhookSecret::new("whsec_hunter2");
        assert_eq!(format!("{secret:?}"), "WebhookSecret(***)");
        assert_eq!(secret.expose(), "whsec_hunter2");
    }
}
