//! Database connections. PostgreSQL: one pool for everything. SQLite: a read
//! pool plus a single writer connection, so write transactions never race each
//! other for the write lock (a DEFERRED transaction that reads and then writes
//! would otherwise fail at once with SQLITE_BUSY under concurrent requests).

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    SqlxSqliteConnector,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Clone, Debug)]
pub struct Db {
    /// For queries that only read.
    pub read: DatabaseConnection,
    /// For every transaction that writes.
    pub write: DatabaseConnection,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, max_connections).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(max_connections.max(2))
                .min_connections(1)
                .connect_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let conn = Database::connect(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Db {
                read: conn.clone(),
                write: conn,
            })
        } else {
            anyhow::bail!(
                "unsupported STEWARD_DATABASE_URL '{url}': use sqlite://… or postgres://…"
            )
        }
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
            .connect_with(options.clone())
            .await
            .context("cannot open the SQLite database")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .min_connections(1)
            .connect_with(options.read_only(true))
            .await
            .context("cannot open the SQLite database for reading")?;
        Ok(Db {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(reader),
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_extracted() {
        assert_eq!(
            sqlite_file_path("sqlite://./data/steward.db?mode=rwc").as_deref(),
            Some("./data/steward.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://x"), None);
    }
}
