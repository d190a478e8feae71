//! Macros and canned replies (issue 15): a reply text in Chinese and in
//! English with placeholders, optional actions on the ticket, a scope
//! (`personal` to its owner, `shared` with the workspace's staff) and a
//! usage count.

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
                    .table(Alias::new("macros"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("owner_id"))
                    .col(text("scope"))
                    .col(text("name"))
                    .col(long_text("body_zh"))
                    .col(long_text("body_en"))
                    .col(text_null("action_status"))
                    .col(text_null("action_priority"))
                    .col(col("action_tier").integer().null().to_owned())
                    .col(long_text_null("action_note"))
                    .col(
                        col("usage_count")
                            .big_integer()
                            .not_null()
                            .default(0)
                            .to_owned(),
                    )
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("macros", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("macros", "owner_id", "users"))
                    .to_owned(),
            )
            .await?;
        // The list reads a workspace's shared macros and one owner's
        // personal ones, newest first.
        manager
            .create_index(index(
                "macros",
                "ix_macros_workspace_scope",
                &["workspace_id", "scope", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "macros",
                "ix_macros_owner",
                &["owner_id", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("macros")).to_owned())
            .await
    }
}
