use sea_orm::entity::prelude::*;

/// A line of an import that failed, and why (English; rendered in the
/// reader's language when shown).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_errors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub import_id: i64,
    /// The line in the file, counting the header as line 1.
    pub row_number: i32,
    /// The file's header of the failing column (empty: the row as a whole).
    pub column_name: String,
    pub message: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
