//! Password resets by e-mailed one-time link (issue 13): the link's token is
//! kept only as its SHA-256, works once, and expires.

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
                    .table(Alias::new("password_resets"))
                    .col(id())
                    .col(fk("user_id"))
                    .col(text("token_hash"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut foreign("password_resets", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "password_resets",
                "ux_password_resets_hash",
                &["token_hash"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "password_resets",
                "ix_password_resets_user",
                &["user_id", "created_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("password_resets"))
                    .to_owned(),
            )
            .await
    }
}
