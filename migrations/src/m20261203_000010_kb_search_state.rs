//! Knowledge-base search at 10,000 articles (issue 11).
//!
//! Ranking a sentence in SQL (FTS5 `bm25()`, or BM25 over the PostgreSQL
//! postings) costs a few microseconds per matching article, and a sentence
//! of common words matches thousands. The server now ranks from an inverted
//! index it keeps in memory per workspace (`server/src/domain/kb/index.rs`),
//! built from `title_terms` and `body_terms`; the database tells it what
//! changed:
//!
//! - `kb_index_state`, one row per workspace: `generation` grows with every
//!   write that changes what search sees (an article's words, module,
//!   visibility or status, a new or deleted article), `removals` with every
//!   deleted article, `total_terms` is the number of words the workspace's
//!   articles hold (how big an index would be).
//! - `kb_articles.search_generation`: the generation of the article's last
//!   such change, so a server catches up by reading only the articles past
//!   the generation it holds.
//!
//! Triggers keep both in the same transaction as the write, whoever writes
//! the row. On PostgreSQL the state row's lock orders concurrent writers, so
//! a committed generation `g` means every article change up to `g` is
//! committed too.
//!
//! Also: the indexes the lists without a query read in order (newest
//! first) instead of sorting the workspace: all articles, one module, one
//! status.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: the number of words in a space-separated list.
macro_rules! sqlite_words {
    ($t:literal) => {
        concat!(
            "(CASE WHEN ",
            $t,
            " = '' THEN 0 ELSE length(",
            $t,
            ") - length(replace(",
            $t,
            ", ' ', '')) + 1 END)"
        )
    };
}

const SQLITE_UP: &[&str] = &[
    concat!(
        "INSERT INTO kb_index_state (workspace_id, generation, removals, total_terms) \
         SELECT workspace_id, 1, 0, sum(",
        sqlite_words!("title_terms"),
        " + ",
        sqlite_words!("body_terms"),
        ") FROM kb_articles GROUP BY workspace_id"
    ),
    "UPDATE kb_articles SET search_generation = 1",
    concat!(
        "CREATE TRIGGER kb_index_insert AFTER INSERT ON kb_articles BEGIN \
            INSERT INTO kb_index_state (workspace_id, generation, removals, total_terms) \
                VALUES (new.workspace_id, 1, 0, ",
        sqlite_words!("new.title_terms"),
        " + ",
        sqlite_words!("new.body_terms"),
        ") ON CONFLICT (workspace_id) DO UPDATE SET \
                generation = generation + 1, \
                total_terms = total_terms + excluded.total_terms; \
            UPDATE kb_articles SET search_generation = \
                (SELECT generation FROM kb_index_state WHERE workspace_id = new.workspace_id) \
                WHERE id = new.id; \
         END"
    ),
    concat!(
        "CREATE TRIGGER kb_index_update AFTER UPDATE OF \
            title_terms, body_terms, module, visibility, status ON kb_articles \
         WHEN old.title_terms IS NOT new.title_terms OR old.body_terms IS NOT new.body_terms \
            OR old.module IS NOT new.module OR old.visibility IS NOT new.visibility \
            OR old.status IS NOT new.status \
         BEGIN \
            UPDATE kb_index_state SET generation = generation + 1, \
                total_terms = total_terms - ",
        sqlite_words!("old.title_terms"),
        " - ",
        sqlite_words!("old.body_terms"),
        " + ",
        sqlite_words!("new.title_terms"),
        " + ",
        sqlite_words!("new.body_terms"),
        " WHERE workspace_id = new.workspace_id; \
            UPDATE kb_articles SET search_generation = \
                (SELECT generation FROM kb_index_state WHERE workspace_id = new.workspace_id) \
                WHERE id = new.id; \
         END"
    ),
    concat!(
        "CREATE TRIGGER kb_index_delete AFTER DELETE ON kb_articles BEGIN \
            UPDATE kb_index_state SET generation = generation + 1, removals = removals + 1, \
                total_terms = total_terms - ",
        sqlite_words!("old.title_terms"),
        " - ",
        sqlite_words!("old.body_terms"),
        " WHERE workspace_id = old.workspace_id; \
         END"
    ),
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_index_delete",
    "DROP TRIGGER IF EXISTS kb_index_update",
    "DROP TRIGGER IF EXISTS kb_index_insert",
];

const POSTGRES_UP: &[&str] = &[
    "INSERT INTO kb_index_state (workspace_id, generation, removals, total_terms) \
        SELECT workspace_id, 1, 0, sum(kb_terms_length(title_terms, body_terms)) \
        FROM kb_articles GROUP BY workspace_id",
    "UPDATE kb_articles SET search_generation = 1",
    // BEFORE: the new row takes its generation without a second write.
    "CREATE FUNCTION kb_index_touch() RETURNS trigger LANGUAGE plpgsql AS $$ \
     DECLARE delta BIGINT; g BIGINT; \
     BEGIN \
        IF TG_OP = 'DELETE' THEN \
            UPDATE kb_index_state SET generation = generation + 1, removals = removals + 1, \
                total_terms = total_terms - kb_terms_length(OLD.title_terms, OLD.body_terms) \
                WHERE workspace_id = OLD.workspace_id; \
            RETURN OLD; \
        END IF; \
        delta := kb_terms_length(NEW.title_terms, NEW.body_terms); \
        IF TG_OP = 'UPDATE' THEN \
            IF NEW.title_terms IS NOT DISTINCT FROM OLD.title_terms \
                AND NEW.body_terms IS NOT DISTINCT FROM OLD.body_terms \
                AND NEW.module IS NOT DISTINCT FROM OLD.module \
                AND NEW.visibility IS NOT DISTINCT FROM OLD.visibility \
                AND NEW.status IS NOT DISTINCT FROM OLD.status THEN \
                RETURN NEW; \
            END IF; \
            delta := delta - kb_terms_length(OLD.title_terms, OLD.body_terms); \
        END IF; \
        INSERT INTO kb_index_state (workspace_id, generation, removals, total_terms) \
            VALUES (NEW.workspace_id, 1, 0, delta) \
            ON CONFLICT (workspace_id) DO UPDATE SET \
                generation = kb_index_state.generation + 1, \
                total_terms = kb_index_state.total_terms + excluded.total_terms \
            RETURNING generation INTO g; \
        NEW.search_generation := g; \
        RETURN NEW; \
     END $$",
    "CREATE TRIGGER kb_index_touch BEFORE INSERT OR UPDATE OR DELETE ON kb_articles \
        FOR EACH ROW EXECUTE FUNCTION kb_index_touch()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kb_index_touch ON kb_articles",
    "DROP FUNCTION IF EXISTS kb_index_touch()",
];

/// Newest first: every article, one module, one status (the portal's and
/// the staff list's pages without a query).
const LIST_INDEXES: &[(&str, &[&str])] = &[
    ("ix_kb_articles_recent", &["workspace_id", "id"]),
    (
        "ix_kb_articles_module_recent",
        &["workspace_id", "module", "id"],
    ),
    (
        "ix_kb_articles_status_recent",
        &["workspace_id", "status", "id"],
    ),
    // A server catching up reads the articles past its generation.
    (
        "ix_kb_articles_search_generation",
        &["workspace_id", "search_generation"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "kb_articles",
                col("search_generation")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("kb_index_state"))
                    .col(col("workspace_id").big_integer().not_null().primary_key())
                    .col(col("generation").big_integer().not_null())
                    .col(col("removals").big_integer().not_null())
                    .col(col("total_terms").big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, cols) in LIST_INDEXES {
            manager
                .create_index(index("kb_articles", name, cols, false))
                .await?;
        }
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => run_all(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_DOWN).await?,
            _ => run_all(manager, SQLITE_DOWN).await?,
        }
        for (name, _) in LIST_INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new("kb_articles"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Alias::new("kb_index_state")).to_owned())
            .await?;
        manager
            .alter_table(drop_column("kb_articles", "search_generation"))
            .await
    }
}
