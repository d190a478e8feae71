//! Merging and linking tickets (issue 15): a merged duplicate points at the
//! ticket it was merged into (`tickets.merged_into_id`), and tickets are
//! linked as related or as a parent ("problem") with children.
//!
//! One row per link. A `related` link is stored once, with the smaller id
//! in `ticket_id`; a `parent` row says that `linked_ticket_id` is the
//! parent of `ticket_id`. A child has at most one parent: the partial
//! unique index holds that under concurrent requests too.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("tickets", fk_null("merged_into_id")))
            .await?;
        manager
            .create_index(index(
                "tickets",
                "ix_tickets_merged_into",
                &["merged_into_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_links"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("ticket_id"))
                    .col(fk("linked_ticket_id"))
                    .col(text("kind"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign("ticket_links", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("ticket_links", "ticket_id", "tickets"))
                    .foreign_key(&mut foreign("ticket_links", "linked_ticket_id", "tickets"))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "ux_ticket_links_pair",
                &["ticket_id", "linked_ticket_id"][..],
                true,
            ),
            ("ix_ticket_links_linked", &["linked_ticket_id"][..], false),
        ] {
            manager
                .create_index(index("ticket_links", name, cols, unique))
                .await?;
        }
        run_all(
            manager,
            &["CREATE UNIQUE INDEX ux_ticket_links_one_parent \
               ON ticket_links (ticket_id) WHERE kind = 'parent'"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("ticket_links")).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_merged_into")
                    .table(Alias::new("tickets"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(drop_column("tickets", "merged_into_id"))
            .await
    }
}
