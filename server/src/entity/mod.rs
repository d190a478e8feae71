//! sea-orm entities: one module per table.

pub mod accounts;
pub mod approvals;
pub mod audit_log;
pub mod contacts;
pub mod email_outbox;
pub mod kb_articles;
pub mod licenses;
pub mod onboarding_plans;
pub mod onboarding_tasks;
pub mod onboarding_templates;
pub mod refresh_tokens;
pub mod service_agreements;
pub mod sessions;
pub mod sla_policies;
pub mod ticket_attachments;
pub mod ticket_blockers;
pub mod ticket_comments;
pub mod ticket_counters;
pub mod ticket_events;
pub mod tickets;
pub mod users;
pub mod workspaces;
