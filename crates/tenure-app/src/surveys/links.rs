//! Survey links: `…/s/{token}`, where the token is 128 random bits (22 base64url characters)
//! and the store keeps only its SHA-256.
//!
//! An invitation's e-mail is rendered with [`PLACEHOLDER`] where the token goes, and the token is
//! minted when a worker claims the message for delivery ([`mint_links`]): its hash is stored in
//! that moment and the placeholder replaced in the copy being sent, so the outbox never holds a
//! working link. A retried delivery, or a reminder, mints another token for the same invitation;
//! every one works until the invitation is answered or its link expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tenure_domain::Timestamp;
use tenure_store::{ClaimedMessage, MessageKind, Store};

use crate::AppError;
use crate::outbox::email::EmailPayload;

/// Stands where a link's token goes until the message is sent. Characters a token never has, so
/// no token can be mistaken for it.
pub const PLACEHOLDER: &str = "~survey-token~";

/// A fresh token: 128 random bits, base64url without padding.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// What the store keeps of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `token` has the shape of a token (so junk is refused before the store is asked).
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The survey page of `token` at `public_url`.
pub fn survey_url(public_url: &str, token: &str) -> String {
    format!("{}/s/{token}", public_url.trim_end_matches('/'))
}

/// Mints a token for every claimed survey e-mail that carries a placeholder, stores the hashes in
/// one transaction, and puts the tokens into the copies about to be sent.
pub fn mint_links(
    store: &mut dyn Store,
    messages: &mut [ClaimedMessage],
    now: Timestamp,
) -> Result<(), AppError> {
    let mut minted = Vec::new();
    for claimed in messages.iter_mut() {
        let message = &mut claimed.message;
        if message.kind != MessageKind::Email || !message.payload.contains(PLACEHOLDER) {
            continue;
        }
        let Ok(payload) = serde_json::from_str::<EmailPayload>(&message.payload) else { continue };
        let Some(invitation) = payload.survey_invitation else { continue };
        let token = new_token();
        message.payload = message.payload.replace(PLACEHOLDER, &token);
        minted.push((invitation, token_hash(&token)));
    }
    if !minted.is_empty() {
        store.add_survey_tokens(&minted, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bits_unique_and_hashed_as_sha256() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(is_token_shaped(&a) && is_token_shaped(&b));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 16);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "FIPS 180-2's example"
        );
        assert!(!is_token_shaped(PLACEHOLDER));
        assert!(!is_token_shaped("../../etc/passwd/aaaaa"));
    }

    #[test]
    fn the_url_joins_without_doubled_slashes() {
        assert_eq!(survey_url("https://t.example/", "abc"), "https://t.example/s/abc");
    }
}
