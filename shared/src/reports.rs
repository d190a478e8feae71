//! Reports (`/reports/renewals`, `/reports/kpi`) and the dashboard.
//!
//! Exactness: money is a decimal string with two decimals (sums of integer
//! cents, never a float). Rates and shares are **percentages as decimal
//! strings with exactly two decimals** (`"66.67"` means 66.67 %), computed
//! from integers and rounded half away from zero; a rate whose denominator
//! is zero is `null`. The CSV exports carry the same strings.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{ErpModule, LifecycleStage, Role};

/// `numerator / denominator` as a percentage with two decimals, rounded
/// half away from zero; `None` when the denominator is zero.
pub fn percent(numerator: i128, denominator: i128) -> Option<String> {
    if denominator == 0 {
        return None;
    }
    // Hundredths of a percent: n * 10 000 / d, rounded half away from zero.
    let negative = (numerator < 0) != (denominator < 0);
    let n = numerator.unsigned_abs() * 10_000;
    let d = denominator.unsigned_abs();
    let mut q = n / d;
    if (n % d) * 2 >= d {
        q += 1;
    }
    let sign = if negative && q != 0 { "-" } else { "" };
    Some(format!("{sign}{}.{:02}", q / 100, q % 100))
}

/// `sum / count` with one decimal, rounded half away from zero; `None`
/// when `count` is zero.
pub fn mean_one_decimal(sum: i128, count: i128) -> Option<String> {
    if count == 0 {
        return None;
    }
    let negative = (sum < 0) != (count < 0);
    let n = sum.unsigned_abs() * 10;
    let d = count.unsigned_abs();
    let mut q = n / d;
    if (n % d) * 2 >= d {
        q += 1;
    }
    let sign = if negative && q != 0 { "-" } else { "" };
    Some(format!("{sign}{}.{}", q / 10, q % 10))
}

/// Cents (possibly beyond `i64` when summed) as a decimal string.
pub fn format_wide_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Whose data a report or dashboard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    /// Every account of the workspace (admins, managers).
    Workspace,
    /// The caller's own accounts (a CSM's portfolio) or own row (KPI).
    Own,
}

/// `GET /reports/renewals?from=&to=&currency=`: renewals whose contract
/// ends (`due_on`) within `[from, to]`, in one currency.
///
/// - renewal rate by count = renewed / (renewed + churned);
/// - renewal rate by value = expiring value of the renewed / expiring value
///   of the renewed and churned;
/// - starting ARR = expiring annual value of the closed (renewed + churned)
///   renewals; open renewals are reported apart and not counted;
/// - churned ARR = expiring value of the churned;
/// - downgrade = for each renewed: max(0, old value − next contract value);
/// - expansion (upsell) = for each renewed: max(0, next value − old value);
/// - GRR = (starting − churned − downgrade) / starting;
/// - NRR = (starting − churned − downgrade + expansion) / starting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewalReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: String,
    pub scope: ReportScope,
    /// Renewals due in the period, any stage.
    pub due_count: u64,
    pub due_value: String,
    pub renewed_count: u64,
    pub renewed_value: String,
    pub churned_count: u64,
    pub churned_value: String,
    /// Still `upcoming`, `in_negotiation` or `committed`.
    pub open_count: u64,
    pub open_value: String,
    pub renewal_rate_by_count: Option<String>,
    pub renewal_rate_by_value: Option<String>,
    pub starting_arr: String,
    pub churned_arr: String,
    pub downgrade_arr: String,
    pub expansion_arr: String,
    pub gross_revenue_retention: Option<String>,
    pub net_revenue_retention: Option<String>,
    /// Every month of the period, in order (months without renewals too).
    pub by_month: Vec<RenewalMonth>,
    /// Churned renewals by reason, most frequent first.
    pub churn_reasons: Vec<ChurnReasonCount>,
    /// When the figures were computed: a big portfolio's are served from a
    /// snapshot up to 30 seconds old.
    #[serde(default)]
    pub computed_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewalMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub count: u64,
    /// The expiring contracts' annual value.
    pub annual_value: String,
    /// Sum of the renewals' forecast amounts.
    pub forecast_amount: String,
    pub upsell_amount: String,
    pub renewed_count: u64,
    pub churned_count: u64,
    pub open_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChurnReasonCount {
    pub reason: String,
    pub count: u64,
    pub annual_value: String,
}

/// `GET /reports/kpi?from=&to=`: one row per active CSM and engineer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub scope: ReportScope,
    pub rows: Vec<KpiRow>,
    /// When the figures were computed: a big workspace's are served from a
    /// snapshot up to 30 seconds old.
    #[serde(default)]
    pub computed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A staff member's figures over the period.
///
/// - `accounts_owned`: accounts (not archived) they own now, and their
///   `average_health` (latest snapshots up to `to`);
/// - renewals: of their accounts, due in the period and closed;
///   `renewal_rate` = renewed / closed;
/// - tickets: assigned to them and resolved in the period;
///   `sla_compliance` = resolved without a resolution breach (none recorded
///   by the SLA monitor and resolved by the due time) / resolved within
///   agreement (tickets outside agreement have no SLA: counted apart in
///   `resolved_outside_agreement`, never as within it);
/// - `median_first_response_minutes`: over their tickets first answered in
///   the period, whole minutes from creation to first response (wall
///   clock), the median with one decimal (`"12.5"` for an even count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiRow {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub accounts_owned: u64,
    /// Mean health score of the accounts owned, from the latest snapshots
    /// on or before `to`, with one decimal (`"72.5"`); `null` without any.
    pub average_health: Option<String>,
    pub renewals_closed: u64,
    pub renewals_renewed: u64,
    pub renewal_rate: Option<String>,
    pub tickets_resolved: u64,
    pub resolved_within_sla: u64,
    /// Of `tickets_resolved`, those logged outside agreement: no SLA, so
    /// neither within it nor counted in `sla_compliance`'s denominator.
    #[serde(default)]
    pub resolved_outside_agreement: u64,
    pub sla_compliance: Option<String>,
    pub first_responses: u64,
    pub median_first_response_minutes: Option<String>,
}

/// `GET /dashboard`: the caller's portfolio at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub scope: ReportScope,
    /// Today in the workspace's time zone.
    pub today: NaiveDate,
    /// When the figures were computed: a big portfolio's dashboard is
    /// cached for up to 30 seconds.
    pub computed_at: chrono::DateTime<chrono::Utc>,
    pub accounts_total: u64,
    /// Every lifecycle stage, zero counts included.
    pub accounts_by_stage: Vec<StageCount>,
    /// Open renewals due within 30, 60 and 90 days (cumulative; overdue
    /// open ones included), with the expiring value and the forecast per
    /// currency.
    pub renewals_due: Vec<RenewalWindow>,
    pub open_tickets: u64,
    /// Open tickets with a first-response or resolution breach.
    pub breached_tickets: u64,
    pub open_tickets_by_module: Vec<ModuleTickets>,
    pub onboarding: OnboardingCounts,
    /// NPS over the responses of the last `nps.days` days.
    pub nps: RecentNps,
    /// The day of the latest health snapshots the next two figures use;
    /// `null` before the first `health-scores` run.
    pub health_day: Option<NaiveDate>,
    /// Accounts by health band (every band, zero counts included).
    pub accounts_by_band: Vec<BandCount>,
    /// Annual value of the current contracts (running today) of accounts
    /// in the `red` band, per currency.
    pub at_risk_arr: Vec<CurrencyAmount>,
    /// The portfolio's lowest-scoring accounts below green on `health_day`
    /// (at most ten, lowest first), each with its daily scores of the last
    /// 30 days for a trend line. Empty when every account is green.
    #[serde(default)]
    pub at_risk_accounts: Vec<AtRiskAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRiskAccount {
    pub account_id: i64,
    pub account_name: String,
    pub score: i32,
    pub band: crate::health::HealthBand,
    /// The component that pulls the score down most, when known.
    pub weakest: Option<crate::health::HealthComponent>,
    /// Oldest first.
    pub trend: Vec<crate::health::TrendPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandCount {
    pub band: crate::health::HealthBand,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrencyAmount {
    pub currency: String,
    pub amount: String,
    /// Accounts counted.
    pub accounts: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageCount {
    pub stage: LifecycleStage,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewalWindow {
    pub within_days: i64,
    pub count: u64,
    pub totals: Vec<MoneyTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyTotal {
    pub currency: String,
    pub annual_value: String,
    pub forecast_amount: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModuleTickets {
    pub module: ErpModule,
    pub open: u64,
    pub breached: u64,
}

/// Accounts in the `onboarding` stage and their plans' status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingCounts {
    pub accounts: u64,
    pub with_plan: u64,
    pub behind: u64,
    pub stuck: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecentNps {
    pub days: i64,
    #[serde(flatten)]
    pub summary: crate::surveys::NpsSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_exact_and_round_half_away_from_zero() {
        assert_eq!(percent(2, 3).as_deref(), Some("66.67"));
        assert_eq!(percent(1, 3).as_deref(), Some("33.33"));
        assert_eq!(percent(1, 8).as_deref(), Some("12.50"));
        assert_eq!(percent(1, 80_000).as_deref(), Some("0.00"));
        assert_eq!(percent(1, 20_000).as_deref(), Some("0.01"));
        assert_eq!(percent(-1, 3).as_deref(), Some("-33.33"));
        assert_eq!(percent(-2, 3).as_deref(), Some("-66.67"));
        assert_eq!(percent(3, 3).as_deref(), Some("100.00"));
        assert_eq!(percent(0, 3).as_deref(), Some("0.00"));
        assert_eq!(percent(5, 0), None);
    }

    #[test]
    fn means_have_one_decimal() {
        assert_eq!(mean_one_decimal(145, 2).as_deref(), Some("72.5"));
        assert_eq!(mean_one_decimal(200, 3).as_deref(), Some("66.7"));
        assert_eq!(mean_one_decimal(70, 1).as_deref(), Some("70.0"));
        assert_eq!(mean_one_decimal(1, 0), None);
    }

    #[test]
    fn wide_cents_print_exactly() {
        assert_eq!(format_wide_cents(30), "0.30");
        assert_eq!(format_wide_cents(-5), "-0.05");
        assert_eq!(
            format_wide_cents(i128::from(i64::MAX) * 10),
            "922337203685477580.70"
        );
    }
}
