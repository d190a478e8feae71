use sea_orm::entity::prelude::*;

/// One account an advisory went to; unique per (advisory, account), claimed
/// in the transaction that queues its mails and writes its timeline entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub advisory_id: i64,
    pub account_id: i64,
    pub recipients: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
