use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "onboarding_tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub plan_id: i64,
    pub account_id: i64,
    pub position: i32,
    pub stage: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: String,
    pub module: Option<String>,
    pub owner_role: String,
    pub owner_id: Option<i64>,
    pub due_on: Date,
    pub status: String,
    pub skip_reason: Option<String>,
    pub notes: String,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<i64>,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
