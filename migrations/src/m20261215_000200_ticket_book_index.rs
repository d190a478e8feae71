//! "My work"'s book lists the caller's running tickets whose next SLA
//! deadline is within a day, soonest first (`domain::tasks::my_work`). A
//! partial index of the running, unpaused tickets in deadline order lets
//! it read the first few instead of sorting the workspace's running tickets
//! (150 ms over 130,000 on PostgreSQL, for an owner of every account). Its
//! predicate is the query's, word for word.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_tickets_book_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON tickets (workspace_id, urgency_due, id) \
                 WHERE paused_since IS NULL \
                 AND status IN ('new', 'open', 'awaiting_approval', 'blocked')"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {NAME}"))
            .await?;
        Ok(())
    }
}
