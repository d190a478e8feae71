//! NPS survey campaigns and their recipients (one row per contact asked,
//! holding the SHA-256 of the one-time answer link's token and, once
//! answered, the score and comment); and indexes that keep the dashboard's
//! and the reports' grouped queries on indexes.

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
                    .table(Alias::new("surveys"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(col("question_zh").text().not_null())
                    .col(col("question_en").text().not_null())
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "surveys",
                "ix_surveys_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("survey_recipients"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("survey_id"))
                    .col(fk("account_id"))
                    .col(fk("contact_id"))
                    .col(text("email"))
                    // Only the hash of the link's token is kept.
                    .col(text("token_hash"))
                    // 0–10, once.
                    .col(col("score").integer().null())
                    .col(col("comment").text().null())
                    .col(ts_null("responded_at"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("survey_recipients", "survey_id", "surveys"))
                    .foreign_key(&mut foreign("survey_recipients", "account_id", "accounts"))
                    .foreign_key(&mut foreign("survey_recipients", "contact_id", "contacts"))
                    .to_owned(),
            )
            .await?;
        for (table, name, cols, unique) in [
            (
                "survey_recipients",
                "ux_survey_recipients_token",
                &["token_hash"][..],
                true,
            ),
            (
                "survey_recipients",
                "ux_survey_recipients_contact",
                &["survey_id", "contact_id"][..],
                true,
            ),
            (
                "survey_recipients",
                "ix_survey_recipients_account",
                &["workspace_id", "account_id", "responded_at"][..],
                false,
            ),
            (
                "survey_recipients",
                "ix_survey_recipients_responded",
                &["workspace_id", "responded_at"][..],
                false,
            ),
            // Dashboard: accounts by stage without reading the rows.
            (
                "accounts",
                "ix_accounts_stage_count",
                &["workspace_id", "archived", "stage"][..],
                false,
            ),
            // Dashboard and reports: contracts ending in a window.
            (
                "contracts",
                "ix_contracts_workspace_ends",
                &["workspace_id", "ends_on"][..],
                false,
            ),
            // Dashboard: open tickets by module and their breaches, read
            // from the index alone.
            (
                "tickets",
                "ix_tickets_open_breach",
                &[
                    "workspace_id",
                    "status",
                    "module",
                    "first_response_breached_at",
                    "resolution_breached_at",
                ][..],
                false,
            ),
            // KPI: tickets resolved in a period.
            (
                "tickets",
                "ix_tickets_resolved",
                &["workspace_id", "resolved_at"][..],
                false,
            ),
        ] {
            manager
                .create_index(index(table, name, cols, unique))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("tickets", "ix_tickets_resolved"),
            ("tickets", "ix_tickets_open_breach"),
            ("contracts", "ix_contracts_workspace_ends"),
            ("accounts", "ix_accounts_stage_count"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        for table in ["survey_recipients", "surveys"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
