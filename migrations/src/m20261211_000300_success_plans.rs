//! Success plans, shared with the customer (issue 15): plans per account,
//! objectives in the customer's words (shared or not), milestones owned by
//! a staff member or a contact, and comments from both sides.
//!
//! Objectives and milestones carry their plan's account (and milestones
//! their plan) so that health measures the progress of every account of a
//! workspace in one grouped pass, without joins.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PLANS: &str = "success_plans";
const OBJECTIVES: &str = "success_objectives";
const MILESTONES: &str = "success_milestones";
const COMMENTS: &str = "success_plan_comments";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(PLANS))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(text("title"))
                    .col(long_text("staff_note"))
                    .col(text("status"))
                    .col(fk_null("created_by"))
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign(PLANS, "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign(PLANS, "account_id", "accounts"))
                    .foreign_key(&mut foreign(PLANS, "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                PLANS,
                "ix_success_plans_account",
                &["workspace_id", "account_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(OBJECTIVES))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("plan_id"))
                    .col(text("title"))
                    .col(long_text("measure"))
                    .col(date_null("target_date"))
                    .col(text("status"))
                    .col(flag("shared_with_customer", false))
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign(OBJECTIVES, "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign(OBJECTIVES, "account_id", "accounts"))
                    .foreign_key(&mut foreign(OBJECTIVES, "plan_id", PLANS))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                OBJECTIVES,
                "ix_success_objectives_plan",
                &["plan_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(MILESTONES))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("account_id"))
                    .col(fk("plan_id"))
                    .col(fk("objective_id"))
                    .col(text("title"))
                    .col(fk_null("owner_user_id"))
                    .col(fk_null("owner_contact_id"))
                    .col(date_null("due_on"))
                    .col(text("status"))
                    .col(ts_null("done_at"))
                    .col(fk_null("done_by_id"))
                    .col(version())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut foreign(MILESTONES, "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign(MILESTONES, "account_id", "accounts"))
                    .foreign_key(&mut foreign(MILESTONES, "plan_id", PLANS))
                    .foreign_key(&mut foreign(MILESTONES, "objective_id", OBJECTIVES))
                    .foreign_key(&mut foreign(MILESTONES, "owner_user_id", "users"))
                    .foreign_key(&mut foreign(MILESTONES, "owner_contact_id", "contacts"))
                    .foreign_key(&mut foreign(MILESTONES, "done_by_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                MILESTONES,
                "ix_success_milestones_plan",
                &["plan_id", "objective_id", "id"],
                false,
            ))
            .await?;
        // Health reads every account's milestones of a workspace at once.
        manager
            .create_index(index(
                MILESTONES,
                "ix_success_milestones_account",
                &["workspace_id", "account_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(COMMENTS))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("plan_id"))
                    .col(fk("author_id"))
                    .col(text("author_side"))
                    .col(long_text("body"))
                    .col(flag("internal", false))
                    .col(ts("created_at"))
                    .foreign_key(&mut foreign(COMMENTS, "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign(COMMENTS, "plan_id", PLANS))
                    .foreign_key(&mut foreign(COMMENTS, "author_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                COMMENTS,
                "ix_success_plan_comments_plan",
                &["plan_id", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [COMMENTS, MILESTONES, OBJECTIVES, PLANS] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
