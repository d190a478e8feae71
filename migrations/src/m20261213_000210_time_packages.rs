//! Time and person-day packages (人天包, issue 16): `time_entries` staff log
//! on tickets (and, once visits exist, on on-site visits: `visit_id` is a
//! plain column for now, linked by a foreign key later), `time_packages`
//! an account buys, and `package_notices`, the claims that make the 80 %
//! and 100 % notices go out once per package, threshold and recipient.
//! `covered_minutes` (per entry) and `used_minutes` (per package) are the
//! stored result of the consumption, recomputed on every change.

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
                    .table(Alias::new("time_entries"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("ticket_id"))
                    .col(fk_null("visit_id"))
                    .col(fk("user_id"))
                    .col(date("work_date"))
                    .col(int("minutes"))
                    .col(flag("billable", true))
                    .col(long_text("note"))
                    .col(long_text("internal_note"))
                    .col(col("covered_minutes").integer().not_null().default(0))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("time_entries", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("time_entries", "account_id", "accounts"))
                    .foreign_key(&mut foreign("time_entries", "ticket_id", "tickets"))
                    .foreign_key(&mut foreign("time_entries", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_time_entries_account_date",
                &["account_id", "work_date"][..],
            ),
            ("ix_time_entries_ticket", &["ticket_id"][..]),
            (
                "ix_time_entries_workspace_date",
                &["workspace_id", "work_date"][..],
            ),
            ("ix_time_entries_user_date", &["user_id", "work_date"][..]),
        ] {
            manager
                .create_index(index("time_entries", name, cols, false))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("time_packages"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("name"))
                    .col(int("days"))
                    .col(date("valid_from"))
                    .col(date("valid_to"))
                    .col(col("used_minutes").big_integer().not_null().default(0))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("time_packages", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("time_packages", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "time_packages",
                "ix_time_packages_account",
                &["account_id", "valid_from"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("package_notices"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("package_id"))
                    .col(int("threshold"))
                    .col(fk("recipient_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "package_notices",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "package_notices",
                "ux_package_notices_claim",
                &["package_id", "threshold", "recipient_id"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["package_notices", "time_packages", "time_entries"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
