//! The service report's rollup (`service_rollup`, migration
//! `m20261213_000810_service_rollup`): what the tickets add up to per
//! workspace, day (`grain` 0) and month (`grain` 1) in the workspace's time
//! zone, module, service level and assignee, so the report over a year of
//! a million tickets reads a few thousand rows.
//!
//! A ticket's **share**: on the day it was opened, `opened` 1, `outside` 1
//! when logged outside agreement, else one of `*_met` / `*_breached` /
//! `*_pending` for each target and its business minutes in the target's
//! distribution (`fr_hist` / `res_hist`); `csat_n` / `csat_sum` when
//! rated; on the day it was resolved `resolved` 1, or on the day it was
//! closed without a resolution `closed_unresolved` 1 (the backlog). Each
//! share is counted on its day's row and again on its month's row.
//!
//! **Kept on write**: every write that changes what a ticket adds (opening,
//! the first public reply, resolving, reopening, closing and merging,
//! assignment and escalation, the module, the SLA monitor's breach, the
//! rating, the figures' backfill) calls [`change`] with the ticket before
//! and after, in its own transaction. Counters are upserted with
//! increments; a distribution is read and written back under the row lock
//! the upsert took (PostgreSQL), or on SQLite's single writer connection.
//! Rows are written in key order, so concurrent writers lock them in one
//! order.
//!
//! **Distributions are exact**: sorted (minutes, count) pairs, each a
//! LEB128 varint, so medians and p90 are the same as over the tickets.
//!
//! **Built from the tickets** (after the migration, after a bulk load, and
//! after the time zone changes): [`build`] reads a batch of tickets by id
//! per transaction and moves `service_rollup_state.after_id` on. Until it
//! is `done`, writers leave the tickets it has not reached to it, and the
//! report reads the tickets instead. The builder locks the state row
//! (`FOR UPDATE`), writers share it (`FOR SHARE`), so a ticket is counted
//! exactly once whichever comes first. Direct writes to `tickets` that
//! bypass the domain code must call [`rebuild`]. A workspace made after
//! the migration has no state row until its first ticket, which makes it
//! built.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, TransactionTrait};

use crate::db::sql::Sql;
use crate::db::Db;
use crate::entity::tickets;
use crate::error::AppResult;

pub const DAY: i16 = 0;
pub const MONTH: i16 = 1;

/// The counters of a row, in this order.
pub const COUNTS: [&str; 12] = [
    "opened",
    "outside",
    "fr_met",
    "fr_breached",
    "fr_pending",
    "res_met",
    "res_breached",
    "res_pending",
    "csat_n",
    "csat_sum",
    "resolved",
    "closed_unresolved",
];
pub const OPENED: usize = 0;
pub const OUTSIDE: usize = 1;
pub const FR: usize = 2;
pub const RES: usize = 5;
pub const CSAT_N: usize = 8;
pub const CSAT_SUM: usize = 9;
pub const RESOLVED: usize = 10;
pub const CLOSED_UNRESOLVED: usize = 11;

/// Tickets read per transaction by [`build`].
const BATCH: u64 = 5000;

/// What of a ticket the rollup reads.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Facts {
    pub id: i64,
    pub workspace_id: i64,
    pub module: String,
    pub service_level: String,
    pub assignee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outside_agreement: bool,
    pub first_response_met: Option<bool>,
    pub resolution_met: Option<bool>,
    pub first_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub csat_rating: Option<i32>,
}

impl Facts {
    pub fn of(t: &tickets::Model) -> Facts {
        Facts {
            id: t.id,
            workspace_id: t.workspace_id,
            module: t.module.clone(),
            service_level: t.service_level.clone(),
            assignee_id: t.assignee_id,
            created_at: t.created_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            outside_agreement: t.outside_agreement,
            first_response_met: t.first_response_met,
            resolution_met: t.resolution_met,
            first_response_minutes: t.first_response_minutes,
            resolution_minutes: t.resolution_minutes,
            csat_rating: t.csat_rating,
        }
    }
}

/// A row's key after the workspace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub grain: i16,
    pub day: NaiveDate,
    pub module: String,
    pub level: String,
    pub assignee: i64,
}

/// A change of one row.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delta {
    pub counts: [i64; 12],
    pub fr: BTreeMap<i64, i64>,
    pub res: BTreeMap<i64, i64>,
}

impl Delta {
    fn hist_zero(&self) -> bool {
        self.fr.values().all(|n| *n == 0) && self.res.values().all(|n| *n == 0)
    }

    fn is_zero(&self) -> bool {
        self.counts.iter().all(|n| *n == 0) && self.hist_zero()
    }
}

pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

fn slot(met: Option<bool>) -> usize {
    match met {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }
}

/// Adds `sign` × the ticket's share to `deltas`.
pub fn add(deltas: &mut BTreeMap<Key, Delta>, t: &Facts, tz: Tz, sign: i64) {
    let mut at = |day: NaiveDate, apply: &dyn Fn(&mut Delta)| {
        for (grain, day) in [(DAY, day), (MONTH, month_of(day))] {
            apply(
                deltas
                    .entry(Key {
                        grain,
                        day,
                        module: t.module.clone(),
                        level: t.service_level.clone(),
                        assignee: t.assignee_id.unwrap_or(0),
                    })
                    .or_default(),
            );
        }
    };
    at(local_day(t.created_at, tz), &|d: &mut Delta| {
        d.counts[OPENED] += sign;
        if let Some(rating) = t.csat_rating {
            d.counts[CSAT_N] += sign;
            d.counts[CSAT_SUM] += sign * i64::from(rating);
        }
        if t.outside_agreement {
            d.counts[OUTSIDE] += sign;
            return;
        }
        d.counts[FR + slot(t.first_response_met)] += sign;
        d.counts[RES + slot(t.resolution_met)] += sign;
        if let Some(m) = t.first_response_minutes {
            *d.fr.entry(m.max(0)).or_default() += sign;
        }
        if let Some(m) = t.resolution_minutes {
            *d.res.entry(m.max(0)).or_default() += sign;
        }
    });
    if let Some(resolved) = t.resolved_at {
        at(local_day(resolved, tz), &|d: &mut Delta| {
            d.counts[RESOLVED] += sign
        });
    } else if let Some(closed) = t.closed_at {
        at(local_day(closed, tz), &|d: &mut Delta| {
            d.counts[CLOSED_UNRESOLVED] += sign
        });
    }
}

// ---- distributions -------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&byte) = bytes.get(*at) {
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    None
}

/// Sorted (minutes, count) pairs, as stored.
pub fn encode(hist: &BTreeMap<i64, i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(hist.len() * 3);
    for (&minutes, &n) in hist {
        if n > 0 {
            put_varint(&mut out, u64::try_from(minutes).unwrap_or(0));
            put_varint(&mut out, u64::try_from(n).unwrap_or(0));
        }
    }
    out
}

/// Calls `each(minutes, count)` for every stored pair.
pub fn decode(bytes: &[u8], mut each: impl FnMut(i64, u64)) {
    let mut at = 0;
    while at < bytes.len() {
        let (Some(m), Some(n)) = (get_varint(bytes, &mut at), get_varint(bytes, &mut at)) else {
            return;
        };
        each(i64::try_from(m).unwrap_or(i64::MAX), n);
    }
}

fn merged(stored: &[u8], delta: &BTreeMap<i64, i64>) -> Vec<u8> {
    let mut hist: BTreeMap<i64, i64> = BTreeMap::new();
    decode(stored, |m, n| {
        *hist.entry(m).or_default() += i64::try_from(n).unwrap_or(i64::MAX)
    });
    for (m, n) in delta {
        *hist.entry(*m).or_default() += n;
    }
    encode(&hist)
}

// ---- writing -------------------------------------------------------------

fn push_key(sql: &mut Sql, workspace_id: i64, key: &Key) {
    sql.push(" WHERE workspace_id = ")
        .bind(workspace_id)
        .push(" AND grain = ")
        .bind(key.grain)
        .push(" AND day = ")
        .bind(key.day)
        .push(" AND module = ")
        .bind(key.module.clone())
        .push(" AND service_level = ")
        .bind(key.level.clone())
        .push(" AND assignee_id = ")
        .bind(key.assignee);
}

/// Applies the changes in key order.
async fn apply<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    deltas: BTreeMap<Key, Delta>,
) -> AppResult<()> {
    let backend = conn.get_database_backend();
    for (key, d) in deltas {
        if d.is_zero() {
            continue;
        }
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "INSERT INTO service_rollup (workspace_id, grain, day, module, service_level, \
             assignee_id, {}, fr_hist, res_hist) VALUES (",
            COUNTS.join(", ")
        ))
        .bind(workspace_id)
        .push(", ")
        .bind(key.grain)
        .push(", ")
        .bind(key.day)
        .push(", ")
        .bind(key.module.clone())
        .push(", ")
        .bind(key.level.clone())
        .push(", ")
        .bind(key.assignee);
        for n in d.counts {
            sql.push(", ").bind(n);
        }
        sql.push(", ")
            .bind(Vec::<u8>::new())
            .push(", ")
            .bind(Vec::<u8>::new())
            .push(
                ") ON CONFLICT (workspace_id, grain, day, module, service_level, assignee_id) \
                 DO UPDATE SET ",
            );
        for (i, c) in COUNTS.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(&format!("{c} = service_rollup.{c} + excluded.{c}"));
        }
        if d.hist_zero() {
            conn.execute(sql.statement()).await?;
        } else {
            // The upsert locked the row (PostgreSQL) and answers its
            // stored distributions; the new ones are written back.
            sql.push(" RETURNING fr_hist, res_hist");
            let row = conn.query_one(sql.statement()).await?;
            let (fr, res): (Vec<u8>, Vec<u8>) = match row {
                Some(row) => (row.try_get("", "fr_hist")?, row.try_get("", "res_hist")?),
                None => Default::default(),
            };
            let mut sql = Sql::new(backend);
            sql.push("UPDATE service_rollup SET fr_hist = ")
                .bind(merged(&fr, &d.fr))
                .push(", res_hist = ")
                .bind(merged(&res, &d.res));
            push_key(&mut sql, workspace_id, &key);
            conn.execute(sql.statement()).await?;
        }
        if d.counts.iter().any(|n| *n < 0) {
            // The last ticket of the row left it.
            let mut sql = Sql::new(backend);
            sql.push("DELETE FROM service_rollup");
            push_key(&mut sql, workspace_id, &key);
            sql.push(" AND opened = 0 AND resolved = 0 AND closed_unresolved = 0");
            conn.execute(sql.statement()).await?;
        }
    }
    Ok(())
}

/// A workspace's build state.
#[derive(Debug, Clone)]
pub struct State {
    pub time_zone: String,
    pub after_id: i64,
    pub done: bool,
}

async fn state<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    lock: &str,
) -> AppResult<Option<State>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT time_zone, after_id, done FROM service_rollup_state WHERE workspace_id = ")
        .bind(workspace_id);
    if backend == DatabaseBackend::Postgres {
        sql.push(" ").push(lock);
    }
    let Some(row) = conn.query_one(sql.statement()).await? else {
        return Ok(None);
    };
    Ok(Some(State {
        time_zone: row.try_get("", "time_zone")?,
        after_id: row.try_get("", "after_id")?,
        done: row.try_get("", "done")?,
    }))
}

/// Whether the report may read the workspace's rollup: built, in `tz`.
pub async fn ready<C: ConnectionTrait>(conn: &C, workspace_id: i64, tz: Tz) -> AppResult<bool> {
    Ok(state(conn, workspace_id, "")
        .await?
        .is_some_and(|s| s.done && s.time_zone == tz.name()))
}

fn relevant(a: &Facts, b: &Facts) -> bool {
    a != b
}

/// Moves the rollup from the ticket as it was (`None`: new) to the ticket
/// as it is now (`None`: gone), in the caller's transaction.
pub async fn change<C: ConnectionTrait>(
    conn: &C,
    before: Option<&tickets::Model>,
    after: Option<&tickets::Model>,
) -> AppResult<()> {
    change_facts(conn, before.map(Facts::of), after.map(Facts::of)).await
}

pub async fn change_facts<C: ConnectionTrait>(
    conn: &C,
    before: Option<Facts>,
    after: Option<Facts>,
) -> AppResult<()> {
    let Some(t) = after.as_ref().or(before.as_ref()) else {
        return Ok(());
    };
    if let (Some(b), Some(a)) = (&before, &after) {
        if !relevant(b, a) {
            return Ok(());
        }
    }
    let workspace_id = t.workspace_id;
    let s = match state(conn, workspace_id, "FOR SHARE").await? {
        Some(s) => s,
        None => {
            // A workspace made after the migration starts built with its
            // first ticket (the code that writes tickets directly, the
            // seeds, rebuilds after).
            let tz = crate::domain::common::calendar::time_zone(conn, workspace_id).await?;
            let mut sql = Sql::new(conn.get_database_backend());
            sql.push(
                "INSERT INTO service_rollup_state (workspace_id, time_zone, after_id, done) \
                 VALUES (",
            )
            .bind(workspace_id)
            .push(", ")
            .bind(tz.name().to_string())
            .push(", 0, ")
            .bind(true)
            .push(") ON CONFLICT (workspace_id) DO NOTHING");
            conn.execute(sql.statement()).await?;
            match state(conn, workspace_id, "FOR SHARE").await? {
                Some(s) => s,
                None => return Ok(()),
            }
        }
    };
    // The builder has not reached this ticket: it will count it as it is.
    if !s.done && t.id > s.after_id {
        return Ok(());
    }
    let Ok(tz) = s.time_zone.parse::<Tz>() else {
        return Ok(());
    };
    let mut deltas = BTreeMap::new();
    if let Some(b) = &before {
        add(&mut deltas, b, tz, -1);
    }
    if let Some(a) = &after {
        add(&mut deltas, a, tz, 1);
    }
    apply(conn, workspace_id, deltas).await
}

// ---- building ------------------------------------------------------------

async fn put_state<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    tz: &str,
    after_id: i64,
    done: bool,
) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("INSERT INTO service_rollup_state (workspace_id, time_zone, after_id, done) VALUES (")
        .bind(workspace_id)
        .push(", ")
        .bind(tz.to_string())
        .push(", ")
        .bind(after_id)
        .push(", ")
        .bind(done)
        .push(
            ") ON CONFLICT (workspace_id) DO UPDATE SET time_zone = excluded.time_zone, \
             after_id = excluded.after_id, done = excluded.done",
        );
    conn.execute(sql.statement()).await?;
    Ok(())
}

/// Forgets the workspace's rollup, to be built again in `tz` (after a bulk
/// load, or when the workspace's time zone changes), in the caller's
/// transaction; [`build`] does the rest.
pub async fn reset<C: ConnectionTrait>(conn: &C, workspace_id: i64, tz: Tz) -> AppResult<()> {
    // Waits for the writers of the moment, and keeps the builder out.
    state(conn, workspace_id, "FOR UPDATE").await?;
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("DELETE FROM service_rollup WHERE workspace_id = ")
        .bind(workspace_id);
    conn.execute(sql.statement()).await?;
    put_state(conn, workspace_id, tz.name(), 0, false).await
}

/// One batch of the build (`batch` tickets, in one transaction); whether
/// the workspace is now built.
pub async fn build_step(db: &Db, workspace_id: i64, batch: u64) -> AppResult<bool> {
    let txn = db.write.begin().await?;
    let tz = crate::domain::common::calendar::time_zone(&txn, workspace_id).await?;
    let s = match state(&txn, workspace_id, "FOR UPDATE").await? {
        Some(s) => s,
        None => {
            put_state(&txn, workspace_id, tz.name(), 0, false).await?;
            State {
                time_zone: tz.name().to_string(),
                after_id: 0,
                done: false,
            }
        }
    };
    if s.done && s.time_zone == tz.name() {
        txn.commit().await?;
        return Ok(true);
    }
    let mut after_id = s.after_id;
    if s.time_zone != tz.name() {
        // From the start, in the workspace's time zone now.
        reset(&txn, workspace_id, tz).await?;
        after_id = 0;
    }
    // By id from where it stopped: SQLite is told not to take the
    // workspace's indexes (it would sort what they find past the id).
    let backend = txn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT id, workspace_id, module, service_level, assignee_id, created_at, resolved_at, \
         closed_at, outside_agreement, first_response_met, resolution_met, \
         first_response_minutes, resolution_minutes, csat_rating FROM tickets WHERE id > ",
    )
    .bind(after_id)
    .push(if backend == DatabaseBackend::Sqlite {
        " AND +workspace_id = "
    } else {
        " AND workspace_id = "
    })
    .bind(workspace_id)
    .push(" ORDER BY id LIMIT ")
    .bind(i64::try_from(batch).unwrap_or(i64::MAX));
    let rows = Facts::find_by_statement(sql.statement()).all(&txn).await?;
    let mut deltas = BTreeMap::new();
    for t in &rows {
        add(&mut deltas, t, tz, 1);
    }
    apply(&txn, workspace_id, deltas).await?;
    let done = (rows.len() as u64) < batch;
    let after = rows.last().map_or(after_id, |t| t.id);
    put_state(&txn, workspace_id, tz.name(), after, done).await?;
    txn.commit().await?;
    Ok(done)
}

/// Builds the workspace's rollup from its tickets, a batch per
/// transaction, from where it stopped; returns when it is built.
pub async fn build(db: &Db, workspace_id: i64) -> AppResult<()> {
    while !build_step(db, workspace_id, BATCH).await? {}
    Ok(())
}

/// Forgets and builds the workspace's rollup again (after writing tickets
/// directly, as the seeds and some tests do).
pub async fn rebuild(db: &Db, workspace_id: i64) -> AppResult<()> {
    let txn = db.write.begin().await?;
    let tz = crate::domain::common::calendar::time_zone(&txn, workspace_id).await?;
    reset(&txn, workspace_id, tz).await?;
    txn.commit().await?;
    build(db, workspace_id).await
}

/// The workspaces whose rollup is not built (those without a state row
/// get one).
pub async fn unbuilt(db: &Db) -> AppResult<Vec<i64>> {
    db.write
        .execute_unprepared(
            "INSERT INTO service_rollup_state (workspace_id, time_zone, after_id, done) \
             SELECT id, '', 0, FALSE FROM workspaces WHERE id NOT IN \
             (SELECT workspace_id FROM service_rollup_state)",
        )
        .await?;
    let rows = db
        .write
        .query_all(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT workspace_id FROM service_rollup_state WHERE done = FALSE ORDER BY workspace_id",
        ))
        .await?;
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        ids.push(row.try_get::<i64>("", "workspace_id")?);
    }
    Ok(ids)
}

/// Builds every unbuilt workspace in the background (after starting).
pub fn spawn_builds(db: Db) {
    tokio::spawn(async move {
        let ids = match unbuilt(&db).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!(error = %e, "service rollup: cannot list the workspaces to build");
                return;
            }
        };
        for id in ids {
            let started = std::time::Instant::now();
            match build(&db, id).await {
                Ok(()) => tracing::info!(
                    workspace_id = id,
                    seconds = started.elapsed().as_secs_f64(),
                    "service rollup built"
                ),
                Err(e) => {
                    tracing::error!(workspace_id = id, error = %e, "service rollup: build failed")
                }
            }
        }
    });
}

/// Builds the workspace again in the background (its time zone changed).
pub fn spawn_build(db: Db, workspace_id: i64) {
    tokio::spawn(async move {
        if let Err(e) = build(&db, workspace_id).await {
            tracing::error!(workspace_id, error = %e, "service rollup: build failed");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_round_trip() {
        let mut h = BTreeMap::new();
        h.insert(0, 3);
        h.insert(127, 1);
        h.insert(128, 2);
        h.insert(1_000_000, 200);
        h.insert(5, 0);
        let bytes = encode(&h);
        let mut back = Vec::new();
        decode(&bytes, |m, n| back.push((m, n)));
        assert_eq!(back, [(0, 3), (127, 1), (128, 2), (1_000_000, 200)]);
        let mut d = BTreeMap::new();
        d.insert(127, -1);
        d.insert(9, 1);
        let mut back = Vec::new();
        decode(&merged(&bytes, &d), |m, n| back.push((m, n)));
        assert_eq!(back, [(0, 3), (9, 1), (128, 2), (1_000_000, 200)]);
    }
}
