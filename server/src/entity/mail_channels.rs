use sea_orm::entity::prelude::*;

/// A support address whose mail becomes tickets and comments.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// The support address mail arrives at (Reply-To of ticket mail).
    pub address: String,
    /// `imap` (polled by `mail-fetch`) or `inbound` (posted to us).
    pub kind: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: bool,
    pub imap_folder: Option<String>,
    /// Where processed mail is moved; none: it is flagged `\Seen` instead.
    pub processed_folder: Option<String>,
    pub imap_username: Option<String>,
    /// The IMAP password sealed with the configured secret key (base64 of
    /// nonce and ciphertext); never returned.
    pub imap_password_enc: Option<String>,
    /// SHA-256 (hex) of the inbound token; the token is shown once.
    pub token_hash: String,
    /// `hold` or `refuse`.
    pub unknown_sender_policy: String,
    pub follow_up_after_days: i32,
    /// JSON list of `{keyword, module, priority}`.
    pub keywords: String,
    pub enabled: bool,
    pub last_fetch_at: Option<DateTimeUtc>,
    pub last_fetch_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
