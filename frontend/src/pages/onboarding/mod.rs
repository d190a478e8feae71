//! The `onboarding_pages` chunk: the onboarding portfolio and training
//! sessions.

pub mod portfolio;
pub mod templates;
pub mod training;
pub mod trainings;
