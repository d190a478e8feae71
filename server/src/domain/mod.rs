//! Business rules and queries, one folder per area. Every function takes the
//! acting user (`StaffActor` or `PortalActor`), checks what that actor may do
//! in one place per area, and scopes every query to the actor's workspace: an
//! id of another workspace is indistinguishable from one that does not exist.
//!
//! Areas, lowest first (an area imports only areas below it; the layout
//! test in `crate::layout_tests` fails on a cycle):
//! - `common`: calendar, business time, pagination, audit, the portal user's account
//! - `integrations`: webhooks, chat bots and their outbox; every area that
//!   emits an event sits above it
//! - `accounts`: accounts, contacts, users, sign-in, settings, timeline, licences
//! - `installed_base`: installations, upgrades, advisories (above
//!   `accounts`, below `tickets`, which snapshot an installation's version)
//! - `approvals`: recording a request (the subjects call it); `approvals::decide`
//!   sits above the subjects and dispatches each decision to its subject
//! - `tickets`: create, workflow, comments, queue, blockers, attachments, SLA,
//!   agreements, notifications
//! - `kb`, `training`, `onboarding`, `surveys`, `health`
//! - `renewals`: contracts, renewals, reminders, renewal sums
//! - `reporting`: reports and the dashboard
//! - `mail_in`: mail channels; received mail becomes tickets and comments
//! - `macros`: canned replies whose actions run the tickets' workflow
//! - `tasks`: what staff are to do next for an account, "my work" and the
//!   daily digest
//! - `playbooks`: triggers that make tasks, their runs and their effect
//! - `success_plans`: plans shared with the customer (objectives, milestones,
//!   comments); writes the timeline, read by health through its tables
//! - `centres`: authorised service centres (links, assigned accounts,
//!   escalation to the vendor, roll-ups) and certifications; above tickets
//!   and accounts (the two-way sync of linked tickets is `tickets::bridge`)
//! - `time_log`: time logged on tickets and visits, person-day packages,
//!   their consumption and notices, time reports, the portal's balance
//! - `visits`: on-site visits (上门服务), above tickets, training and
//!   onboarding: dispatch against the engineer's calendar, the signed report
//!   as PDF on the ticket and in the customer admin's mail

pub mod accounts;
pub mod approvals;
pub mod centres;
pub mod common;
pub mod health;
pub mod imports;
pub mod installed_base;
pub mod integrations;
pub mod kb;
pub mod macros;
pub mod mail_in;
pub mod onboarding;
pub mod playbooks;
pub mod renewals;
pub mod reporting;
pub mod success_plans;
pub mod surveys;
pub mod tasks;
pub mod tickets;
pub mod time_log;
pub mod training;
pub mod visits;
