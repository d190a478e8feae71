//! The `portal_pages` chunk: the customer portal (home, tickets, knowledge
//! base, onboarding) and its layout.

pub mod common;
pub mod home;
pub mod kb;
pub mod onboarding;
pub mod ticket;
pub mod ticket_new;
pub mod tickets;
