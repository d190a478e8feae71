//! The `onboarding_pages` chunk: the onboarding portfolio, training
//! sessions and on-site visits (the service calendar).

pub mod portfolio;
pub mod templates;
pub mod training;
pub mod trainings;
// On-site visits (issue 16).
pub mod visit;
