//! Licences (产品授权) of an account, onboarding templates, and each
//! account's onboarding plan with its tasks.

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
                    .table(Alias::new("licenses"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("edition"))
                    // Comma-separated ERP module names, like accounts.modules.
                    .col(text("modules"))
                    .col(int("seats"))
                    .col(text("dongle_serial"))
                    .col(text("status"))
                    .col(date_null("expires_on"))
                    .col(ts_null("registered_at"))
                    .col(fk_null("registered_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("licenses", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "licenses",
                "ux_licenses_dongle",
                &["workspace_id", "dongle_serial"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "licenses",
                "ix_licenses_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("onboarding_templates"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(long_text("description"))
                    // `default` for the built-in template, NULL for the others:
                    // the unique index keeps one built-in per workspace.
                    .col(text_null("builtin_key"))
                    // JSON array of the template's tasks.
                    .col(long_text("tasks"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign(
                        "onboarding_templates",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "onboarding_templates",
                "ux_onboarding_templates_builtin",
                &["workspace_id", "builtin_key"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("onboarding_plans"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk_null("template_id"))
                    .col(date("starts_on"))
                    .col(date_null("planned_go_live"))
                    .col(date_null("actual_go_live"))
                    .col(ts("last_activity_at"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("onboarding_plans", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "onboarding_plans",
                "ux_onboarding_plans_account",
                &["workspace_id", "account_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("onboarding_tasks"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("plan_id"))
                    .col(fk("account_id"))
                    .col(int("position"))
                    .col(text("stage"))
                    .col(text("title_zh"))
                    .col(text("title_en"))
                    .col(text("kind"))
                    .col(text_null("module"))
                    .col(text("owner_role"))
                    .col(fk_null("owner_id"))
                    .col(date("due_on"))
                    .col(text("status"))
                    .col(col("skip_reason").text().null().to_owned())
                    .col(long_text("notes"))
                    .col(ts_null("completed_at"))
                    .col(fk_null("completed_by"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign(
                        "onboarding_tasks",
                        "plan_id",
                        "onboarding_plans",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "onboarding_tasks",
                "ix_onboarding_tasks_plan",
                &["plan_id", "position"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "onboarding_tasks",
            "onboarding_plans",
            "onboarding_templates",
            "licenses",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
