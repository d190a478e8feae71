use sea_orm::entity::prelude::*;

/// Time a staff member logged on a ticket (and its visit, when `visit_id`
/// is set: a visit of the same ticket, foreign key to `visits`). `covered_minutes` is how much of a billable entry its account's
/// packages cover; the rest is overage. Recomputed on every change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub ticket_id: i64,
    pub visit_id: Option<i64>,
    pub user_id: i64,
    pub work_date: Date,
    pub minutes: i32,
    pub billable: bool,
    /// Shown to the customer in the portal.
    pub note: String,
    /// Never shown in the portal.
    pub internal_note: String,
    pub covered_minutes: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
