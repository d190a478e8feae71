use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_recipients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub survey_id: i64,
    pub account_id: i64,
    pub contact_id: i64,
    pub email: String,
    /// SHA-256 (hex) of the one-time link's token.
    pub token_hash: String,
    /// 0–10, set once.
    pub score: Option<i32>,
    pub comment: Option<String>,
    pub responded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
