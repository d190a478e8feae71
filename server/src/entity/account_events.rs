use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    /// A `shared::timeline::TimelineKind`.
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub actor_id: Option<i64>,
    pub summary: String,
    pub body: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
