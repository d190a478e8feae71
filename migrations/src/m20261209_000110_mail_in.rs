//! E-mail in (issue 14): mail channels (IMAP or an inbound hook), every
//! inbound message kept raw with its outcome (one per Message-ID and
//! workspace), comments that came by mail, follow-up tickets, contacts whose
//! address bounces, and the ticket each outgoing mail belongs to (so a reply
//! naming its Message-ID threads onto that ticket).

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
                    .table(Alias::new("mail_channels"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(text("address"))
                    .col(text("kind"))
                    .col(text_null("imap_host"))
                    .col(col("imap_port").integer().null())
                    .col(flag("imap_tls", true))
                    .col(text_null("imap_folder"))
                    .col(text_null("imap_username"))
                    .col(long_text_null("imap_password_enc"))
                    .col(text("token_hash"))
                    .col(text("unknown_sender_policy"))
                    .col(int("follow_up_after_days"))
                    .col(long_text("keywords"))
                    .col(flag("enabled", true))
                    .col(ts_null("last_fetch_at"))
                    .col(long_text_null("last_fetch_error"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign("mail_channels", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "mail_channels",
                "ix_mail_channels_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("inbound_messages"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("channel_id"))
                    .col(text("message_id"))
                    .col(text("from_addr"))
                    .col(text_null("from_name"))
                    .col(long_text("subject"))
                    .col(col("raw").blob().not_null())
                    .col(col("size_bytes").big_integer().not_null())
                    .col(text("status"))
                    .col(long_text_null("detail"))
                    .col(fk_null("contact_id"))
                    .col(fk_null("ticket_id"))
                    .col(fk_null("comment_id"))
                    .col(ts("received_at"))
                    .col(ts_null("processed_at"))
                    .foreign_key(&mut foreign(
                        "inbound_messages",
                        "channel_id",
                        "mail_channels",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "ux_inbound_messages_message_id",
                &["workspace_id", "message_id"][..],
                true,
            ),
            (
                "ix_inbound_messages_status",
                &["workspace_id", "status", "id"][..],
                false,
            ),
        ] {
            manager
                .create_index(index("inbound_messages", name, cols, unique))
                .await?;
        }

        for (table, column) in [
            ("contacts", ts_null("email_failing_at")),
            ("ticket_comments", text_null("via")),
            ("ticket_comments", fk_null("inbound_message_id")),
            ("tickets", fk_null("follow_up_of")),
            ("email_outbox", fk_null("ticket_id")),
            ("email_outbox", text_null("reply_to")),
        ] {
            manager.alter_table(add_column(table, column)).await?;
        }
        manager
            .create_index(index(
                "email_outbox",
                "ix_email_outbox_message_id",
                &["message_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_email_outbox_message_id")
                    .table(Alias::new("email_outbox"))
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("email_outbox", "reply_to"),
            ("email_outbox", "ticket_id"),
            ("tickets", "follow_up_of"),
            ("ticket_comments", "inbound_message_id"),
            ("ticket_comments", "via"),
            ("contacts", "email_failing_at"),
        ] {
            manager.alter_table(drop_column(table, column)).await?;
        }
        for table in ["inbound_messages", "mail_channels"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
