use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub starts_on: Date,
    pub ends_on: Date,
    /// The annual value in cents (exact; shown as a decimal string).
    pub annual_value_cents: i64,
    pub currency: String,
    pub auto_renew: bool,
    pub notice_days: i32,
    pub previous_contract_id: Option<i64>,
    /// The vendor's contract number (合同编号), unique in the workspace;
    /// imports match contracts by it.
    pub number: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
