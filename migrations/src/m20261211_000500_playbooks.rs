//! Playbooks (issue 15): a trigger, conditions and task steps; and their
//! runs, one per playbook, account and occurrence of the trigger (unique:
//! a playbook fires once per occurrence, whatever the replicas).

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
                    .table(Alias::new("playbooks"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(long_text("description"))
                    .col(text("trigger"))
                    .col(col("threshold").big_integer().null().to_owned())
                    .col(long_text("conditions"))
                    .col(long_text("steps"))
                    .col(flag("notify_owner", false))
                    .col(int("cooldown_days"))
                    .col(flag("active", true))
                    .col(text_null("library_key"))
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("playbooks", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "playbooks",
                "ix_playbooks_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("playbook_runs"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("playbook_id"))
                    .col(fk("account_id"))
                    .col(text("trigger"))
                    .col(text("occurrence"))
                    // The renewal, ticket, plan, licence or answer that fired it.
                    .col(fk_null("subject_id"))
                    // The day it fired, and the last day its outcome (a
                    // recovered health band) counts.
                    .col(date("started_on"))
                    .col(date("outcome_by"))
                    .col(text("status"))
                    .col(ts("started_at"))
                    .col(ts_null("ended_at"))
                    .col(long_text_null("cancel_reason"))
                    .foreign_key(&mut foreign("playbook_runs", "playbook_id", "playbooks"))
                    .foreign_key(&mut foreign("playbook_runs", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "playbook_runs",
                "ux_playbook_runs_occurrence",
                &["playbook_id", "account_id", "occurrence"],
                true,
            ))
            .await?;
        // The cooldown and an account's history read runs by account.
        manager
            .create_index(index(
                "playbook_runs",
                "ix_playbook_runs_account",
                &["account_id", "playbook_id", "started_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "playbook_runs",
                "ix_playbook_runs_status",
                &["workspace_id", "status"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("playbook_runs")).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Alias::new("playbooks")).to_owned())
            .await
    }
}
