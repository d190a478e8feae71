//! Workspaces, users and sessions, accounts and contacts, the audit log and
//! the e-mail outbox.

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
                    .table(Alias::new("workspaces"))
                    .col(id())
                    .col(text("name"))
                    .col(text("customer_code_pattern"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("users"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(text("email"))
                    .col(text("role"))
                    .col(text_null("password_hash"))
                    .col(flag("active", true))
                    .col(text_null("invite_token_hash"))
                    .col(ts_null("invite_expires_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("users", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        // Login is by e-mail alone, so an address identifies one user everywhere.
        manager
            .create_index(index("users", "ux_users_email", &["email"], true))
            .await?;
        manager
            .create_index(index(
                "users",
                "ix_users_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "users",
                "ux_users_invite",
                &["invite_token_hash"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("sessions"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("user_id"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("revoked_at"))
                    .foreign_key(&mut foreign("sessions", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("sessions", "ix_sessions_user", &["user_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("refresh_tokens"))
                    .col(id())
                    .col(fk("session_id"))
                    .col(text("token_hash"))
                    .col(ts("created_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut foreign("refresh_tokens", "session_id", "sessions"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "refresh_tokens",
                "ux_refresh_tokens_hash",
                &["token_hash"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("accounts"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(text("code"))
                    // lower(name) + ' ' + lower(code): one column to search with LIKE.
                    .col(text("search_key"))
                    .col(text_null("industry"))
                    .col(text_null("segment"))
                    .col(fk_null("owner_id"))
                    .col(text("stage"))
                    .col(ts("stage_entered_at"))
                    .col(text("modules"))
                    .col(flag("archived", false))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("accounts", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("accounts", "owner_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "accounts",
                "ux_accounts_code",
                &["workspace_id", "code"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "accounts",
                "ix_accounts_workspace",
                &["workspace_id", "archived", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "accounts",
                "ix_accounts_owner",
                &["workspace_id", "owner_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "accounts",
                "ix_accounts_stage",
                &["workspace_id", "stage", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("contacts"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("name"))
                    .col(text_null("email"))
                    .col(text_null("phone"))
                    .col(text_null("title"))
                    .col(text("modules"))
                    .col(fk_null("portal_user_id"))
                    .col(flag("archived", false))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("contacts", "account_id", "accounts"))
                    .foreign_key(&mut foreign("contacts", "portal_user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "contacts",
                "ix_contacts_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "contacts",
                "ux_contacts_portal_user",
                &["portal_user_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("audit_log"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk_null("actor_id"))
                    .col(text("action"))
                    .col(text("entity_type"))
                    .col(fk("entity_id"))
                    .col(col("before").text().null())
                    .col(col("after").text().null())
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "audit_log",
                "ix_audit_entity",
                &["workspace_id", "entity_type", "entity_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "audit_log",
                "ix_audit_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("email_outbox"))
                    .col(id())
                    .col(fk_null("workspace_id"))
                    // Set for mail that must go out at most once (e.g. a reminder).
                    .col(text_null("dedupe_key"))
                    .col(text("message_id"))
                    .col(text("to_addr"))
                    .col(text("subject"))
                    .col(col("body_text").text().not_null())
                    .col(text("status"))
                    .col(col("attempts").integer().not_null().default(0))
                    .col(col("last_error").text().null())
                    .col(ts("created_at"))
                    .col(ts_null("claimed_at"))
                    .col(ts_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "email_outbox",
                "ux_email_outbox_dedupe",
                &["dedupe_key"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "email_outbox",
                "ix_email_outbox_status",
                &["status", "id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "email_outbox",
            "audit_log",
            "contacts",
            "accounts",
            "refresh_tokens",
            "sessions",
            "users",
            "workspaces",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
