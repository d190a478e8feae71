//! The only module that speaks HTTP: one module per server resource (as
//! `server/src/api` has them, under `/api/v1`), each with one function per
//! endpoint the SPA uses — the path, the method, and the types of `shared`
//! in and out. Pages name them by resource (`api::tickets::list`).
//!
//! The plumbing they share (the token, renewal on 401, [`ApiErr`]) is in
//! `client`.

mod client;

pub mod accounts;
pub mod agreements;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod centres;
pub mod contacts;
pub mod contracts;
pub mod health;
pub mod imports;
pub mod installed_base;
pub mod integrations;
pub mod kb;
pub mod licenses;
pub mod macros;
pub mod mail_in;
pub mod onboarding;
pub mod onboarding_portfolio;
pub mod portal;
pub mod renewals;
pub mod reports;
pub mod service_levels;
pub mod settings;
pub mod sla;
pub mod success_plans;
pub mod surveys;
pub mod tasks;
pub mod ticket_links;
pub mod tickets;
pub mod time_log;
pub mod timeline;
pub mod training;
pub mod users;
// On-site visits (issue 16).
pub mod visits;

#[cfg(test)]
pub use client::parse_error;
pub use client::{renew, set_listener, ApiErr, AuthEvent, Tagged, MAX_PAGE};
