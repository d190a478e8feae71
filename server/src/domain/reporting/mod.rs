//! Reports and the dashboard: the renewal report and staff KPIs over a
//! period (JSON and CSV), and the dashboard's figures.
//!
//! Who sees what: admins and managers the whole workspace; a CSM the
//! renewals of the accounts they own and their own KPI row; an engineer
//! their own KPI row (the renewal report is refused: it is about money).
//! Portal users never reach a report (`StaffActor`).
//!
//! Everything is exact: sums of integer cents printed as decimal strings,
//! rates as percentages with two decimals computed from integers
//! (`shared::reports::percent`).

pub mod csv;
pub mod dashboard;
pub mod group_rollup;
pub mod kpi;
pub mod period;
pub mod renewal_report;
pub mod service;
mod service_rollup_read;

/// How long a report snapshot (KPIs, a big renewal report) is served.
pub const SNAPSHOT_TTL: std::time::Duration = std::time::Duration::from_secs(30);
