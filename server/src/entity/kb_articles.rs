use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "kb_articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub module: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub visibility: String,
    /// JSON list of `{question, answer}`.
    pub faq: String,
    pub status: String,
    pub source_ticket_id: Option<i64>,
    pub author_id: i64,
    /// Lower-cased title, body as plain text and FAQ: what search matches
    /// (and what a re-index segments again).
    pub search_text: String,
    /// The title's words (`search_terms::joined`), space-separated.
    pub title_terms: String,
    /// The words of `search_text`, space-separated.
    pub body_terms: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
