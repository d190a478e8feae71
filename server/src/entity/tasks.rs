use sea_orm::entity::prelude::*;

/// Something a staff member is to do for an account (see `domain::tasks`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub assignee_id: i64,
    pub title: String,
    pub note: Option<String>,
    /// `call`, `email`, `meeting`, `review`, `onsite`, `other`.
    pub task_type: String,
    /// `low`, `normal`, `high`.
    pub priority: String,
    /// `open`, `done`, `skipped`.
    pub status: String,
    pub due_at: DateTimeUtc,
    /// `manual` or `playbook`.
    pub source: String,
    pub playbook_run_id: Option<i64>,
    /// `ticket`, `renewal`, `onboarding_plan` or `success_plan`.
    pub link_kind: Option<String>,
    pub link_id: Option<i64>,
    pub skip_reason: Option<String>,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<i64>,
    pub activity_event_id: Option<i64>,
    /// A drafted mail to a contact (a playbook's customer mail): the
    /// suggested contact, subject, body, and when and to whom it was sent.
    pub draft_contact_id: Option<i64>,
    pub draft_subject: Option<String>,
    pub draft_body: Option<String>,
    pub draft_sent_at: Option<DateTimeUtc>,
    pub draft_sent_to: Option<String>,
    pub created_by: Option<i64>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
