//! Authorised service centres (issue 16): a vendor workspace's invitations
//! and links to partner workspaces, the vendor accounts each centre serves
//! (linked to the centre's own copy of the account), tickets a centre
//! escalated to the vendor (a ticket on each side, linked) and the public
//! comments mirrored between them; staff certifications per module with
//! their expiry reminders, and the workspace's routing setting.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per invitation; accepted, it is the vendor ↔ centre link.
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("service_centres"))
                    .col(id())
                    .col(fk("vendor_workspace_id"))
                    .col(text("name"))
                    .col(text("token_hash"))
                    .col(fk("invited_by"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(fk_null("centre_workspace_id"))
                    .col(fk_null("accepted_by"))
                    .col(ts_null("accepted_at"))
                    .col(ts_null("revoked_at"))
                    .foreign_key(&mut foreign(
                        "service_centres",
                        "vendor_workspace_id",
                        "workspaces",
                    ))
                    .foreign_key(&mut foreign(
                        "service_centres",
                        "centre_workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "service_centres",
                "service_centres_token",
                &["token_hash"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "service_centres",
                "service_centres_vendor",
                &["vendor_workspace_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "service_centres",
                "service_centres_centre",
                &["centre_workspace_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("centre_accounts"))
                    .col(id())
                    .col(fk("centre_link_id"))
                    .col(fk("vendor_workspace_id"))
                    .col(fk("vendor_account_id"))
                    .col(fk("centre_workspace_id"))
                    .col(fk("centre_account_id"))
                    .col(fk("assigned_by"))
                    .col(ts("assigned_at"))
                    .col(ts_null("unassigned_at"))
                    .foreign_key(&mut foreign(
                        "centre_accounts",
                        "centre_link_id",
                        "service_centres",
                    ))
                    .foreign_key(&mut foreign(
                        "centre_accounts",
                        "vendor_account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut foreign(
                        "centre_accounts",
                        "centre_account_id",
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "centre_accounts",
                "centre_accounts_centre_account",
                &["centre_account_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "centre_accounts",
                "centre_accounts_vendor_account",
                &["vendor_account_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "centre_accounts",
                "centre_accounts_link",
                &["centre_link_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("ticket_bridges"))
                    .col(id())
                    .col(fk("centre_link_id"))
                    .col(fk("centre_workspace_id"))
                    .col(fk("centre_ticket_id"))
                    .col(fk("vendor_workspace_id"))
                    .col(fk("vendor_ticket_id"))
                    .col(long_text("shared"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "ticket_bridges",
                        "centre_link_id",
                        "service_centres",
                    ))
                    .foreign_key(&mut foreign(
                        "ticket_bridges",
                        "centre_ticket_id",
                        "tickets",
                    ))
                    .foreign_key(&mut foreign(
                        "ticket_bridges",
                        "vendor_ticket_id",
                        "tickets",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ticket_bridges_centre", "centre_ticket_id"),
            ("ticket_bridges_vendor", "vendor_ticket_id"),
        ] {
            manager
                .create_index(index("ticket_bridges", name, &[col], true))
                .await?;
        }
        manager
            .create_index(index(
                "ticket_bridges",
                "ticket_bridges_link",
                &["centre_link_id"],
                false,
            ))
            .await?;

        // A public comment and its mirror on the other side: each source is
        // mirrored once, and a mirror is never mirrored back.
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("bridge_comments"))
                    .col(id())
                    .col(fk("bridge_id"))
                    .col(fk("source_comment_id"))
                    .col(fk("mirror_comment_id"))
                    .foreign_key(&mut foreign(
                        "bridge_comments",
                        "bridge_id",
                        "ticket_bridges",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("bridge_comments_source", "source_comment_id"),
            ("bridge_comments_mirror", "mirror_comment_id"),
        ] {
            manager
                .create_index(index("bridge_comments", name, &[col], true))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("staff_certifications"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("user_id"))
                    .col(text("module"))
                    .col(text("certificate_no"))
                    .col(date("expires_on"))
                    .col(fk("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(
                        "staff_certifications",
                        "workspace_id",
                        "workspaces",
                    ))
                    .foreign_key(&mut foreign("staff_certifications", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "staff_certifications",
                "staff_certifications_user_module",
                &["user_id", "module"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "staff_certifications",
                "staff_certifications_expiry",
                &["workspace_id", "expires_on"],
                false,
            ))
            .await?;

        // The claim of each expiry reminder: once per certification, expiry
        // date and admin.
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("certification_reminders"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("certification_id"))
                    .col(date("expires_on"))
                    .col(fk("recipient_id"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "certification_reminders",
                "certification_reminders_once",
                &["certification_id", "expires_on", "recipient_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("routing_settings"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(flag("certified_only", false))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign(
                        "routing_settings",
                        "workspace_id",
                        "workspaces",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "routing_settings",
                "routing_settings_workspace",
                &["workspace_id"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "routing_settings",
            "certification_reminders",
            "staff_certifications",
            "bridge_comments",
            "ticket_bridges",
            "centre_accounts",
            "service_centres",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
