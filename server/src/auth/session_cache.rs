//! A short-lived, per-process memory of live sessions, so a burst of
//! requests with one access token checks the session in the database once
//! a second instead of on every request.
//!
//! Correctness rests on two rules:
//! - anything that ends a session or changes a user's role or activity in
//!   this process calls [`SessionCache::invalidate`] after its commit, which
//!   makes every entry read before it stale at once (a generation number,
//!   taken *before* the database read, is stored with each entry);
//! - entries live at most [`TTL`], so such a change made by another replica
//!   applies here within that time. The session's own expiry is checked
//!   against the request's clock on every hit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use shared::Role;

/// How long another replica's revocation may take to apply here.
pub const TTL: Duration = Duration::from_secs(1);
/// Past this many entries the cache starts over (a bound on memory).
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Clone, Copy)]
pub struct LiveSession {
    pub user_id: i64,
    pub workspace_id: i64,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Entry {
    session: LiveSession,
    generation: u64,
    cached_at: Instant,
}

#[derive(Debug, Default)]
pub struct SessionCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<i64, Entry>>,
}

impl SessionCache {
    /// Take this before reading the session from the database; pass it to
    /// [`SessionCache::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The session if it was seen live less than [`TTL`] ago, nothing was
    /// invalidated since, and it has not expired by `now`.
    pub fn get(&self, session_id: i64, now: DateTime<Utc>) -> Option<LiveSession> {
        let generation = self.generation();
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(&session_id)?;
        (entry.generation == generation
            && entry.cached_at.elapsed() < TTL
            && entry.session.expires_at > now)
            .then_some(entry.session)
    }

    pub fn put(&self, session_id: i64, session: LiveSession, generation: u64) {
        if generation != self.generation() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                session_id,
                Entry {
                    session,
                    generation,
                    cached_at: Instant::now(),
                },
            );
        }
    }

    /// Forgets everything: call after committing a change that ends a
    /// session or changes a user's role or activity.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(expires_at: DateTime<Utc>) -> LiveSession {
        LiveSession {
            user_id: 7,
            workspace_id: 3,
            role: Role::Csm,
            expires_at,
        }
    }

    #[test]
    fn a_live_session_is_remembered_until_invalidated() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let g = cache.generation();
        cache.put(1, live(now + chrono::Duration::hours(1)), g);
        assert_eq!(cache.get(1, now).map(|s| s.user_id), Some(7));
        assert!(cache.get(2, now).is_none());
        cache.invalidate();
        assert!(cache.get(1, now).is_none());
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_kept() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let before_read = cache.generation();
        cache.invalidate(); // a revocation committed while the request read
        cache.put(1, live(now + chrono::Duration::hours(1)), before_read);
        assert!(cache.get(1, now).is_none());
    }

    #[test]
    fn an_expired_session_is_not_served() {
        let cache = SessionCache::default();
        let now = Utc::now();
        cache.put(
            1,
            live(now + chrono::Duration::seconds(1)),
            cache.generation(),
        );
        assert!(cache.get(1, now + chrono::Duration::seconds(2)).is_none());
    }
}
