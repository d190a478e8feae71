use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trainings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub module: String,
    pub topic: String,
    pub trainer_id: i64,
    pub starts_at: DateTimeUtc,
    pub duration_minutes: i32,
    pub location: Option<String>,
    pub online_url: Option<String>,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// The iCalendar SEQUENCE of the invitation.
    pub sequence: i32,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
