//! Service agreements, SLA policies, the business calendar and module
//! owners of a workspace, and service tickets with their comments and
//! timeline.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // JSON settings on the workspace (null: the built-in default).
        manager
            .alter_table(add_column(
                "workspaces",
                col("business_calendar").text().null().to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "workspaces",
                col("module_owners").text().null().to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "workspaces",
                col("default_service_level")
                    .string()
                    .not_null()
                    .default("bronze")
                    .to_owned(),
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("service_agreements"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("level"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(date_null("signed_on"))
                    .col(long_text("service_content"))
                    .col(long_text("complaint_procedure"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("service_agreements", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "service_agreements",
                "ix_agreements_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("sla_policies"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("level"))
                    .col(text("priority"))
                    .col(int("first_response_minutes"))
                    .col(int("resolution_minutes"))
                    .foreign_key(&mut foreign("sla_policies", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sla_policies",
                "ux_sla_policies",
                &["workspace_id", "level", "priority"],
                true,
            ))
            .await?;

        // One row per workspace: the last ticket number handed out.
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_counters"))
                    .col(col("workspace_id").big_integer().not_null().primary_key())
                    .col(col("last_number").big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("tickets"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(col("number").big_integer().not_null())
                    .col(fk("account_id"))
                    .col(fk_null("requester_user_id"))
                    .col(fk("created_by_user_id"))
                    .col(text("module"))
                    .col(text("category"))
                    .col(text("priority"))
                    .col(text("status"))
                    .col(int("tier"))
                    .col(fk_null("assignee_id"))
                    .col(text("subject"))
                    .col(long_text("description"))
                    .col(text("service_level"))
                    .col(ts("first_response_due_at"))
                    .col(ts("resolution_due_at"))
                    .col(ts_null("first_responded_at"))
                    .col(ts_null("resolved_at"))
                    .col(ts_null("closed_at"))
                    // Set while the SLA clock is paused (pending customer, approval, blocked).
                    .col(ts_null("paused_since"))
                    .col(flag("kb_suggestions_shown", false))
                    .col(flag("kb_article_opened", false))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("tickets", "account_id", "accounts"))
                    .foreign_key(&mut foreign("tickets", "assignee_id", "users"))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            ("ux_tickets_number", &["workspace_id", "number"][..], true),
            (
                "ix_tickets_queue",
                &["workspace_id", "status", "module", "id"][..],
                false,
            ),
            (
                "ix_tickets_account",
                &["workspace_id", "account_id", "id"][..],
                false,
            ),
            (
                "ix_tickets_assignee",
                &["workspace_id", "assignee_id", "id"][..],
                false,
            ),
            (
                "ix_tickets_requester",
                &["workspace_id", "requester_user_id", "id"][..],
                false,
            ),
        ] {
            manager
                .create_index(index("tickets", name, cols, unique))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_comments"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("ticket_id"))
                    .col(fk("author_user_id"))
                    .col(long_text("body"))
                    .col(flag("internal", false))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("ticket_comments", "ticket_id", "tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ticket_comments",
                "ix_ticket_comments",
                &["workspace_id", "ticket_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_events"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("ticket_id"))
                    .col(fk_null("actor_id"))
                    .col(text("kind"))
                    .col(col("detail").text().null())
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("ticket_events", "ticket_id", "tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ticket_events",
                "ix_ticket_events",
                &["workspace_id", "ticket_id", "id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "ticket_events",
            "ticket_comments",
            "tickets",
            "ticket_counters",
            "sla_policies",
            "service_agreements",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        for column in [
            "default_service_level",
            "module_owners",
            "business_calendar",
        ] {
            manager
                .alter_table(drop_column("workspaces", column))
                .await?;
        }
        Ok(())
    }
}
