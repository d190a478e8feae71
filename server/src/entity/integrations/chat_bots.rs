use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_bots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// `wecom`, `dingtalk` or `feishu`.
    pub kind: String,
    pub webhook_url: String,
    pub secret: Option<String>,
    /// `zh-CN` or `en`: the language of its messages.
    pub locale: String,
    pub enabled: bool,
    /// JSON array of `ChatRule`.
    pub rules: String,
    pub consecutive_failures: i32,
    pub failing_since: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
