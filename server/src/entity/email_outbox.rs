use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: Option<i64>,
    pub dedupe_key: Option<String>,
    pub message_id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    /// A failed message is not retried before this time (back-off).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// One attached file (e.g. a training's .ics): name, MIME type, text.
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
    /// The ticket the mail is about: it threads under `<ticket-ID@host>`
    /// and a reply naming its Message-ID comes back to that ticket.
    pub ticket_id: Option<i64>,
    /// The channel address replies should go to.
    pub reply_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
