//! Integration tests: each test starts the real application on a random port
//! with a fresh database (SQLite by default; PostgreSQL when
//! `STEWARD_TEST_BACKEND=postgres`) and talks to it over HTTP.

#![allow(clippy::unwrap_used)] // tests may panic: that is how they fail

mod accounts;
mod addresses;
mod approvals;
mod attachments;
mod auth;
mod centres;
mod chat_bots;
mod concurrency;
mod contacts;
mod contracts;
mod dashboard;
mod drills;
mod groups;
mod health;
mod helpers;
mod imports;
mod installed_base;
mod kb;
mod kb_relevance;
mod lifecycle;
mod macros;
mod mail_in;
mod matrix;
mod notifications;
mod onboarding;
mod ops;
mod playbooks;
mod queue;
mod receiver;
mod reminder_crashes;
mod reminders;
mod renewal_totals;
mod replica_jobs;
mod reports;
mod retention;
mod robustness;
mod roles;
mod seed;
mod service_levels;
mod service_report;
mod service_rollup;
mod sessions;
mod sla_monitor;
mod storage;
mod success_plans;
mod surveys;
mod tasks;
mod tenancy;
mod texts;
mod ticket_links;
mod tickets;
mod time_log;
mod timeline;
mod timeline_kinds;
mod training;
mod users;
mod ux;
mod visits;
mod webhooks;
mod workflow;
