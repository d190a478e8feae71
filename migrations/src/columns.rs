//! Small builders for the column and index shapes every migration uses.

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
