//! Database connections. PostgreSQL: one pool for everything. SQLite: a read
//! pool plus a single writer connection, so write transactions never race each
//! other for the write lock (a DEFERRED transaction that reads and then writes
//! would otherwise fail at once with SQLITE_BUSY under concurrent requests).
//! No pool pings a connection before lending it (sqlx's default): on
//! PostgreSQL that is a round trip, on SQLite a hop to the connection's
//! thread and back, per statement.

pub mod sql;

use std::sync::Arc;

use crate::auth::session_cache::SessionCache;
use crate::domain::kb::index::KbIndexes;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, QueryTrait,
    SqlxPostgresConnector, SqlxSqliteConnector,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Clone, Debug)]
pub struct Db {
    /// For queries that only read.
    pub read: DatabaseConnection,
    /// For every transaction that writes.
    pub write: DatabaseConnection,
    /// For the reads whose best plan does not depend on their values
    /// (account health, the accounts list, the queue, the renewals list,
    /// the onboarding portfolio). PostgreSQL: a small pool whose sessions
    /// plan a prepared statement once (`plan_cache_mode =
    /// force_generic_plan`), where by default it plans it anew for each
    /// set of values whenever its generic plan's estimate is worse, which
    /// for account health's seventeen parts took 5.5 ms against 0.2 ms to
    /// run it. A generic plan cannot see a bound `LIMIT` (the list readers
    /// below write it in, [`with_literal_limit`]) nor the status a filter
    /// excludes (the KB's first page then scans and sorts every article:
    /// it stays on `read`). SQLite plans every statement anew anyway: the
    /// read pool.
    pub generic: DatabaseConnection,
    /// Sessions recently seen live (this process; on PostgreSQL told of
    /// the other replicas' revocations by LISTEN/NOTIFY: see its module).
    pub sessions: Arc<SessionCache>,
    /// The knowledge base's words, per workspace (this process only; see
    /// its module).
    pub kb_index: Arc<KbIndexes>,
}

/// The page cache of each SQLite reader connection, in KiB (SQLite's default
/// is 2,000). The file's pages stay in the operating system's cache either
/// way; each connection's own cache grows to its bound as the views touch
/// different pages, so this bound times the readers is memory the server
/// keeps. Measured on the 1M-ticket view benchmark: eight readers at the
/// default held about 5 MB each by the end of the run.
const SQLITE_READER_CACHE_KIB: u32 = 1024;

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, max_connections).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, max_connections).await
        } else {
            anyhow::bail!(
                "unsupported STEWARD_DATABASE_URL '{url}': use sqlite://… or postgres://…"
            )
        }
    }

    /// PostgreSQL: one pool. A connection is not pinged before each use
    /// (sqlx's default): that is one more round trip and one more wake-up
    /// of a PostgreSQL process per statement, and a dead connection fails
    /// the statement anyway, which the pool then drops.
    async fn connect_postgres(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {url}"))?;
        let pool = |size: u32, options: sqlx::postgres::PgConnectOptions| {
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(size)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .connect_with(options)
        };
        let main = pool(max_connections.max(2), options.clone())
            .await
            .context("cannot connect to PostgreSQL")?;
        let generic = pool(
            max_connections.div_ceil(2).max(1),
            options
                .clone()
                .options([("plan_cache_mode", "force_generic_plan")]),
        )
        .await
        .context("cannot connect to PostgreSQL")?;
        let sessions = Arc::new(SessionCache::default());
        sessions.connect_peers(main.clone(), options);
        let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(main);
        Ok(Db {
            read: conn.clone(),
            write: conn,
            generic: SqlxPostgresConnector::from_sqlx_postgres_pool(generic),
            sessions,
            kb_index: Arc::default(),
        })
    }

    async fn connect_sqlite(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if let Some(path) = sqlite_file_path(url) {
            if let Some(parent) = std::path::Path::new(&path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
            }
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .context("cannot open the SQLite database")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(
                options
                    .read_only(true)
                    .pragma("cache_size", format!("-{SQLITE_READER_CACHE_KIB}")),
            )
            .await
            .context("cannot open the SQLite database for reading")?;
        let read = SqlxSqliteConnector::from_sqlx_sqlite_pool(reader);
        Ok(Db {
            generic: read.clone(),
            read,
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
            sessions: Arc::default(),
            kb_index: Arc::default(),
        })
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.write.get_database_backend()
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.write, None)
            .await
            .context("applying migrations failed")
    }

    pub async fn ping(&self) -> bool {
        self.read.ping().await.is_ok()
    }
}

fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_string())
    }
}

/// `statement` with its `LIMIT` written as a number instead of bound as
/// its last value (how sea-query writes `.limit(n)`), for a statement run
/// on [`Db::generic`]: a generic plan cannot see a bound limit and plans
/// for a tenth of the rows instead of a page. Unchanged when it does not
/// end so.
pub fn with_literal_limit(mut statement: sea_orm::Statement) -> sea_orm::Statement {
    let Some(values) = statement.values.as_mut() else {
        return statement;
    };
    let placeholder = format!(" LIMIT ${}", values.0.len());
    if let Some(sea_orm::Value::BigUnsigned(Some(limit))) = values.0.last() {
        if statement.sql.ends_with(&placeholder) {
            let limit = *limit;
            values.0.pop();
            statement
                .sql
                .truncate(statement.sql.len() - placeholder.len());
            statement.sql.push_str(&format!(" LIMIT {limit}"));
        }
    }
    statement
}

/// Runs `select` and returns its rows, which the database aggregates into a
/// single JSON value (`json_group_array` on SQLite, `json_agg` on
/// PostgreSQL).
///
/// Why: sqlx's SQLite driver hands every row from its worker thread to the
/// async task over a channel, a thread wake-up per row; for a 50-row page
/// that hand-off costs more than the query. One row per page keeps list
/// endpoints fast. Row order is not guaranteed by the aggregation: callers
/// sort.
///
/// PostgreSQL sends rows over one socket in one reply, so there the rows
/// are read as rows: writing every value as JSON text (and the server
/// parsing it back) cost PostgreSQL 0.77 ms per queue page against 0.28
/// ms for the same rows in its binary format (1,005 → 1,233 req/s). The
/// page size is written into the statement ([`with_literal_limit`]), so a
/// caller may pass [`Db::generic`].
pub async fn fetch_all_in_one_row<E, C>(
    conn: &C,
    select: sea_orm::Select<E>,
) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    E::Model: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    use sea_orm::Iterable;

    if conn.get_database_backend() == DatabaseBackend::Postgres {
        let statement = with_literal_limit(select.build(DatabaseBackend::Postgres));
        return E::Model::find_by_statement(statement).all(conn).await;
    }
    fetch_in_one_row(conn, select, E::Column::iter()).await
}

/// [`fetch_all_in_one_row`] of some columns only (a list that shows no
/// long text need not read it): `T` deserialises from an object of those
/// (SQLite) or reads them from a row (PostgreSQL).
pub async fn fetch_columns_in_one_row<E, T, C>(
    conn: &C,
    select: sea_orm::Select<E>,
    columns: &[E::Column],
) -> Result<Vec<T>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    T: serde::de::DeserializeOwned + sea_orm::FromQueryResult,
    C: ConnectionTrait,
{
    use sea_orm::QuerySelect;

    let select = select.select_only().columns(columns.iter().copied());
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        let statement = with_literal_limit(select.build(DatabaseBackend::Postgres));
        return T::find_by_statement(statement).all(conn).await;
    }
    fetch_in_one_row(conn, select, columns.iter().copied()).await
}

async fn fetch_in_one_row<E, T, C>(
    conn: &C,
    select: sea_orm::Select<E>,
    columns: impl Iterator<Item = E::Column>,
) -> Result<Vec<T>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    T: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    use sea_orm::{ColumnTrait, ColumnType, IdenStatic, QueryTrait};

    let backend = conn.get_database_backend();
    let fields: Vec<String> = columns
        .map(|c| {
            let name = c.as_str();
            match c.def().get_column_type() {
                // SQLite keeps booleans as 0/1; JSON wants true/false.
                ColumnType::Boolean => {
                    format!("'{name}', json(CASE WHEN t.\"{name}\" THEN 'true' ELSE 'false' END)")
                }
                _ => format!("'{name}', t.\"{name}\""),
            }
        })
        .collect();
    aggregate_page(conn, select.build(backend), &fields).await
}

/// Wraps `inner` so the database answers its rows as one JSON array
/// (`fields`: SQLite's `json_object` arguments; PostgreSQL names them by
/// column) and decodes it.
async fn aggregate_page<T, C>(
    conn: &C,
    inner: sea_orm::Statement,
    fields: &[String],
) -> Result<Vec<T>, sea_orm::DbErr>
where
    T: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    let element = format!("json_object({})", fields.join(", "));
    let Some(page) = aggregated_text(conn, inner, &element).await? else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&page)
        .map_err(|e| sea_orm::DbErr::Custom(format!("decoding an aggregated page: {e}")))
}

/// The rows of `inner` as the text of one JSON array: on SQLite each row
/// (`t`) becomes `sqlite_element` (an expression over `t`, such as
/// `json_object(…)`), on PostgreSQL the whole row (`json_agg(t)`). The
/// caller decodes it, or passes its elements on as they are.
pub async fn aggregated_text<C: ConnectionTrait>(
    conn: &C,
    inner: sea_orm::Statement,
    sqlite_element: &str,
) -> Result<Option<String>, sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => format!(
            "SELECT json_group_array({sqlite_element}) AS page FROM ({}) AS t",
            inner.sql
        ),
        _ => format!(
            "SELECT COALESCE(json_agg(t), '[]'::json)::text AS page FROM ({}) AS t",
            inner.sql
        ),
    };
    let statement = sea_orm::Statement {
        sql,
        values: inner.values,
        db_backend: backend,
    };
    match conn.query_one(statement).await? {
        Some(row) => Ok(Some(row.try_get("", "page")?)),
        None => Ok(None),
    }
}

/// [`fetch_all_in_one_row`] for a hand-written `SELECT` (`statement`),
/// whose result columns are `fields`, by name; `T` deserialises from an
/// object of them (SQLite) or reads them from a row (PostgreSQL). None of
/// them may be a SQLite boolean (0/1).
pub async fn fetch_statement_in_one_row<T, C>(
    conn: &C,
    statement: sea_orm::Statement,
    fields: &[&str],
) -> Result<Vec<T>, sea_orm::DbErr>
where
    T: serde::de::DeserializeOwned + sea_orm::FromQueryResult,
    C: ConnectionTrait,
{
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        return T::find_by_statement(statement).all(conn).await;
    }
    let fields: Vec<String> = fields
        .iter()
        .map(|name| format!("'{name}', t.\"{name}\""))
        .collect();
    aggregate_page(conn, statement, &fields).await
}

/// Runs several `SELECT`s as one statement, each part answering its rows
/// as one JSON array of arrays (its `columns`, in order), so that a reader
/// needing a dozen small answers (one account's health inputs) pays for one
/// round trip to the database rather than a dozen; the caller decodes each
/// part into the tuples it would have read.
pub async fn fetch_parts_as_json<C>(
    conn: &C,
    parts: Vec<(sea_orm::Statement, &[&str])>,
) -> Result<Vec<String>, sea_orm::DbErr>
where
    C: ConnectionTrait,
{
    let count = parts.len();
    read_parts(
        conn,
        parts_statement(conn.get_database_backend(), parts),
        count,
    )
    .await
}

/// The one statement of [`fetch_parts_as_json`]: a `SELECT` of one JSON
/// text per part (`p0`, `p1`, …).
pub fn parts_statement(
    backend: DatabaseBackend,
    parts: Vec<(sea_orm::Statement, &[&str])>,
) -> sea_orm::Statement {
    let mut sql = String::from("SELECT ");
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (i, (statement, columns)) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let columns: Vec<String> = columns.iter().map(|c| format!("t.\"{c}\"")).collect();
        let columns = columns.join(", ");
        match backend {
            DatabaseBackend::Sqlite => sql.push_str(&format!(
                "(SELECT json_group_array(json_array({columns})) FROM ({}) AS t) AS p{i}",
                statement.sql
            )),
            _ => sql.push_str(&format!(
                "(SELECT COALESCE(json_agg(json_build_array({columns})), '[]'::json)::text \
                 FROM ({}) AS t) AS p{i}",
                renumber_placeholders(&statement.sql, values.len())
            )),
        }
        if let Some(v) = statement.values {
            values.extend(v.0);
        }
    }
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// Runs a [`parts_statement`] of `count` parts and answers each part's JSON.
pub async fn read_parts<C: ConnectionTrait>(
    conn: &C,
    statement: sea_orm::Statement,
    count: usize,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let row = conn
        .query_one(statement)
        .await?
        .ok_or_else(|| sea_orm::DbErr::Custom("a SELECT of subqueries answered no row".into()))?;
    (0..count)
        .map(|i| row.try_get::<String>("", &format!("p{i}")))
        .collect()
}

/// A statement whose text is built once and whose values are filled in
/// per call: for a hot read built from many sea-query parts (one
/// account's health: twenty subqueries), building the text on every
/// request costs more server time than the database spends running it.
///
/// Made from the statement as built with `sentinels` as its parameters,
/// values that nothing else in it can equal (years before 1100, ids below
/// −10⁹): each value of the statement equal to a sentinel becomes that
/// parameter, the rest stay as built. Every sentinel must occur; in debug
/// builds (the tests) each [`Template::statement`] is also compared with a
/// fresh build, so a parameter computed differently from the builder's
/// own arithmetic cannot slip by.
pub struct Template {
    sql: String,
    backend: DatabaseBackend,
    slots: Vec<Slot>,
}

enum Slot {
    Fixed(sea_orm::Value),
    Param(usize),
}

impl Template {
    pub fn new(built: sea_orm::Statement, sentinels: &[sea_orm::Value]) -> Template {
        let values = built.values.map(|v| v.0).unwrap_or_default();
        let slots: Vec<Slot> = values
            .into_iter()
            .map(|v| match sentinels.iter().position(|s| *s == v) {
                Some(i) => Slot::Param(i),
                None => Slot::Fixed(v),
            })
            .collect();
        for (i, sentinel) in sentinels.iter().enumerate() {
            assert!(
                slots.iter().any(|s| matches!(s, Slot::Param(p) if *p == i)),
                "template parameter {i} ({sentinel:?}) does not occur in the statement"
            );
        }
        Template {
            sql: built.sql,
            backend: built.db_backend,
            slots,
        }
    }

    /// The statement with `params` (in the sentinels' order).
    pub fn statement(&self, params: &[sea_orm::Value]) -> sea_orm::Statement {
        let values: Vec<sea_orm::Value> = self
            .slots
            .iter()
            .map(|slot| match slot {
                Slot::Fixed(v) => v.clone(),
                Slot::Param(i) => params[*i].clone(),
            })
            .collect();
        sea_orm::Statement::from_sql_and_values(self.backend, self.sql.clone(), values)
    }
}

/// PostgreSQL's `$n` placeholders of `sql` moved up by `offset`, outside
/// quoted strings and names, for a statement joined after others.
fn renumber_placeholders(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n: usize = digits.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(n + offset).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_limit_is_written_into_the_statement() {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

        use crate::entity::tickets;

        let query = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(7_i64))
            .limit(51);
        let statement = with_literal_limit(query.build(DatabaseBackend::Postgres));
        assert!(statement.sql.ends_with(" LIMIT 51"), "{}", statement.sql);
        let values = statement.values.expect("the workspace stays bound").0;
        assert_eq!(values, vec![sea_orm::Value::BigInt(Some(7))]);
        assert_eq!(statement.sql.matches('$').count(), 1);

        // No limit, or one that is not the last thing: unchanged.
        let plain = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(7))
            .build(DatabaseBackend::Postgres);
        assert_eq!(with_literal_limit(plain.clone()).sql, plain.sql);
        let paged = tickets::Entity::find()
            .limit(5)
            .offset(10)
            .build(DatabaseBackend::Postgres);
        let kept = with_literal_limit(paged.clone());
        assert_eq!((kept.sql, kept.values), (paged.sql, paged.values));
    }

    #[test]
    fn a_template_fills_in_its_parameters_and_keeps_the_rest() {
        use chrono::{DateTime, Duration, Utc};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

        use crate::entity::tickets;

        let build = |ws: i64, now: DateTime<Utc>| {
            tickets::Entity::find()
                .filter(tickets::Column::WorkspaceId.eq(ws))
                .filter(tickets::Column::Priority.eq("p1"))
                .filter(tickets::Column::CreatedAt.gt(now - Duration::days(30)))
                .filter(tickets::Column::CreatedAt.lte(now))
                .build(DatabaseBackend::Postgres)
        };
        let params = |ws: i64, now: DateTime<Utc>| -> Vec<sea_orm::Value> {
            vec![ws.into(), now.into(), (now - Duration::days(30)).into()]
        };
        let sentinel = DateTime::<Utc>::from_timestamp(-30_000_000_000, 0).unwrap();
        let template = Template::new(
            build(-1_000_000_001, sentinel),
            &params(-1_000_000_001, sentinel),
        );
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(template.statement(&params(7, now)), build(7, now));
        assert_ne!(template.statement(&params(8, now)), build(7, now));
    }

    #[test]
    #[should_panic(expected = "does not occur")]
    fn a_template_parameter_the_statement_lacks_is_refused() {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

        use crate::entity::tickets;

        let built = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(-1_000_000_001_i64))
            .build(DatabaseBackend::Sqlite);
        // The second parameter (an account) is not in the statement.
        Template::new(
            built,
            &[(-1_000_000_001_i64).into(), (-1_000_000_002_i64).into()],
        );
    }

    #[test]
    fn sqlite_paths_are_extracted() {
        assert_eq!(
            sqlite_file_path("sqlite://./data/steward.db?mode=rwc").as_deref(),
            Some("./data/steward.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://x"), None);
    }

    #[test]
    fn placeholders_move_up_outside_quotes() {
        assert_eq!(
            renumber_placeholders("a = $1 AND b IN ($2, $10) AND c = '$3' AND \"$4\" = $5", 4),
            "a = $5 AND b IN ($6, $14) AND c = '$3' AND \"$4\" = $9"
        );
        assert_eq!(renumber_placeholders("x = $1", 0), "x = $1");
    }
}
