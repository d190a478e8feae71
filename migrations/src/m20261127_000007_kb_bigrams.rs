//! Two-character Chinese words in knowledge-base search.
//!
//! Most Chinese words have two characters, which a trigram index cannot
//! match; until now such terms were `LIKE '%…%'` scans of every article.
//! `search_grams` holds the distinct pairs of adjacent CJK characters of
//! `search_text` (`shared::kb::cjk_bigrams`), so a two-character term is an
//! exact token lookup:
//! - SQLite: an external-content FTS5 table over `search_grams` (tokens are
//!   the space-separated pairs), kept in sync by triggers like the trigram one.
//! - PostgreSQL: a GIN index on `string_to_array(search_grams, ' ')`, queried
//!   with `@> ARRAY[term]`, which does not depend on the database's locale.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE kb_articles_grams USING fts5(\
        search_grams, content='kb_articles', content_rowid='id', tokenize='unicode61')",
    "INSERT INTO kb_articles_grams(kb_articles_grams) VALUES ('rebuild')",
    "CREATE TRIGGER kb_articles_grams_insert AFTER INSERT ON kb_articles BEGIN \
        INSERT INTO kb_articles_grams(rowid, search_grams) VALUES (new.id, new.search_grams); \
     END",
    "CREATE TRIGGER kb_articles_grams_delete AFTER DELETE ON kb_articles BEGIN \
        INSERT INTO kb_articles_grams(kb_articles_grams, rowid, search_grams) \
            VALUES ('delete', old.id, old.search_grams); \
     END",
    "CREATE TRIGGER kb_articles_grams_update AFTER UPDATE ON kb_articles BEGIN \
        INSERT INTO kb_articles_grams(kb_articles_grams, rowid, search_grams) \
            VALUES ('delete', old.id, old.search_grams); \
        INSERT INTO kb_articles_grams(rowid, search_grams) VALUES (new.id, new.search_grams); \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_articles_grams_update",
    "DROP TRIGGER IF EXISTS kb_articles_grams_delete",
    "DROP TRIGGER IF EXISTS kb_articles_grams_insert",
    "DROP TABLE IF EXISTS kb_articles_grams",
];

pub(crate) const POSTGRES_UP: &[&str] = &["CREATE INDEX ix_kb_articles_grams ON kb_articles \
        USING gin (string_to_array(search_grams, ' '))"];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_kb_articles_grams"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "kb_articles",
                col("search_grams").text().not_null().default("").to_owned(),
            ))
            .await?;
        // Existing articles get their pairs before the index is built.
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let rows = conn
            .query_all(Statement::from_string(
                backend,
                "SELECT id, search_text FROM kb_articles",
            ))
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let text: String = row.try_get("", "search_text")?;
            let sql = match backend {
                DatabaseBackend::Postgres => {
                    "UPDATE kb_articles SET search_grams = $1 WHERE id = $2"
                }
                _ => "UPDATE kb_articles SET search_grams = ? WHERE id = ?",
            };
            conn.execute(Statement::from_sql_and_values(
                backend,
                sql,
                [shared::kb::cjk_bigrams(&text).into(), id.into()],
            ))
            .await?;
        }
        let statements = match backend {
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        run_all(manager, statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        run_all(manager, statements).await?;
        manager
            .alter_table(drop_column("kb_articles", "search_grams"))
            .await?;
        Ok(())
    }
}
