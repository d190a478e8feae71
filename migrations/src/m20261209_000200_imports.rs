//! Imports of a customer base from CSV or Excel (issue 14): one row per
//! uploaded file and its progress, one row per failed line, and the natural
//! keys rows are matched by: the contract number (new, optional, unique in
//! the workspace) and an index over contacts' e-mail addresses.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("imports"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(fk("created_by"))
                    .col(text("kind"))
                    .col(text("mode"))
                    .col(text("file_name"))
                    .col(text("format"))
                    .col(text("encoding"))
                    .col(text("status"))
                    .col(int("rows_total"))
                    .col(int("rows_done"))
                    .col(int("created"))
                    .col(int("updated"))
                    .col(int("unchanged"))
                    .col(int("failed"))
                    .col(long_text("columns"))
                    .col(long_text_null("failure"))
                    .col(int("attempt"))
                    .col(ts_null("lease_until"))
                    .col(ts("created_at"))
                    .col(ts_null("started_at"))
                    .col(ts_null("finished_at"))
                    .foreign_key(&mut foreign("imports", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "imports",
                "ix_imports_workspace",
                &["workspace_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "imports",
                "ix_imports_status",
                &["status", "lease_until"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("import_errors"))
                    .col(id())
                    .col(fk("import_id"))
                    .col(int("row_number"))
                    .col(text("column_name"))
                    .col(long_text("message"))
                    .foreign_key(&mut foreign("import_errors", "import_id", "imports"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "import_errors",
                "ix_import_errors_import",
                &["import_id", "row_number"],
                false,
            ))
            .await?;
        manager
            .alter_table(add_column("contracts", text_null("number")))
            .await?;
        manager
            .create_index(index(
                "contracts",
                "ux_contracts_number",
                &["workspace_id", "number"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "contacts",
                "ix_contacts_email",
                &["workspace_id", "email"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("contacts", "ix_contacts_email"),
            ("contracts", "ux_contracts_number"),
        ] {
            manager
                .drop_index(Index::drop().table(Alias::new(table)).name(name).to_owned())
                .await?;
        }
        manager
            .alter_table(drop_column("contracts", "number"))
            .await?;
        for table in ["import_errors", "imports"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
