use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub level: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub signed_on: Option<Date>,
    pub service_content: String,
    pub complaint_procedure: String,
    pub service_process: String,
    /// The contract this agreement belongs to: renewing the contract
    /// renews the agreement.
    pub contract_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
