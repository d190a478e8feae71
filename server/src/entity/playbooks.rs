use sea_orm::entity::prelude::*;

/// A playbook (see `domain::playbooks`); `conditions` and `steps` are JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "playbooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub description: String,
    pub trigger: String,
    pub threshold: Option<i64>,
    pub conditions: String,
    pub steps: String,
    pub notify_owner: bool,
    /// A `PlaybookEmail` as JSON: the mail to the customer it drafts.
    pub customer_email: Option<String>,
    pub cooldown_days: i32,
    pub active: bool,
    pub library_key: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
