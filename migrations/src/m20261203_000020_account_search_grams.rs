//! Account search on PostgreSQL (issue 11): `q` matches any substring of
//! the lower-cased name and code (`search_key LIKE '%q%'`), newest first.
//!
//! A query many accounts match (`科技`) finds its page by reading the
//! workspace newest first and stops after a few hundred rows; a rare one
//! (a code, a company's own name) would read all of them. For those, a GIN
//! index over the characters and adjacent character pairs of `search_key`
//! (`steward_grams`) finds the candidates; `LIKE` still decides.
//!
//! Pairs, not pg_trgm's trigrams: a two-character Chinese query (`科技`) has
//! no trigram, so a trigram index cannot narrow it. The function is plain
//! SQL: no extension to install. SQLite keeps its scan (an in-process scan
//! of the newest rows is cheap there).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::run_all;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    // Every character and every adjacent pair of `t`, once each. Computing
    // them takes tens of microseconds: the cost tells the planner to reach
    // rows through the index, never to compute this for each row it reads.
    "CREATE FUNCTION steward_grams(t TEXT) RETURNS TEXT[] \
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$ \
        SELECT coalesce(array_agg(DISTINCT g), '{}') FROM ( \
            SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i \
            UNION ALL \
            SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i) AS grams $$",
    "CREATE INDEX ix_accounts_search_grams ON accounts \
        USING gin (steward_grams(search_key))",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_accounts_search_grams",
    "DROP FUNCTION IF EXISTS steward_grams(TEXT)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_DOWN).await,
            _ => Ok(()),
        }
    }
}
