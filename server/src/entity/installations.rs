use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub account_id: i64,
    pub site: String,
    pub product: String,
    pub edition: String,
    /// The software version (`version` is the API's name).
    pub sw_version: String,
    pub patch_level: String,
    pub deployment: String,
    pub server_os: String,
    pub server_database: String,
    pub license_id: Option<i64>,
    /// Comma-separated ERP module names (used when no licence is linked).
    pub modules: String,
    pub seats: Option<i32>,
    /// JSON list of `shared::installed_base::Customisation`.
    pub customisations: String,
    /// JSON list of `shared::installed_base::Integration`.
    pub integrations: String,
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
