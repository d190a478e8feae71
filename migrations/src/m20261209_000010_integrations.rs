//! Ways out (issue 14): outgoing webhooks, chat bots (WeCom, DingTalk,
//! Feishu), the events that happened and one delivery row per event and
//! target, claimed by workers with a conditional update and a lease.

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
                    .table(Alias::new("webhooks"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(long_text("url"))
                    .col(text("secret"))
                    // JSON array of event types.
                    .col(long_text("events"))
                    .col(flag("enabled", true))
                    .col(int("consecutive_failures").default(0).to_owned())
                    .col(ts_null("failing_since"))
                    .col(text_null("disabled_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("webhooks", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "webhooks",
                "ix_webhooks_workspace",
                &["workspace_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("chat_bots"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(text("kind"))
                    .col(long_text("webhook_url"))
                    .col(text_null("secret"))
                    .col(text("locale"))
                    .col(flag("enabled", true))
                    // JSON array of rules.
                    .col(long_text("rules"))
                    .col(int("consecutive_failures").default(0).to_owned())
                    .col(ts_null("failing_since"))
                    .col(text_null("disabled_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("chat_bots", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "chat_bots",
                "ix_chat_bots_workspace",
                &["workspace_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("integration_events"))
                    .col(id())
                    .col(fk("workspace_id"))
                    // The envelope's `id` (`evt_…`).
                    .col(text("uid"))
                    .col(text("event_type"))
                    .col(long_text("data"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "integration_events",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "integration_events",
                "ux_integration_events_uid",
                &["uid"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("integration_deliveries"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("event_id"))
                    // `webhook` or `chat_bot`.
                    .col(text("target_kind"))
                    .col(fk("target_id"))
                    .col(text("status"))
                    .col(int("attempts").default(0).to_owned())
                    .col(ts_null("claimed_at"))
                    .col(ts_null("next_attempt_at"))
                    .col(col("http_status").integer().null().to_owned())
                    .col(col("latency_ms").big_integer().null().to_owned())
                    .col(long_text_null("response_excerpt"))
                    .col(long_text_null("last_error"))
                    .col(ts_null("delivered_at"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "integration_deliveries",
                        "event_id",
                        "integration_events",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "integration_deliveries",
                "ix_integration_deliveries_due",
                &["status", "next_attempt_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "integration_deliveries",
                "ix_integration_deliveries_target",
                &["target_kind", "target_id", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "integration_deliveries",
            "integration_events",
            "chat_bots",
            "webhooks",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
