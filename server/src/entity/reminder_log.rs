use sea_orm::entity::prelude::*;

/// One renewal reminder or escalation queued for one recipient, or one
/// `renewal.due_soon` event emitted (kind `due_soon`, recipient 0); the
/// unique key (contract, kind, offset, recipient) makes it happen once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub contract_id: i64,
    /// `reminder`, `escalation` or `due_soon`.
    pub kind: String,
    pub offset_days: i32,
    pub recipient_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
