//! When a signed visit report's PDF was written and delivered (attached to
//! the ticket, mailed to the customer's admins). A report signed while the
//! server had no CJK font is recorded without it (`report_pdf_at` null);
//! the `visit-reports` job delivers it once a font is there. Reports
//! signed before this column existed went out with their PDF.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("visits", ts_null("report_pdf_at")))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE visits SET report_pdf_at = signed_at WHERE signed_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("visits", "report_pdf_at"))
            .await
    }
}
