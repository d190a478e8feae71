//! Tasks (issue 15): what a CSM or engineer is to do next for an account,
//! and the opt-in daily digest that lists them (one row per user and day
//! in `digest_log` makes each digest go out once, whatever the replicas).

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("tasks"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("assignee_id"))
                    .col(text("title"))
                    .col(long_text_null("note"))
                    .col(text("task_type"))
                    .col(text("priority"))
                    .col(text("status"))
                    .col(ts("due_at"))
                    .col(text("source"))
                    .col(fk_null("playbook_run_id"))
                    .col(text_null("link_kind"))
                    .col(fk_null("link_id"))
                    .col(long_text_null("skip_reason"))
                    .col(ts_null("completed_at"))
                    .col(fk_null("completed_by"))
                    .col(fk_null("activity_event_id"))
                    .col(fk_null("created_by"))
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("tasks", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("tasks", "account_id", "accounts"))
                    .foreign_key(&mut foreign("tasks", "assignee_id", "users"))
                    .to_owned(),
            )
            .await?;
        // "My work": one assignee's open tasks by due time.
        manager
            .create_index(index(
                "tasks",
                "ix_tasks_assignee_open",
                &["assignee_id", "status", "due_at", "id"],
                false,
            ))
            .await?;
        // An account's tasks, and the workspace's list by due time.
        manager
            .create_index(index(
                "tasks",
                "ix_tasks_account",
                &["account_id", "status", "due_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "tasks",
                "ix_tasks_workspace_due",
                &["workspace_id", "due_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "tasks",
                "ix_tasks_playbook_run",
                &["playbook_run_id"],
                false,
            ))
            .await?;
        manager
            .alter_table(add_column("users", flag("digest_opt_in", false)))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("digest_log"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("user_id"))
                    .col(date("day"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("digest_log", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "digest_log",
                "ux_digest_log_user_day",
                &["user_id", "day"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("digest_log")).to_owned())
            .await?;
        manager
            .alter_table(drop_column("users", "digest_opt_in"))
            .await?;
        manager
            .drop_table(Table::drop().table(Alias::new("tasks")).to_owned())
            .await
    }
}
