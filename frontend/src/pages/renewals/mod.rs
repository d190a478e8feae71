//! The `renewal_pages` chunk: the renewal pipeline and reminder settings,
//! the dashboard and reports, the health model, API keys and surveys.

pub mod api_keys;
pub mod contracts_list;
pub mod dashboard;
pub mod health_settings;
pub mod integrations;
pub mod list;
pub mod reminder_settings;
pub mod reports;
pub mod surveys;
pub mod time_report;
