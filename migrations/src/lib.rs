//! Steward's schema, one set of migrations for SQLite and PostgreSQL.
//! Migrations name tables and columns directly, never the server's entities,
//! so old migrations keep compiling as the entities evolve.

use sea_orm_migration::prelude::*;
pub use sea_orm_migration::{MigratorTrait, SchemaManager};

mod columns;
pub mod kb_reindex;
mod m20261127_000001_foundation;
mod m20261127_000002_tickets;
mod m20261127_000003_approvals_blockers;
mod m20261127_000004_knowledge_base;
mod m20261127_000005_satisfaction_attachments;
mod m20261127_000006_mail_language;
mod m20261127_000007_kb_bigrams;
mod m20261127_000008_licenses_onboarding;
mod m20261127_000009_training_timeline;
mod m20261127_000010_contracts_renewals;
mod m20261127_000011_health;
mod m20261127_000012_surveys;
mod m20261127_000013_kb_rank_index;
mod m20261127_000014_health_rank_index;
mod m20261202_000001_ticket_urgency;
mod m20261202_000002_list_indexes;
mod m20261202_000010_kb_terms;
mod m20261202_000020_renewals_due_order;
mod m20261202_000041_renewal_sums;
mod m20261202_000050_onboarding_portfolio;
mod m20261203_000010_kb_search_state;
mod m20261203_000020_account_search_grams;
mod m20261204_000010_kb_terms_dictionary;
mod m20261205_000010_password_resets;
mod m20261205_000020_attachment_internal;
mod m20261205_000030_outbox_by_workspace;
mod m20261206_000010_address_verification;
mod m20261207_000010_queue_priority_index;
mod m20261208_000010_report_snapshots;
mod m20261209_000010_integrations;
mod m20261209_000110_mail_in;
mod m20261209_000200_imports;
mod m20261210_000100_mail_channel_processed_folder;
mod m20261210_000300_macros;
mod m20261210_000400_ticket_links;
mod m20261211_000100_account_groups;
mod m20261211_000300_success_plans;
mod m20261211_000400_tasks;
mod m20261211_000500_playbooks;
mod m20261212_000500_playbook_customer_email;
mod m20261212_000600_service_levels;
mod m20261212_000700_license_registrations;
mod m20261213_000100_visits;
mod m20261213_000210_time_packages;
mod m20261213_000300_installed_base;
mod m20261213_000410_service_centres;
pub mod m20261213_000500_ticket_sla_figures;
mod m20261213_000700_expiry_reminders;
mod m20261213_000800_time_entry_visit_fk;
mod m20261213_000810_service_rollup;
mod m20261214_000200_job_claims;
mod m20261215_000100_ticket_bridges_vendor;
mod m20261215_000200_ticket_book_index;
mod m20261215_000300_visit_report_pdf;
mod m20261215_000400_inbound_stalled;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261127_000002_tickets::Migration),
            Box::new(m20261127_000003_approvals_blockers::Migration),
            Box::new(m20261127_000004_knowledge_base::Migration),
            Box::new(m20261127_000005_satisfaction_attachments::Migration),
            Box::new(m20261127_000006_mail_language::Migration),
            Box::new(m20261127_000007_kb_bigrams::Migration),
            Box::new(m20261127_000008_licenses_onboarding::Migration),
            Box::new(m20261127_000009_training_timeline::Migration),
            Box::new(m20261127_000010_contracts_renewals::Migration),
            Box::new(m20261127_000011_health::Migration),
            Box::new(m20261127_000012_surveys::Migration),
            Box::new(m20261127_000013_kb_rank_index::Migration),
            Box::new(m20261127_000014_health_rank_index::Migration),
            Box::new(m20261202_000001_ticket_urgency::Migration),
            Box::new(m20261202_000002_list_indexes::Migration),
            Box::new(m20261202_000010_kb_terms::Migration),
            Box::new(m20261202_000020_renewals_due_order::Migration),
            Box::new(m20261202_000041_renewal_sums::Migration),
            Box::new(m20261202_000050_onboarding_portfolio::Migration),
            Box::new(m20261203_000010_kb_search_state::Migration),
            Box::new(m20261203_000020_account_search_grams::Migration),
            Box::new(m20261204_000010_kb_terms_dictionary::Migration),
            Box::new(m20261205_000010_password_resets::Migration),
            Box::new(m20261205_000020_attachment_internal::Migration),
            Box::new(m20261205_000030_outbox_by_workspace::Migration),
            Box::new(m20261206_000010_address_verification::Migration),
            Box::new(m20261207_000010_queue_priority_index::Migration),
            Box::new(m20261208_000010_report_snapshots::Migration),
            Box::new(m20261209_000200_imports::Migration),
            Box::new(m20261209_000010_integrations::Migration),
            Box::new(m20261209_000110_mail_in::Migration),
            Box::new(m20261210_000100_mail_channel_processed_folder::Migration),
            Box::new(m20261210_000300_macros::Migration),
            Box::new(m20261210_000400_ticket_links::Migration),
            Box::new(m20261211_000100_account_groups::Migration),
            Box::new(m20261211_000300_success_plans::Migration),
            Box::new(m20261211_000400_tasks::Migration),
            Box::new(m20261211_000500_playbooks::Migration),
            Box::new(m20261212_000500_playbook_customer_email::Migration),
            Box::new(m20261212_000600_service_levels::Migration),
            Box::new(m20261212_000700_license_registrations::Migration),
            Box::new(m20261213_000100_visits::Migration),
            Box::new(m20261213_000210_time_packages::Migration),
            Box::new(m20261213_000300_installed_base::Migration),
            Box::new(m20261213_000410_service_centres::Migration),
            Box::new(m20261213_000500_ticket_sla_figures::Migration),
            Box::new(m20261213_000700_expiry_reminders::Migration),
            Box::new(m20261213_000800_time_entry_visit_fk::Migration),
            Box::new(m20261213_000810_service_rollup::Migration),
            Box::new(m20261214_000200_job_claims::Migration),
            Box::new(m20261215_000100_ticket_bridges_vendor::Migration),
            Box::new(m20261215_000200_ticket_book_index::Migration),
            Box::new(m20261215_000300_visit_report_pdf::Migration),
            Box::new(m20261215_000400_inbound_stalled::Migration),
        ]
    }
}
