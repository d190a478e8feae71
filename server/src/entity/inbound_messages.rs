use sea_orm::entity::prelude::*;

/// One received mail, kept raw, with what became of it. Unique per
/// workspace and Message-ID: the row is the claim that processes it once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub channel_id: i64,
    pub message_id: String,
    pub from_addr: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub raw: Vec<u8>,
    /// The length of `raw` (lists show it without reading the message).
    pub size_bytes: i64,
    /// See `shared::mail_in::InboundStatus`.
    pub status: String,
    pub detail: Option<String>,
    pub contact_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
