//! People who sign in to the dashboard: accounts with argon2id password hashes, and sessions.
//!
//! A session is a random 256-bit secret in an HttpOnly cookie; the store keeps its SHA-256 and a
//! separate random anti-CSRF token that every form of the session must carry. Sessions live in
//! the database, so several servers over one PostgreSQL database share them and a removed user
//! or a changed password ends them everywhere at once.

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use chrono::Duration;
use tenure_domain::{Email, Role, Timestamp};
use tenure_store::{NewUser, SessionInfo, Store, UserInfo};

use crate::AppError;
use crate::access::{hex, token_hash};

/// How long a sign-in lasts: a working day, so a forgotten browser does not stay signed in.
pub const SESSION_HOURS: i64 = 12;

/// Shortest password accepted (NIST SP 800-63B asks at least 8; the dashboard holds customer data).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Longest password accepted: argon2 takes any length, but a megabyte "password" is an attack.
const MAX_PASSWORD_CHARS: usize = 256;

/// Creates a dashboard user with `password` (hashed with argon2id here; never stored).
pub fn add_user(
    store: &mut dyn Store,
    email: &str,
    name: Option<&str>,
    role: Role,
    password: &str,
    now: Timestamp,
) -> Result<UserInfo, AppError> {
    let email = user_email(email)?;
    let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(email.as_str());
    if name.chars().count() > 100 {
        return Err(AppError::Invalid("a user's name is at most 100 characters".into()));
    }
    let password_hash = hash_password(password)?;
    let user = NewUser { email: email.as_str(), name, role, password_hash: &password_hash };
    let id = store.create_user(&user, now)?;
    Ok(UserInfo { id, email: email.as_str().to_string(), name: name.to_string(), role, created_at: now })
}

/// Replaces a user's password; every session of theirs ends.
pub fn set_password(
    store: &mut dyn Store,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let password_hash = hash_password(password)?;
    store_password_hash(store, email, &password_hash, now)
}

/// Keeps `password_hash` (made by [`hash_password`]) as a user's password; every session of
/// theirs ends. The server hashes off its database connections, then stores with one.
pub fn store_password_hash(
    store: &mut dyn Store,
    email: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let email = user_email(email)?;
    Ok(store.set_password(email.as_str(), password_hash, now)?)
}

/// Changes the password of a signed-in user who proves they know the current one; every session
/// of theirs ends (they sign in again with the new one). `Invalid` when `current` is wrong.
pub fn change_password(
    store: &mut dyn Store,
    email: &str,
    current: &str,
    new: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let stored = stored_password(store, email)?;
    if stored.user().is_none() {
        return Err(AppError::Invalid("there is no such user".into()));
    }
    if !stored.matches(current) {
        return Err(AppError::Invalid(WRONG_CURRENT_PASSWORD.into()));
    }
    set_password(store, email, new, now)
}

/// What [`change_password`] says when the current password is wrong.
pub const WRONG_CURRENT_PASSWORD: &str = "the current password is not right";

/// Removes a user; every session of theirs ends and their calendar feed goes. Their follow-ups,
/// customers, cadence rules and alerts pass to the user `reassign_to`; without one, a user who
/// owns follow-ups is not removed (`Conflict`, saying how many), and the rest is left without an
/// owner.
pub fn remove_user(
    store: &mut dyn Store,
    email: &str,
    reassign_to: Option<&str>,
    now: Timestamp,
) -> Result<(), AppError> {
    let heir = reassign_to.map(user_email).transpose()?;
    Ok(store.remove_user(user_email(email)?.as_str(), heir.as_ref().map(|e| e.as_str()), now)?)
}

/// A password for a new account nobody chose yet (the demo's admin): 20 characters from a
/// 56-letter alphabet without look-alikes, about 116 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| {
            let index = rand::random_range(0..ALPHABET.len());
            char::from(ALPHABET[index])
        })
        .collect()
}

/// A session that just started: the cookie secret exists only here and in the browser.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie's value.
    pub secret: String,
    /// The session as the store now holds it.
    pub session: SessionInfo,
}

/// Checks `email` and `password`; on success starts a session. `None` for a wrong e-mail or
/// password alike, after the same work, so the answer's timing does not tell which.
pub fn sign_in(
    store: &mut dyn Store,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<Option<NewSession>, AppError> {
    let stored = stored_password(store, email)?;
    if !stored.matches(password) {
        return Ok(None);
    }
    match stored.into_user() {
        Some(user) => start_session(store, user, now).map(Some),
        None => Ok(None),
    }
}

/// The password a sign-in is checked against, read from the store; [`StoredPassword::matches`]
/// then checks it without a connection (argon2 takes tens of milliseconds of CPU, which a server
/// spends off its database connections).
#[derive(Clone)]
pub struct StoredPassword {
    user: Option<UserInfo>,
    hash: String,
}

impl std::fmt::Debug for StoredPassword {
    /// The account only: a hash has no business in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPassword").field("user", &self.user).finish_non_exhaustive()
    }
}

impl StoredPassword {
    /// The account, `None` for an e-mail no account has.
    pub fn user(&self) -> Option<&UserInfo> {
        self.user.as_ref()
    }

    /// The account, `None` for an e-mail no account has.
    pub fn into_user(self) -> Option<UserInfo> {
        self.user
    }

    /// Whether `password` is the account's: one argon2 run, for an unknown e-mail too (against a
    /// hash of a password nobody knows), so the answer's timing does not tell which.
    pub fn matches(&self, password: &str) -> bool {
        self.matches_in(password, &mut PasswordMemory::default())
    }

    /// Like [`StoredPassword::matches`], working in `memory` (kept by a thread that checks one
    /// password after another) instead of allocating argon2's memory anew.
    pub fn matches_in(&self, password: &str, memory: &mut PasswordMemory) -> bool {
        verify_in(password, &self.hash, memory) && self.user.is_some()
    }
}

/// The memory an argon2 check works in (19 MiB with the default parameters), for a thread that
/// checks passwords one after another to keep and reuse. Allocating it anew for each check, on
/// whichever thread ran it, made the allocator keep over a gigabyte under a sign-in flood
/// (`bench/signin`).
#[derive(Default)]
pub struct PasswordMemory(Vec<argon2::Block>);

/// Whether `password` matches the PHC string `stored` (false for a malformed one), as argon2's
/// own `verify_password` decides — the same parameters, salt and constant-time comparison of
/// the output — but in `memory`.
fn verify_in(password: &str, stored: &str, memory: &mut PasswordMemory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map(argon2::Version::try_from).transpose() else { return false };
    let Ok(params) = argon2::Params::try_from(&parsed) else { return false };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    memory.0.resize(argon2.params().block_count(), argon2::Block::new());
    let mut computed = vec![0u8; expected.len()];
    let hashed = argon2.hash_password_into_with_memory(
        password.as_bytes(),
        salt.as_ref(),
        &mut computed,
        &mut memory.0[..],
    );
    // phc's `Output` compares in constant time.
    hashed.is_ok()
        && argon2::password_hash::phc::Output::new(&computed).is_ok_and(|computed| computed == *expected)
}

/// The stored password of the account `email` names (any spelling of it), or a stand-in that
/// matches nothing.
pub fn stored_password(store: &mut dyn Store, email: &str) -> Result<StoredPassword, AppError> {
    let found = match Email::parse(email) {
        Ok(email) => store.user_by_email(email.as_str())?,
        Err(_) => None,
    };
    Ok(match found {
        Some((user, hash)) => StoredPassword { user: Some(user), hash },
        None => StoredPassword { user: None, hash: DUMMY_HASH.to_string() },
    })
}

/// Starts a session for `user`, whose password was just checked.
pub fn start_session(store: &mut dyn Store, user: UserInfo, now: Timestamp) -> Result<NewSession, AppError> {
    let secret = random_hex();
    let csrf_token = random_hex();
    let expires_at = now + Duration::hours(SESSION_HOURS);
    store.create_session(user.id, &token_hash(&secret), &csrf_token, now, expires_at)?;
    Ok(NewSession { secret, session: SessionInfo { user, csrf_token, expires_at } })
}

/// The live session whose cookie is `secret`.
pub fn session(store: &mut dyn Store, secret: &str, now: Timestamp) -> Result<Option<SessionInfo>, AppError> {
    if !is_secret_shaped(secret) {
        return Ok(None);
    }
    Ok(store.session(&token_hash(secret), now)?)
}

/// Ends the session whose cookie is `secret`.
pub fn sign_out(store: &mut dyn Store, secret: &str) -> Result<(), AppError> {
    if is_secret_shaped(secret) {
        store.delete_session(&token_hash(secret))?;
    }
    Ok(())
}

/// 256 random bits from the operating system's generator, as 64 hex digits.
pub fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

/// True for 64 lower-case hex digits, the shape of every secret [`random_hex`] makes.
fn is_secret_shaped(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn user_email(raw: &str) -> Result<Email, AppError> {
    Email::parse(raw).map_err(|e| AppError::Invalid(e.to_string()))
}

/// An argon2id hash of a new `password`, after checking its length (`Invalid` when too short or
/// too long). CPU work only: a server runs it off its database connections.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!("a password is at least {MIN_PASSWORD_CHARS} characters")));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!("a password is at most {MAX_PASSWORD_CHARS} characters")));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Invalid(format!("the password could not be hashed: {e}")))
}

/// An argon2id hash (default parameters) of a random password nobody knows: checked against
/// when the e-mail is unknown, so both paths cost one argon2 run.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vq6ZqJq1yY0bTgkQ2Eo8oJXv7dYH6mFQ2G7kQ8uWb2s";

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    /// argon2's own check, which `verify_in` must agree with.
    fn verify_password(password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    }

    fn store() -> Box<dyn Store> {
        tenure_store::open("sqlite::memory:", chrono::Utc::now()).unwrap()
    }

    #[test]
    fn a_user_signs_in_with_the_right_password_only() {
        let mut store = store();
        let now = chrono::Utc::now();
        let user = add_user(
            store.as_mut(),
            "Ann@Shop.Example",
            Some("Ann"),
            Role::Analyst,
            "correct horse battery",
            now,
        )
        .unwrap();
        assert_eq!(user.email, "ann@shop.example");
        let (_, stored) = store.user_by_email("ann@shop.example").unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));

        assert!(sign_in(store.as_mut(), "ann@shop.example", "wrong password!!", now).unwrap().is_none());
        assert!(sign_in(store.as_mut(), "bob@shop.example", "correct horse battery", now).unwrap().is_none());
        let new = sign_in(store.as_mut(), "ANN@shop.example", "correct horse battery", now).unwrap().unwrap();
        assert_eq!(new.session.user.role, Role::Analyst);
        let found = session(store.as_mut(), &new.secret, now).unwrap().unwrap();
        assert_eq!(found.csrf_token, new.session.csrf_token);
        assert_ne!(found.csrf_token, new.secret);
    }

    #[test]
    fn sessions_expire_and_end_on_sign_out_password_change_and_removal() {
        let mut store = store();
        let now = chrono::Utc::now();
        add_user(store.as_mut(), "a@b.example", None, Role::Admin, "twelve chars!", now).unwrap();
        let start =
            |store: &mut dyn Store| sign_in(store, "a@b.example", "twelve chars!", now).unwrap().unwrap();

        let one = start(store.as_mut());
        let later = now + Duration::hours(SESSION_HOURS) + Duration::seconds(1);
        assert!(session(store.as_mut(), &one.secret, later).unwrap().is_none(), "expired");

        sign_out(store.as_mut(), &one.secret).unwrap();
        assert!(session(store.as_mut(), &one.secret, now).unwrap().is_none(), "signed out");

        let two = start(store.as_mut());
        set_password(store.as_mut(), "a@b.example", "another twelve", now).unwrap();
        assert!(session(store.as_mut(), &two.secret, now).unwrap().is_none(), "password changed");
        assert!(sign_in(store.as_mut(), "a@b.example", "twelve chars!", now).unwrap().is_none());

        let three = sign_in(store.as_mut(), "a@b.example", "another twelve", now).unwrap().unwrap();
        remove_user(store.as_mut(), "a@b.example", None, now).unwrap();
        assert!(session(store.as_mut(), &three.secret, now).unwrap().is_none(), "user removed");
    }

    #[test]
    fn weak_passwords_and_duplicate_users_are_refused() {
        let mut store = store();
        let now = chrono::Utc::now();
        assert!(add_user(store.as_mut(), "a@b.example", None, Role::Agent, "short", now).is_err());
        add_user(store.as_mut(), "a@b.example", None, Role::Agent, "long enough pw", now).unwrap();
        let again = add_user(store.as_mut(), "A@B.example", None, Role::Agent, "long enough pw", now);
        assert!(matches!(again, Err(AppError::Store(tenure_store::StoreError::Conflict(_)))), "{again:?}");
    }

    #[test]
    fn generated_passwords_are_long_and_different() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(a.len() >= MIN_PASSWORD_CHARS);
    }

    #[test]
    fn a_stored_password_is_checked_without_the_store_and_shows_no_hash() {
        let mut store = store();
        let now = chrono::Utc::now();
        add_user(store.as_mut(), "a@b.example", None, Role::Agent, "long enough pw", now).unwrap();
        let stored = stored_password(store.as_mut(), " A@B.example").unwrap();
        assert!(!format!("{stored:?}").contains("argon2"), "{stored:?}");
        assert!(stored.matches("long enough pw") && !stored.matches("long enough PW"));
        let unknown = stored_password(store.as_mut(), "nobody@b.example").unwrap();
        assert!(unknown.user().is_none() && !unknown.matches("long enough pw"));
        let new = start_session(store.as_mut(), stored.into_user().unwrap(), now).unwrap();
        assert!(session(store.as_mut(), &new.secret, now).unwrap().is_some());
    }

    #[test]
    fn checking_in_kept_memory_agrees_with_argon2s_own_check() {
        let hash = hash_password("correct horse battery").unwrap();
        let mut memory = PasswordMemory::default();
        for password in ["correct horse battery", "correct horse batterY", "", "correct horse battery "] {
            assert_eq!(
                verify_in(password, &hash, &mut memory),
                verify_password(password, &hash),
                "{password:?}"
            );
        }
        assert!(verify_in("correct horse battery", &hash, &mut memory), "the memory is reused");
        assert!(!verify_in("x", "not a hash", &mut memory) && !verify_in("x", DUMMY_HASH, &mut memory));
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_e_mails_cost_a_real_check() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
