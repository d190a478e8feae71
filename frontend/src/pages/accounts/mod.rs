//! The `account_pages` chunk: the account directory, an account and its
//! tabs (overview, contacts, success plans, contracts, licences,
//! onboarding, health, timeline), users and the workspace settings.

pub mod agreements;
pub mod audit;
pub mod certifications;
pub mod contacts;
pub mod contracts;
pub mod detail;
pub mod edit;
pub mod fields;
pub mod group;
pub mod health;
pub mod import;
pub mod installation_form;
pub mod installations;
pub mod licenses;
pub mod list;
pub mod mail_channels;
pub mod new;
pub mod onboarding;
pub mod overview;
pub mod packages;
pub mod settings;
pub mod success_plan_items;
pub mod success_plans;
pub mod timeline;
pub mod training_coverage;
pub mod users;
pub mod visits;
