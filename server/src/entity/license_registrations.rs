use sea_orm::entity::prelude::*;

/// A registration event of a licence (see `domain::accounts::licenses`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "license_registrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub license_id: i64,
    /// `initial`, `upgrade` or `extension`.
    pub kind: String,
    pub edition: String,
    /// Comma-separated ERP module names.
    pub modules: String,
    pub seats: i32,
    pub expires_on: Option<Date>,
    pub note: Option<String>,
    pub registered_at: DateTimeUtc,
    pub registered_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
