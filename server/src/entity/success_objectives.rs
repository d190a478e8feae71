use sea_orm::entity::prelude::*;

/// An objective of a success plan, in the customer's words.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "success_objectives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub plan_id: i64,
    pub title: String,
    pub measure: String,
    pub target_date: Option<Date>,
    pub status: String,
    /// Whether the portal shows it to the customer's administrator.
    pub shared_with_customer: bool,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
