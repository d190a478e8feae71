//! The installed base (issue 16): installations per account and site
//! (product, edition, version and patch level, deployment, server OS and
//! database, licensed modules and seats or the licence they come from,
//! customisations and integrations as JSON lists), their upgrade history,
//! tickets naming an installation with the version it ran then, and
//! advisories with one row per account and per recipient they went to —
//! each unique, so an advisory reaches each account and contact once.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The queue's version filter reads its page from this index, in urgency
/// order like the other filters' (`m20261202_000001_ticket_urgency`); only
/// tickets that name a version are in it.
const QUEUE_INDEX: &str = "CREATE INDEX ix_tickets_urgency_version ON tickets \
     (workspace_id, installed_version, urgency_bucket, urgency_due, priority, id) \
     WHERE installed_version IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("installations"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("site"))
                    .col(text("product"))
                    .col(text("edition"))
                    .col(text("sw_version"))
                    .col(text("patch_level"))
                    .col(text("deployment"))
                    .col(text("server_os"))
                    .col(text("server_database"))
                    .col(fk_null("license_id"))
                    .col(text("modules"))
                    .col(col("seats").integer().null().to_owned())
                    .col(long_text("customisations"))
                    .col(long_text("integrations"))
                    .col(long_text("notes"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("installations", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("installations", "account_id", "accounts"))
                    .foreign_key(&mut foreign("installations", "license_id", "licenses"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "installations",
                "ix_installations_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "installations",
                "ix_installations_product",
                &["workspace_id", "product"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("installation_upgrades"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("installation_id"))
                    .col(text("from_version"))
                    .col(text("from_patch_level"))
                    .col(text("to_version"))
                    .col(text("to_patch_level"))
                    .col(date("upgraded_on"))
                    .col(fk("engineer_id"))
                    .col(long_text("note"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "installation_upgrades",
                        "installation_id",
                        "installations",
                    ))
                    .foreign_key(&mut foreign(
                        "installation_upgrades",
                        "engineer_id",
                        "users",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "installation_upgrades",
                "ix_installation_upgrades_installation",
                &["installation_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("advisories"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("kind"))
                    .col(text("product"))
                    .col(text_null("version_from"))
                    .col(text_null("version_to"))
                    .col(long_text("versions"))
                    .col(text("modules"))
                    .col(text("title_zh"))
                    .col(long_text("body_zh"))
                    .col(text("title_en"))
                    .col(long_text("body_en"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts_null("sent_at"))
                    .foreign_key(&mut foreign("advisories", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "advisories",
                "ix_advisories_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;
        for (table, who) in [
            ("advisory_accounts", "account_id"),
            ("advisory_recipients", "contact_id"),
        ] {
            let mut t = Table::create();
            t.table(Alias::new(table))
                .col(id())
                .col(fk("workspace_id"))
                .col(fk("advisory_id"))
                .col(fk("account_id"));
            if table == "advisory_recipients" {
                t.col(fk("contact_id"))
                    .col(text("email"))
                    .col(text("locale"));
            } else {
                t.col(int("recipients"));
            }
            t.col(ts("created_at"))
                .foreign_key(&mut foreign(table, "advisory_id", "advisories"));
            manager.create_table(t.to_owned()).await?;
            manager
                .create_index(index(
                    table,
                    &format!("ux_{table}_once"),
                    &["advisory_id", who],
                    true,
                ))
                .await?;
        }
        manager
            .alter_table(add_column("tickets", fk_null("installation_id")))
            .await?;
        manager
            .alter_table(add_column("tickets", text_null("installed_version")))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(QUEUE_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_tickets_urgency_version")
            .await?;
        manager
            .alter_table(drop_column("tickets", "installed_version"))
            .await?;
        manager
            .alter_table(drop_column("tickets", "installation_id"))
            .await?;
        for table in [
            "advisory_recipients",
            "advisory_accounts",
            "advisories",
            "installation_upgrades",
            "installations",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
