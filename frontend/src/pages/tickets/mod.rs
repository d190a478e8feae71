//! The `ticket_pages` chunk: the staff ticket queue, a ticket, approvals,
//! the knowledge base, the SLA settings, the macros and the advisories.

pub mod advisories;
pub mod approvals;
pub mod common;
pub mod conversation;
pub mod detail;
pub mod kb;
pub mod kb_editor;
pub mod links;
pub mod list;
pub mod macros;
pub mod merge;
pub mod new;
pub mod service_levels;
pub mod service_report;
pub mod sla_settings;
pub mod time_log;
pub mod vendor_link;
// On-site visits (issue 16).
pub mod visit_request;
