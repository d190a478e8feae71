use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub code: String,
    pub search_key: String,
    pub industry: Option<String>,
    pub segment: Option<String>,
    pub owner_id: Option<i64>,
    pub stage: String,
    pub stage_entered_at: DateTimeUtc,
    /// Comma-separated ERP module names.
    pub modules: String,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    /// The parent company (集团) in the same workspace, if any.
    pub parent_id: Option<i64>,
    /// Whether this account's `customer_admin` contacts see the tickets of
    /// its subsidiaries in the portal.
    pub portal_group_tickets: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
