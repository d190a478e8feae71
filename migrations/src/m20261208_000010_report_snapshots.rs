//! Report snapshots kept in the database (issue 11): the dashboard's and
//! the reports' figures of a big workspace, as last computed, so that a
//! server that has just started, or another replica, serves them (and
//! refreshes them behind) instead of every one of them computing the
//! figures anew while its first requests wait.

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
                    .table(Alias::new("report_snapshots"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("kind"))
                    .col(text("snapshot_key"))
                    .col(ts("stored_at"))
                    .col(long_text("body"))
                    .foreign_key(&mut foreign(
                        "report_snapshots",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "report_snapshots",
                "ux_report_snapshots_key",
                &["workspace_id", "kind", "snapshot_key"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("report_snapshots"))
                    .to_owned(),
            )
            .await
    }
}
