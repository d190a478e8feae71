//! Re-segments the words of every knowledge-base article (`title_terms`,
//! `body_terms`) from its title and search text with the `search-terms`
//! crate as it is now. Every change to how that crate segments (its
//! dictionary, vocabulary or rules) needs a migration that calls this, so
//! articles stored before the change meet queries segmented after it.
//!
//! The columns' triggers keep the search structures in step in the same
//! transaction (SQLite's FTS5 table, PostgreSQL's postings and totals, and
//! `kb_index_state`, which tells every process's in-memory index to catch
//! up). Articles are read in batches by id, so memory stays bounded whatever
//! the size of the manual; a row whose words come out the same is not
//! written.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

const BATCH: i64 = 500;

pub async fn reindex(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let (select, update) = match backend {
        DatabaseBackend::Postgres => (
            "SELECT id, title, search_text, title_terms, body_terms FROM kb_articles \
             WHERE id > $1 ORDER BY id LIMIT $2",
            "UPDATE kb_articles SET title_terms = $1, body_terms = $2 WHERE id = $3",
        ),
        _ => (
            "SELECT id, title, search_text, title_terms, body_terms FROM kb_articles \
             WHERE id > ? ORDER BY id LIMIT ?",
            "UPDATE kb_articles SET title_terms = ?, body_terms = ? WHERE id = ?",
        ),
    };
    let mut after = i64::MIN;
    loop {
        let rows = conn
            .query_all(Statement::from_sql_and_values(
                backend,
                select,
                [after.into(), BATCH.into()],
            ))
            .await?;
        let done = (rows.len() as i64) < BATCH;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            after = id;
            let title: String = row.try_get("", "title")?;
            let text: String = row.try_get("", "search_text")?;
            let title_terms = search_terms::joined(&title);
            let body_terms = search_terms::joined(&text);
            let old_title: Option<String> = row.try_get("", "title_terms")?;
            let old_body: Option<String> = row.try_get("", "body_terms")?;
            if old_title.as_deref() == Some(title_terms.as_str())
                && old_body.as_deref() == Some(body_terms.as_str())
            {
                continue;
            }
            conn.execute(Statement::from_sql_and_values(
                backend,
                update,
                [title_terms.into(), body_terms.into(), id.into()],
            ))
            .await?;
        }
        if done {
            return Ok(());
        }
    }
}
