use sea_orm::entity::prelude::*;

/// One contact an advisory was mailed to; unique per (advisory, contact).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_recipients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub advisory_id: i64,
    pub account_id: i64,
    pub contact_id: i64,
    pub email: String,
    pub locale: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
