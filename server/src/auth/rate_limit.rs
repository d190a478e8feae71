//! Login failure limits per client IP and per account, in a fixed window.
//! In memory: each replica counts on its own, which bounds guessing per
//! replica; a shared store would be needed for a strict global limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_per_account: u32,
    max_per_ip: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    pub fn new(max_per_account: u32, max_per_ip: u32, window: Duration) -> Self {
        LoginLimiter {
            max_per_account,
            max_per_ip,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(ip: &str, email: &str) -> [(String, bool); 2] {
        [(format!("ip:{ip}"), false), (format!("acct:{email}"), true)]
    }

    /// `Some(seconds)` to wait when either limit is exhausted.
    pub fn check(&self, ip: &str, email: &str) -> Option<u64> {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return None;
        };
        let mut wait = None;
        for (key, is_account) in Self::keys(ip, email) {
            let max = if is_account {
                self.max_per_account
            } else {
                self.max_per_ip
            };
            if let Some((count, started)) = map.get(&key).copied() {
                let elapsed = now.duration_since(started);
                if elapsed >= self.window {
                    map.remove(&key);
                } else if count >= max {
                    let secs = (self.window - elapsed).as_secs().max(1);
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, ip: &str, email: &str) {
        let now = Instant::now();
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                let window = self.window;
                map.retain(|_, (_, started)| now.duration_since(*started) < window);
            }
            for (key, _) in Self::keys(ip, email) {
                let entry = map.entry(key).or_insert((0, now));
                if now.duration_since(entry.1) >= self.window {
                    *entry = (0, now);
                }
                entry.0 += 1;
            }
        }
    }

    /// A successful login clears the account's count (not the IP's).
    pub fn record_success(&self, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("acct:{email}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_trips_and_success_resets_it() {
        let limiter = LoginLimiter::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(limiter.check("1.1.1.1", "a@x.cn"), None);
            limiter.record_failure("1.1.1.1", "a@x.cn");
        }
        let wait = limiter.check("1.1.1.1", "a@x.cn").unwrap();
        assert!(wait > 0 && wait <= 60);
        // Another account from the same IP is not affected yet.
        assert_eq!(limiter.check("1.1.1.1", "b@x.cn"), None);
        limiter.record_success("a@x.cn");
        assert_eq!(limiter.check("1.1.1.1", "a@x.cn"), None);
    }

    #[test]
    fn ip_limit_spans_accounts() {
        let limiter = LoginLimiter::new(100, 4, Duration::from_secs(60));
        for i in 0..4 {
            limiter.record_failure("2.2.2.2", &format!("u{i}@x.cn"));
        }
        assert!(limiter.check("2.2.2.2", "fresh@x.cn").is_some());
        assert!(limiter.check("3.3.3.3", "fresh@x.cn").is_none());
    }

    #[test]
    fn window_expiry_forgets_failures() {
        let limiter = LoginLimiter::new(1, 1, Duration::from_millis(20));
        limiter.record_failure("4.4.4.4", "c@x.cn");
        assert!(limiter.check("4.4.4.4", "c@x.cn").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check("4.4.4.4", "c@x.cn").is_none());
    }
}
