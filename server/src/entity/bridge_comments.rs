//! Service centres and certifications (issue 16); see migration m20261213_000410.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bridge_comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bridge_id: i64,
    pub source_comment_id: i64,
    pub mirror_comment_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
