//! Fast renewal reads at 100,000 contracts:
//!
//! - `renewal_sums`: the renewal totals (count, contract value, forecast,
//!   upsell) per workspace, stage, currency and due day, and again per due
//!   month, kept by every write that changes a renewal or its contract. The
//!   totals of the pipeline read a few hundred of these rows instead of
//!   every renewal joined to its contract. Amounts are kept as two parts,
//!   `cents / 10⁹` and `cents % 10⁹`, whose sums cannot overflow 64 bits,
//!   so the totals stay exact at any size.
//! - `ix_renewals_account`: an account's renewals (its health, its totals,
//!   a portfolio's totals) without reading the workspace's.
//! - The staff KPIs read each person's figures from indexes alone: the
//!   accounts they own (not archived), the tickets they resolved and first
//!   answered in a period.
//! - An account's health reads its usage events and snapshots by account.
//!
//! The sums of the renewals already stored are computed here once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "renewals",
        "ix_renewals_account",
        &["workspace_id", "account_id", "due_on", "id"],
    ),
    (
        "accounts",
        "ix_accounts_owner_archived",
        &["workspace_id", "owner_id", "archived", "id"],
    ),
    (
        "tickets",
        "ix_tickets_assignee_resolved",
        &[
            "workspace_id",
            "assignee_id",
            "resolved_at",
            "resolution_breached_at",
            "resolution_due_at",
        ],
    ),
    // An account's health: its usage and its snapshots, without reading
    // the workspace's (the (workspace, time) and (workspace, day) indexes
    // tempt the planner otherwise).
    (
        "usage_events",
        "ix_usage_events_workspace_account",
        &["workspace_id", "account_id", "occurred_at"],
    ),
    (
        "health_snapshots",
        "ix_health_snapshots_account",
        &["workspace_id", "account_id", "day"],
    ),
    (
        "tickets",
        "ix_tickets_assignee_responded",
        &[
            "workspace_id",
            "assignee_id",
            "first_responded_at",
            "created_at",
        ],
    ),
];

/// Rebuilds the sums of every renewal (the same statement as the server's
/// `renewal_sums::rebuild`).
fn backfill(backend: DatabaseBackend) -> String {
    let month = match backend {
        DatabaseBackend::Postgres => "CAST(date_trunc('month', r.due_on) AS DATE)",
        _ => "date(r.due_on, 'start of month')",
    };
    let select = |grain: i32, bucket: &str| {
        format!(
            "SELECT r.workspace_id, {grain}, {bucket}, r.stage, c.currency, COUNT(*), \
             SUM(c.annual_value_cents / 1000000000), SUM(c.annual_value_cents % 1000000000), \
             SUM(r.forecast_cents / 1000000000), SUM(r.forecast_cents % 1000000000), \
             SUM(r.upsell_cents / 1000000000), SUM(r.upsell_cents % 1000000000) \
             FROM renewals r JOIN contracts c ON c.id = r.contract_id \
             GROUP BY r.workspace_id, {bucket}, r.stage, c.currency"
        )
    };
    format!(
        "INSERT INTO renewal_sums (workspace_id, grain, bucket, stage, currency, n, \
         value_hi, value_lo, forecast_hi, forecast_lo, upsell_hi, upsell_lo) {} UNION ALL {}",
        select(0, "r.due_on"),
        select(1, month)
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let big = |name: &str| col(name).big_integer().not_null().default(0).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("renewal_sums"))
                    .col(fk("workspace_id"))
                    // 0: `bucket` is the due day; 1: the first day of the due month.
                    .col(col("grain").small_integer().not_null().to_owned())
                    .col(date("bucket"))
                    .col(text("stage"))
                    .col(text("currency"))
                    .col(big("n"))
                    .col(big("value_hi"))
                    .col(big("value_lo"))
                    .col(big("forecast_hi"))
                    .col(big("forecast_lo"))
                    .col(big("upsell_hi"))
                    .col(big("upsell_lo"))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("workspace_id"))
                            .col(Alias::new("grain"))
                            .col(Alias::new("bucket"))
                            .col(Alias::new("stage"))
                            .col(Alias::new("currency")),
                    )
                    .to_owned(),
            )
            .await?;
        for (table, name, cols) in INDEXES {
            manager
                .create_index(index(table, name, cols, false))
                .await?;
        }
        let backend = manager.get_database_backend();
        manager
            .get_connection()
            .execute_unprepared(&backfill(backend))
            .await?;
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
        manager
            .drop_table(Table::drop().table(Alias::new("renewal_sums")).to_owned())
            .await?;
        Ok(())
    }
}
