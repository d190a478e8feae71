//! The daily mail quota (issue 13) counts a workspace's outbox rows of the
//! last 24 hours on every survey and invitation: an index, so the count
//! reads those rows and not the whole outbox.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "email_outbox",
                "ix_email_outbox_workspace_created",
                &["workspace_id", "created_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_email_outbox_workspace_created")
                    .table(Alias::new("email_outbox"))
                    .to_owned(),
            )
            .await
    }
}
