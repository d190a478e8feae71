//! Steward's server: the HTTP API, the SPA host, the mail outbox and the
//! command-line tools, around one domain layer.

pub mod api;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod entity;
pub mod error;
pub mod jobs;
#[cfg(test)]
mod layout_tests;
pub mod mail;
pub mod metrics;
pub mod readiness;
pub mod secret_box;
pub mod seed;
pub mod spa;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
