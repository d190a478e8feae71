//! Training sessions and their attendees, the account timeline
//! (`account_events`), and one attachment per queued mail (the .ics of a
//! training invitation).

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
                    .table(Alias::new("trainings"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("module"))
                    .col(text("topic"))
                    .col(fk("trainer_id"))
                    .col(ts("starts_at"))
                    .col(int("duration_minutes"))
                    .col(long_text_null("location"))
                    .col(long_text_null("online_url"))
                    .col(text("status"))
                    // The iCalendar SEQUENCE of the invitation.
                    .col(int("sequence"))
                    .col(long_text_null("cancel_reason"))
                    .col(ts_null("cancelled_at"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(
                        col("version")
                            .big_integer()
                            .not_null()
                            .default(1)
                            .to_owned(),
                    )
                    .foreign_key(&mut foreign("trainings", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "trainings",
                "ix_trainings_start",
                &["workspace_id", "starts_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "trainings",
                "ix_trainings_account",
                &["workspace_id", "account_id", "starts_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("training_attendees"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("training_id"))
                    .col(fk("contact_id"))
                    .col(col("attended").boolean().null().to_owned())
                    .col(col("score").integer().null().to_owned())
                    .col(long_text_null("feedback"))
                    .col(ts_null("recorded_at"))
                    .col(fk_null("recorded_by"))
                    .foreign_key(&mut foreign(
                        "training_attendees",
                        "training_id",
                        "trainings",
                    ))
                    .foreign_key(&mut foreign("training_attendees", "contact_id", "contacts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "training_attendees",
                "ux_training_attendees",
                &["training_id", "contact_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "training_attendees",
                "ix_training_attendees_contact",
                &["workspace_id", "contact_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("account_events"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("kind"))
                    .col(ts("occurred_at"))
                    .col(fk_null("actor_id"))
                    .col(col("summary").text().not_null().to_owned())
                    .col(long_text_null("body"))
                    .col(text_null("entity_type"))
                    .col(fk_null("entity_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("account_events", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "account_events",
                "ix_account_events_timeline",
                &["workspace_id", "account_id", "occurred_at", "id"],
                false,
            ))
            .await?;

        for column in [
            col("attachment_name").string().null().to_owned(),
            col("attachment_type").string().null().to_owned(),
            long_text_null("attachment_body"),
        ] {
            manager
                .alter_table(add_column("email_outbox", column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["attachment_body", "attachment_type", "attachment_name"] {
            manager
                .alter_table(drop_column("email_outbox", column))
                .await?;
        }
        for table in ["account_events", "training_attendees", "trainings"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
