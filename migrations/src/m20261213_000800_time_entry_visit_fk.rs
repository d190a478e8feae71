//! `time_entries.visit_id` gains its foreign key to `visits` (issue 16: it
//! was a plain column while visits did not exist yet), and an index, so a
//! visit's time is read without a scan.
//!
//! First, a `visit_id` that names no visit of the entry's own workspace and
//! ticket is cleared (the server never checked it before). PostgreSQL then
//! adds the constraint in place; SQLite cannot add a foreign key to a table,
//! so the table is rebuilt the way SQLite documents it: a new table with
//! the key, the rows copied, the old one dropped, the new one renamed and
//! its indexes made again. Nothing references `time_entries`, so the drop
//! needs no pause of foreign-key enforcement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "id, workspace_id, account_id, ticket_id, visit_id, user_id, work_date, \
                       minutes, billable, note, internal_note, covered_minutes, created_at, updated_at";

/// The indexes `m20261213_000210_time_packages` made, plus the visit's.
const INDEXES: &[(&str, &[&str])] = &[
    ("ix_time_entries_account_date", &["account_id", "work_date"]),
    ("ix_time_entries_ticket", &["ticket_id"]),
    (
        "ix_time_entries_workspace_date",
        &["workspace_id", "work_date"],
    ),
    ("ix_time_entries_user_date", &["user_id", "work_date"]),
    ("ix_time_entries_visit", &["visit_id"]),
];

/// `time_entries` as first made, with the visit's key, under `name`.
fn table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(id())
        .col(fk("workspace_id"))
        .col(fk("account_id"))
        .col(fk("ticket_id"))
        .col(fk_null("visit_id"))
        .col(fk("user_id"))
        .col(date("work_date"))
        .col(int("minutes"))
        .col(flag("billable", true))
        .col(long_text("note"))
        .col(long_text("internal_note"))
        .col(col("covered_minutes").integer().not_null().default(0))
        .col(ts("created_at"))
        .col(ts("updated_at"))
        .foreign_key(&mut foreign(name, "workspace_id", "workspaces"))
        .foreign_key(&mut foreign(name, "account_id", "accounts"))
        .foreign_key(&mut foreign(name, "ticket_id", "tickets"))
        .foreign_key(&mut foreign(name, "visit_id", "visits"))
        .foreign_key(&mut foreign(name, "user_id", "users"))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE time_entries SET visit_id = NULL WHERE visit_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM visits v WHERE v.id = time_entries.visit_id \
              AND v.workspace_id = time_entries.workspace_id \
              AND v.ticket_id = time_entries.ticket_id)",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            manager.create_table(table("time_entries_rebuilt")).await?;
            db.execute_unprepared(&format!(
                "INSERT INTO time_entries_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM time_entries"
            ))
            .await?;
            db.execute_unprepared("DROP TABLE time_entries").await?;
            db.execute_unprepared("ALTER TABLE time_entries_rebuilt RENAME TO time_entries")
                .await?;
            for (name, cols) in INDEXES {
                manager
                    .create_index(index("time_entries", name, cols, false))
                    .await?;
            }
        } else {
            db.execute_unprepared(
                "ALTER TABLE time_entries ADD CONSTRAINT fk_time_entries_visit \
                 FOREIGN KEY (visit_id) REFERENCES visits (id) ON DELETE RESTRICT",
            )
            .await?;
            let (name, cols) = INDEXES[INDEXES.len() - 1];
            manager
                .create_index(index("time_entries", name, cols, false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_time_entries_visit")
            .await?;
        // SQLite keeps the key: taking it off would be another rebuild, and
        // a key to a row that exists hurts no older server.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE time_entries DROP CONSTRAINT IF EXISTS fk_time_entries_visit",
            )
            .await?;
        }
        Ok(())
    }
}
