//! Mail channels may move what they fetched (issue 14): `processed_folder`
//! names the IMAP folder a processed message goes to; null keeps it where
//! it was, flagged read.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("mail_channels", text_null("processed_folder")))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("mail_channels", "processed_folder"))
            .await
    }
}
