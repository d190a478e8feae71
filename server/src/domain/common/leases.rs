//! Leases and daily slots in the database, so that replicas running the
//! same schedule do each unit of work once (see the README's jobs table).
//!
//! A [`Lease`] is a `job_claims` row named by its key: taking it is one
//! upsert that inserts the row, or takes it over only when the holder's
//! lease has expired and the work is not done (`ON CONFLICT (key) DO
//! UPDATE … WHERE lease_until < now AND done_at IS NULL`); of several
//! replicas exactly one gets `rows_affected = 1`. Each taking draws a new
//! random owner token, so a holder whose lease expired (it stalled, it
//! was killed) cannot renew, release or finish a lease another replica has
//! taken since; the work it guards must therefore be safe to redo when a
//! holder dies mid-way (it is: each item has its own claim, see the
//! table). Times are the replicas' clocks ([`crate::clock`]); leases last
//! minutes, so clocks only need to agree to within seconds.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::Db;
use crate::entity::job_claims;
use crate::error::AppResult;

/// A lease held on `key` (until it is released, finished or expires).
#[derive(Debug, Clone)]
pub struct Lease {
    pub key: String,
    token: String,
    /// Set by [`Lease::hold`] when a renewal finds the lease taken.
    lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Lease {
    /// Takes the lease on `key` for `ttl`, unless another holder's lease
    /// is still running or the work under `key` is done. `None`: not ours.
    /// `holder` names the replica in the owner token (`replica-2:<uuid>`),
    /// so who holds what can be read off `job_claims`.
    pub async fn acquire(
        db: &Db,
        holder: &str,
        key: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> AppResult<Option<Lease>> {
        let token = format!("{holder}:{}", uuid::Uuid::new_v4());
        let row = job_claims::ActiveModel {
            key: Set(key.to_string()),
            owner: Set(token.clone()),
            lease_until: Set(now + ttl),
            done_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        let taken = job_claims::Entity::insert(row)
            .on_conflict(
                OnConflict::column(job_claims::Column::Key)
                    .update_columns([job_claims::Column::Owner, job_claims::Column::LeaseUntil])
                    .action_and_where(
                        Expr::col((job_claims::Entity, job_claims::Column::DoneAt))
                            .is_null()
                            .and(
                                Expr::col((job_claims::Entity, job_claims::Column::LeaseUntil))
                                    .lt(now),
                            ),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&db.write)
            .await;
        let taken = match taken {
            Ok(rows) => rows,
            Err(sea_orm::DbErr::RecordNotInserted) => 0,
            Err(e) => return Err(e.into()),
        };
        Ok((taken == 1).then(|| Lease {
            key: key.to_string(),
            token,
            lost: Default::default(),
        }))
    }

    /// Extends the lease to `now + ttl`; `false` when it was lost (it
    /// expired and another replica took it): stop working then.
    pub async fn renew(&self, db: &Db, now: DateTime<Utc>, ttl: Duration) -> AppResult<bool> {
        let renewed = job_claims::Entity::update_many()
            .col_expr(job_claims::Column::LeaseUntil, Expr::value(now + ttl))
            .filter(job_claims::Column::Key.eq(&self.key))
            .filter(job_claims::Column::Owner.eq(&self.token))
            .exec(&db.write)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Runs `work` while renewing the lease every third of `ttl`, so it
    /// stays ours however long the work takes, and lapses within `ttl`
    /// once this process dies. A renewal that finds the lease lost (this
    /// replica stalled past `ttl` and another took it) is logged and the
    /// work goes on: each item it does has a claim of its own.
    pub async fn hold<T>(
        &self,
        db: &Db,
        clock: &dyn crate::clock::Clock,
        ttl: Duration,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        let every = (ttl / 3)
            .to_std()
            .unwrap_or_default()
            .max(std::time::Duration::from_secs(1));
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        // On the heap: the jobs' futures are large (a debug build's stack
        // would not hold them twice).
        let mut work = Box::pin(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                _ = tick.tick() => match self.renew(db, clock.now(), ttl).await {
                    Ok(true) => {}
                    Ok(false) => {
                        self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
                        tracing::warn!(key = %self.key, "a job's lease was lost; another replica holds it now");
                    }
                    Err(e) => tracing::warn!(key = %self.key, error = %e, "renewing a job's lease failed"),
                },
            }
        }
    }

    /// Whether a renewal of [`Lease::hold`] found the lease taken by
    /// another replica (work that can stop between steps should).
    pub fn is_lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Gives the lease back, so the next run (here or elsewhere) may take
    /// it at once.
    pub async fn release(self, db: &Db) -> AppResult<()> {
        job_claims::Entity::delete_many()
            .filter(job_claims::Column::Key.eq(&self.key))
            .filter(job_claims::Column::Owner.eq(&self.token))
            .exec(&db.write)
            .await?;
        Ok(())
    }

    /// Marks the work under the key done: nobody takes it again.
    pub async fn finish(self, db: &Db, now: DateTime<Utc>) -> AppResult<bool> {
        let done = job_claims::Entity::update_many()
            .col_expr(job_claims::Column::DoneAt, Expr::value(now))
            .filter(job_claims::Column::Key.eq(&self.key))
            .filter(job_claims::Column::Owner.eq(&self.token))
            .exec(&db.write)
            .await?;
        Ok(done.rows_affected == 1)
    }
}

/// The name this process gives itself in lease owner tokens: its
/// `STEWARD_REPLICA_NAME`, or else its process id.
pub fn holder(config: &crate::config::Config) -> String {
    config
        .replica_name
        .clone()
        .unwrap_or_else(|| format!("pid-{}", std::process::id()))
}

/// Of `keys`, those whose work is done (one query per 500 keys).
pub async fn done_of(db: &Db, keys: &[String]) -> AppResult<std::collections::HashSet<String>> {
    let mut done = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<String> = job_claims::Entity::find()
            .select_only()
            .column(job_claims::Column::Key)
            .filter(job_claims::Column::Key.is_in(chunk.iter().cloned()))
            .filter(job_claims::Column::DoneAt.is_not_null())
            .into_tuple()
            .all(&db.write)
            .await?;
        done.extend(found);
    }
    Ok(done)
}

/// Forgets daily slots done more than `days` ago, and leases abandoned
/// that long ago.
pub async fn purge(db: &Db, now: DateTime<Utc>, days: i64) -> AppResult<u64> {
    let before = now - Duration::days(days);
    let purged = job_claims::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(job_claims::Column::DoneAt.lt(before))
                .add(job_claims::Column::LeaseUntil.lt(before)),
        )
        .exec(&db.write)
        .await?;
    Ok(purged.rows_affected)
}
