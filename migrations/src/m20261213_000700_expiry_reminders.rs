//! Issue 16, the agreement and licence lifecycle:
//! - an agreement may name the contract it belongs to (`contract_id`), so
//!   renewing the contract renews the agreement;
//! - `expiry_reminder_log` holds one row per expiry reminder sent (an
//!   agreement or a licence, its end date, the offset and the recipient),
//!   under a unique index, so each goes out exactly once.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LOG: &str = "expiry_reminder_log";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("service_agreements", fk_null("contract_id")))
            .await?;
        manager
            .create_index(index(
                "service_agreements",
                "service_agreements_contract",
                &["contract_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(LOG))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("subject_type"))
                    .col(fk("subject_id"))
                    .col(date("due_on"))
                    .col(int("offset_days"))
                    .col(fk("recipient_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(LOG, "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                LOG,
                "expiry_reminder_log_once",
                &[
                    "subject_type",
                    "subject_id",
                    "due_on",
                    "offset_days",
                    "recipient_id",
                ],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(LOG)).to_owned())
            .await?;
        manager
            .alter_table(drop_column("service_agreements", "contract_id"))
            .await
    }
}
