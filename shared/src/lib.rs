//! Types of the Steward HTTP API (`/api/v1`) and the validation rules that
//! both the server and the SPA apply, so a bad value is refused with the same
//! message in a form and in the API.

pub mod account_groups;
pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod centres;
pub mod code_rule;
pub mod contracts;
pub mod enums;
pub mod error;
pub mod filters;
pub mod health;
pub mod imports;
pub mod installed_base;
pub mod integrations;
pub mod kb;
pub mod macros;
pub mod mail_in;
pub mod onboarding;
pub mod page;
pub mod playbooks;
pub mod reports;
pub mod service_levels;
pub mod service_report;
pub mod settings;
pub mod success_plans;
pub mod surveys;
pub mod tasks;
pub mod texts;
pub mod ticket_links;
pub mod tickets;
pub mod time_log;
pub mod timeline;
pub mod training;
pub mod users;
pub mod validation;
// On-site visits (issue 16).
pub mod visits;

pub use enums::{ErpModule, LifecycleStage, Locale, Role};
pub use error::{ApiError, ErrorBody, ErrorCode, FieldErrors, FieldKeys};
pub use page::Page;
pub use texts::Msg;

/// Customer codes must match this pattern unless the workspace sets its own
/// (the seed's 客户编码原则: codes are digits only).
pub const DEFAULT_CUSTOMER_CODE_PATTERN: &str = "^[0-9]+$";
