//! Addresses belong to a workspace, and a sign-up address is confirmed
//! before its workspace sends mail (issue 13):
//! - `users.email` is unique within a workspace, no longer across all of
//!   them, so neither sign-up nor an invitation answers 409 for an address
//!   another tenant uses;
//! - `users.email_verified_at`: the login proved it reads its mail (it
//!   accepted an invitation, confirmed its sign-up, or reset its password);
//! - `workspaces.verified_at`: the sign-up address was confirmed;
//! - `email_verifications`: the one-time links that confirm it (only the
//!   token's SHA-256 is kept).
//!
//! Logins and workspaces that exist already count as confirmed.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_users_email")
                    .table(Alias::new("users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "users",
                "ux_users_workspace_email",
                &["workspace_id", "email"],
                true,
            ))
            .await?;
        manager
            .create_index(index("users", "ix_users_email", &["email"], false))
            .await?;
        manager
            .alter_table(add_column("users", ts_null("email_verified_at")))
            .await?;
        manager
            .alter_table(add_column("workspaces", ts_null("verified_at")))
            .await?;
        run_all(
            manager,
            &[
                "UPDATE users SET email_verified_at = created_at WHERE password_hash IS NOT NULL",
                "UPDATE workspaces SET verified_at = created_at",
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("email_verifications"))
                    .col(id())
                    .col(fk("user_id"))
                    .col(text("token_hash"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut foreign("email_verifications", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "email_verifications",
                "ux_email_verifications_hash",
                &["token_hash"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "email_verifications",
                "ix_email_verifications_user",
                &["user_id", "created_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("email_verifications"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(drop_column("workspaces", "verified_at"))
            .await?;
        manager
            .alter_table(drop_column("users", "email_verified_at"))
            .await?;
        for name in ["ix_users_email", "ux_users_workspace_email"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("users"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index("users", "ux_users_email", &["email"], true))
            .await
    }
}
