//! Service centres and certifications (issue 16); see migration m20261213_000410.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "centre_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub centre_link_id: i64,
    pub vendor_workspace_id: i64,
    pub vendor_account_id: i64,
    pub centre_workspace_id: i64,
    pub centre_account_id: i64,
    pub assigned_by: i64,
    pub assigned_at: DateTimeUtc,
    pub unassigned_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
