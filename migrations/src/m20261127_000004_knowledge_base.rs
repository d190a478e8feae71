//! The knowledge base (操作手册): articles and their full-text index.
//!
//! Search runs over `search_text`, which the server fills with the
//! lower-cased title, the body as plain text and the FAQ entries. Chinese has
//! no spaces between words, so both backends index character trigrams:
//!
//! - SQLite: an FTS5 table with `tokenize='trigram'` over `search_text`, as
//!   an external-content table (the text is stored once, in `kb_articles`).
//!   Triggers keep it in sync in the same transaction as every insert,
//!   update and delete, whoever writes the row (the API, seed-demo, a
//!   restore), so the index cannot drift from the table.
//! - PostgreSQL: `pg_trgm` and a GIN trigram index on `search_text`, which
//!   serves `LIKE '%…%'`. No trigger is needed: the index follows the column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE kb_articles_fts USING fts5(\
        search_text, content='kb_articles', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN \
        INSERT INTO kb_articles_fts(rowid, search_text) VALUES (new.id, new.search_text); \
     END",
    "CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN \
        INSERT INTO kb_articles_fts(kb_articles_fts, rowid, search_text) \
            VALUES ('delete', old.id, old.search_text); \
     END",
    "CREATE TRIGGER kb_articles_fts_update AFTER UPDATE ON kb_articles BEGIN \
        INSERT INTO kb_articles_fts(kb_articles_fts, rowid, search_text) \
            VALUES ('delete', old.id, old.search_text); \
        INSERT INTO kb_articles_fts(rowid, search_text) VALUES (new.id, new.search_text); \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_articles_fts_update",
    "DROP TRIGGER IF EXISTS kb_articles_fts_delete",
    "DROP TRIGGER IF EXISTS kb_articles_fts_insert",
    "DROP TABLE IF EXISTS kb_articles_fts",
];

pub(crate) const POSTGRES_UP: &[&str] = &[
    // pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may
    // create it without being a superuser.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_kb_articles_search_trgm ON kb_articles \
        USING gin (search_text gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_kb_articles_search_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("kb_articles"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("module"))
                    .col(text("title"))
                    .col(col("body").text().not_null())
                    .col(text("visibility"))
                    // JSON: [{"question": …, "answer": …}, …]
                    .col(col("faq").text().not_null())
                    .col(text("status"))
                    .col(fk_null("source_ticket_id"))
                    .col(fk("author_id"))
                    // The lower-cased title, for ranking title matches first.
                    .col(col("search_title").text().not_null())
                    // What full-text search matches; see the module comment.
                    .col(col("search_text").text().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(version())
                    .foreign_key(&mut foreign("kb_articles", "workspace_id", "workspaces"))
                    .foreign_key(&mut foreign("kb_articles", "source_ticket_id", "tickets"))
                    .foreign_key(&mut foreign("kb_articles", "author_id", "users"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_kb_articles_list",
                &["workspace_id", "status", "module", "id"][..],
            ),
            (
                "ix_kb_articles_source_ticket",
                &["workspace_id", "source_ticket_id"][..],
            ),
        ] {
            manager
                .create_index(index("kb_articles", name, cols, false))
                .await?;
        }
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run_all(manager, SQLITE_UP).await?,
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_UP).await?,
            DatabaseBackend::MySql => {
                return Err(DbErr::Migration(
                    "Steward runs on SQLite or PostgreSQL".into(),
                ))
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run_all(manager, SQLITE_DOWN).await?,
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_DOWN).await?,
            DatabaseBackend::MySql => {}
        }
        manager
            .drop_table(Table::drop().table(Alias::new("kb_articles")).to_owned())
            .await?;
        Ok(())
    }
}
