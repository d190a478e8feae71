//! Small builders for the column, index and alteration shapes every
//! migration uses, so each shape is written once.

use sea_orm_migration::prelude::*;

pub fn id() -> ColumnDef {
    ColumnDef::new(Alias::new("id"))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

pub fn ts(name: &str) -> ColumnDef {
    col(name).timestamp_with_time_zone().not_null().to_owned()
}

pub fn ts_null(name: &str) -> ColumnDef {
    col(name).timestamp_with_time_zone().null().to_owned()
}

pub fn text(name: &str) -> ColumnDef {
    col(name).string().not_null().to_owned()
}

pub fn text_null(name: &str) -> ColumnDef {
    col(name).string().null().to_owned()
}

pub fn fk(name: &str) -> ColumnDef {
    col(name).big_integer().not_null().to_owned()
}

pub fn fk_null(name: &str) -> ColumnDef {
    col(name).big_integer().null().to_owned()
}

pub fn flag(name: &str, default: bool) -> ColumnDef {
    col(name).boolean().not_null().default(default).to_owned()
}

pub fn foreign(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(Alias::new(table));
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

pub fn int(name: &str) -> ColumnDef {
    col(name).integer().not_null().to_owned()
}

/// Money in integer cents: exact, never a float.
pub fn cents(name: &str) -> ColumnDef {
    col(name).big_integer().not_null().to_owned()
}

pub fn date(name: &str) -> ColumnDef {
    col(name).date().not_null().to_owned()
}

pub fn date_null(name: &str) -> ColumnDef {
    col(name).date().null().to_owned()
}

/// Text without a length limit (`text` and `text_null` are `VARCHAR`).
pub fn long_text(name: &str) -> ColumnDef {
    col(name).text().not_null().to_owned()
}

pub fn long_text_null(name: &str) -> ColumnDef {
    col(name).text().null().to_owned()
}

/// The optimistic-concurrency counter behind ETags, starting at 1.
pub fn version() -> ColumnDef {
    col("version")
        .big_integer()
        .not_null()
        .default(1)
        .to_owned()
}

pub fn add_column(table: &str, column: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .add_column(column)
        .to_owned()
}

pub fn drop_column(table: &str, column: &str) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .drop_column(Alias::new(column))
        .to_owned()
}

/// Runs raw statements in order (backend-specific DDL: FTS tables,
/// triggers, extensions, partial or expression indexes).
pub async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
