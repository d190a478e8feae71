use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renewals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub contract_id: i64,
    pub account_id: i64,
    /// The contract's end date.
    pub due_on: Date,
    /// `upcoming`, `in_negotiation`, `committed`, `renewed` or `churned`.
    pub stage: String,
    pub forecast_cents: i64,
    pub probability: i32,
    pub upsell_cents: i64,
    pub churn_reason: Option<String>,
    pub next_contract_id: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
