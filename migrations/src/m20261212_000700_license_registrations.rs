//! Licence registrations (issue 16): the dongle is registered for life, so
//! an upgrade or an extension is a new registration event of the same
//! licence, kept as its history. Licences registered before this get their
//! first (`initial`) event from what the licence records.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "license_registrations";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(TABLE))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("license_id"))
                    .col(text("kind"))
                    .col(text("edition"))
                    .col(text("modules"))
                    .col(int("seats"))
                    .col(date_null("expires_on"))
                    .col(long_text_null("note"))
                    .col(ts("registered_at"))
                    .col(fk_null("registered_by"))
                    .foreign_key(&mut foreign(TABLE, "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign(TABLE, "license_id", "licenses"))
                    .foreign_key(&mut foreign(TABLE, "registered_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                TABLE,
                "license_registrations_license",
                &["license_id", "id"],
                false,
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO license_registrations (workspace_id, account_id, license_id, kind, \
                 edition, modules, seats, expires_on, registered_at, registered_by) \
                 SELECT workspace_id, account_id, id, 'initial', edition, modules, seats, \
                 expires_on, registered_at, registered_by FROM licenses \
                 WHERE status = 'registered' AND registered_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(TABLE)).to_owned())
            .await
    }
}
