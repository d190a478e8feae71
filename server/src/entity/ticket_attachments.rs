use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub uploaded_by: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Relative path under `data_dir/attachments`.
    pub storage_key: String,
    pub sha256: String,
    pub created_at: DateTimeUtc,
    /// Staff only: never listed or served in the portal.
    pub internal: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
