use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub ticket_id: Option<i64>,
    pub onboarding_task_id: Option<i64>,
    pub visit_date: Date,
    /// `morning`, `afternoon` or `full_day`.
    pub slot: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub purpose: String,
    pub address: Option<String>,
    pub internal_note: Option<String>,
    /// A `VisitStatus` wire word.
    pub status: String,
    pub engineer_id: Option<i64>,
    pub billable: bool,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    pub work_done: Option<String>,
    pub time_spent_minutes: Option<i32>,
    pub follow_ups: Option<String>,
    pub reported_at: Option<DateTimeUtc>,
    pub signed_name: Option<String>,
    /// The drawn signature, PNG bytes.
    pub signature_png: Option<Vec<u8>>,
    pub signed_at: Option<DateTimeUtc>,
    pub signed_by: Option<i64>,
    /// The signed report's PDF on the ticket (`ticket_attachments`).
    pub report_attachment_id: Option<i64>,
    /// When the signed report's PDF was written and delivered; `None`
    /// while the server had no font to write it (`visit-reports` job).
    pub report_pdf_at: Option<DateTimeUtc>,
    pub requested_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
