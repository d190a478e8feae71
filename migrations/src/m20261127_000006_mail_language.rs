//! E-mail in the recipient's language: each user's preferred locale, and the
//! HTML part of queued mail beside its plain text.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `zh-CN` or `en`; NULL until the user picks one (mail is then Chinese).
        manager
            .alter_table(add_column(
                "users",
                col("locale").string_len(8).null().to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "email_outbox",
                col("body_html").text().null().to_owned(),
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [("email_outbox", "body_html"), ("users", "locale")] {
            manager.alter_table(drop_column(table, column)).await?;
        }
        Ok(())
    }
}
