//! Indexes that let every list view read its page in order instead of
//! sorting the workspace: contracts newest first, renewals of one stage by
//! the nearest contract end, and the audit log per actor and per
//! kind of record.

use sea_orm_migration::prelude::*;

use crate::columns::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "contracts",
        "ix_contracts_workspace",
        &["workspace_id", "id"],
    ),
    (
        "renewals",
        "ix_renewals_due_on",
        &["workspace_id", "due_on", "id"],
    ),
    (
        "renewals",
        "ix_renewals_stage_due_on",
        &["workspace_id", "stage", "due_on", "id"],
    ),
    (
        "audit_log",
        "ix_audit_actor",
        &["workspace_id", "actor_id", "id"],
    ),
    (
        "audit_log",
        "ix_audit_entity_type",
        &["workspace_id", "entity_type", "id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, cols) in INDEXES {
            manager
                .create_index(index(table, name, cols, false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
