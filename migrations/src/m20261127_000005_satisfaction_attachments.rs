//! Customer satisfaction (CSAT) per ticket, ticket attachments, and the
//! retry schedule of the e-mail outbox.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "tickets",
                col("csat_rating").integer().null().to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "tickets",
                col("csat_comment").text().null().to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column("tickets", ts_null("csat_at")))
            .await?;
        // Failed deliveries wait until this time before the next attempt.
        manager
            .alter_table(add_column("email_outbox", ts_null("next_attempt_at")))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_attachments"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("ticket_id"))
                    .col(fk("uploaded_by"))
                    .col(text("file_name"))
                    .col(text("content_type"))
                    .col(col("size_bytes").big_integer().not_null().to_owned())
                    // Path under the data directory; the bytes live on disk.
                    .col(text("storage_key"))
                    .col(text("sha256"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("ticket_attachments", "ticket_id", "tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ticket_attachments",
                "ix_ticket_attachments",
                &["workspace_id", "ticket_id", "id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("ticket_attachments"))
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("email_outbox", "next_attempt_at"),
            ("tickets", "csat_at"),
            ("tickets", "csat_comment"),
            ("tickets", "csat_rating"),
        ] {
            manager.alter_table(drop_column(table, column)).await?;
        }
        Ok(())
    }
}
