//! `GET /reports/service`: the service report (issue 16) — SLA attainment,
//! business-hour response and resolution times, backlog and CSAT over a
//! period, by month, module, service level and engineer.
//!
//! Which tickets: those **opened** in the period (`[from, to]` in the
//! workspace's time zone), so each figure's tickets are one filtered queue
//! (`opened_from` / `opened_before` and the figure's own filter). Only the
//! backlog's `resolved` counts tickets by their resolution time.
//!
//! - Attainment of a target (first response, resolution): `met` tickets
//!   answered / resolved by their due time (moved by the pauses) and never
//!   marked missed; `breached` those that missed it, answered or not;
//!   `pending` those still running within it. `rate` = met / (met +
//!   breached), a percentage with two decimals; `null` without any.
//!   Tickets **outside agreement** (no SLA) are in none of these: they are
//!   counted in `outside_agreement` only, and left out of the times too.
//! - Times (`median_minutes`, `p90_minutes`): business minutes on the
//!   workspace calendar from opening to the first public staff reply / to
//!   resolution; nearest-rank percentiles (the smallest value with at
//!   least half / nine tenths of the tickets at or below it).
//! - CSAT: 1–5 ratings of the tickets, `average` with one decimal.
//! - There is no per-centre breakdown yet: tickets do not record a service
//!   centre.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::reports::ReportScope;
use crate::ErpModule;

/// Outcome of one SLA target, as the queue filters by it
/// (`first_response=` / `resolution=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    Met,
    Breached,
}

impl std::str::FromStr for SlaOutcome {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "met" => Ok(SlaOutcome::Met),
            "breached" => Ok(SlaOutcome::Breached),
            _ => Err(()),
        }
    }
}

impl SlaOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaOutcome::Met => "met",
            SlaOutcome::Breached => "breached",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attainment {
    pub met: u64,
    pub breached: u64,
    pub pending: u64,
    /// met / (met + breached), percent with two decimals.
    pub rate: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Times {
    /// Tickets measured.
    pub count: u64,
    /// Business minutes.
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Csat {
    pub responses: u64,
    /// Mean rating with one decimal (`"4.3"`).
    pub average: Option<String>,
}

/// The figures of a set of tickets (the whole period, a month, a module, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceFigures {
    /// Tickets opened.
    pub tickets: u64,
    /// Of those, logged outside agreement (no SLA; in no attainment).
    pub outside_agreement: u64,
    pub first_response: Attainment,
    pub resolution: Attainment,
    pub csat: Csat,
}

/// One month of the period (the first and last may be partial).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceMonth {
    /// `2027-01`.
    pub month: String,
    /// The month's part of the period, as instants: `[start, end)`.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub figures: ServiceFigures,
    pub first_response_time: Times,
    pub resolution_time: Times,
    /// Backlog: tickets opened in the month (= `figures.tickets`), resolved
    /// in it (by resolution time, whenever opened), and open at its end.
    pub opened: u64,
    pub resolved: u64,
    pub open_at_end: u64,
}

/// A breakdown row: `key` is the module, the level name, or the engineer's
/// user id (`null` for unassigned tickets) with `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceGroup {
    pub key: Option<String>,
    pub name: Option<String>,
    pub figures: ServiceFigures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `own`: an engineer sees the tickets assigned to them.
    pub scope: ReportScope,
    /// The whole period, `[start, end)`.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub totals: ServiceFigures,
    pub first_response_time: Times,
    pub resolution_time: Times,
    pub months: Vec<ServiceMonth>,
    pub by_module: Vec<ServiceGroup>,
    pub by_level: Vec<ServiceGroup>,
    pub by_engineer: Vec<ServiceGroup>,
    /// The tickets each authorised service centre escalated to this
    /// workspace (a vendor's view; `key` is the centre link's id, `name`
    /// the centre's name); empty for a workspace without centres.
    #[serde(default)]
    pub by_centre: Vec<ServiceGroup>,
    pub computed_at: DateTime<Utc>,
}

/// `GET /reports/service?from=&to=&module=&level=&assignee_id=&format=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ServiceReportParams {
    /// First day of the period (default: 1 January of the current year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: 31 December of the current year); at
    /// most 24 months after `from`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<ErpModule>,
    /// A service level's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    /// `json` (default) or `csv`: one line per ticket with its SLA times.
    #[cfg_attr(feature = "openapi", param(pattern = "^(json|csv)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}
impl crate::filters::ToQuery for ServiceReportParams {}

/// Nearest-rank percentile `pct` (1–100) of `(value, count)` pairs sorted
/// by value: the smallest value with at least `pct`% of the count at or
/// below it.
pub fn percentile_of_counts(sorted: &[(i64, u64)], pct: u64) -> Option<i64> {
    let total: u64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // ceil(pct * total / 100), at least 1.
    let rank = (pct * total).div_ceil(100).max(1);
    let mut seen = 0;
    for (value, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(*value);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [(10, 1), (20, 1), (30, 1), (40, 1)];
        assert_eq!(percentile_of_counts(&v, 50), Some(20));
        assert_eq!(percentile_of_counts(&v, 90), Some(40));
        let v = [(5, 9), (100, 1)];
        assert_eq!(percentile_of_counts(&v, 90), Some(5));
        assert_eq!(percentile_of_counts(&[], 50), None);
        assert_eq!(percentile_of_counts(&[(7, 1)], 90), Some(7));
    }
}
