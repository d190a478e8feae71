//! Service levels with entitlements (issue 16): per level, the channels
//! tickets may come in by, whether tickets are included, the SLA policy,
//! person-days and on-site visits per year and the modules covered. Every
//! workspace gets one full level (every channel, tickets, every module, its
//! own SLA policy) per level its SLA policies name — gold, silver and bronze
//! where it kept the defaults — so nothing changes for it. Also: tickets
//! carry `outside_agreement`, agreements their service process (服务流程),
//! and workspaces the rule for accounts that never had an agreement.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every ERP module, as `modules` stores them (comma-separated, like
/// `accounts.modules`).
const ALL_MODULES: &str = "system,sales,purchasing,inventory,production,planning,finance";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("service_levels"))
                    .col(id())
                    .col(fk("workspace_id"))
                    .col(text("name"))
                    .col(flag("tickets_included", true))
                    .col(flag("portal_tickets", true))
                    .col(flag("email_tickets", true))
                    .col(flag("phone_tickets", true))
                    .col(text("sla_policy"))
                    .col(col("person_days_per_year").integer().not_null().default(0))
                    .col(
                        col("onsite_visits_per_year")
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(long_text("modules"))
                    .col(version())
                    .foreign_key(&mut foreign("service_levels", "workspace_id", "workspaces"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "service_levels",
                "ux_service_levels_name",
                &["workspace_id", "name"],
                true,
            ))
            .await?;
        let seed_from_policies = format!(
            "INSERT INTO service_levels (workspace_id, name, tickets_included, portal_tickets, \
             email_tickets, phone_tickets, sla_policy, person_days_per_year, \
             onsite_visits_per_year, modules, version) \
             SELECT DISTINCT workspace_id, level, TRUE, TRUE, TRUE, TRUE, level, 0, 0, \
             '{ALL_MODULES}', 1 FROM sla_policies"
        );
        let seed_defaults = format!(
            "INSERT INTO service_levels (workspace_id, name, tickets_included, portal_tickets, \
             email_tickets, phone_tickets, sla_policy, person_days_per_year, \
             onsite_visits_per_year, modules, version) \
             SELECT w.id, l.name, TRUE, TRUE, TRUE, TRUE, l.name, 0, 0, '{ALL_MODULES}', 1 \
             FROM workspaces w CROSS JOIN (SELECT 'gold' AS name UNION ALL SELECT 'silver' \
             UNION ALL SELECT 'bronze') l \
             WHERE NOT EXISTS (SELECT 1 FROM sla_policies p WHERE p.workspace_id = w.id)"
        );
        run_all(manager, &[&seed_from_policies, &seed_defaults]).await?;
        manager
            .alter_table(add_column("tickets", flag("outside_agreement", false)))
            .await?;
        manager
            .alter_table(add_column(
                "service_agreements",
                col("service_process")
                    .text()
                    .not_null()
                    .default("")
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column("workspaces", flag("agreement_required", false)))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("workspaces", "agreement_required"))
            .await?;
        manager
            .alter_table(drop_column("service_agreements", "service_process"))
            .await?;
        manager
            .alter_table(drop_column("tickets", "outside_agreement"))
            .await?;
        manager
            .drop_table(Table::drop().table(Alias::new("service_levels")).to_owned())
            .await
    }
}
