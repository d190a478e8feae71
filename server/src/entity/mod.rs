//! sea-orm entities: one module per table.

pub mod accounts;
pub mod audit_log;
pub mod contacts;
pub mod email_outbox;
pub mod refresh_tokens;
pub mod sessions;
pub mod users;
pub mod workspaces;
