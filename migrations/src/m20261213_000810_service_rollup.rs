//! The service report's rollup (issue 16): a year of a million tickets is
//! read from a few thousand summary rows instead of the tickets.
//!
//! - `service_rollup`: per workspace, day (`grain` 0) or month (`grain` 1,
//!   `day` = the month's first day) in the workspace's time zone, module,
//!   service level and assignee (`0`: unassigned), the counts of the
//!   tickets **opened** then (`opened`, `outside`, the first-response and
//!   resolution outcomes `*_met` / `*_breached` / `*_pending`, `csat_n` /
//!   `csat_sum`), the backlog's counts by their own day (`resolved`: by
//!   resolution time; `closed_unresolved`: closed without a resolution, a
//!   merged duplicate), and the exact distributions of the business minutes
//!   to first response and to resolution of the tickets within agreement
//!   (`fr_hist`, `res_hist`: sorted (minutes, count) pairs as LEB128
//!   varints). Kept by every write that changes a ticket's figures, in its
//!   own transaction (`domain::reporting::service_rollup`).
//! - `service_rollup_state`: per workspace, the time zone the days are in,
//!   and how far the build from the tickets has gone (`after_id`, `done`).
//!   Existing workspaces start unbuilt: the server builds them in the
//!   background after starting, a batch of tickets per transaction (no long
//!   lock, resumable), and the report reads the tickets meanwhile.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COUNTS: [&str; 12] = [
    "opened",
    "outside",
    "fr_met",
    "fr_breached",
    "fr_pending",
    "res_met",
    "res_breached",
    "res_pending",
    "csat_n",
    "csat_sum",
    "resolved",
    "closed_unresolved",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Alias::new("service_rollup"))
            .col(fk("workspace_id"))
            .col(col("grain").small_integer().not_null().to_owned())
            .col(date("day"))
            .col(text("module"))
            .col(text("service_level"))
            .col(fk("assignee_id"));
        for name in COUNTS {
            table.col(col(name).big_integer().not_null().default(0).to_owned());
        }
        table
            .col(col("fr_hist").binary().not_null().to_owned())
            .col(col("res_hist").binary().not_null().to_owned())
            .primary_key(
                Index::create()
                    .col(Alias::new("workspace_id"))
                    .col(Alias::new("grain"))
                    .col(Alias::new("day"))
                    .col(Alias::new("module"))
                    .col(Alias::new("service_level"))
                    .col(Alias::new("assignee_id")),
            );
        manager.create_table(table.to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("service_rollup_state"))
                    .col(fk("workspace_id").primary_key().to_owned())
                    .col(text("time_zone"))
                    .col(fk("after_id"))
                    .col(flag("done", false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO service_rollup_state (workspace_id, time_zone, after_id, done) \
                 SELECT id, '', 0, FALSE FROM workspaces",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["service_rollup", "service_rollup_state"] {
            manager
                .drop_table(Table::drop().table(Alias::new(name)).to_owned())
                .await?;
        }
        Ok(())
    }
}
