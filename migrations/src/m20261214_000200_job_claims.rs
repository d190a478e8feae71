//! Issue 17, jobs on every replica: `job_claims` holds the leases and
//! claims jobs take so that several replicas running the same schedule do
//! each unit of work once. A row is named by its `key` (unique): a lease
//! on a resource (`mail-fetch:channel:7`), held by `owner` until
//! `lease_until`, or a workspace's daily slot of a job
//! (`health-scores:ws:3:2027-03-10T02:30`), `done_at` once it has run.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CLAIMS: &str = "job_claims";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(CLAIMS))
                    .col(id())
                    .col(text("key"))
                    .col(text("owner"))
                    .col(ts("lease_until"))
                    .col(ts_null("done_at"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(CLAIMS, "job_claims_key", &["key"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(CLAIMS)).to_owned())
            .await
    }
}
