//! On-site visits (上门服务, issue 16): requested from a ticket or an
//! onboarding task for a day and a half-day slot (its start and end kept as
//! instants for the engineer's calendar), dispatched to an engineer, checked
//! in and out, reported and signed by the customer (typed name and the
//! drawn signature as PNG bytes), and marked billable beyond the visits the
//! agreement includes.

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
                    .table(Alias::new("visits"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk_null("ticket_id"))
                    .col(fk_null("onboarding_task_id"))
                    .col(date("visit_date"))
                    .col(text("slot"))
                    .col(ts("starts_at"))
                    .col(ts("ends_at"))
                    .col(long_text("purpose"))
                    .col(long_text_null("address"))
                    .col(long_text_null("internal_note"))
                    .col(text("status"))
                    .col(fk_null("engineer_id"))
                    .col(flag("billable", false))
                    .col(ts_null("checked_in_at"))
                    .col(ts_null("checked_out_at"))
                    .col(long_text_null("work_done"))
                    .col(col("time_spent_minutes").integer().null())
                    .col(long_text_null("follow_ups"))
                    .col(ts_null("reported_at"))
                    .col(text_null("signed_name"))
                    .col(col("signature_png").binary().null())
                    .col(ts_null("signed_at"))
                    .col(fk_null("signed_by"))
                    .col(fk_null("report_attachment_id"))
                    .col(fk("requested_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("visits", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("visits", "account_id", "accounts"))
                    .foreign_key(&mut foreign("visits", "ticket_id", "tickets"))
                    .foreign_key(&mut foreign(
                        "visits",
                        "onboarding_task_id",
                        "onboarding_tasks",
                    ))
                    .foreign_key(&mut foreign("visits", "engineer_id", "users"))
                    .foreign_key(&mut foreign("visits", "requested_by", "users"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_visits_calendar",
                &["workspace_id", "starts_at", "id"][..],
            ),
            (
                "ix_visits_engineer",
                &["workspace_id", "engineer_id", "starts_at"][..],
            ),
            (
                "ix_visits_account",
                &["workspace_id", "account_id", "visit_date"][..],
            ),
        ] {
            manager
                .create_index(index("visits", name, cols, false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("visits")).to_owned())
            .await
    }
}
