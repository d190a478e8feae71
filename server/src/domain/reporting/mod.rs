//! Reports (KPIs, renewals, CSV) and the dashboard.

pub mod dashboard;
pub mod reports;
