//! Access for integrations: API tokens. A token is 32 random bytes from a cryptographically
//! secure generator seeded by the operating system, shown once as `tenure_` + 64 hex digits; the
//! store keeps only its SHA-256, so neither a database copy nor a log line of the hash lets anyone
//! in. (SHA-256, not a slow password hash: the secret is random and long, there is nothing to
//! guess.)

use sha2::{Digest, Sha256};
use tenure_domain::{Role, Timestamp};
use tenure_store::{Store, TokenInfo};

use crate::AppError;

/// What every token starts with, so a leaked one is easy to recognise and search for.
pub const TOKEN_PREFIX: &str = "tenure_";

/// A new token: its id and the secret, which exists only here and in the answer to the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewToken {
    /// Token id in the store.
    pub id: i64,
    /// The secret to give to the integration; Tenure cannot show it again.
    pub token: String,
    /// What it may do.
    pub role: Role,
    /// Its name.
    pub name: String,
}

/// Creates a token with `role`, named `name`.
pub fn create_token(
    store: &mut dyn Store,
    role: Role,
    name: &str,
    now: Timestamp,
) -> Result<NewToken, AppError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(AppError::Invalid("a token name is 1 to 100 characters".into()));
    }
    let secret: [u8; 32] = rand::random();
    let token = format!("{TOKEN_PREFIX}{}", hex(&secret));
    let id = store.create_token(name, role, &token_hash(&token), now)?;
    Ok(NewToken { id, token, role, name: name.to_string() })
}

/// The live token `presented` (as an integration sent it), marked used; `None` when it is not
/// one (malformed, unknown, or revoked).
pub fn authenticate(
    store: &mut dyn Store,
    presented: &str,
    now: Timestamp,
) -> Result<Option<TokenInfo>, AppError> {
    let well_formed = presented.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if !well_formed {
        return Ok(None);
    }
    Ok(store.authenticate_token(&token_hash(presented), now)?)
}

/// SHA-256 of a token, hex: what the store keeps and looks up.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Box<dyn Store> {
        tenure_store::open("sqlite::memory:", chrono::Utc::now()).unwrap()
    }

    #[test]
    fn a_created_token_authenticates_with_its_role_and_nothing_else_does() {
        let mut store = store();
        let now = chrono::Utc::now();
        let new = create_token(store.as_mut(), Role::Analyst, "reports", now).unwrap();
        assert!(new.token.starts_with(TOKEN_PREFIX) && new.token.len() == TOKEN_PREFIX.len() + 64);
        let found = authenticate(store.as_mut(), &new.token, now).unwrap().expect("the token works");
        assert_eq!((found.id, found.role), (new.id, Role::Analyst));
        let mut altered = new.token.clone();
        altered.replace_range(altered.len() - 1.., if altered.ends_with('0') { "1" } else { "0" });
        assert!(authenticate(store.as_mut(), &altered, now).unwrap().is_none());
        assert!(authenticate(store.as_mut(), "Bearer nonsense", now).unwrap().is_none());
        assert!(authenticate(store.as_mut(), &new.token.to_uppercase(), now).unwrap().is_none());
    }

    #[test]
    fn tokens_are_unguessable_and_only_their_hash_is_stored() {
        let mut store = store();
        let now = chrono::Utc::now();
        let a = create_token(store.as_mut(), Role::Agent, "a", now).unwrap();
        let b = create_token(store.as_mut(), Role::Agent, "b", now).unwrap();
        assert_ne!(a.token, b.token);
        // The hash of the known test vector "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn token_names_must_say_something() {
        let mut store = store();
        assert!(create_token(store.as_mut(), Role::Admin, "  ", chrono::Utc::now()).is_err());
    }
}
