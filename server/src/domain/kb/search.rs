//! Full-text search over articles by words, ranked with BM25, the same on
//! both backends (the index is described in migration
//! `m20261202_000010_kb_terms`).
//!
//! A query is segmented into words exactly as articles are
//! (`search_terms`: jieba with the ERP vocabulary, a bigram fallback, English
//! stems), so a whole sentence works: `月末结账时凭证无法过账` looks for
//! `月末`, `结账`, `凭证`, `过账`.
//! - [`MatchMode::Any`] (the portal's default, a sentence): articles sharing
//!   any word, best first.
//! - [`MatchMode::All`] (the staff list's default, a filter): articles
//!   holding every word.
//!
//! Ranking is BM25 (k1 = 1.2, b = 0.75) over the title and the whole text,
//! the title weighing [`TITLE_WEIGHT`] times more: SQLite's FTS5 `bm25()`,
//! and on PostgreSQL the same formula over the postings table. A preferred
//! module multiplies the score by [`MODULE_BOOST`] rather than filtering.
//! Pages follow the (score, id) order with a cursor of the last row's pair.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::{ConnectionTrait, DatabaseBackend};
use shared::kb::{KbStatus, KbVisibility, MAX_QUERY_LEN};
use shared::ErpModule;

use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::pagination::PageQuery;
use crate::domain::common::pagination::Paging;
use crate::error::{AppError, AppResult};

/// A title word counts this many times more than one in the body (the body
/// column holds the title too, so a title hit weighs `TITLE_WEIGHT + 1`).
pub const TITLE_WEIGHT: f64 = 3.0;
/// An article of the module the customer chose ranks this much higher.
pub const MODULE_BOOST: f64 = 1.5;
/// The most words a query looks for (a 200-character sentence has fewer).
pub const MAX_TERMS: usize = 32;
/// BM25's term-frequency saturation and length normalisation, as FTS5's.
pub(super) const K1: f64 = 1.2;
pub(super) const B: f64 = 0.75;

/// The words of `q` for `mode`: `None` for a blank query (no search, the
/// newest first), `Some` otherwise, possibly empty (nothing searchable:
/// `的`, `?`). Too long a query is a 422.
pub fn terms(q: Option<&str>, mode: MatchMode) -> AppResult<Option<Vec<String>>> {
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return Ok(None);
    };
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(AppError::field(
            "q",
            format!("must be at most {MAX_QUERY_LEN} characters"),
        ));
    }
    Ok(Some(match mode {
        MatchMode::Any => search_terms::query_terms(q, MAX_TERMS),
        MatchMode::All => search_terms::required_terms(q, MAX_TERMS),
    }))
}

pub use shared::kb::MatchMode;

/// Which articles a search may return, and which it prefers.
pub struct Scope {
    pub mode: MatchMode,
    pub workspace_id: i64,
    /// Only this module.
    pub module: Option<ErpModule>,
    /// This module first (see [`MODULE_BOOST`]).
    pub preferred_module: Option<ErpModule>,
    pub visibility: Option<KbVisibility>,
    /// `None`: every status but `archived`.
    pub status: Option<KbStatus>,
}

/// A position in the ranked order: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Higher is better; 0 for a listing without a query.
    pub score: f64,
    pub id: i64,
}

pub fn encode_cursor(p: Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("kb:{}:{}", p.score, p.id))
}

fn decode_cursor(cursor: &str) -> AppResult<Position> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (score, id) = text
        .strip_prefix("kb:")
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(bad)?;
    let score: f64 = score.parse().map_err(|_| bad())?;
    if !score.is_finite() {
        return Err(bad());
    }
    Ok(Position {
        score,
        id: id.parse().map_err(|_| bad())?,
    })
}

/// The page size and the position to continue after.
pub fn page_params(page: &PageQuery) -> AppResult<(u64, Option<Position>)> {
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c)?),
    };
    Ok((limit, after))
}

/// The search's own clauses on the one SQL builder.
trait ArticleSql {
    /// `(?, ?, …)` of the terms.
    fn term_list(&mut self, terms: &[String]) -> &mut Self;
    /// The scope's filters on `kb_articles a`.
    fn scope(&mut self, scope: &Scope) -> &mut Self;
    /// `* CASE WHEN a.module = … THEN boost ELSE 1 END`, if a module is preferred.
    fn boost(&mut self, scope: &Scope) -> &mut Self;
}

impl ArticleSql for Sql {
    fn term_list(&mut self, terms: &[String]) -> &mut Self {
        self.push("(").bind_list(terms.iter().cloned()).push(")")
    }

    fn scope(&mut self, scope: &Scope) -> &mut Self {
        self.push(" AND a.workspace_id = ").bind(scope.workspace_id);
        if let Some(module) = scope.module {
            self.push(" AND a.module = ").bind(module.as_str());
        }
        if let Some(visibility) = scope.visibility {
            self.push(" AND a.visibility = ").bind(visibility.as_str());
        }
        match scope.status {
            Some(status) => self.push(" AND a.status = ").bind(status.as_str()),
            None => self
                .push(" AND a.status <> ")
                .bind(KbStatus::Archived.as_str()),
        }
    }

    fn boost(&mut self, scope: &Scope) -> &mut Self {
        if let Some(module) = scope.preferred_module {
            self.push(" * CASE WHEN a.module = ")
                .bind(module.as_str())
                .push(&format!(" THEN {MODULE_BOOST:?} ELSE 1.0 END"));
        }
        self
    }
}

/// `"t1" OR "t2"`: each term a phrase (`"` doubled), so no user text is FTS
/// syntax. Terms hold letters and digits only; this is the second guard.
fn fts_expression(terms: &[String], mode: MatchMode) -> String {
    let glue = match mode {
        MatchMode::All => " AND ",
        MatchMode::Any => " OR ",
    };
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(glue)
}

/// SQLite: FTS5 matches and scores; each hit's row is checked through the
/// narrow rank index (the article rows carry long bodies).
fn sqlite_ranked(sql: &mut Sql, scope: &Scope, terms: &[String]) {
    sql.push(&format!(
        "SELECT a.id AS id, -bm25(kb_articles_terms, {TITLE_WEIGHT:?}, 1.0)"
    ))
    .boost(scope)
    .push(
        " AS score FROM kb_articles_terms \
         CROSS JOIN kb_articles a INDEXED BY ix_kb_articles_rank \
         ON a.id = kb_articles_terms.rowid \
         WHERE kb_articles_terms MATCH ",
    )
    .bind(fts_expression(terms, scope.mode))
    .scope(scope);
}

/// PostgreSQL: FTS5's BM25 over the postings, with the workspace's totals.
/// The sum runs in term order, so the same article scores the same float on
/// every page (the cursor compares it exactly).
fn postgres_ranked(sql: &mut Sql, scope: &Scope, terms: &[String]) {
    let tf = format!("({TITLE_WEIGHT:?}::float8 * t.title_tf + t.body_tf)");
    sql.push(
        "WITH s AS (SELECT documents::float8 AS n, \
            greatest(total_length::float8 / greatest(documents, 1), 1.0) AS avgdl \
            FROM kb_term_stats WHERE workspace_id = ",
    )
    .bind(scope.workspace_id)
    .push(
        "), idf AS (SELECT t.term, \
            greatest(ln((s.n - count(*) + 0.5) / (count(*) + 0.5)), 1e-6) AS idf \
            FROM kb_article_terms t CROSS JOIN s WHERE t.workspace_id = ",
    )
    .bind(scope.workspace_id)
    .push(" AND t.term IN ")
    .term_list(terms)
    .push(" GROUP BY t.term, s.n) ")
    .push(&format!(
        "SELECT a.id AS id, sum(idf.idf * {tf} * {k1p} / \
            ({tf} + {K1:?} * ({omb:?} + {B:?} * t.doc_length / s.avgdl)) ORDER BY t.term)",
        k1p = K1 + 1.0,
        omb = 1.0 - B,
    ))
    .boost(scope)
    .push(
        " AS score \
         FROM kb_article_terms t JOIN idf ON idf.term = t.term CROSS JOIN s \
         JOIN kb_articles a ON a.id = t.article_id WHERE t.workspace_id = ",
    )
    .bind(scope.workspace_id)
    .push(" AND t.term IN ")
    .term_list(terms)
    .scope(scope)
    .push(" GROUP BY a.id, a.module");
    if scope.mode == MatchMode::All {
        sql.push(" HAVING count(*) = ")
            .bind(i64::try_from(terms.len()).unwrap_or(i64::MAX));
    }
}

/// Ids of the articles matching `terms`, best first, with their scores, at
/// most `limit` of them after `after`: from the workspace's index in memory
/// (see [`super::index`]), or in SQL when it is too big to keep there.
pub async fn ranked_ids(
    db: &Db,
    scope: &Scope,
    terms: &[String],
    after: Option<Position>,
    limit: u64,
) -> AppResult<Vec<Position>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    match db
        .kb_index
        .ranked(&db.read, scope, terms, after, limit_usize)
        .await?
    {
        Some(hits) => Ok(hits),
        None => ranked_in_sql(&db.read, scope, terms, after, limit).await,
    }
}

/// [`ranked_ids`] in SQL: FTS5 on SQLite, the postings on PostgreSQL.
pub async fn ranked_in_sql<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    terms: &[String],
    after: Option<Position>,
    limit: u64,
) -> AppResult<Vec<Position>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT id, score FROM (");
    if backend == DatabaseBackend::Postgres {
        postgres_ranked(&mut sql, scope, terms);
    } else {
        sqlite_ranked(&mut sql, scope, terms);
    }
    sql.push(") ranked");
    if let Some(p) = after {
        sql.push(" WHERE score < ")
            .bind(p.score)
            .push(" OR (score = ")
            .bind(p.score)
            .push(" AND id < ")
            .bind(p.id)
            .push(")");
    }
    sql.push(" ORDER BY score DESC, id DESC LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = conn.query_all(sql.statement()).await?;
    rows.iter()
        .map(|row| {
            Ok(Position {
                id: row.try_get("", "id")?,
                score: row.try_get("", "score")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_words_and_blank_is_no_search() {
        let any = MatchMode::Any;
        assert_eq!(terms(None, any).unwrap(), None);
        assert_eq!(terms(Some("   "), any).unwrap(), None);
        assert_eq!(terms(Some("的？"), any).unwrap(), Some(vec![]));
        let words = terms(Some("月末结账时凭证无法过账"), any).unwrap().unwrap();
        for w in ["月末", "结账", "凭证", "过账"] {
            assert!(words.iter().any(|t| t == w), "{w} in {words:?}");
        }
        assert!(terms(Some(&"字".repeat(MAX_QUERY_LEN + 1)), any).is_err());
        // A long English sentence is fine: its words are capped, not refused.
        let long = "how do I post the vouchers of the month ".repeat(5);
        assert!(terms(Some(&long), any).unwrap().unwrap().len() <= MAX_TERMS);
    }

    #[test]
    fn user_text_is_never_fts_syntax() {
        let terms = vec!["a\"b OR c".to_string(), "(*)".to_string()];
        assert_eq!(
            fts_expression(&terms, MatchMode::All),
            "\"a\"\"b OR c\" AND \"(*)\""
        );
        assert_eq!(fts_expression(&terms[1..], MatchMode::Any), "\"(*)\"");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = Position {
            score: 12.345678,
            id: 41,
        };
        assert_eq!(decode_cursor(&encode_cursor(p)).unwrap(), p);
        let zero = Position { score: 0.0, id: 7 };
        assert_eq!(decode_cursor(&encode_cursor(zero)).unwrap(), zero);
        for bad in [
            "!!",
            "aWQ6NDI",
            "a2I6eDox",
            &URL_SAFE_NO_PAD.encode("kb:NaN:1"),
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
