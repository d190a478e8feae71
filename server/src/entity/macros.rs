use sea_orm::entity::prelude::*;

/// A canned reply with optional ticket actions (see `domain::macros`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "macros")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// Who made it; for a `personal` macro the one user who sees it.
    pub owner_id: i64,
    /// `personal` or `shared`.
    pub scope: String,
    pub name: String,
    pub body_zh: String,
    pub body_en: String,
    /// A ticket status to set, if any.
    pub action_status: Option<String>,
    /// A ticket priority to set, if any.
    pub action_priority: Option<String>,
    /// A tier to escalate to, if any.
    pub action_tier: Option<i32>,
    /// An internal note to add, if any.
    pub action_note: Option<String>,
    pub usage_count: i64,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
