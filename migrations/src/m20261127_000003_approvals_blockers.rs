//! Maker-checker approvals (a general mechanism: a master-data-change
//! ticket today; contract amounts, agreement levels and health overrides
//! later), ticket blockers (upstream data errors block downstream work), and
//! breach marks for the SLA monitor.

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
                    .table(Alias::new("approvals"))
                    .col(id())
                    .col(fk("workspace_id"))
                    // What is to change, e.g. `ticket_master_data`.
                    .col(text("kind"))
                    .col(text("subject_type"))
                    .col(fk("subject_id"))
                    .col(fk("maker_id"))
                    .col(text("summary"))
                    // JSON: the change that takes effect on approval.
                    .col(col("payload").text().null())
                    .col(text("status"))
                    .col(fk_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(col("comment").text().null())
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("approvals", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "approvals",
                "ix_approvals_status",
                &["workspace_id", "status", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "approvals",
                "ix_approvals_subject",
                &["workspace_id", "subject_type", "subject_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_blockers"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("ticket_id"))
                    .col(fk("blocked_by_ticket_id"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("ticket_blockers", "ticket_id", "tickets"))
                    .foreign_key(&mut foreign(
                        "ticket_blockers",
                        "blocked_by_ticket_id",
                        "tickets",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ticket_blockers",
                "ux_ticket_blockers",
                &["ticket_id", "blocked_by_ticket_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ticket_blockers",
                "ix_ticket_blockers_by",
                &["blocked_by_ticket_id"],
                false,
            ))
            .await?;

        for column in ["first_response_breached_at", "resolution_breached_at"] {
            manager
                .alter_table(add_column("tickets", ts_null(column)))
                .await?;
        }
        // The SLA monitor looks for unbreached tickets past their due time.
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_resolution_due",
                &["resolution_breached_at", "resolution_due_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_first_response_due",
                &["first_response_breached_at", "first_response_due_at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_tickets_first_response_due", "ix_tickets_resolution_due"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("tickets"))
                        .to_owned(),
                )
                .await?;
        }
        for column in ["resolution_breached_at", "first_response_breached_at"] {
            manager.alter_table(drop_column("tickets", column)).await?;
        }
        for table in ["ticket_blockers", "approvals"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
