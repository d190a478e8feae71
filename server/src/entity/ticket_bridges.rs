//! Service centres and certifications (issue 16); see migration m20261213_000410.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_bridges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub centre_link_id: i64,
    pub centre_workspace_id: i64,
    pub centre_ticket_id: i64,
    pub vendor_workspace_id: i64,
    pub vendor_ticket_id: i64,
    pub shared: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
