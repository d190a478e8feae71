//! The renewal list runs nearest contract end first, paged by
//! `(due_on, id)`: this index serves that order for a workspace without
//! sorting it (the stage filter keeps `ix_renewals_due`).

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "renewals",
                "ix_renewals_due_order",
                &["workspace_id", "due_on", "id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_renewals_due_order")
                    .table(Alias::new("renewals"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
