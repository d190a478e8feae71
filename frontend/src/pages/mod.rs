//! One module per page (route).

pub mod accept_invite;
pub mod account_detail;
pub mod account_edit;
pub mod account_fields;
pub mod account_new;
pub mod account_overview;
pub mod accounts;
pub mod auth_common;
pub mod contacts;
pub mod home;
pub mod login;
pub mod not_found;
pub mod portal;
pub mod settings;
pub mod signup;
pub mod users;
// staff tickets
pub mod approvals;
pub mod ticket_common;
pub mod ticket_conversation;
pub mod ticket_detail;
pub mod ticket_new;
pub mod tickets;
// portal & kb
pub mod kb;
pub mod kb_editor;
pub mod portal_common;
pub mod portal_kb;
pub mod portal_ticket;
pub mod portal_ticket_new;
pub mod portal_tickets;
pub mod sla_settings;
// onboarding & training
pub mod licenses;
pub mod onboarding;
pub mod onboarding_portfolio;
pub mod password;
pub mod portal_onboarding;
pub mod timeline;
pub mod training;
pub mod trainings;
// contracts & renewals
pub mod contracts;
pub mod health;
pub mod reminder_settings;
pub mod renewals;
// dashboard & reports
pub mod dashboard;
pub mod reports;
// health settings, api keys & surveys
pub mod api_keys;
pub mod health_settings;
pub mod survey_answer;
pub mod surveys;
