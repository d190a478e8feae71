//! Each account's onboarding summary, kept on the account so the portfolio
//! reads its page straight from an index (migration
//! `m20261202_000050_onboarding_portfolio`): status rank, progress in both
//! orders, planned go-live, earliest open due date, last activity, task
//! counts.
//!
//! The summary is written in the transaction of every change to a plan or
//! its tasks ([`store`]): starting a plan, moving it, updating a task.
//! Accounts without a plan keep the columns' defaults. The account's own
//! changes (stage, owner, name, archive) need nothing: the portfolio's
//! indexes are over the account row, so it moves in and out of them itself.
//!
//! Status also changes with time alone: a due date passes (on track →
//! behind), the plan stays idle for `STUCK_AFTER_DAYS` (behind → stuck).
//! The stored rank therefore holds the status as of its last write; the
//! inputs that decide it at any moment (`onboarding_next_due`,
//! `onboarding_active_at`) are stored beside it, so [`settle`] finds the
//! ranks they contradict with a few index range probes and rewrites only
//! those rows. The portfolio settles the workspace before each read, and
//! reports each row's status computed from those inputs ([`status_at`]), so
//! a row is never shown with a stale status.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use shared::onboarding::{PlanStatus, TaskStatus, STUCK_AFTER_DAYS};

use super::progress::{summarize, TaskState};
use crate::db::sql::Sql;
use crate::db::Db;
use crate::entity::stored::stored;
use crate::entity::{accounts, onboarding_plans, onboarding_tasks};
use crate::error::AppResult;

/// The accounts the portfolio lists. The portfolio's partial indexes are
/// declared with exactly this predicate, and every query that should use
/// them repeats it literally (a bound parameter would not let the planner
/// prove the index applies).
pub(crate) const IN_PORTFOLIO: &str = "stage = 'onboarding' AND NOT archived";

/// The date stored for "none" (no planned go-live, no open task): it sorts
/// after every real date.
pub(crate) const NO_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// `onboarding_rank`: the portfolio's status order.
pub(crate) const RANK_STUCK: i32 = 0;
pub(crate) const RANK_BEHIND: i32 = 1;
pub(crate) const RANK_ON_TRACK: i32 = 2;
pub(crate) const RANK_NO_PLAN: i32 = 3;

/// Progress stored for an account without a plan: after 100 ascending, and
/// (as `100 - progress` is stored for the descending order) after 100 there
/// too.
pub(crate) const NO_PROGRESS: i32 = 101;

pub(crate) fn rank_of(status: Option<PlanStatus>) -> i32 {
    match status {
        Some(PlanStatus::Stuck) => RANK_STUCK,
        Some(PlanStatus::Behind) => RANK_BEHIND,
        Some(PlanStatus::OnTrack) => RANK_ON_TRACK,
        None => RANK_NO_PLAN,
    }
}

/// A plan's status from its earliest open due date and last activity, as
/// [`summarize`] computes it from the tasks: late once `today` is past that
/// date, stuck when also idle `STUCK_AFTER_DAYS` days.
pub(crate) fn status_at(
    next_due: NaiveDate,
    active_at: DateTime<Utc>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> PlanStatus {
    if next_due >= today {
        PlanStatus::OnTrack
    } else if active_at <= stuck_cutoff(now) {
        PlanStatus::Stuck
    } else {
        PlanStatus::Behind
    }
}

/// A plan whose last activity is at or before this is idle enough to be
/// stuck (`(now - at).num_days() >= STUCK_AFTER_DAYS`).
fn stuck_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(STUCK_AFTER_DAYS)
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// Writes the plan's summary on its account, from its tasks as they are
/// now in this transaction. Call after every change to the plan or a task.
pub(crate) async fn store<C: ConnectionTrait>(
    conn: &C,
    plan: &onboarding_plans::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let tasks: Vec<TaskState> = onboarding_tasks::Entity::find()
        .select_only()
        .column(onboarding_tasks::Column::Id)
        .column(onboarding_tasks::Column::Status)
        .column(onboarding_tasks::Column::DueOn)
        .filter(onboarding_tasks::Column::PlanId.eq(plan.id))
        .into_tuple::<(i64, String, NaiveDate)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, status, due_on)| {
            Ok(TaskState {
                status: stored("onboarding_tasks", id, "status", &status)?,
                due_on,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let summary = summarize(&tasks, today, plan.last_activity_at, now);
    let next_due = tasks
        .iter()
        .filter(|t| !t.status.is_finished())
        .map(|t| t.due_on)
        .min()
        .unwrap_or(NO_DATE);
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let done = tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Done)
        .count();
    let stmt = Query::update()
        .table(accounts::Entity)
        .value(col("onboarding_rank"), rank_of(Some(summary.status)))
        .value(col("onboarding_progress"), summary.progress)
        .value(col("onboarding_progress_desc"), 100 - summary.progress)
        .value(
            col("onboarding_go_live"),
            plan.planned_go_live.unwrap_or(NO_DATE),
        )
        .value(col("onboarding_next_due"), next_due)
        .value(col("onboarding_active_at"), plan.last_activity_at)
        .value(col("onboarding_tasks_total"), count(tasks.len()))
        .value(col("onboarding_tasks_done"), count(done))
        .and_where(Expr::col(accounts::Column::Id).eq(plan.account_id))
        .and_where(Expr::col(accounts::Column::WorkspaceId).eq(plan.workspace_id))
        .to_owned();
    conn.execute(conn.get_database_backend().build(&stmt))
        .await?;
    Ok(())
}

/// How many stale ranks one pass rewrites.
const SETTLE_BATCH: usize = 500;

/// Rewrites the ranks in the workspace's portfolio that time has made
/// wrong, and only those; returns how many. Each probe is a range of one
/// of two small indexes (rank, next due date) and (rank, last activity), so
/// when nothing changed, which is nearly always, this reads no row at all.
/// Forward in time a rank only worsens (a due date passes, idleness
/// grows); the probes also catch the reverse (a clock set back, a time
/// zone moved west), so the rank always follows the inputs.
pub(crate) async fn settle(
    db: &Db,
    workspace_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let cutoff = stuck_cutoff(now);
    let backend = db.read.get_database_backend();
    let mut settled = 0;
    // Each pass settles what it found, so the next finds fewer; the bound
    // only guards against a clock that keeps moving under the loop.
    for _ in 0..100 {
        let mut probe = Sql::new(backend);
        let arms: [(i32, &str, &str, bool); 5] = [
            // On track, but an open task is now past due.
            (RANK_ON_TRACK, "onboarding_next_due", "<", true),
            // Late, but no open task is past due (clock or zone moved back).
            (RANK_BEHIND, "onboarding_next_due", ">=", true),
            (RANK_STUCK, "onboarding_next_due", ">=", true),
            // Behind, and now idle long enough to be stuck.
            (RANK_BEHIND, "onboarding_active_at", "<=", false),
            // Stuck, but not idle that long (clock moved back).
            (RANK_STUCK, "onboarding_active_at", ">", false),
        ];
        for (i, (rank, column, op, by_date)) in arms.into_iter().enumerate() {
            if i > 0 {
                probe.push(" UNION ALL ");
            }
            probe
                .push("SELECT id FROM accounts WHERE workspace_id = ")
                .bind(workspace_id)
                .push(&format!(
                    " AND {IN_PORTFOLIO} AND onboarding_rank = {rank} AND {column} {op} "
                ));
            if by_date {
                probe.bind(today);
            } else {
                probe.bind(cutoff);
            }
        }
        probe.push(&format!(" LIMIT {SETTLE_BATCH}"));
        // Planned once (see `Db::generic`): each arm reads its index.
        let ids: Vec<i64> = db
            .generic
            .query_all(probe.statement())
            .await?
            .iter()
            .map(|row| row.try_get::<i64>("", "id"))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            break;
        }
        let mut update = Sql::new(backend);
        update
            .push("UPDATE accounts SET onboarding_rank = CASE WHEN onboarding_active_at IS NULL THEN ")
            .push(&RANK_NO_PLAN.to_string())
            .push(" WHEN onboarding_next_due >= ")
            .bind(today)
            .push(&format!(" THEN {RANK_ON_TRACK} WHEN onboarding_active_at <= "))
            .bind(cutoff)
            .push(&format!(
                " THEN {RANK_STUCK} ELSE {RANK_BEHIND} END WHERE workspace_id = "
            ))
            .bind(workspace_id)
            .push(" AND id IN (")
            .bind_list(ids.iter().copied())
            .push(")");
        settled += db.write.execute(update.statement()).await?.rows_affected();
        if ids.len() < SETTLE_BATCH {
            break;
        }
    }
    Ok(settled)
}
