//! Health scores: the workspace's health model, daily snapshots (one per
//! account and day), overrides (through approval), API keys and the usage
//! events they push.

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
                    .table(Alias::new("health_models"))
                    .col(id())
                    .col(fk("workspace_id"))
                    // JSON: the component weights and band thresholds.
                    .col(long_text("model"))
                    .col(fk("updated_by"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("health_models", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_models",
                "ux_health_models_workspace",
                &["workspace_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("health_snapshots"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(date("day"))
                    .col(int("score"))
                    .col(text("band"))
                    .col(int("computed_score"))
                    .col(flag("overridden", false))
                    .col(text_null("weakest"))
                    // JSON array of the component scores.
                    .col(long_text("components"))
                    .col(ts("computed_at"))
                    .foreign_key(&mut foreign("health_snapshots", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        // One snapshot per account and day, however often the job runs.
        manager
            .create_index(index(
                "health_snapshots",
                "ux_health_snapshots_account_day",
                &["account_id", "day"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "health_snapshots",
                "ix_health_snapshots_workspace_day",
                &["workspace_id", "day"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("health_overrides"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(int("score"))
                    .col(long_text("reason"))
                    .col(date("expires_on"))
                    // `pending`, `approved` or `rejected`.
                    .col(text("status"))
                    .col(fk("requested_by"))
                    .col(fk_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("health_overrides", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_overrides",
                "ix_health_overrides_account",
                &["workspace_id", "account_id", "status"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("api_keys"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(text("prefix"))
                    // SHA-256 of the secret; the secret itself is never stored.
                    .col(text("secret_hash"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts_null("revoked_at"))
                    .col(ts_null("last_used_at"))
                    .foreign_key(&mut foreign("api_keys", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "api_keys",
                "ux_api_keys_secret_hash",
                &["secret_hash"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("usage_events"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("user_ref"))
                    .col(text("module"))
                    .col(ts("occurred_at"))
                    .col(fk("api_key_id"))
                    .col(ts("received_at"))
                    .foreign_key(&mut foreign("usage_events", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "usage_events",
                "ix_usage_events_workspace_time",
                &["workspace_id", "occurred_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "usage_events",
                "ix_usage_events_account_time",
                &["account_id", "occurred_at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "usage_events",
            "api_keys",
            "health_overrides",
            "health_snapshots",
            "health_models",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
