//! The `health-scores` job: scores every account of every workspace (or of
//! one, when a workspace admin runs it) and
//! keeps one snapshot per account and day. The unique (account, day) key and
//! an upsert make any number of runs on the same day leave one snapshot,
//! holding the latest score.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use shared::integrations::EventType;
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;

use super::{active_overrides, inputs, model_of, score, StoredComponent};
use crate::db::Db;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::calendar;
use crate::domain::integrations::events::listens;
use crate::entity::{health_snapshots, workspaces};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Rows per INSERT (11 columns each: well under SQLite's parameter limit).
const CHUNK: usize = 500;

#[derive(Debug, Clone, Default, Serialize)]
pub struct HealthRun {
    pub workspaces: usize,
    pub accounts: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub overridden: usize,
    /// Accounts whose band differs from their last snapshot: each is on
    /// its timeline, and sent as `account.health_band_changed` when anyone
    /// listens.
    pub band_changes: usize,
}

/// Scores every workspace, or only `workspace` when given.
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<HealthRun> {
    let mut query = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id);
    if let Some(id) = workspace {
        query = query.filter(workspaces::Column::Id.eq(id));
    }
    let ids: Vec<i64> = query.into_tuple().all(&state.db.read).await?;
    let mut report = HealthRun::default();
    for workspace_id in ids {
        report.workspaces += 1;
        run_workspace(&state.db, workspace_id, now, &mut report).await?;
    }
    if report.band_changes > 0 {
        state.integrations.kick();
    }
    Ok(report)
}

/// Scores one workspace's accounts as of `now` and keeps that day's
/// snapshot (also how `seed-demo` writes a demo's past days).
pub async fn run_workspace(
    db: &Db,
    workspace_id: i64,
    now: DateTime<Utc>,
    report: &mut HealthRun,
) -> AppResult<()> {
    let read = &db.read;
    let started = std::time::Instant::now();
    let today = calendar::today(read, workspace_id, now).await?;
    let model = model_of(read, workspace_id).await?;
    let measured = inputs::measure(read, workspace_id, None, today, now).await?;
    if measured.is_empty() {
        return Ok(());
    }
    let overrides = active_overrides(read, workspace_id, None, today).await?;
    let measured_ms = started.elapsed().as_millis();
    let mut rows = Vec::with_capacity(measured.len());
    for (account_id, m) in &measured {
        let computed = score::compute(&model, &m.inputs);
        let o = overrides.get(account_id);
        let score = o.map_or(computed.score, |o| o.score);
        let band = model.band(score);
        report.accounts += 1;
        match band {
            shared::health::HealthBand::Green => report.green += 1,
            shared::health::HealthBand::Yellow => report.yellow += 1,
            shared::health::HealthBand::Red => report.red += 1,
        }
        if o.is_some() {
            report.overridden += 1;
        }
        let stored: Vec<StoredComponent> = computed
            .components
            .iter()
            .map(StoredComponent::from)
            .collect();
        rows.push(health_snapshots::ActiveModel {
            workspace_id: Set(workspace_id),
            account_id: Set(*account_id),
            day: Set(today),
            score: Set(score),
            band: Set(band.as_str().to_string()),
            computed_score: Set(computed.score),
            overridden: Set(o.is_some()),
            weakest: Set(computed.weakest.map(|w| w.as_str().to_string())),
            components: Set(
                serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.into()))?
            ),
            computed_at: Set(now),
            ..Default::default()
        });
    }
    let computed_ms = started.elapsed().as_millis();
    let txn = db.write.begin().await?;
    // Band changes are read in the writing transaction, after any other
    // run of this workspace has committed (SQLite has one writer; on
    // PostgreSQL a transaction lock per workspace orders the runs), so two
    // replicas running at once record a change once: the second finds
    // today's snapshot with the new band already.
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [
                HEALTH_RUN_LOCK.into(),
                workspace_lock_key(workspace_id).into(),
            ],
        ))
        .await?;
    }
    let band_changes = band_changes(&txn, workspace_id, today, &rows).await?;
    let mut rest = rows;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(CHUNK));
        health_snapshots::Entity::insert_many(rest)
            .on_conflict(
                OnConflict::columns([
                    health_snapshots::Column::AccountId,
                    health_snapshots::Column::Day,
                ])
                .update_columns([
                    health_snapshots::Column::Score,
                    health_snapshots::Column::Band,
                    health_snapshots::Column::ComputedScore,
                    health_snapshots::Column::Overridden,
                    health_snapshots::Column::Weakest,
                    health_snapshots::Column::Components,
                    health_snapshots::Column::ComputedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        rest = tail;
    }
    // Each account whose band moved gets a timeline entry, all in one
    // INSERT per 500; integrations hear of it when someone listens.
    report.band_changes += band_changes.len();
    timeline::record_many(
        &txn,
        band_changes
            .iter()
            .map(|c| c.timeline_event(workspace_id, now))
            .collect(),
        now,
    )
    .await?;
    if !band_changes.is_empty()
        && listens(&txn, workspace_id, EventType::AccountHealthBandChanged).await?
    {
        for change in &band_changes {
            emit_band_change(&txn, workspace_id, change, now).await?;
        }
    }
    txn.commit().await?;
    tracing::info!(
        workspace_id,
        accounts = measured.len(),
        measured_ms,
        computed_ms,
        written_ms = started.elapsed().as_millis(),
        "health scores"
    );
    Ok(())
}

/// The first key of the health run's transaction lock (the second is the
/// workspace): "HEAL".
const HEALTH_RUN_LOCK: i32 = 0x4845_414c;

/// A workspace id as the lock's second key (ids beyond `i32` wrap, which
/// at worst makes two workspaces' runs wait for each other).
fn workspace_lock_key(workspace_id: i64) -> i32 {
    (workspace_id & 0xffff_ffff) as u32 as i32
}

/// An account whose band moved: from, to, and the new score.
struct BandChange {
    account_id: i64,
    from: String,
    to: String,
    score: i32,
}

impl BandChange {
    /// `yellow → red, score 35` on the account's timeline, by no one.
    fn timeline_event(&self, workspace_id: i64, now: DateTime<Utc>) -> NewEvent {
        let summary = Msg::new(T::TimelineHealthBand)
            .with("from", &self.from)
            .with("to", &self.to)
            .with("score", self.score)
            .en();
        NewEvent {
            workspace_id,
            account_id: self.account_id,
            kind: TimelineKind::HealthBandChanged,
            occurred_at: now,
            actor_id: None,
            summary,
            body: None,
            entity: Some(("account", self.account_id)),
        }
    }
}

/// The accounts of `rows` whose band differs from their latest stored
/// snapshot: today's when the job ran today already (so a run that finds
/// the same band again reports nothing), else the one of the latest day
/// with snapshots in the week before. Reads that day's and today's bands
/// (two rows per account at most) through `(workspace_id, day, …, band,
/// account_id)`. An account with no snapshot in the week has no change.
async fn band_changes<C: sea_orm::ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    today: chrono::NaiveDate,
    rows: &[health_snapshots::ActiveModel],
) -> AppResult<Vec<BandChange>> {
    use sea_orm::sea_query::Expr;
    use sea_orm::QueryOrder;

    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let week_ago = today - chrono::Duration::days(7);
    let latest_before: Option<chrono::NaiveDate> = health_snapshots::Entity::find()
        .select_only()
        .column_as(Expr::col(health_snapshots::Column::Day).max(), "day")
        .filter(health_snapshots::Column::WorkspaceId.eq(workspace_id))
        .filter(health_snapshots::Column::Day.lt(today))
        .filter(health_snapshots::Column::Day.gte(week_ago))
        .into_tuple::<Option<chrono::NaiveDate>>()
        .one(conn)
        .await?
        .flatten();
    // Oldest first, so today's band (when there is one) wins.
    let previous: std::collections::HashMap<i64, String> = health_snapshots::Entity::find()
        .select_only()
        .column(health_snapshots::Column::AccountId)
        .column(health_snapshots::Column::Band)
        .filter(health_snapshots::Column::WorkspaceId.eq(workspace_id))
        .filter(
            health_snapshots::Column::Day.is_in([Some(today), latest_before].into_iter().flatten()),
        )
        .order_by_asc(health_snapshots::Column::Day)
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for row in rows {
        let (
            sea_orm::ActiveValue::Set(account_id),
            sea_orm::ActiveValue::Set(band),
            sea_orm::ActiveValue::Set(score),
        ) = (&row.account_id, &row.band, &row.score)
        else {
            continue;
        };
        if let Some(from) = previous.get(account_id).filter(|from| *from != band) {
            out.push(BandChange {
                account_id: *account_id,
                from: from.clone(),
                to: band.clone(),
                score: *score,
            });
        }
    }
    Ok(out)
}

async fn emit_band_change<C: sea_orm::ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    change: &BandChange,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::domain::integrations::events::{account_of, emit};
    let account = account_of(conn, workspace_id, change.account_id).await?;
    emit(
        conn,
        workspace_id,
        shared::integrations::EventType::AccountHealthBandChanged,
        serde_json::json!({
            "account": account,
            "health": {
                "score": change.score,
                "band": change.to,
                "previous_band": change.from,
            },
        }),
        now,
    )
    .await?;
    Ok(())
}
