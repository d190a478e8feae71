use sea_orm::entity::prelude::*;

/// One expiry reminder of an agreement or a licence queued for one
/// recipient; the unique key (subject, its end date, offset, recipient)
/// makes it happen once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expiry_reminder_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    /// `agreement` or `license`.
    pub subject_type: String,
    pub subject_id: i64,
    pub due_on: Date,
    pub offset_days: i32,
    pub recipient_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
