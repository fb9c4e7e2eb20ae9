//! Signed per-customer links that work without signing in: `…/unsubscribe/{customer}.{mac}`,
//! where the mac is HMAC-SHA256 over the purpose and the customer id with a key generated once
//! per database (`settings.link_key`, 256 random bits) and shared by every server. A link cannot
//! be made for another customer without the key; it is checked in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tenure_domain::CustomerId;
use tenure_store::Store;

use crate::AppError;

type HmacSha256 = Hmac<Sha256>;

/// The key that signs links, generated on first use.
pub fn link_key(store: &mut dyn Store) -> Result<Vec<u8>, AppError> {
    let encoded =
        store.setting_or_insert("link_key", &|| URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))?;
    URL_SAFE_NO_PAD.decode(encoded).map_err(|_| AppError::Invalid("the stored link key is not base64".into()))
}

fn mac(key: &[u8], customer: CustomerId) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"unsubscribe:");
    mac.update(customer.0.to_string().as_bytes());
    mac
}

/// The token of `customer`'s unsubscribe link.
pub fn unsubscribe_token(key: &[u8], customer: CustomerId) -> String {
    format!("{}.{}", customer.0, URL_SAFE_NO_PAD.encode(mac(key, customer).finalize().into_bytes()))
}

/// The customer whose link `token` is, when it was signed with `key`.
pub fn verify_unsubscribe_token(key: &[u8], token: &str) -> Option<CustomerId> {
    let (id, signature) = token.split_once('.')?;
    let customer = CustomerId(id.parse().ok()?);
    let expected = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(key, customer).verify_slice(&expected).is_ok().then_some(customer)
}

/// `public_url` (the server's address as customers reach it) with the path of `token`'s link.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!("{}/unsubscribe/{token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_for_its_customer_only() {
        let key = [7u8; 32];
        let token = unsubscribe_token(&key, CustomerId(42));
        assert_eq!(verify_unsubscribe_token(&key, &token), Some(CustomerId(42)));
        let forged = token.replacen("42.", "43.", 1);
        assert_eq!(verify_unsubscribe_token(&key, &forged), None);
        assert_eq!(verify_unsubscribe_token(&[8u8; 32], &token), None, "another database's key");
        assert_eq!(verify_unsubscribe_token(&key, "42"), None);
        assert_eq!(verify_unsubscribe_token(&key, "x.y"), None);
    }

    #[test]
    fn the_url_joins_without_doubled_slashes() {
        assert_eq!(unsubscribe_url("https://t.example/", "1.a"), "https://t.example/unsubscribe/1.a");
    }
}
