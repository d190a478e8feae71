//! The dashboard's health figures read one day's snapshots of a workspace:
//! the accounts by band, the red accounts (for the ARR at risk) and the
//! lowest scores (the at-risk list). Snapshot rows are wide (every
//! component, explained, as JSON), so reading them for 100,000 accounts
//! walks many pages; this index holds what those queries need, in score
//! order, so the bands are counted from the index alone and the at-risk
//! list stops after its ten lowest. It replaces the (workspace, day)
//! index, which is its prefix.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "health_snapshots",
                "ix_health_snapshots_rank",
                &["workspace_id", "day", "score", "band", "account_id"],
                false,
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_health_snapshots_workspace_day")
                    .table(Alias::new("health_snapshots"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "health_snapshots",
                "ix_health_snapshots_workspace_day",
                &["workspace_id", "day"],
                false,
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_health_snapshots_rank")
                    .table(Alias::new("health_snapshots"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
