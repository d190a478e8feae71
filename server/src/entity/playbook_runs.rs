use sea_orm::entity::prelude::*;

/// One firing of a playbook for an account and occurrence of its trigger.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "playbook_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub playbook_id: i64,
    pub account_id: i64,
    pub trigger: String,
    /// What fired it, e.g. `band:2027-03-10`.
    pub occurrence: String,
    pub subject_id: Option<i64>,
    pub started_on: Date,
    pub outcome_by: Date,
    /// `active`, `completed`, `cancelled`.
    pub status: String,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
