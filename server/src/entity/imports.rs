use sea_orm::entity::prelude::*;

/// An uploaded CSV or Excel file and the progress of its import.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub created_by: i64,
    /// `accounts`, `contacts`, `contracts`, `licenses`, `agreements`.
    pub kind: String,
    /// `dry_run` or `commit`.
    pub mode: String,
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// The CSV's character set as used (detected or chosen); `-` for Excel.
    pub encoding: String,
    /// `queued`, `running`, `done`, `failed`.
    pub status: String,
    pub rows_total: i32,
    pub rows_done: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub failed: i32,
    /// JSON: each header of the file and the field it was matched to.
    pub columns: String,
    /// Why the whole import failed (an unreadable file), in English.
    pub failure: Option<String>,
    /// Claims so far; fences a worker whose lease has run out.
    pub attempt: i32,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
