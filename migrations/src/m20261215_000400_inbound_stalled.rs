//! The mail-fetch job looks, every minute on every replica, for stored
//! mail left `processing` by a replica that died
//! (`domain::mail_in::process::resume_stalled`), across workspaces: by
//! status and receipt time, so it reads the few such rows instead of
//! scanning every stored mail.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_inbound_messages_stalled";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "inbound_messages",
                NAME,
                &["status", "received_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(Alias::new("inbound_messages"))
                    .to_owned(),
            )
            .await
    }
}
