use sea_orm::entity::prelude::*;

/// A comment on a success plan, by staff (possibly internal) or by the
/// customer's administrator.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "success_plan_comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub plan_id: i64,
    pub author_id: i64,
    /// `staff` or `customer`.
    pub author_side: String,
    pub body: String,
    pub internal: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
