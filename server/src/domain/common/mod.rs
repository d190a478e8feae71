//! What every area stands on: the workspace calendar, business time,
//! pagination, the audit log, the portal user's account, snapshot caches,
//! and small conversions of stored values.

pub mod audit;
pub mod business_time;
pub mod calendar;
pub mod leases;
pub mod pagination;
pub mod portal;
pub mod portfolio;
pub mod service_levels;
pub mod snapshot_cache;

use shared::ErpModule;

use crate::error::{AppError, AppResult};

/// Modules are stored as a sorted, comma-separated list of their wire names.
pub fn modules_to_db(modules: &[ErpModule]) -> String {
    let mut sorted: Vec<ErpModule> = modules.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn modules_from_db(stored: &str) -> Vec<ErpModule> {
    stored
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Trims a text field and turns blank into `None`.
pub fn clean_optional(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_round_trip_sorted_and_deduplicated() {
        let stored = modules_to_db(&[ErpModule::Finance, ErpModule::Sales, ErpModule::Finance]);
        assert_eq!(stored, "sales,finance");
        assert_eq!(
            modules_from_db(&stored),
            vec![ErpModule::Sales, ErpModule::Finance]
        );
        assert!(modules_from_db("").is_empty());
    }
}

/// Whether an `If-Match` header names the current version: absent and `*`
/// always match; weak and listed tags are accepted.
pub fn if_match_ok(if_match: Option<&str>, current_etag: &str) -> bool {
    match if_match.map(str::trim) {
        None | Some("*") => true,
        Some(value) => value
            .split(',')
            .map(|v| v.trim().trim_start_matches("W/"))
            .any(|v| v == current_etag),
    }
}

/// Refuses a change made against a stale version (412), so every update
/// checks `If-Match` the same way.
pub fn require_current(if_match: Option<&str>, current_etag: &str) -> AppResult<()> {
    if if_match_ok(if_match, current_etag) {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed)
    }
}

#[cfg(test)]
mod if_match_tests {
    use super::*;

    #[test]
    fn if_match_accepts_absent_star_and_exact_or_weak() {
        let tag = "\"a1v3\"";
        assert!(if_match_ok(None, tag));
        assert!(if_match_ok(Some("*"), tag));
        assert!(if_match_ok(Some("\"a1v3\""), tag));
        assert!(if_match_ok(Some("W/\"a1v3\""), tag));
        assert!(if_match_ok(Some("\"a1v2\", \"a1v3\""), tag));
        assert!(!if_match_ok(Some("\"a1v2\""), tag));
        assert!(!if_match_ok(Some("garbage"), tag));
    }
}

/// A date a contract or a plan can carry: years 1970–2999. A year such as
/// 0479 is a typo, and dates computed from it (task due dates) would fall
/// before year 1 and out of what clients can read.
pub(crate) fn plausible_date(date: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1970..=2999).contains(&date.year())
}

pub(crate) const IMPLAUSIBLE_DATE: &str = "must be a date between 1970 and 2999";
