use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub event_id: i64,
    /// `webhook` or `chat_bot`.
    pub target_kind: String,
    pub target_id: i64,
    /// `pending`, `sending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made; also the fencing token of the current claim.
    pub attempts: i32,
    pub claimed_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    pub response_excerpt: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
