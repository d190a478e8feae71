use sea_orm::entity::prelude::*;

/// A milestone of an objective, owned by a staff member or a contact.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "success_milestones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub plan_id: i64,
    pub objective_id: i64,
    pub title: String,
    pub owner_user_id: Option<i64>,
    pub owner_contact_id: Option<i64>,
    pub due_on: Option<Date>,
    /// `open` or `done`.
    pub status: String,
    pub done_at: Option<DateTimeUtc>,
    /// The staff or portal user who marked it done.
    pub done_by_id: Option<i64>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
