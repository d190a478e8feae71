//! A short-lived, per-process memory of live sessions, so a burst of
//! requests with one access token checks the session in the database once
//! a second instead of on every request.
//!
//! Correctness rests on three rules:
//! - anything that ends a session or changes a user's role or activity
//!   (logout, deactivation, a role change, an archived contact, a password
//!   change…) calls [`SessionCache::invalidate`] after its commit, which
//!   makes every entry read before it stale at once (a generation number,
//!   taken *before* the database read, is stored with each entry);
//! - on PostgreSQL, `invalidate` also sends `NOTIFY steward_sessions`, and
//!   every replica `LISTEN`s on its own connection ([`listen`]) and forgets
//!   its entries when one arrives: a revocation on one replica applies on
//!   every other one as soon as PostgreSQL delivers the notification
//!   (milliseconds). While that connection is down this cache serves
//!   nothing (every request reads the database), and on every (re)connect
//!   it starts empty, since notifications sent meanwhile are lost;
//! - entries live at most [`TTL`]. That bounds how stale an entry can be
//!   when the listening connection breaks silently (a notification lost
//!   before the break is noticed), and on SQLite, where there is one
//!   process and no notification is needed. The session's own expiry is
//!   checked against the request's clock on every hit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use shared::Role;

/// The longest an entry is served: how stale it can be if a notification
/// is lost with a broken connection (see the module's comment).
pub const TTL: Duration = Duration::from_secs(1);
/// Past this many entries the cache starts over (a bound on memory).
const MAX_ENTRIES: usize = 50_000;
/// The PostgreSQL channel revocations are announced on.
pub const CHANNEL: &str = "steward_sessions";

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
    /// PostgreSQL only: where revocations are announced and heard.
    peers: OnceLock<Peers>,
}

/// The other replicas, reached through PostgreSQL.
#[derive(Debug)]
struct Peers {
    /// Sends the notifications (the application's pool).
    pool: sqlx::PgPool,
    /// The listening connection's settings (a connection of its own).
    options: sqlx::postgres::PgConnectOptions,
    /// Whether the listening connection is up; while not, nothing is served.
    listening: AtomicBool,
    /// This cache's own mark on its notifications, which it skips.
    origin: String,
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
        if self
            .peers
            .get()
            .is_some_and(|p| !p.listening.load(Ordering::SeqCst))
        {
            return None;
        }
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

    /// Forgets everything here, in this process.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Forgets everything, here and (PostgreSQL) on every other replica:
    /// call after committing a change that ends a session or changes a
    /// user's role or activity. The notification is sent before this
    /// returns; a failure to send it is logged, and the others then apply
    /// the change within [`TTL`].
    pub async fn invalidate(&self) {
        self.forget_all();
        if let Some(peers) = self.peers.get() {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&peers.origin)
                .execute(&peers.pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "announcing a session revocation failed");
            }
        }
    }

    /// PostgreSQL: announce revocations through `pool`, and hear the
    /// others' on a connection of its own made with `options` once
    /// [`listen`] runs. Until then nothing is served from the cache.
    pub fn connect_peers(&self, pool: sqlx::PgPool, options: sqlx::postgres::PgConnectOptions) {
        let _ = self.peers.set(Peers {
            pool,
            options,
            listening: AtomicBool::new(false),
            origin: crate::auth::tokens::random_token(16),
        });
    }

    /// Whether this cache hears the other replicas' revocations now
    /// (always false on SQLite, where there are none).
    pub fn is_listening(&self) -> bool {
        self.peers
            .get()
            .is_some_and(|p| p.listening.load(Ordering::SeqCst))
    }
}

/// PostgreSQL: listens for the other replicas' revocations for as long as
/// the runtime runs, reconnecting with a growing pause (0.1 s doubling to
/// 10 s) after the connection breaks. Nothing to do on SQLite.
pub fn listen(cache: Arc<SessionCache>) {
    if cache.peers.get().is_none() {
        return;
    }
    tokio::spawn(async move {
        let Some(peers) = cache.peers.get() else {
            return;
        };
        // One connection, used by the listener alone.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(peers.options.clone());
        let mut pause = Duration::from_millis(100);
        loop {
            match hear(&cache, peers, &pool).await {
                Ok(()) => tracing::warn!("the session revocation listener lost its connection"),
                Err(e) => tracing::warn!(error = %e, "the session revocation listener failed"),
            }
            if peers.listening.swap(false, Ordering::SeqCst) {
                // It had been up: the first retry comes soon.
                pause = Duration::from_millis(100);
            }
            cache.forget_all();
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(10));
        }
    });
}

/// Listens until the connection is lost (`Ok`) or cannot be made (`Err`).
async fn hear(cache: &SessionCache, peers: &Peers, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Whatever was announced while nobody listened is lost: start over.
    cache.forget_all();
    peers.listening.store(true, Ordering::SeqCst);
    tracing::debug!("listening for session revocations");
    while let Some(notification) = listener.try_recv().await? {
        if notification.payload() != peers.origin {
            cache.forget_all();
        }
    }
    Ok(())
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
        cache.forget_all();
        assert!(cache.get(1, now).is_none());
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_kept() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let before_read = cache.generation();
        cache.forget_all(); // a revocation committed while the request read
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
