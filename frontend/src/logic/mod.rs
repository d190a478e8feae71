//! Logic of the SPA that does not need a browser: query strings, paging,
//! landing pages, form values and validation. Tested on the host with
//! `cargo test -p frontend`.

pub mod account_form;
pub mod account_summary;
pub mod agreements;
pub mod forms;
pub mod nav;
pub mod paging;
pub mod playbook_form;
pub mod query;
pub mod task_list;
// staff tickets
pub mod tickets;
pub mod time_log;
// portal & kb
pub mod kb;
pub mod portal;
pub mod sla_form;
// onboarding & training
pub mod onboarding;
pub mod training;
// contracts & renewals
pub mod health;
pub mod money;
pub mod renewals;
// dashboard & reports
pub mod charts;
// health settings, api keys & surveys
pub mod health_model;
// the gaps of issue 16: contract list, audit log, template editor, coverage
pub mod gaps;
// installed base & advisories
pub mod installed_base;
