use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub author_user_id: i64,
    pub body: String,
    pub internal: bool,
    pub created_at: DateTimeUtc,
    /// `email` when the comment came by mail; none: written in Steward.
    pub via: Option<String>,
    /// The received mail it came from (its raw original is kept).
    pub inbound_message_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
