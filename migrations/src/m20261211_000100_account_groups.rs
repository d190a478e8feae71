//! Group accounts (issue 15): an account may have a parent account of the
//! same workspace (集团 and 子公司), and a parent may let its
//! `customer_admin` contacts see the whole group's tickets in the portal.
//!
//! `parent_id` has no foreign key: SQLite cannot add one to an existing
//! table, and accounts are archived, never deleted. The domain keeps it
//! inside the workspace and free of cycles. The index serves the walk down
//! a group (children of an account).

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("accounts", fk_null("parent_id")))
            .await?;
        manager
            .alter_table(add_column("accounts", flag("portal_group_tickets", false)))
            .await?;
        manager
            .create_index(index(
                "accounts",
                "ix_accounts_parent",
                &["parent_id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_accounts_parent")
                    .table(Alias::new("accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(drop_column("accounts", "portal_group_tickets"))
            .await?;
        manager
            .alter_table(drop_column("accounts", "parent_id"))
            .await
    }
}
