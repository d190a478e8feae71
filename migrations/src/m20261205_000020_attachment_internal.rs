//! Attachments carry `internal` (issue 13): a staff upload marked internal
//! (a screenshot beside an internal note) never reaches the portal.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("ticket_attachments", flag("internal", false)))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("ticket_attachments", "internal"))
            .await
    }
}
