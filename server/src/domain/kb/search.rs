//! Full-text search over articles that finds Chinese words inside Chinese
//! text on both backends (the index itself is described in the migration
//! `m20261127_000004_knowledge_base`).
//!
//! The query is split at spaces into terms, lower-cased; every term must
//! occur in the article (title, body text or FAQ) as a substring.
//! - Two-character CJK terms (most Chinese words) are looked up among the
//!   article's adjacent-character pairs (`search_grams`, migration
//!   `m20261127_000007_kb_bigrams`): the FTS5 table `kb_articles_grams` on
//!   SQLite, the GIN array index on PostgreSQL.
//! - SQLite: terms of three or more characters go to the FTS5 trigram index
//!   as quoted phrases (`"` doubled, so no user text is FTS syntax); other
//!   short terms, which trigrams cannot match, are `LIKE '%…%'` on
//!   `search_text`.
//! - PostgreSQL: other terms are `LIKE '%…%'` on `search_text`, served by
//!   the GIN trigram index (pg_trgm rechecks each candidate, so results are
//!   exact whatever the database's locale).
//!
//! Ranking: articles whose title holds more of the terms come first, then
//! the newest. Pages follow that order with a cursor of (title hits, id).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use shared::kb::{is_cjk_bigram, KbStatus, KbVisibility, MAX_QUERY_LEN, MAX_QUERY_TERMS};
use shared::ErpModule;

use crate::domain::pagination::PageQuery;
use crate::domain::users::escape_like;
use crate::error::{AppError, AppResult};

/// The trigram tokenizer matches nothing shorter than this.
const TRIGRAM: usize = 3;

/// Splits `q` into lower-case terms; blank → none. Too long a query is a 422.
pub fn terms(q: Option<&str>) -> AppResult<Vec<String>> {
    let Some(q) = q else {
        return Ok(Vec::new());
    };
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(AppError::field(
            "q",
            format!("must be at most {MAX_QUERY_LEN} characters"),
        ));
    }
    let cleaned: String = q
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .to_lowercase();
    let mut terms: Vec<String> = Vec::new();
    for term in cleaned.split_whitespace() {
        if !terms.iter().any(|t| t == term) {
            terms.push(term.to_string());
        }
    }
    if terms.len() > MAX_QUERY_TERMS {
        return Err(AppError::field(
            "q",
            format!("may have at most {MAX_QUERY_TERMS} words"),
        ));
    }
    Ok(terms)
}

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    All,
    Any,
}

/// The most two-character words an `any` search looks for.
const MAX_ANY_TERMS: usize = 24;

/// The two-character CJK words of a query, for an `any` search: a sentence
/// like `销售订单审核后无法修改` becomes `销售`, `售订`, `订单`, …  A query
/// without CJK text keeps its words (and then all must match).
pub fn any_terms(terms: &[String]) -> Vec<String> {
    let grams = shared::kb::cjk_bigrams(&terms.join(" "));
    if grams.is_empty() {
        return terms.to_vec();
    }
    grams
        .split(' ')
        .take(MAX_ANY_TERMS)
        .map(str::to_string)
        .collect()
}

/// Which articles a search may return.
pub struct Scope {
    /// Any of the terms (all two-character CJK words) suffices.
    pub any: bool,
    pub workspace_id: i64,
    pub module: Option<ErpModule>,
    pub visibility: Option<KbVisibility>,
    /// `None`: every status but `archived`.
    pub status: Option<KbStatus>,
}

/// A position in the ranked order: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub title_hits: i64,
    pub id: i64,
}

pub fn encode_cursor(p: Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("kb:{}:{}", p.title_hits, p.id))
}

fn decode_cursor(cursor: &str) -> AppResult<Position> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.strip_prefix("kb:").ok_or_else(bad)?.split(':');
    let mut next =
        || -> AppResult<i64> { parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad) };
    Ok(Position {
        title_hits: next()?,
        id: next()?,
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

/// Raw SQL with placeholders in the backend's style, values in order.
struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }
}

fn like_pattern(term: &str) -> String {
    format!("%{}%", escape_like(term))
}

/// `"term1" AND "term2"`: each term a phrase, so `"`, `*`, `AND`, `(` … are text.
fn fts_phrases(terms: &[&String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Ids of matching articles in ranked order, with their title hits, at most
/// `limit` of them after `after`.
pub async fn ranked_ids<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    terms: &[String],
    after: Option<Position>,
    limit: u64,
) -> AppResult<Vec<Position>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql {
        backend,
        text: String::new(),
        values: Vec::new(),
    };
    sql.push("SELECT id, title_hits FROM (SELECT a.id AS id, CAST(");
    if terms.is_empty() {
        sql.push("0");
    } else {
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                sql.push(" + ");
            }
            sql.push("CASE WHEN a.search_title LIKE ")
                .bind(like_pattern(term))
                .push(" ESCAPE '\\' THEN 1 ELSE 0 END");
        }
    }
    let sqlite = backend == DatabaseBackend::Sqlite;
    let (paired, rest): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| is_cjk_bigram(t));
    let (indexed, scanned): (Vec<&String>, Vec<&String>) = rest
        .into_iter()
        .partition(|t| sqlite && t.chars().count() >= TRIGRAM);
    sql.push(" AS BIGINT) AS title_hits FROM kb_articles a");
    // Ranking full-text hits reads only columns of the narrow rank index
    // (migration m20261127_000013); the planner would scan the workspace.
    if sqlite && scanned.is_empty() && !(paired.is_empty() && indexed.is_empty()) {
        sql.push(" INDEXED BY ix_kb_articles_rank");
    }
    sql.push(" WHERE a.workspace_id = ")
        .bind(scope.workspace_id);
    if let Some(module) = scope.module {
        sql.push(" AND a.module = ").bind(module.as_str());
    }
    if let Some(visibility) = scope.visibility {
        sql.push(" AND a.visibility = ").bind(visibility.as_str());
    }
    match scope.status {
        Some(status) => sql.push(" AND a.status = ").bind(status.as_str()),
        None => sql
            .push(" AND a.status <> ")
            .bind(KbStatus::Archived.as_str()),
    };
    let any = scope.any && !paired.is_empty() && indexed.is_empty() && scanned.is_empty();
    if any && !sqlite {
        sql.push(" AND string_to_array(a.search_grams, ' ') && ARRAY[");
        for (i, term) in paired.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(term.to_string());
        }
        sql.push("]::text[]");
    } else if !paired.is_empty() {
        if sqlite {
            let phrases = fts_phrases(&paired);
            let expression = if any {
                phrases.replace(" AND ", " OR ")
            } else {
                phrases
            };
            sql.push(
                " AND a.id IN (SELECT rowid FROM kb_articles_grams WHERE kb_articles_grams MATCH ",
            )
            .bind(expression)
            .push(")");
        } else {
            for term in &paired {
                sql.push(" AND string_to_array(a.search_grams, ' ') @> ARRAY[")
                    .bind(term.to_string())
                    .push("]::text[]");
            }
        }
    }
    if !indexed.is_empty() {
        sql.push(" AND a.id IN (SELECT rowid FROM kb_articles_fts WHERE kb_articles_fts MATCH ")
            .bind(fts_phrases(&indexed))
            .push(")");
    }
    for term in scanned {
        sql.push(" AND a.search_text LIKE ")
            .bind(like_pattern(term))
            .push(" ESCAPE '\\'");
    }
    sql.push(") ranked");
    if let Some(p) = after {
        sql.push(" WHERE title_hits < ")
            .bind(p.title_hits)
            .push(" OR (title_hits = ")
            .bind(p.title_hits)
            .push(" AND id < ")
            .bind(p.id)
            .push(")");
    }
    sql.push(" ORDER BY title_hits DESC, id DESC LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = conn
        .query_all(Statement::from_sql_and_values(
            backend, sql.text, sql.values,
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Position {
                id: row.try_get("", "id")?,
                title_hits: row.try_get("", "title_hits")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_unique_lower_case_terms() {
        assert_eq!(
            terms(Some("  订单变更  ERP\tERP erp \u{0}销售 ")).unwrap(),
            vec!["订单变更", "erp", "销售"]
        );
        assert!(terms(Some("   ")).unwrap().is_empty());
        assert!(terms(None).unwrap().is_empty());
        assert!(terms(Some(&"字".repeat(MAX_QUERY_LEN + 1))).is_err());
        let many = (0..=MAX_QUERY_TERMS)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(terms(Some(&many)).is_err());
    }

    #[test]
    fn user_text_is_never_fts_syntax() {
        let a = "a\"b OR c".to_string();
        let b = "(*)".to_string();
        assert_eq!(fts_phrases(&[&a, &b]), "\"a\"\"b OR c\" AND \"(*)\"");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = Position {
            title_hits: 2,
            id: 41,
        };
        assert_eq!(decode_cursor(&encode_cursor(p)).unwrap(), p);
        for bad in ["!!", "aWQ6NDI", "a2I6eDox"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
