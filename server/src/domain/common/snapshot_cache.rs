//! A per-process cache of computed figures (a report over a big workspace)
//! served for up to a time-to-live, refreshed stale-while-revalidate: when
//! an entry expires, one request recomputes it while the concurrent ones
//! keep getting the previous figures; a missing entry is computed once
//! while the others wait for it. The computation says whether its result
//! is worth keeping (small workspaces are cheap to compute and always
//! fresh). The number of entries is bounded: the oldest go first.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppResult;

struct Entry<V> {
    at: Instant,
    value: Arc<V>,
}

pub struct SnapshotCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, Entry<V>>>,
    locks: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K: Eq + Hash + Clone, V> SnapshotCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        SnapshotCache {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
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
        entries.insert(
            key,
            Entry {
                at: Instant::now(),
                value,
            },
        );
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // A lock nobody holds or waits for belongs to no live entry.
        locks.retain(|k, l| entries.contains_key(k) || Arc::strong_count(l) > 1);
    }

    fn forget(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }

    /// The value of `key`: cached while fresh, else computed by `compute`,
    /// which answers the value and whether to keep it.
    pub async fn get<F, Fut>(&self, key: K, compute: F) -> AppResult<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<(V, bool)>>,
    {
        match self.lookup(&key) {
            Some((cached, true)) => Ok(cached),
            Some((stale, false)) => {
                // Someone is recomputing: serve the previous value meanwhile.
                let lock = self.lock_of(&key);
                let Ok(_guard) = lock.try_lock() else {
                    return Ok(stale);
                };
                self.refresh(key, compute).await
            }
            None => {
                // One computation per key at a time; the others wait for it.
                let lock = self.lock_of(&key);
                let _guard = lock.lock().await;
                self.refresh(key, compute).await
            }
        }
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
            self.store(key, value.clone());
        } else {
            self.forget(&key);
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_kept_value_is_served_until_it_expires_and_an_unkept_one_never() {
        let cache: SnapshotCache<u32, usize> = SnapshotCache::new(Duration::from_millis(50), 8);
        let runs = AtomicUsize::new(0);
        let compute = |keep: bool| {
            let n = runs.fetch_add(1, Ordering::SeqCst);
            async move { Ok((n, keep)) }
        };
        assert_eq!(*cache.get(1, || compute(true)).await.unwrap(), 0);
        assert_eq!(*cache.get(1, || compute(true)).await.unwrap(), 0);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(*cache.get(1, || compute(true)).await.unwrap(), 1);
        assert_eq!(*cache.get(2, || compute(false)).await.unwrap(), 2);
        assert_eq!(*cache.get(2, || compute(false)).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn the_oldest_entries_make_room() {
        let cache: SnapshotCache<u32, u32> = SnapshotCache::new(Duration::from_secs(60), 2);
        for k in 0..5 {
            cache.get(k, || async move { Ok((k, true)) }).await.unwrap();
        }
        assert_eq!(cache.entries.lock().unwrap().len(), 2);
        assert!(cache.lookup(&4).is_some() && cache.lookup(&0).is_none());
    }
}
