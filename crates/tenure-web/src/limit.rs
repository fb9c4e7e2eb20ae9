//! A small in-process rate limiter for public endpoints (the login form, survey posts, calendar
//! feeds): at most `limit` attempts per key in each fixed window. Per process: several servers
//! each allow the limit, which still bounds password guessing to a handful per minute per server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys remembered at most; past this, expired windows are dropped and, if that is not enough,
/// the limiter refuses new keys (an attacker spraying addresses is refused, not remembered).
const MAX_KEYS: usize = 100_000;

/// Attempts per key per window.
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `limit` attempts per key in each `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        RateLimiter { limit, window, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt for `key` at `now`; false when the key has used up its window.
    pub(crate) fn allow(&self, key: &str, now: Instant) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !windows.contains_key(key) && windows.len() >= MAX_KEYS {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            if windows.len() >= MAX_KEYS {
                return false;
            }
        }
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_limit_per_window_and_others_are_apart() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow("a", start)));
        assert!(!limiter.allow("a", start + Duration::from_secs(59)));
        assert!(limiter.allow("b", start), "another key has its own window");
        assert!(limiter.allow("a", start + Duration::from_secs(60)), "a new window");
    }
}
