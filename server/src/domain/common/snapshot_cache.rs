//! A per-process cache of computed figures (a report over a big workspace)
//! served for up to a time-to-live, refreshed stale-while-revalidate: when
//! an entry expires, the request that finds it so starts one recomputation
//! in the background, and it and every request meanwhile get the previous
//! figures, so no request waits for a refresh; a missing entry is computed
//! once while the others wait for it. The computation says whether its result
//! is worth keeping (small workspaces are cheap to compute and always
//! fresh). The number of entries is bounded: the oldest go first.
//!
//! [`SnapshotCache::get_stored`] also keeps what it computes in the
//! database (`report_snapshots`): a server that has just started, or
//! another replica, that lacks an entry serves the stored one if it is at
//! most `STORED_SERVE_TTLS` time-to-lives old (refreshing it behind, as
//! above) instead of computing while its requests wait, and N replicas
//! share the work of refreshing instead of each doing it.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::Db;
use crate::entity::report_snapshots;
use crate::error::AppResult;

/// A stored snapshot is served (and refreshed behind) up to this many
/// time-to-lives old; an older one is computed again first.
pub const STORED_SERVE_TTLS: u32 = 10;

/// Where a cache entry is kept in the database: the workspace, the kind of
/// figures and the rest of the key (portfolio, period, currency) as text.
pub struct Stored {
    pub workspace_id: i64,
    pub kind: &'static str,
    pub key: String,
}

struct Entry<V> {
    at: Instant,
    value: Arc<V>,
}

pub struct SnapshotCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, Entry<V>>>,
    locks: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
    /// Keys whose last computation was not worth keeping (a small
    /// portfolio), and when: [`SnapshotCache::get_stored`] does not look
    /// for them in the database, where they never are.
    small: Mutex<HashMap<K, Instant>>,
}

impl<K: Eq + Hash + Clone, V> SnapshotCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        SnapshotCache {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            small: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value, if any, and whether it is still fresh.
    fn lookup(&self, key: &K) -> Option<(Arc<V>, bool)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .map(|e| (e.value.clone(), e.at.elapsed() < self.ttl))
    }

    fn lock_of(&self, key: &K) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(key.clone()).or_default().clone()
    }

    fn store(&self, key: K, value: Arc<V>) {
        self.store_at(key, value, Instant::now());
    }

    fn store_at(&self, key: K, value: Arc<V>, at: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what nobody asked for in a while, then the oldest.
        let ttl = self.ttl;
        entries.retain(|_, e| e.at.elapsed() < ttl * 10);
        while entries.len() >= self.max_entries {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        entries.insert(key, Entry { at, value });
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // A lock nobody holds or waits for belongs to no live entry.
        locks.retain(|k, l| entries.contains_key(k) || Arc::strong_count(l) > 1);
    }

    /// Drops the entry of a value not worth keeping, and remembers the
    /// key as small for a while.
    fn forget(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
        drop(entries);
        let mut small = self.small.lock().unwrap_or_else(|e| e.into_inner());
        if small.len() >= self.max_entries {
            let horizon = self.ttl * STORED_SERVE_TTLS;
            small.retain(|_, at| at.elapsed() < horizon);
            if small.len() >= self.max_entries {
                small.clear();
            }
        }
        small.insert(key.clone(), Instant::now());
    }

    /// Whether `key`'s last computation, lately, was not worth keeping.
    fn known_small(&self, key: &K) -> bool {
        let small = self.small.lock().unwrap_or_else(|e| e.into_inner());
        small
            .get(key)
            .is_some_and(|at| at.elapsed() < self.ttl * STORED_SERVE_TTLS)
    }

    /// The value of `key`: cached while fresh; once stale, still the
    /// cached one while `compute` (which answers the value and whether to
    /// keep it) runs in the background; computed now when missing.
    pub async fn get<F, Fut>(&'static self, key: K, compute: F) -> AppResult<Arc<V>>
    where
        K: Send + Sync + 'static,
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = AppResult<(V, bool)>> + Send + 'static,
    {
        match self.lookup(&key) {
            Some((cached, true)) => Ok(cached),
            Some((stale, false)) => {
                // One refresh at a time, off the request's path.
                if let Ok(guard) = self.lock_of(&key).try_lock_owned() {
                    tokio::spawn(async move {
                        let _guard = guard;
                        if let Err(e) = self.refresh(key, compute).await {
                            tracing::warn!(error = %e, "refreshing a snapshot failed; the previous one stays");
                        }
                    });
                }
                Ok(stale)
            }
            None => {
                // One computation per key at a time; the others wait for it.
                let lock = self.lock_of(&key);
                let _guard = lock.lock().await;
                self.refresh(key, compute).await
            }
        }
    }

    /// [`SnapshotCache::get`], with what is kept also stored in the
    /// database under `stored`; a key this process lacks is first looked
    /// for there (see the module's documentation).
    pub async fn get_stored<F, Fut>(
        &'static self,
        db: &Db,
        stored: Stored,
        key: K,
        compute: F,
    ) -> AppResult<Arc<V>>
    where
        K: Send + Sync + 'static,
        V: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = AppResult<(V, bool)>> + Send + 'static,
    {
        if self.lookup(&key).is_none() && !self.known_small(&key) {
            if let Some((value, age)) = load::<V>(db, &stored).await {
                if age < self.ttl * STORED_SERVE_TTLS {
                    if let Some(at) = Instant::now().checked_sub(age) {
                        self.store_at(key.clone(), Arc::new(value), at);
                    }
                }
            }
        }
        let db = db.clone();
        self.get(key, move || async move {
            let (value, keep) = compute().await?;
            if keep {
                save(&db, &stored, &value).await;
            }
            Ok((value, keep))
        })
        .await
    }

    /// Computes and keeps the value, unless another request just did.
    async fn refresh<F, Fut>(&self, key: K, compute: F) -> AppResult<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<(V, bool)>>,
    {
        if let Some((cached, true)) = self.lookup(&key) {
            return Ok(cached);
        }
        let (value, keep) = compute().await?;
        let value = Arc::new(value);
        if keep {
            self.small
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
            self.store(key, value.clone());
        } else {
            self.forget(&key);
        }
        Ok(value)
    }
}

/// The stored snapshot and its age, if there is one that reads.
async fn load<V: DeserializeOwned>(db: &Db, stored: &Stored) -> Option<(V, Duration)> {
    let row = report_snapshots::Entity::find()
        .filter(report_snapshots::Column::WorkspaceId.eq(stored.workspace_id))
        .filter(report_snapshots::Column::Kind.eq(stored.kind))
        .filter(report_snapshots::Column::SnapshotKey.eq(stored.key.as_str()))
        .one(&db.read)
        .await
        .map_err(|e| tracing::warn!(error = %e, "reading a stored snapshot failed"))
        .ok()??;
    // A clock behind the writer's (another replica's) reads as age 0.
    let age = (Utc::now() - row.stored_at).to_std().unwrap_or_default();
    let value = serde_json::from_str(&row.body)
        .map_err(|e| tracing::warn!(error = %e, "a stored snapshot does not read; recomputing"))
        .ok()?;
    Some((value, age))
}

/// Stores (or replaces) the snapshot; a failure only costs the next
/// server a computation, so it is logged, not answered.
async fn save<V: Serialize>(db: &Db, stored: &Stored, value: &V) {
    let body = match serde_json::to_string(value) {
        Ok(body) => body,
        Err(e) => {
            tracing::warn!(error = %e, "a snapshot does not serialise");
            return;
        }
    };
    let row = report_snapshots::ActiveModel {
        workspace_id: Set(stored.workspace_id),
        kind: Set(stored.kind.to_string()),
        snapshot_key: Set(stored.key.clone()),
        stored_at: Set(Utc::now()),
        body: Set(body),
        ..Default::default()
    };
    let upsert = OnConflict::columns([
        report_snapshots::Column::WorkspaceId,
        report_snapshots::Column::Kind,
        report_snapshots::Column::SnapshotKey,
    ])
    .update_columns([
        report_snapshots::Column::StoredAt,
        report_snapshots::Column::Body,
    ])
    .to_owned();
    if let Err(e) = report_snapshots::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(&db.write)
        .await
    {
        tracing::warn!(error = %e, "storing a snapshot failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn leaked<V>(ttl: Duration, max_entries: usize) -> &'static SnapshotCache<u32, V> {
        Box::leak(Box::new(SnapshotCache::new(ttl, max_entries)))
    }

    #[tokio::test]
    async fn a_kept_value_is_served_until_it_expires_then_refreshed_behind_the_stale_one() {
        let cache = leaked::<usize>(Duration::from_millis(50), 8);
        let runs = Arc::new(AtomicUsize::new(0));
        let compute = |keep: bool| {
            let runs = runs.clone();
            move || async move { Ok((runs.fetch_add(1, Ordering::SeqCst), keep)) }
        };
        assert_eq!(*cache.get(1, compute(true)).await.unwrap(), 0);
        assert_eq!(*cache.get(1, compute(true)).await.unwrap(), 0);
        tokio::time::sleep(Duration::from_millis(60)).await;
        // Expired: the stale value at once, the new one once computed.
        assert_eq!(*cache.get(1, compute(true)).await.unwrap(), 0);
        let mut waited = 0;
        while *cache.get(1, compute(true)).await.unwrap() == 0 {
            assert!(waited < 100, "the background refresh never landed");
            tokio::time::sleep(Duration::from_millis(5)).await;
            waited += 1;
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "one refresh, not one per request"
        );
        assert_eq!(*cache.get(2, compute(false)).await.unwrap(), 2);
        assert_eq!(*cache.get(2, compute(false)).await.unwrap(), 3);
        assert!(cache.known_small(&2) && !cache.known_small(&1));
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_previous_value() {
        let cache = leaked::<u32>(Duration::from_millis(20), 8);
        cache.get(1, || async { Ok((7, true)) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let failing = || async { Err(crate::error::AppError::NotFound) };
        assert_eq!(*cache.get(1, failing).await.unwrap(), 7);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(*cache.get(1, || async { Ok((8, true)) }).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn the_oldest_entries_make_room() {
        let cache = leaked::<u32>(Duration::from_secs(60), 2);
        for k in 0..5 {
            cache
                .get(k, move || async move { Ok((k, true)) })
                .await
                .unwrap();
        }
        assert_eq!(cache.entries.lock().unwrap().len(), 2);
        assert!(cache.lookup(&4).is_some() && cache.lookup(&0).is_none());
    }
}
