//! Entities of the ways out: webhooks, chat bots, events and deliveries.

pub mod chat_bots;
pub mod deliveries;
pub mod events;
pub mod webhooks;
