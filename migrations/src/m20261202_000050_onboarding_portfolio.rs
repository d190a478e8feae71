//! The onboarding portfolio reads its page from an index instead of loading
//! every account in onboarding with its plan and tasks.
//!
//! Each account carries its plan's summary (`onboarding_*` columns, written
//! by the server whenever a plan or one of its tasks changes; an account
//! without a plan keeps the defaults):
//! - `onboarding_rank`: the status order, 0 stuck, 1 behind, 2 on track,
//!   3 no plan. Status also moves with time (a due date passes, the plan
//!   stays idle), so the server settles ranks whose inputs say otherwise
//!   before it reads the portfolio (see `domain::onboarding::summary`);
//! - `onboarding_progress` (0–100, 101 without a plan) and
//!   `onboarding_progress_desc` (100 − progress, 101 without a plan): the
//!   two progress orders, accounts without a plan last in both;
//! - `onboarding_go_live`: the planned go-live, `9999-12-31` when there is
//!   none (last);
//! - `onboarding_next_due`: the earliest due date of an open task,
//!   `9999-12-31` when none is open; with `onboarding_active_at` (the
//!   plan's last activity) it decides the status at any moment;
//! - `onboarding_tasks_total`, `onboarding_tasks_done`.
//!
//! The indexes are partial, over the accounts the portfolio shows (stage
//! `onboarding`, not archived), so they stay small and account writes
//! outside onboarding never touch them; a stage, owner, name or archive
//! change moves the account in or out of them by itself. There is one per
//! order and filter, `(workspace, [owner,] [rank,] sort key, name, id)`, so
//! every page is one index range read in order, whatever the filter. Two
//! more find the ranks that time has made stale: by next due date, by last
//! activity.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The accounts the portfolio lists; every index below covers only them
/// and every portfolio query repeats this predicate word for word.
const IN_PORTFOLIO: &str = "stage = 'onboarding' AND NOT archived";

/// The portfolio's orders: (name, the stored columns that lead it); each
/// goes on by `name, id`.
const ORDERS: &[(&str, &str)] = &[
    ("status", "onboarding_rank, onboarding_progress, "),
    ("progress", "onboarding_progress, "),
    ("progress_desc", "onboarding_progress_desc, "),
    ("go_live", "onboarding_go_live, "),
    ("name", ""),
];

/// (index name, columns): one per order and filter (none, status, owner,
/// owner and status), each `(workspace_id, [owner_id,] [onboarding_rank,]
/// order…, name, id)`, and the two that find ranks time has made stale.
fn indexes() -> Vec<(String, String)> {
    let mut all = Vec::new();
    for owner in [false, true] {
        for (order, key) in ORDERS {
            for by_status in [false, true] {
                // A status filter with the status or progress order reads
                // the status order's index: (rank, progress, …).
                if by_status && matches!(*order, "status" | "progress") {
                    continue;
                }
                let name = format!(
                    "ix_accounts_onb_{}{}{order}",
                    if owner { "owner_" } else { "" },
                    if by_status { "rank_" } else { "" },
                );
                let cols = format!(
                    "workspace_id, {}{}{key}name, id",
                    if owner { "owner_id, " } else { "" },
                    if by_status { "onboarding_rank, " } else { "" },
                );
                all.push((name, cols));
            }
        }
    }
    for column in ["onboarding_next_due", "onboarding_active_at"] {
        all.push((
            format!("ix_accounts_{column}"),
            format!("workspace_id, onboarding_rank, {column}"),
        ));
    }
    all
}

fn int_default(name: &str, default: i32) -> ColumnDef {
    col(name).integer().not_null().default(default).to_owned()
}

fn columns() -> Vec<ColumnDef> {
    vec![
        int_default("onboarding_rank", 3),
        int_default("onboarding_progress", 101),
        int_default("onboarding_progress_desc", 101),
        col("onboarding_go_live")
            .date()
            .not_null()
            .default("9999-12-31")
            .to_owned(),
        col("onboarding_next_due")
            .date()
            .not_null()
            .default("9999-12-31")
            .to_owned(),
        ts_null("onboarding_active_at"),
        int_default("onboarding_tasks_total", 0),
        int_default("onboarding_tasks_done", 0),
    ]
}

/// Every plan's summary from its tasks. The rank is set to on track (or
/// none): the server settles it against today's date in the workspace's
/// time zone before the portfolio is first read.
const BACKFILL: &str = "UPDATE accounts SET \
     onboarding_rank = 2, \
     onboarding_progress = s.progress, \
     onboarding_progress_desc = 100 - s.progress, \
     onboarding_go_live = s.go_live, \
     onboarding_next_due = s.next_due, \
     onboarding_active_at = s.active_at, \
     onboarding_tasks_total = s.total, \
     onboarding_tasks_done = s.done \
   FROM (SELECT g.workspace_id, g.account_id, g.active_at, g.go_live, g.total, g.done, \
           CASE WHEN g.counted = 0 THEN 100 ELSE g.done * 100 / g.counted END AS progress, \
           COALESCE(g.next_due, '9999-12-31') AS next_due \
         FROM (SELECT p.workspace_id, p.account_id, p.last_activity_at AS active_at, \
                 COALESCE(p.planned_go_live, '9999-12-31') AS go_live, \
                 COUNT(t.id) AS total, \
                 COALESCE(SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END), 0) AS done, \
                 COALESCE(SUM(CASE WHEN t.status <> 'skipped' THEN 1 ELSE 0 END), 0) AS counted, \
                 MIN(CASE WHEN t.status NOT IN ('done', 'skipped') THEN t.due_on END) AS next_due \
               FROM onboarding_plans p \
               LEFT JOIN onboarding_tasks t ON t.plan_id = p.id \
               GROUP BY p.id, p.workspace_id, p.account_id, p.last_activity_at, p.planned_go_live) g \
        ) s \
   WHERE accounts.id = s.account_id AND accounts.workspace_id = s.workspace_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in columns() {
            manager.alter_table(add_column("accounts", column)).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL).await?;
        for (name, cols) in indexes() {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON accounts ({cols}) WHERE {IN_PORTFOLIO}"
            ))
            .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ANALYZE accounts").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in indexes() {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        for column in columns() {
            let name = column.get_column_name();
            manager.alter_table(drop_column("accounts", &name)).await?;
        }
        Ok(())
    }
}
