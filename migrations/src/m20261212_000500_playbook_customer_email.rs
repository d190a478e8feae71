//! A playbook's customer mail (issue 15): the playbook keeps the template
//! (`customer_email`, JSON, zh and en), and the `email` task it makes
//! keeps the draft for its assignee to review and send, and when and to
//! whom it was sent.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TASK_COLUMNS: &[&str] = &[
    "draft_contact_id",
    "draft_subject",
    "draft_body",
    "draft_sent_at",
    "draft_sent_to",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("playbooks", long_text_null("customer_email")))
            .await?;
        // One column per statement: SQLite adds one at a time.
        for column in [
            fk_null("draft_contact_id"),
            text_null("draft_subject"),
            long_text_null("draft_body"),
            ts_null("draft_sent_at"),
            text_null("draft_sent_to"),
        ] {
            manager.alter_table(add_column("tasks", column)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in TASK_COLUMNS {
            manager.alter_table(drop_column("tasks", column)).await?;
        }
        manager
            .alter_table(drop_column("playbooks", "customer_email"))
            .await
    }
}
