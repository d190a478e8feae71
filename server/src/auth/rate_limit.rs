//! Limits on what strangers can do before they are signed in: password
//! guesses (exponential back-off per account and per client address) and
//! the public endpoints (sign-up, invitation links, surveys; a fixed number
//! per client address and hour).
//!
//! - **Per process.** The counts live in this replica's memory: behind N
//!   replicas a client gets up to N times each allowance (the back-off
//!   still doubles on every replica), and a restart forgets them.
//! - **Counted before the work.** A login attempt is counted, and may be
//!   refused, before its password is verified, so guesses sent in parallel
//!   cannot all slip through while the first ones are still hashing.
//! - **Back-off, not a lock.** Past the free failures, each failure doubles
//!   the wait before the next attempt, up to a ceiling; nobody can keep an
//!   account shut for longer than that ceiling, and a successful login
//!   clears the account's count.
//! - **Bounded and hashed keys.** Keys are 64-bit keyed hashes (SipHash with
//!   a per-process random key) of the address or of the normalized e-mail,
//!   never the text itself; each table keeps at most [`MAX_KEYS`] entries.
//! - **The client address** is the connection's peer, or, when the peer is
//!   one of `STEWARD_TRUSTED_PROXIES`, the nearest untrusted address of
//!   `X-Forwarded-For`.
//!
//! In memory: each replica counts on its own, which bounds guessing per
//! replica; a strict global limit would need a shared store.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ipnet::IpNet;

/// Entries each table keeps at most; beyond, stale ones go first, then an
/// arbitrary tenth.
pub const MAX_KEYS: usize = 100_000;

/// The endpoints a stranger reaches without signing in, limited per client
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Public {
    Signup,
    /// Invitation acceptance and the survey links: a token from an e-mail.
    TokenLink,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Failures per account, and per client address, before back-off starts.
    pub free_failures_per_account: u32,
    pub free_failures_per_ip: u32,
    /// The longest wait back-off imposes.
    pub max_backoff: Duration,
    /// A key with no attempt for this long is forgotten.
    pub forget_after: Duration,
    pub signups_per_ip_per_hour: u32,
    pub token_links_per_ip_per_hour: u32,
}

pub struct Throttle {
    limits: Limits,
    trusted_proxies: Vec<IpNet>,
    hasher: RandomState,
    logins: Mutex<HashMap<u64, Backoff>>,
    public: Mutex<HashMap<u64, Window>>,
}

#[derive(Clone, Copy)]
struct Backoff {
    failures: u32,
    last: Instant,
    next_allowed: Instant,
}

#[derive(Clone, Copy)]
struct Window {
    count: u32,
    started: Instant,
}

const HOUR: Duration = Duration::from_secs(3600);

/// A login attempt that has been counted; call [`LoginAttempt::succeeded`]
/// when the password was right.
#[must_use]
pub struct LoginAttempt<'a> {
    throttle: &'a Throttle,
    ip_key: u64,
    account_key: u64,
}

impl LoginAttempt<'_> {
    /// Clears the account's failures and takes this attempt back from the
    /// address's count (colleagues behind one address keep signing in).
    pub fn succeeded(self) {
        let Ok(mut map) = self.throttle.logins.lock() else {
            return;
        };
        map.remove(&self.account_key);
        let free = self.throttle.limits.free_failures_per_ip;
        if let Some(entry) = map.get_mut(&self.ip_key) {
            entry.failures = entry.failures.saturating_sub(1);
            if entry.failures < free {
                entry.next_allowed = entry.last;
            }
        }
    }
}

impl Throttle {
    pub fn new(limits: Limits, trusted_proxies: Vec<IpNet>) -> Self {
        Throttle {
            limits,
            trusted_proxies,
            hasher: RandomState::new(),
            logins: Mutex::new(HashMap::new()),
            public: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, kind: &str, value: &str) -> u64 {
        self.hasher.hash_one((kind, value))
    }

    fn ip_key(&self, ip: IpAddr) -> u64 {
        self.hasher.hash_one(("ip", ip))
    }

    /// The wait after `failures` failures, `free` of them without one.
    fn backoff(&self, failures: u32, free: u32) -> Duration {
        if failures < free.max(1) {
            return Duration::ZERO;
        }
        let doublings = (failures - free.max(1)).min(30);
        Duration::from_secs(1u64 << doublings).min(self.limits.max_backoff)
    }

    /// Counts a login attempt for the client address and the e-mail, or
    /// answers how long to wait first.
    pub fn begin_login(&self, ip: IpAddr, email: &str) -> Result<LoginAttempt<'_>, Duration> {
        let now = Instant::now();
        let ip_key = self.ip_key(ip);
        // The e-mail is normalized by the caller; its length is bounded here
        // so that a megabyte of "address" costs no more than a real one.
        let email: String = email.chars().take(320).collect();
        let account_key = self.key("account", &email);
        let keys = [
            (ip_key, self.limits.free_failures_per_ip),
            (account_key, self.limits.free_failures_per_account),
        ];
        let Ok(mut map) = self.logins.lock() else {
            return Ok(LoginAttempt {
                throttle: self,
                ip_key,
                account_key,
            });
        };
        let forget = self.limits.forget_after;
        let mut wait = Duration::ZERO;
        for (key, _) in keys {
            if let Some(entry) = map.get(&key).copied() {
                if now.duration_since(entry.last) >= forget {
                    map.remove(&key);
                } else if entry.next_allowed > now {
                    wait = wait.max(entry.next_allowed - now);
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        make_room(&mut map, keys.len(), |e| {
            now.duration_since(e.last) >= forget
        });
        for (key, free) in keys {
            let entry = map.entry(key).or_insert(Backoff {
                failures: 0,
                last: now,
                next_allowed: now,
            });
            entry.failures = entry.failures.saturating_add(1);
            entry.last = now;
            entry.next_allowed = now + self.backoff(entry.failures, free);
        }
        Ok(LoginAttempt {
            throttle: self,
            ip_key,
            account_key,
        })
    }

    /// Counts a request to a public endpoint, or answers how long to wait.
    pub fn allow_public(&self, what: Public, ip: IpAddr) -> Result<(), Duration> {
        let limit = match what {
            Public::Signup => self.limits.signups_per_ip_per_hour,
            Public::TokenLink => self.limits.token_links_per_ip_per_hour,
        };
        let key = self.hasher.hash_one((what, ip));
        let now = Instant::now();
        let Ok(mut map) = self.public.lock() else {
            return Ok(());
        };
        if let Some(window) = map.get_mut(&key) {
            let elapsed = now.duration_since(window.started);
            if elapsed >= HOUR {
                *window = Window {
                    count: 0,
                    started: now,
                };
            } else if window.count >= limit {
                return Err(HOUR - elapsed);
            }
            window.count += 1;
            return Ok(());
        }
        make_room(&mut map, 1, |w| now.duration_since(w.started) >= HOUR);
        map.insert(
            key,
            Window {
                count: 1,
                started: now,
            },
        );
        Ok(())
    }

    /// [`Throttle::allow_public`] as the API answers it: 429 with the wait.
    pub fn admit(&self, what: Public, ip: IpAddr) -> crate::error::AppResult<()> {
        self.allow_public(what, ip)
            .map_err(crate::error::AppError::rate_limited)
    }

    /// The client's address: the peer, or behind trusted proxies the nearest
    /// address in `X-Forwarded-For` that is not one of them.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // A hop that is no address: trust stops at the last proxy.
                break;
            };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        Some(client)
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: `203.0.113.7`, `203.0.113.7:4711`,
/// `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(addr) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(addr.ip()));
    }
    None
}

/// Parses `STEWARD_TRUSTED_PROXIES`: addresses or networks, separated by
/// commas or spaces (`10.0.0.0/8, 127.0.0.1`).
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "STEWARD_TRUSTED_PROXIES: `{part}` is neither an IP address nor a network \
                         such as 10.0.0.0/8"
                    )
                })
        })
        .collect()
}

/// Keeps a table under [`MAX_KEYS`] before `adding` more entries: stale
/// entries go first; if that is not enough, an arbitrary tenth (the map's
/// order is randomly seeded, so nobody can pick which).
fn make_room<V>(map: &mut HashMap<u64, V>, adding: usize, stale: impl Fn(&V) -> bool) {
    if map.len() + adding <= MAX_KEYS {
        return;
    }
    map.retain(|_, v| !stale(v));
    if map.len() + adding > MAX_KEYS {
        let drop: Vec<u64> = map.keys().take(MAX_KEYS / 10 + adding).copied().collect();
        for key in drop {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_account: u32, per_ip: u32) -> Limits {
        Limits {
            free_failures_per_account: per_account,
            free_failures_per_ip: per_ip,
            max_backoff: Duration::from_secs(300),
            forget_after: Duration::from_secs(900),
            signups_per_ip_per_hour: 2,
            token_links_per_ip_per_hour: 3,
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn attempts_are_counted_before_the_password_is_known() {
        let throttle = Throttle::new(limits(3, 100), vec![]);
        // Three attempts in flight at once, none finished: the fourth waits.
        let _a = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        let _b = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        let _c = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        let wait = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").err().unwrap();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        // Another account from the same address is not affected.
        assert!(throttle.begin_login(ip("1.1.1.1"), "b@x.cn").is_ok());
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_success_clears_it() {
        let throttle = Throttle::new(limits(2, 100), vec![]);
        assert_eq!(throttle.backoff(1, 2), Duration::ZERO);
        assert_eq!(throttle.backoff(2, 2), Duration::from_secs(1));
        assert_eq!(throttle.backoff(3, 2), Duration::from_secs(2));
        assert_eq!(throttle.backoff(6, 2), Duration::from_secs(16));
        assert_eq!(throttle.backoff(40, 2), Duration::from_secs(300));
        let first = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        first.succeeded();
        let _ = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        let _ = throttle.begin_login(ip("1.1.1.1"), "a@x.cn").unwrap();
        assert!(throttle.begin_login(ip("1.1.1.1"), "a@x.cn").is_err());
    }

    #[test]
    fn the_address_limit_spans_accounts_and_successes_give_back() {
        let throttle = Throttle::new(limits(100, 4), vec![]);
        for i in 0..3 {
            let _ = throttle
                .begin_login(ip("2.2.2.2"), &format!("u{i}@x.cn"))
                .unwrap();
        }
        // Colleagues signing in successfully do not use the address up.
        for i in 0..10 {
            throttle
                .begin_login(ip("2.2.2.2"), &format!("ok{i}@x.cn"))
                .unwrap()
                .succeeded();
        }
        let _ = throttle.begin_login(ip("2.2.2.2"), "u3@x.cn").unwrap();
        assert!(throttle.begin_login(ip("2.2.2.2"), "fresh@x.cn").is_err());
        assert!(throttle.begin_login(ip("3.3.3.3"), "fresh@x.cn").is_ok());
    }

    #[test]
    fn forgotten_after_a_quiet_period() {
        let mut l = limits(1, 1);
        l.forget_after = Duration::from_millis(20);
        let throttle = Throttle::new(l, vec![]);
        let _ = throttle.begin_login(ip("4.4.4.4"), "c@x.cn").unwrap();
        assert!(throttle.begin_login(ip("4.4.4.4"), "c@x.cn").is_err());
        std::thread::sleep(Duration::from_millis(30));
        // The back-off (1 s) outlives the quiet period here, but a key not
        // seen for `forget_after` starts afresh.
        assert!(throttle.begin_login(ip("4.4.4.4"), "c@x.cn").is_ok());
    }

    #[test]
    fn keys_stay_bounded() {
        let throttle = Throttle::new(limits(5, 1_000_000), vec![]);
        for i in 0..(MAX_KEYS + 5_000) {
            let _ = throttle.begin_login(ip("5.5.5.5"), &format!("{i}@x.cn"));
        }
        assert!(throttle.logins.lock().unwrap().len() <= MAX_KEYS);
    }

    #[test]
    fn public_endpoints_are_counted_per_address_and_kind() {
        let throttle = Throttle::new(limits(5, 5), vec![]);
        assert!(throttle.allow_public(Public::Signup, ip("6.6.6.6")).is_ok());
        assert!(throttle.allow_public(Public::Signup, ip("6.6.6.6")).is_ok());
        let wait = throttle
            .allow_public(Public::Signup, ip("6.6.6.6"))
            .unwrap_err();
        assert!(wait > Duration::from_secs(3500));
        assert!(throttle.allow_public(Public::Signup, ip("7.7.7.7")).is_ok());
        assert!(throttle
            .allow_public(Public::TokenLink, ip("6.6.6.6"))
            .is_ok());
    }

    #[test]
    fn forwarded_for_is_read_only_behind_trusted_proxies() {
        let open = Throttle::new(limits(5, 5), vec![]);
        assert_eq!(
            open.client_ip(Some(ip("127.0.0.1")), &["9.9.9.9"]),
            Some(ip("127.0.0.1"))
        );
        let proxied = Throttle::new(
            limits(5, 5),
            parse_trusted_proxies("127.0.0.1, 10.0.0.0/8").unwrap(),
        );
        // The nearest untrusted hop, not what the client wrote leftmost.
        assert_eq!(
            proxied.client_ip(
                Some(ip("127.0.0.1")),
                &["6.6.6.6, 203.0.113.7", "10.1.2.3:4711"]
            ),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            proxied.client_ip(Some(ip("::ffff:127.0.0.1")), &["[2001:db8::1]:80"]),
            Some(ip("2001:db8::1"))
        );
        // No header, or garbage in it: the proxy itself.
        assert_eq!(
            proxied.client_ip(Some(ip("10.0.0.9")), &[]),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(
            proxied.client_ip(Some(ip("10.0.0.9")), &["unknown"]),
            Some(ip("10.0.0.9"))
        );
        // An untrusted peer's header is ignored.
        assert_eq!(
            proxied.client_ip(Some(ip("198.51.100.1")), &["1.2.3.4"]),
            Some(ip("198.51.100.1"))
        );
        assert!(parse_trusted_proxies("10.0.0.0/8,nonsense").is_err());
        assert!(parse_trusted_proxies("").unwrap().is_empty());
    }
}
