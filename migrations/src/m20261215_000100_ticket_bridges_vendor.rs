//! The service report's by-centre figures read a vendor's links
//! (`ticket_bridges.vendor_workspace_id = ?`): indexed, so each report
//! reads its own workspace's links rather than every workspace's.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ticket_bridges_vendor_workspace";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "ticket_bridges",
                NAME,
                &["vendor_workspace_id", "vendor_ticket_id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(Alias::new("ticket_bridges"))
                    .to_owned(),
            )
            .await
    }
}
