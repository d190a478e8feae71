use sea_orm::entity::prelude::*;

/// A person-day package (人天包) an account bought. `used_minutes` is the
/// billable time it covers, recomputed on every change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_packages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub name: String,
    pub days: i32,
    pub valid_from: Date,
    pub valid_to: Date,
    pub used_minutes: i64,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
