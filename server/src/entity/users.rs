use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub invite_token_hash: Option<String>,
    pub invite_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `zh-CN` or `en`; none until the user picks a language.
    pub locale: Option<String>,
    /// When the login proved it reads its mail (an accepted invitation, a
    /// confirmed sign-up, a password reset).
    pub email_verified_at: Option<DateTimeUtc>,
    /// Whether a staff member gets the daily digest of their tasks.
    pub digest_opt_in: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The language of this user's e-mail: their choice, else the default.
    pub fn mail_locale(&self) -> shared::Locale {
        self.locale
            .as_deref()
            .and_then(|l| l.parse().ok())
            .unwrap_or(shared::Locale::DEFAULT)
    }
}
