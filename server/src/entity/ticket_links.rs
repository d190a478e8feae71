use sea_orm::entity::prelude::*;

/// One link between two tickets. `related`: stored once, the smaller id in
/// `ticket_id`. `parent`: `linked_ticket_id` is the parent of `ticket_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub linked_ticket_id: i64,
    /// `related` or `parent`.
    pub kind: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
