//! In-process rate limits for the public endpoints (the login form, survey posts, calendar feeds,
//! member pages, referral landings) and the sign-in policy built on them. Per process: several
//! servers each allow the limits.
//!
//! Every limiter holds a bounded amount of memory whatever is sent to it: a key is remembered as a
//! keyed 64-bit hash (so a 2 MiB e-mail costs what a short one does), a refused request counts
//! nothing, and past the key cap the keys untouched longest are dropped — never the new ones
//! refused, which would let a flood of junk keys lock everyone else out.
//!
//! Why not `governor`: its keyed store has no cap (it grows with every new key until
//! `retain_recent` runs, so a spray of new keys at 10,000 a second holds hundreds of megabytes),
//! and each check takes a cell, so it cannot ask "is this key locked?" without counting — which
//! the sign-in policy needs (count failures, refund successes). A fixed window per key in two
//! hash-map generations is all this needs.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Keys a limiter remembers at most (about 32 bytes each, so a few megabytes).
const MAX_KEYS: usize = 100_000;

/// What a limiter holds: for tests and monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Keys remembered.
    pub entries: usize,
    /// Bytes of the tables holding them (their capacity, not only the entries in use).
    pub bytes: usize,
}

impl std::ops::Add for Footprint {
    type Output = Footprint;
    fn add(self, other: Footprint) -> Footprint {
        Footprint { entries: self.entries + other.entries, bytes: self.bytes + other.bytes }
    }
}

/// At most `limit` attempts per key in each fixed window.
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    max_keys: usize,
    counts: Mutex<Counts>,
}

/// A key's window: when it started and the attempts counted in it.
#[derive(Debug, Clone, Copy)]
struct Count {
    started: Instant,
    attempts: u32,
}

/// The counts in two generations: new keys go to `recent`; when it holds half the cap it becomes
/// `older` (and the previous `older`, keys untouched for a whole generation, is dropped). A key
/// found in `older` moves back to `recent`, so a key in use is never dropped.
struct Counts {
    hasher: RandomState,
    recent: HashMap<u64, Count>,
    older: HashMap<u64, Count>,
    last_sweep: Instant,
}

impl RateLimiter {
    /// At most `limit` attempts per key in each `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        RateLimiter::with_max_keys(limit, window, MAX_KEYS)
    }

    /// Like [`RateLimiter::new`], remembering at most `max_keys` keys (at least 2).
    pub(crate) fn with_max_keys(limit: u32, window: Duration, max_keys: usize) -> Self {
        let counts = Counts {
            hasher: RandomState::new(),
            recent: HashMap::new(),
            older: HashMap::new(),
            last_sweep: Instant::now(),
        };
        RateLimiter { limit, window, max_keys: max_keys.max(2), counts: Mutex::new(counts) }
    }

    /// Counts an attempt for `key` at `now` if the key has attempts left; false (counting
    /// nothing) when it has used up its window.
    pub(crate) fn allow(&self, key: impl Hash, now: Instant) -> bool {
        let mut counts = self.lock(now);
        let hash = counts.hasher.hash_one(key);
        let count = counts.entry(hash, now, self.window, self.max_keys);
        if count.attempts >= self.limit {
            return false;
        }
        count.attempts += 1;
        true
    }

    /// Whether `key` has used up its window at `now` (counts nothing).
    pub(crate) fn is_exhausted(&self, key: impl Hash, now: Instant) -> bool {
        let mut counts = self.lock(now);
        let hash = counts.hasher.hash_one(key);
        counts.live(hash, now, self.window).is_some_and(|count| count.attempts >= self.limit)
    }

    /// Counts an attempt for `key`, past the limit too (the caller checked it first).
    pub(crate) fn count(&self, key: impl Hash, now: Instant) {
        let mut counts = self.lock(now);
        let hash = counts.hasher.hash_one(key);
        let count = counts.entry(hash, now, self.window, self.max_keys);
        count.attempts = count.attempts.saturating_add(1);
    }

    /// Takes back one attempt counted for `key` in its current window.
    pub(crate) fn uncount(&self, key: impl Hash, now: Instant) {
        let mut counts = self.lock(now);
        let hash = counts.hasher.hash_one(key);
        if let Some(count) = counts.live(hash, now, self.window) {
            count.attempts = count.attempts.saturating_sub(1);
        }
    }

    /// What the limiter holds now.
    pub(crate) fn footprint(&self) -> Footprint {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        // A hash table slot: the key, the value and one control byte.
        let slot = std::mem::size_of::<(u64, Count)>() + 1;
        Footprint {
            entries: counts.recent.len() + counts.older.len(),
            bytes: (counts.recent.capacity() + counts.older.capacity()) * slot,
        }
    }

    /// The counts, with expired windows swept out once per window.
    fn lock(&self, now: Instant) -> MutexGuard<'_, Counts> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(counts.last_sweep) >= self.window {
            let window = self.window;
            let live = |_: &u64, count: &mut Count| now.saturating_duration_since(count.started) < window;
            counts.recent.retain(live);
            counts.older.retain(live);
            counts.recent.shrink_to_fit();
            counts.older.shrink_to_fit();
            counts.last_sweep = now;
        }
        counts
    }
}

impl Counts {
    /// The key's count in a live window, moved to the recent generation; `None` when it has none.
    fn live(&mut self, hash: u64, now: Instant, window: Duration) -> Option<&mut Count> {
        if let Some(count) = self.older.remove(&hash) {
            self.recent.insert(hash, count);
        }
        self.recent.get_mut(&hash).filter(|count| now.saturating_duration_since(count.started) < window)
    }

    /// The key's count in its live window, a new window when it has none.
    fn entry(&mut self, hash: u64, now: Instant, window: Duration, max_keys: usize) -> &mut Count {
        let known = self.recent.contains_key(&hash) || self.older.contains_key(&hash);
        if !known && self.recent.len() >= max_keys / 2 {
            // The recent generation is full: the older one goes, keys untouched the longest.
            self.older = std::mem::take(&mut self.recent);
        }
        if let Some(count) = self.older.remove(&hash) {
            self.recent.insert(hash, count);
        }
        let count = self.recent.entry(hash).or_insert(Count { started: now, attempts: 0 });
        if now.saturating_duration_since(count.started) >= window {
            *count = Count { started: now, attempts: 0 };
        }
        count
    }
}

/// The longest e-mail counted (RFC 5321's limit on a path): longer ones are cut here, so an
/// attacker's 2 MiB "e-mail" is one more short key.
pub(crate) const MAX_EMAIL_BYTES: usize = 254;

/// The key an e-mail is counted under: trimmed, lower case, at most [`MAX_EMAIL_BYTES`].
pub(crate) fn email_key(raw: &str) -> String {
    // Cut before lower-casing, so a huge input costs no more than a short one.
    let mut key = cut(raw.trim(), MAX_EMAIL_BYTES).to_lowercase();
    let keep = cut(&key, MAX_EMAIL_BYTES).len();
    key.truncate(keep);
    key
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a character boundary.
fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let end = (0..=bytes).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

/// Failed sign-ins allowed per (e-mail, client address) pair in each window: a handful of typos
/// from one place, not a guessing run; and it locks that pair only, not the account.
pub(crate) const FAILURES_PER_PAIR: u32 = 10;

/// Failed sign-ins allowed per client address in each window, whatever the e-mails: one address
/// spraying guesses over many accounts (an office behind one address signs in right).
pub(crate) const FAILURES_PER_ADDRESS: u32 = 50;

/// Failed sign-ins allowed per e-mail from all addresses together in each window: the last resort
/// against guessing one account from many addresses. It never applies where the account signed in
/// before, so its owner is not locked out by it.
pub(crate) const FAILURES_PER_EMAIL: u32 = 100;

/// The sign-in limits' window.
pub(crate) const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long an (e-mail, address) pair that signed in is remembered as the account's own place.
const KNOWN_PAIR_DAYS: u64 = 30;

/// The sign-in policy: failures are counted per (e-mail, address) pair, per address and per
/// e-mail; successes are not. An attempt counts as a failure from the moment it is let in (so
/// parallel guesses cannot pass the check together) and is taken back if it succeeds.
pub(crate) struct SignInLimits {
    per_pair: RateLimiter,
    per_address: RateLimiter,
    per_email: RateLimiter,
    /// Pairs that signed in lately: exempt from the per-address and per-e-mail caps, which guard
    /// against strangers — a flood of failures from elsewhere does not lock the owner out.
    known_pairs: RateLimiter,
}

/// A sign-in let in by the limits: counted as a failure until [`SignInLimits::succeeded`] or
/// [`SignInLimits::abandoned`] takes it back.
#[derive(Debug, Clone)]
pub(crate) struct SignInAttempt {
    email: String,
    address: String,
    known: bool,
}

impl SignInAttempt {
    /// Whether the pair signed in before (its password check may take the reserved lane).
    pub(crate) fn is_known_pair(&self) -> bool {
        self.known
    }
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_pair: RateLimiter::new(FAILURES_PER_PAIR, SIGN_IN_WINDOW),
            per_address: RateLimiter::new(FAILURES_PER_ADDRESS, SIGN_IN_WINDOW),
            per_email: RateLimiter::new(FAILURES_PER_EMAIL, SIGN_IN_WINDOW),
            known_pairs: RateLimiter::new(1, Duration::from_secs(KNOWN_PAIR_DAYS * 86_400)),
        }
    }
}

impl SignInLimits {
    /// Lets a sign-in for `email` from `address` (a client address bucket) in, counting it, or
    /// refuses it (`None`, counting nothing) when a limit is used up.
    pub(crate) fn begin(&self, email: &str, address: &str, now: Instant) -> Option<SignInAttempt> {
        let email = email_key(email);
        let pair = (email.as_str(), address);
        let known = self.known_pairs.is_exhausted(pair, now);
        let refused = self.per_pair.is_exhausted(pair, now)
            || (!known
                && (self.per_address.is_exhausted(address, now) || self.per_email.is_exhausted(&email, now)));
        if refused {
            return None;
        }
        self.per_pair.count(pair, now);
        if !known {
            self.per_address.count(address, now);
            self.per_email.count(&email, now);
        }
        Some(SignInAttempt { email, address: address.to_string(), known })
    }

    /// The attempt signed in: it is not a failure, and its pair is now the account's own place.
    pub(crate) fn succeeded(&self, attempt: &SignInAttempt, now: Instant) {
        self.abandoned(attempt, now);
        self.known_pairs.count((attempt.email.as_str(), attempt.address.as_str()), now);
    }

    /// The attempt was not checked (the server was busy): it counts for nothing.
    pub(crate) fn abandoned(&self, attempt: &SignInAttempt, now: Instant) {
        self.per_pair.uncount((attempt.email.as_str(), attempt.address.as_str()), now);
        if !attempt.known {
            self.per_address.uncount(attempt.address.as_str(), now);
            self.per_email.uncount(attempt.email.as_str(), now);
        }
    }

    /// What the sign-in limits hold together.
    pub(crate) fn footprint(&self) -> Footprint {
        self.per_pair.footprint()
            + self.per_address.footprint()
            + self.per_email.footprint()
            + self.known_pairs.footprint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_key_gets_its_limit_per_window_and_others_are_apart() {
        let limiter = RateLimiter::new(3, MINUTE);
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow("a", start)));
        assert!(!limiter.allow("a", start + Duration::from_secs(59)));
        assert!(limiter.allow("b", start), "another key has its own window");
        assert!(limiter.allow("a", start + MINUTE), "a new window");
    }

    #[test]
    fn refused_attempts_are_not_counted() {
        let limiter = RateLimiter::new(2, MINUTE);
        let start = Instant::now();
        assert!(limiter.allow("a", start) && limiter.allow("a", start));
        for _ in 0..1_000 {
            assert!(!limiter.allow("a", start));
        }
        limiter.uncount("a", start);
        assert!(limiter.allow("a", start), "one taken back is one more allowed, whatever was refused");
    }

    #[test]
    fn a_full_limiter_drops_old_keys_and_still_takes_new_ones() {
        let limiter = RateLimiter::with_max_keys(1, MINUTE, 1_000);
        let start = Instant::now();
        assert!(limiter.allow("early", start));
        for key in 0..10_000 {
            assert!(limiter.allow(key, start), "new key {key} is taken, not refused");
        }
        assert!(limiter.footprint().entries <= 1_000, "{:?}", limiter.footprint());
        assert!(limiter.allow("early", start), "the oldest key was dropped");
    }

    #[test]
    fn a_key_in_use_survives_a_flood_of_new_keys() {
        let limiter = RateLimiter::with_max_keys(1, MINUTE, 1_000);
        let start = Instant::now();
        assert!(limiter.allow("attacker", start));
        for key in 0..10_000 {
            limiter.allow(key, start);
            assert!(limiter.is_exhausted("attacker", start), "still locked after {key} new keys");
        }
    }

    #[test]
    fn expired_windows_are_swept_out() {
        let limiter = RateLimiter::new(1, MINUTE);
        let start = Instant::now();
        for key in 0..1_000 {
            limiter.allow(key, start);
        }
        assert_eq!(limiter.footprint().entries, 1_000);
        limiter.allow("later", start + 2 * MINUTE);
        assert_eq!(limiter.footprint().entries, 1, "only the live window is left");
    }

    #[test]
    fn e_mail_keys_are_trimmed_lower_case_and_at_most_254_bytes() {
        assert_eq!(email_key("  Ann@Shop.Example "), "ann@shop.example");
        let huge = format!("{}@x.example", "É".repeat(1 << 20));
        let key = email_key(&huge);
        assert!(key.len() <= MAX_EMAIL_BYTES, "{}", key.len());
        assert!(key.starts_with("éé"));
        assert_eq!(email_key(&"a".repeat(300)).len(), MAX_EMAIL_BYTES);
    }

    /// The 2 MiB e-mail flood: 500 sign-ins, each with another 2 MiB e-mail, from many addresses.
    #[test]
    fn huge_e_mails_hold_no_more_memory_than_short_ones() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        let mut email = "x".repeat(2 << 20);
        for attempt in 0..500 {
            email.replace_range(0..8, &format!("{attempt:08}"));
            limits.begin(&email, &format!("198.51.100.{}", attempt % 200), now);
        }
        let footprint = limits.footprint();
        assert!(footprint.entries <= 3 * 500, "{footprint:?}");
        assert!(footprint.bytes < 200 * 1024, "about 32 bytes per key, not 2 MiB: {footprint:?}");
    }

    /// The junk flood: 100,000 e-mails from one address, then 100,000 from as many addresses (a
    /// botnet filling the tables): the real user signs in from their own address all along.
    #[test]
    fn a_junk_e_mail_flood_locks_out_no_one_at_another_address() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        let let_in = (0..100_000)
            .filter(|i| limits.begin(&format!("junk{i}@x.example"), "203.0.113.9", now).is_some());
        assert_eq!(let_in.count(), FAILURES_PER_ADDRESS as usize, "the spraying address is cut off");
        assert!(limits.begin("owner@shop.example", "198.51.100.7", now).is_some());
        for i in 0..100_000u32 {
            let address = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            limits.begin(&format!("junk{i}@y.example"), &address, now);
        }
        assert!(limits.begin("owner@shop.example", "198.51.100.7", now).is_some(), "new keys still taken");
        let footprint = limits.footprint();
        assert!(footprint.entries <= 4 * MAX_KEYS, "{footprint:?}");
        assert!(footprint.bytes < 32 << 20, "{footprint:?}");
    }

    #[test]
    fn ten_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_PAIR {
            assert!(limits.begin("owner@shop.example", "203.0.113.9", now).is_some());
        }
        assert!(limits.begin("owner@shop.example", "203.0.113.9", now).is_none(), "the guessing pair stops");
        assert!(limits.begin("owner@shop.example", "198.51.100.7", now).is_some(), "the owner goes on");
    }

    #[test]
    fn past_the_per_e_mail_cap_only_the_owners_own_address_gets_in() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        let owner = limits.begin("owner@shop.example", "198.51.100.7", now).unwrap();
        limits.succeeded(&owner, now);
        for i in 0..FAILURES_PER_EMAIL * 2 {
            limits.begin("Owner@Shop.example", &format!("203.0.113.{}", i / FAILURES_PER_PAIR), now);
        }
        assert!(limits.begin("owner@shop.example", "192.0.2.1", now).is_none(), "the last resort holds");
        let again = limits.begin("owner@shop.example", "198.51.100.7", now);
        assert!(again.is_some_and(|a| a.is_known_pair()), "the owner's own address is exempt");
    }

    #[test]
    fn successes_and_abandoned_attempts_are_not_counted() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        for _ in 0..FAILURES_PER_ADDRESS * 3 {
            let attempt = limits.begin("someone@shop.example", "198.51.100.7", now).unwrap();
            limits.abandoned(&attempt, now);
        }
        for i in 0..FAILURES_PER_ADDRESS * 3 {
            let attempt = limits.begin(&format!("user{i}@shop.example"), "198.51.100.8", now).unwrap();
            limits.succeeded(&attempt, now);
        }
    }
}
