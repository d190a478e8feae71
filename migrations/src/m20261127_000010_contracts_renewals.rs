//! Contracts (annual value in integer cents), their renewals, the
//! workspace's reminder settings, and the reminder log whose unique key
//! makes each renewal reminder go out exactly once.

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
                    .table(Alias::new("contracts"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    // Exact money: integer cents, never a float.
                    .col(cents("annual_value_cents"))
                    .col(text("currency"))
                    .col(flag("auto_renew", false))
                    .col(int("notice_days"))
                    // The contract this one renews, when made by a renewal.
                    .col(fk_null("previous_contract_id"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("contracts", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "contracts",
                "ix_contracts_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "contracts",
                "ix_contracts_ends_on",
                &["ends_on"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("renewals"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("contract_id"))
                    .col(fk("account_id"))
                    // The contract's end: the renewal is due then.
                    .col(date("due_on"))
                    .col(text("stage"))
                    .col(cents("forecast_cents"))
                    .col(int("probability"))
                    .col(cents("upsell_cents"))
                    .col(text_null("churn_reason"))
                    .col(fk_null("next_contract_id"))
                    .col(ts_null("closed_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("renewals", "contract_id", "contracts"))
                    .to_owned(),
            )
            .await?;
        // One renewal per contract, however many job runs open it at once.
        manager
            .create_index(index(
                "renewals",
                "ux_renewals_contract",
                &["contract_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "renewals",
                "ix_renewals_due",
                &["workspace_id", "stage", "due_on"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("reminder_settings"))
                    .col(id())
                    .col(fk("workspace_id"))
                    // JSON array of days before a contract's end.
                    .col(long_text("offsets_days"))
                    .col(flag("notify_customer", false))
                    .col(int("horizon_days"))
                    .col(int("escalation_days"))
                    // JSON array of the reasons a churn may give.
                    .col(long_text("churn_reasons"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign(
                        "reminder_settings",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "reminder_settings",
                "ux_reminder_settings_workspace",
                &["workspace_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("reminder_log"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("contract_id"))
                    // `reminder` or `escalation`.
                    .col(text("kind"))
                    .col(int("offset_days"))
                    .col(fk("recipient_id"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        // The exactly-once key: written in the transaction that queues the mail.
        manager
            .create_index(index(
                "reminder_log",
                "ux_reminder_log_key",
                &["contract_id", "kind", "offset_days", "recipient_id"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["reminder_log", "reminder_settings", "renewals", "contracts"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
