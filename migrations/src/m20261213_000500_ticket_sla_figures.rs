//! The service report's per-ticket figures (issue 16), kept when they
//! happen so a year of a million tickets is read from one index:
//! - `first_response_minutes`, `resolution_minutes`: business minutes on the
//!   workspace calendar from opening to the first public staff reply, and to
//!   resolution (cleared when a ticket reopens);
//! - `first_response_met`, `resolution_met`: the SLA outcome — `TRUE` met,
//!   `FALSE` breached (set by the reply or resolution after the due time,
//!   or by the SLA monitor when the target is missed), `NULL` still
//!   running, and always `NULL` for tickets outside agreement (no SLA).
//!
//! Existing tickets are filled in by the server right after this migration
//! is applied (`domain::tickets::sla_figures::backfill`): business minutes
//! need the workspace calendar, which lives in Rust.
//!
//! Indexes: `ix_tickets_assignee_resolved` (the KPI report's) gains
//! `outside_agreement`; `ix_tickets_service_report` covers the report's reads over the
//! period (by opening time); `ix_tickets_closed_unresolved` finds tickets
//! closed without a resolution (merged duplicates) for the backlog.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// This migration's name, so the server knows to backfill after applying it.
pub const NAME: &str = "m20261213_000500_ticket_sla_figures";

const COLUMNS: [&str; 4] = [
    "first_response_minutes",
    "resolution_minutes",
    "first_response_met",
    "resolution_met",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in &COLUMNS[..2] {
            manager
                .alter_table(add_column(
                    "tickets",
                    col(name).big_integer().null().to_owned(),
                ))
                .await?;
        }
        for name in &COLUMNS[2..] {
            manager
                .alter_table(add_column("tickets", col(name).boolean().null().to_owned()))
                .await?;
        }
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_service_report",
                &[
                    "workspace_id",
                    "created_at",
                    "module",
                    "service_level",
                    "assignee_id",
                    "outside_agreement",
                    "first_response_met",
                    "resolution_met",
                    "first_response_minutes",
                    "resolution_minutes",
                    "csat_rating",
                ],
                false,
            ))
            .await?;
        // The KPI report's resolved tickets leave out those outside
        // agreement now: its covering index gains the column.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_assignee_resolved")
                    .table(Alias::new("tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_assignee_resolved",
                &[
                    "workspace_id",
                    "assignee_id",
                    "resolved_at",
                    "resolution_breached_at",
                    "resolution_due_at",
                    "outside_agreement",
                ],
                false,
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_tickets_closed_unresolved ON tickets (workspace_id, closed_at) \
                 WHERE resolved_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_tickets_service_report", "ix_tickets_closed_unresolved"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("tickets"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_assignee_resolved")
                    .table(Alias::new("tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_assignee_resolved",
                &[
                    "workspace_id",
                    "assignee_id",
                    "resolved_at",
                    "resolution_breached_at",
                    "resolution_due_at",
                ],
                false,
            ))
            .await?;
        for name in COLUMNS {
            manager.alter_table(drop_column("tickets", name)).await?;
        }
        Ok(())
    }
}
