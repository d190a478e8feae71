use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub number: i64,
    pub account_id: i64,
    pub requester_user_id: Option<i64>,
    pub created_by_user_id: i64,
    pub module: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub tier: i32,
    pub assignee_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub service_level: String,
    pub first_response_due_at: DateTimeUtc,
    pub resolution_due_at: DateTimeUtc,
    pub first_responded_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub paused_since: Option<DateTimeUtc>,
    /// Set once by the SLA monitor when the first-response target is missed.
    pub first_response_breached_at: Option<DateTimeUtc>,
    /// Set once by the SLA monitor when the resolution target is missed.
    pub resolution_breached_at: Option<DateTimeUtc>,
    /// Customer satisfaction, 1–5, given once after resolution.
    pub csat_rating: Option<i32>,
    pub csat_comment: Option<String>,
    pub csat_at: Option<DateTimeUtc>,
    pub kb_suggestions_shown: bool,
    pub kb_article_opened: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    /// The closed ticket this one follows up (a late reply by mail).
    pub follow_up_of: Option<i64>,
    /// The ticket this duplicate was merged into (it is closed).
    pub merged_into_id: Option<i64>,
    /// Logged although the account's agreement does not cover it.
    pub outside_agreement: bool,
    /// Business minutes from opening to the first public staff reply.
    pub first_response_minutes: Option<i64>,
    /// Business minutes from opening to resolution (cleared on reopening).
    pub resolution_minutes: Option<i64>,
    /// The first-response SLA: met, breached, or `None` while running and
    /// for tickets outside agreement (`domain::tickets::sla_figures`).
    pub first_response_met: Option<bool>,
    /// The resolution SLA, as `first_response_met`.
    pub resolution_met: Option<bool>,
    /// The installation the ticket is about, and its version then.
    pub installation_id: Option<i64>,
    pub installed_version: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
