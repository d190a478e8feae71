//! The ticket queue's urgency order, and an index per filter that serves it.
//!
//! The queue shows the most urgent ticket first: open tickets that missed a
//! target, then open ones by their next SLA deadline, then resolved and
//! closed ones; ties go by priority, then id. Two generated columns carry
//! the order (virtual on SQLite, stored on PostgreSQL), so the entity never
//! writes them and every write keeps them right:
//! - `urgency_bucket`: 0 open and breached; 1 running (new or open);
//!   2 waiting (on the customer, an approval or a blocker: the clock is
//!   paused); 3 resolved or closed and breached; 4 resolved or closed. So
//!   `breached=true` is buckets 0 and 3;
//! - `urgency_due`: the next target, the first-response deadline while the
//!   ticket is unanswered, else the resolution deadline.
//!
//! Each index starts with the workspace and one filter column, then the
//! order, so every single-filter view of the queue reads its page straight
//! from an index instead of sorting the workspace.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BUCKET: &str = "CASE \
     WHEN status IN ('resolved', 'closed') THEN \
       (CASE WHEN first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL \
        THEN 3 ELSE 4 END) \
     WHEN first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL THEN 0 \
     WHEN status IN ('new', 'open') THEN 1 \
     ELSE 2 END";
const DUE: &str =
    "CASE WHEN first_responded_at IS NULL THEN first_response_due_at ELSE resolution_due_at END";

/// (index name, the filter column between the workspace and the order).
const URGENCY_INDEXES: &[(&str, Option<&str>)] = &[
    ("ix_tickets_urgency", None),
    ("ix_tickets_urgency_status", Some("status")),
    ("ix_tickets_urgency_module", Some("module")),
    ("ix_tickets_urgency_priority", Some("priority")),
    ("ix_tickets_urgency_assignee", Some("assignee_id")),
    ("ix_tickets_urgency_account", Some("account_id")),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (int_kind, ts_kind, how) = match manager.get_database_backend() {
            DatabaseBackend::Postgres => ("smallint", "timestamptz", "STORED"),
            _ => ("INTEGER", "TEXT", "VIRTUAL"),
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE tickets ADD COLUMN urgency_bucket {int_kind} GENERATED ALWAYS AS ({BUCKET}) {how}"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "ALTER TABLE tickets ADD COLUMN urgency_due {ts_kind} GENERATED ALWAYS AS ({DUE}) {how}"
        ))
        .await?;
        for (name, filter) in URGENCY_INDEXES {
            let filter = filter.map(|c| format!("{c}, ")).unwrap_or_default();
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON tickets \
                 (workspace_id, {filter}urgency_bucket, urgency_due, priority, id)"
            ))
            .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ANALYZE tickets").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in URGENCY_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE tickets DROP COLUMN urgency_due")
            .await?;
        db.execute_unprepared("ALTER TABLE tickets DROP COLUMN urgency_bucket")
            .await?;
        Ok(())
    }
}
