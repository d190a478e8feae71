//! Service centres and certifications (issue 16); see migration m20261213_000410.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_centres")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub vendor_workspace_id: i64,
    pub name: String,
    pub token_hash: String,
    pub invited_by: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub centre_workspace_id: Option<i64>,
    pub accepted_by: Option<i64>,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
