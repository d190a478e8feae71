//! The `portal_pages` chunk: the customer portal (home, tickets, knowledge
//! base, onboarding, success plans) and its layout.

pub mod common;
pub mod home;
pub mod kb;
pub mod onboarding;
pub mod success_plans;
pub mod ticket;
pub mod ticket_new;
pub mod tickets;
pub mod time;
// On-site visits (issue 16).
pub mod visits;
