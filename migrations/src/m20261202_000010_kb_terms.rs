//! Knowledge-base search by words, ranked with BM25 (issue 11): replaces
//! the substring indexes (character trigrams, adjacent-character pairs) of
//! migrations `m20261127_000004` and `_000007`.
//!
//! `title_terms` and `body_terms` hold the words of the title and of the
//! whole `search_text` (title, body as plain text, FAQ) as the server's
//! `search-terms` crate segments them (jieba with the ERP vocabulary, a
//! bigram fallback for unknown words), joined by spaces. The title is in
//! both, so a title match counts twice and weighs more.
//!
//! - SQLite: an external-content FTS5 table over the two columns (its
//!   `bm25()` ranks with a weight per column), kept in sync by triggers in
//!   the same transaction as every write, whoever writes the row.
//! - PostgreSQL: a postings table `kb_article_terms` (one row per article and
//!   term, with the term's count in title and body and the article's
//!   length) and per-workspace totals `kb_term_stats`, from which the server
//!   computes the same BM25 as FTS5; a trigger keeps both in step.
//!
//! Every existing article is re-indexed here. The covering rank index of
//! `m20261127_000013` loses `search_title`, which goes with `search_grams`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_DROP_OLD: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_articles_fts_update",
    "DROP TRIGGER IF EXISTS kb_articles_fts_delete",
    "DROP TRIGGER IF EXISTS kb_articles_fts_insert",
    "DROP TABLE IF EXISTS kb_articles_fts",
    "DROP TRIGGER IF EXISTS kb_articles_grams_update",
    "DROP TRIGGER IF EXISTS kb_articles_grams_delete",
    "DROP TRIGGER IF EXISTS kb_articles_grams_insert",
    "DROP TABLE IF EXISTS kb_articles_grams",
    "DROP INDEX IF EXISTS ix_kb_articles_rank",
];

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE kb_articles_terms USING fts5(\
        title_terms, body_terms, content='kb_articles', content_rowid='id', \
        tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO kb_articles_terms(kb_articles_terms) VALUES ('rebuild')",
    "CREATE TRIGGER kb_articles_terms_insert AFTER INSERT ON kb_articles BEGIN \
        INSERT INTO kb_articles_terms(rowid, title_terms, body_terms) \
            VALUES (new.id, new.title_terms, new.body_terms); \
     END",
    "CREATE TRIGGER kb_articles_terms_delete AFTER DELETE ON kb_articles BEGIN \
        INSERT INTO kb_articles_terms(kb_articles_terms, rowid, title_terms, body_terms) \
            VALUES ('delete', old.id, old.title_terms, old.body_terms); \
     END",
    "CREATE TRIGGER kb_articles_terms_update AFTER UPDATE OF title_terms, body_terms \
        ON kb_articles \
        WHEN old.title_terms IS NOT new.title_terms OR old.body_terms IS NOT new.body_terms \
     BEGIN \
        INSERT INTO kb_articles_terms(kb_articles_terms, rowid, title_terms, body_terms) \
            VALUES ('delete', old.id, old.title_terms, old.body_terms); \
        INSERT INTO kb_articles_terms(rowid, title_terms, body_terms) \
            VALUES (new.id, new.title_terms, new.body_terms); \
     END",
    // Ranking reads these of every hit; see m20261127_000013.
    "CREATE INDEX ix_kb_articles_rank ON kb_articles \
        (id, workspace_id, status, visibility, module)",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_articles_terms_update",
    "DROP TRIGGER IF EXISTS kb_articles_terms_delete",
    "DROP TRIGGER IF EXISTS kb_articles_terms_insert",
    "DROP TABLE IF EXISTS kb_articles_terms",
    "DROP INDEX IF EXISTS ix_kb_articles_rank",
];

const POSTGRES_DROP_OLD: &[&str] = &[
    "DROP INDEX IF EXISTS ix_kb_articles_search_trgm",
    "DROP INDEX IF EXISTS ix_kb_articles_grams",
];

const POSTGRES_TABLES: &[&str] = &[
    "CREATE TABLE kb_article_terms (\
        workspace_id BIGINT NOT NULL, \
        term TEXT NOT NULL, \
        article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE, \
        title_tf INTEGER NOT NULL, \
        body_tf INTEGER NOT NULL, \
        doc_length INTEGER NOT NULL, \
        PRIMARY KEY (workspace_id, term, article_id))",
    "CREATE INDEX ix_kb_article_terms_article ON kb_article_terms (article_id)",
    "CREATE TABLE kb_term_stats (\
        workspace_id BIGINT PRIMARY KEY, \
        documents BIGINT NOT NULL, \
        total_length BIGINT NOT NULL)",
    // Articles before this migration count, with no words yet; the
    // re-index below replaces each with its words through the trigger.
    "INSERT INTO kb_term_stats (workspace_id, documents, total_length) \
        SELECT workspace_id, count(*), 0 FROM kb_articles GROUP BY workspace_id",
    "CREATE FUNCTION kb_terms_length(title_terms TEXT, body_terms TEXT) RETURNS INTEGER \
        LANGUAGE sql IMMUTABLE AS $$ \
        SELECT coalesce(array_length(string_to_array(title_terms, ' '), 1), 0) \
             + coalesce(array_length(string_to_array(body_terms, ' '), 1), 0) $$",
    "CREATE FUNCTION kb_articles_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
     DECLARE len INTEGER; \
     BEGIN \
        IF TG_OP <> 'INSERT' THEN \
            DELETE FROM kb_article_terms WHERE article_id = OLD.id; \
            UPDATE kb_term_stats SET documents = documents - 1, \
                total_length = total_length - kb_terms_length(OLD.title_terms, OLD.body_terms) \
                WHERE workspace_id = OLD.workspace_id; \
        END IF; \
        IF TG_OP <> 'DELETE' THEN \
            len := kb_terms_length(NEW.title_terms, NEW.body_terms); \
            INSERT INTO kb_article_terms \
                (workspace_id, term, article_id, title_tf, body_tf, doc_length) \
                SELECT NEW.workspace_id, t.term, NEW.id, sum(t.in_title)::int, \
                       sum(1 - t.in_title)::int, len \
                FROM (SELECT unnest(string_to_array(NEW.title_terms, ' ')) AS term, 1 AS in_title \
                      UNION ALL \
                      SELECT unnest(string_to_array(NEW.body_terms, ' ')), 0) t \
                WHERE t.term <> '' GROUP BY t.term; \
            INSERT INTO kb_term_stats (workspace_id, documents, total_length) \
                VALUES (NEW.workspace_id, 1, len) \
                ON CONFLICT (workspace_id) DO UPDATE SET \
                    documents = kb_term_stats.documents + 1, \
                    total_length = kb_term_stats.total_length + len; \
        END IF; \
        RETURN NULL; \
     END $$",
    "CREATE TRIGGER kb_articles_terms_write AFTER INSERT OR DELETE ON kb_articles \
        FOR EACH ROW EXECUTE FUNCTION kb_articles_terms_sync()",
    "CREATE TRIGGER kb_articles_terms_update \
        AFTER UPDATE OF title_terms, body_terms, workspace_id ON kb_articles \
        FOR EACH ROW WHEN (OLD.title_terms IS DISTINCT FROM NEW.title_terms \
            OR OLD.body_terms IS DISTINCT FROM NEW.body_terms \
            OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id) \
        EXECUTE FUNCTION kb_articles_terms_sync()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_articles_terms_update ON kb_articles",
    "DROP TRIGGER IF EXISTS kb_articles_terms_write ON kb_articles",
    "DROP FUNCTION IF EXISTS kb_articles_terms_sync()",
    "DROP FUNCTION IF EXISTS kb_terms_length(TEXT, TEXT)",
    "DROP TABLE IF EXISTS kb_term_stats",
    "DROP TABLE IF EXISTS kb_article_terms",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        match backend {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_DROP_OLD).await?,
            _ => run_all(manager, SQLITE_DROP_OLD).await?,
        }
        for column in ["search_grams", "search_title"] {
            manager
                .alter_table(drop_column("kb_articles", column))
                .await?;
        }
        for column in ["title_terms", "body_terms"] {
            manager
                .alter_table(add_column(
                    "kb_articles",
                    col(column).text().not_null().default("").to_owned(),
                ))
                .await?;
        }
        match backend {
            DatabaseBackend::Postgres => {
                run_all(manager, POSTGRES_TABLES).await?;
                crate::kb_reindex::reindex(manager).await
            }
            _ => {
                crate::kb_reindex::reindex(manager).await?;
                run_all(manager, SQLITE_UP).await
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        match backend {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_DOWN).await?,
            _ => run_all(manager, SQLITE_DOWN).await?,
        }
        for column in ["title_terms", "body_terms"] {
            manager
                .alter_table(drop_column("kb_articles", column))
                .await?;
        }
        for column in ["search_title", "search_grams"] {
            manager
                .alter_table(add_column(
                    "kb_articles",
                    col(column).text().not_null().default("").to_owned(),
                ))
                .await?;
        }
        // The substring indexes come back, filled as their migrations did.
        let conn = manager.get_connection();
        let rows = conn
            .query_all(Statement::from_string(
                backend,
                "SELECT id, title, search_text FROM kb_articles",
            ))
            .await?;
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "UPDATE kb_articles SET search_title = $1, search_grams = $2 WHERE id = $3"
            }
            _ => "UPDATE kb_articles SET search_title = ?, search_grams = ? WHERE id = ?",
        };
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let title: String = row.try_get("", "title")?;
            let text: String = row.try_get("", "search_text")?;
            conn.execute(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    title.to_lowercase().into(),
                    shared::kb::cjk_bigrams(&text).into(),
                    id.into(),
                ],
            ))
            .await?;
        }
        match backend {
            DatabaseBackend::Postgres => {
                run_all(manager, crate::m20261127_000004_knowledge_base::POSTGRES_UP).await?;
                run_all(manager, crate::m20261127_000007_kb_bigrams::POSTGRES_UP).await?;
            }
            _ => {
                run_all(manager, crate::m20261127_000004_knowledge_base::SQLITE_UP).await?;
                run_all(
                    manager,
                    &["INSERT INTO kb_articles_fts(kb_articles_fts) VALUES ('rebuild')"],
                )
                .await?;
                run_all(manager, crate::m20261127_000007_kb_bigrams::SQLITE_UP).await?;
                run_all(
                    manager,
                    &["CREATE INDEX ix_kb_articles_rank ON kb_articles \
                       (id, workspace_id, status, visibility, module, search_title)"],
                )
                .await?;
            }
        }
        Ok(())
    }
}
