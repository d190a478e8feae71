//! `steward backup FILE` and `steward restore FILE`.
//!
//! - **SQLite**: the backup is `VACUUM INTO`, a consistent copy taken inside
//!   one read transaction, so the server keeps serving (and writing) while
//!   it runs; the copy is a plain SQLite file. Restore checks it
//!   (`PRAGMA integrity_check`) and copies it into place.
//! - **PostgreSQL**: `pg_dump --format=custom` and `pg_restore`, which must
//!   be on the `PATH` (Debian: `postgresql-client`).
//!
//! Restore only goes into an empty database: it never merges into, or
//! overwrites, data that is there.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::config::{sqlite_path, Config};

fn quote_sqlite(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    Database::connect(url)
        .await
        .with_context(|| "cannot open the database")
}

/// Writes a backup of the configured database to `file` (which must not
/// exist yet).
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!("{} exists already; choose a new file", file.display());
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let url = config.database_url();
    if sqlite_path(&url).is_some() {
        let db = connect(&url).await?;
        let target = file.to_str().context("the backup path is not UTF-8")?;
        db.execute_unprepared(&format!("VACUUM INTO {}", quote_sqlite(target)))
            .await
            .context("VACUUM INTO failed")?;
        db.close().await.ok();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        }
        return Ok(());
    }
    if !url.starts_with("postgres") {
        bail!("cannot back up {url}: neither sqlite:// nor postgres://");
    }
    let status = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(file)
        .arg(&url)
        .status()
        .context("cannot run pg_dump (install postgresql-client)")?;
    if !status.success() {
        bail!("pg_dump failed ({status})");
    }
    Ok(())
}

/// Restores `file` (a backup written by [`backup`]) into the configured
/// database, which must be empty (or, for SQLite, not exist yet).
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let url = config.database_url();
    if let Some(target) = sqlite_path(&url) {
        let header = std::fs::read(file)
            .ok()
            .filter(|bytes| bytes.starts_with(b"SQLite format 3\0"));
        if header.is_none() {
            bail!("{} is not an SQLite backup", file.display());
        }
        let check = connect(&format!("sqlite://{}?mode=ro", file.display())).await?;
        let verdict: Option<String> = check
            .query_one(Statement::from_string(
                check.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await?
            .and_then(|row| row.try_get_by_index(0).ok());
        check.close().await.ok();
        if verdict.as_deref() != Some("ok") {
            bail!("{} fails its integrity check: {verdict:?}", file.display());
        }
        if target.exists() && std::fs::metadata(&target)?.len() > 0 {
            bail!(
                "{} holds a database already; restore goes into an empty one \
                 (move the file away first)",
                target.display()
            );
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::config::private_dir(parent)?;
        }
        for stale in ["-wal", "-shm"] {
            let mut name = target.clone().into_os_string();
            name.push(stale);
            let _ = std::fs::remove_file(name);
        }
        std::fs::copy(file, &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        crate::config::private_sqlite_file(&url)?;
        return Ok(());
    }
    let db = connect(&url).await?;
    let tables: i64 = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await?
        .and_then(|row| row.try_get_by_index(0).ok())
        .unwrap_or(0);
    db.close().await.ok();
    if tables > 0 {
        bail!("the database holds {tables} tables already; restore goes into an empty one");
    }
    let status = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&url)
        .arg(file)
        .status()
        .context("cannot run pg_restore (install postgresql-client)")?;
    if !status.success() {
        bail!("pg_restore failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_quoted_for_sqlite() {
        assert_eq!(super::quote_sqlite("/b/it's.db"), "'/b/it''s.db'");
    }
}
