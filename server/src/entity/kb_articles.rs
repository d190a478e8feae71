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
    /// The lower-cased title.
    pub search_title: String,
    /// Lower-cased title, body as plain text and FAQ: what search matches.
    pub search_text: String,
    /// Distinct adjacent CJK character pairs of `search_text`.
    pub search_grams: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
