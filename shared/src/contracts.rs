//! Contracts, renewals and renewal-reminder settings.
//!
//! Money is exact: amounts travel as decimal strings with at most two
//! decimals (`"128000.00"`) and are kept as integer cents; no float is ever
//! involved, so `"0.10"` + `"0.20"` is `"0.30"`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;

/// The currency of a contract unless another is given.
pub const DEFAULT_CURRENCY: &str = "CNY";
/// The largest amount accepted: 999 999 999 999.99.
pub const MAX_CENTS: i64 = 99_999_999_999_999;
/// Reminder offsets (days before a contract's end) of a new workspace.
pub const DEFAULT_OFFSETS_DAYS: &[i32] = &[90, 60, 30, 7];
/// Contracts ending within this many days have a renewal.
pub const DEFAULT_HORIZON_DAYS: i32 = 180;
/// A renewal still `upcoming` this many days before the end is escalated.
pub const DEFAULT_ESCALATION_DAYS: i32 = 30;
/// The notice period of a new contract unless another is given.
pub const DEFAULT_NOTICE_DAYS: i32 = 30;
/// The churn reasons of a new workspace.
pub const DEFAULT_CHURN_REASONS: &[&str] = &[
    "price",
    "budget",
    "competitor",
    "product_fit",
    "poor_adoption",
    "business_closed",
    "other",
];

/// Parses a non-negative decimal amount with at most two decimals
/// (`"128000"`, `"0.1"`, `"128000.00"`) into cents. Signs, exponents,
/// spaces, separators and more than two decimals are refused.
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let bad = || {
        "must be a non-negative decimal with at most two decimals, as a string (e.g. \"128000.00\")"
            .to_string()
    };
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac = match frac {
        None => "",
        Some(f) if !f.is_empty() && f.len() <= 2 && f.bytes().all(|b| b.is_ascii_digit()) => f,
        Some(_) => return Err(bad()),
    };
    let too_big = || format!("must be at most {}", format_cents(MAX_CENTS));
    let whole = whole.trim_start_matches('0');
    if whole.len() > 13 {
        return Err(too_big());
    }
    let mut cents: i64 = 0;
    for b in whole.bytes() {
        cents = cents * 10 + i64::from(b - b'0');
    }
    let mut frac_cents: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        frac_cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let total = cents
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac_cents))
        .ok_or_else(too_big)?;
    if total > MAX_CENTS {
        return Err(too_big());
    }
    Ok(total)
}

/// Cents as the decimal string the API speaks: always two decimals.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Three upper-case letters (ISO 4217 style: `CNY`, `USD`, `HKD`).
pub fn valid_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub id: i64,
    pub account_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Exact decimal string, e.g. `"128000.00"`.
    pub annual_value: String,
    pub currency: String,
    pub auto_renew: bool,
    pub notice_days: i32,
    /// The contract this one renews.
    pub previous_contract_id: Option<i64>,
    /// The vendor's contract number (合同编号), set by imports.
    #[serde(default)]
    pub number: Option<String>,
    /// A value change waiting for a manager's approval.
    pub pending_approval: Option<PendingValueChange>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A requested change of a contract's annual value: it takes effect only
/// when a manager or admin other than its maker approves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingValueChange {
    pub approval_id: i64,
    /// The value asked for.
    pub annual_value: String,
    pub maker_id: i64,
    pub requested_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateContractRequest {
    pub account_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// A decimal string (`"128000.00"`); a JSON number is refused.
    pub annual_value: String,
    /// Default `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub auto_renew: bool,
    /// Notice period in days (default 30).
    #[serde(default)]
    pub notice_days: Option<i32>,
    /// The vendor's contract number (合同编号), unique in the workspace.
    #[serde(default)]
    pub number: Option<String>,
}

/// A partial update. A new `annual_value` does not change the contract: it
/// becomes an approval request (the answer is 202 with `pending_approval`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateContractRequest {
    #[serde(default)]
    pub starts_on: Option<NaiveDate>,
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub annual_value: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub auto_renew: Option<bool>,
    #[serde(default)]
    pub notice_days: Option<i32>,
}

string_enum!(
    /// Where a contract is against the workspace's today: `upcoming` starts
    /// later, `running` covers today, `ended` ended before today.
    ContractStatus {
        Upcoming => "upcoming",
        Running => "running",
        Ended => "ended",
    }
);

impl ContractStatus {
    /// The status of a contract from `starts_on` to `ends_on` on `today`.
    pub fn on(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> Self {
        if starts_on > today {
            ContractStatus::Upcoming
        } else if ends_on < today {
            ContractStatus::Ended
        } else {
            ContractStatus::Running
        }
    }
}

string_enum!(
    /// Where a renewal is; `renewed` and `churned` are final.
    RenewalStage {
        Upcoming => "upcoming",
        InNegotiation => "in_negotiation",
        Committed => "committed",
        Renewed => "renewed",
        Churned => "churned",
    }
);

impl RenewalStage {
    pub fn is_open(self) -> bool {
        !matches!(self, RenewalStage::Renewed | RenewalStage::Churned)
    }

    pub const OPEN: &'static [RenewalStage] = &[
        RenewalStage::Upcoming,
        RenewalStage::InNegotiation,
        RenewalStage::Committed,
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Renewal {
    pub id: i64,
    pub contract_id: i64,
    pub account_id: i64,
    pub account_name: String,
    /// The account's owner CSM.
    pub owner_id: Option<i64>,
    /// The contract's end.
    pub due_on: NaiveDate,
    pub stage: RenewalStage,
    /// The contract's current annual value.
    pub annual_value: String,
    pub currency: String,
    /// Expected annual value of the renewed contract (before upsell).
    pub forecast_amount: String,
    /// 0–100.
    pub probability: i32,
    pub upsell_amount: String,
    pub churn_reason: Option<String>,
    /// The contract the renewal created.
    pub next_contract_id: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Moves a renewal along the pipeline or changes its forecast. `renewed` is
/// reached through `POST /renewals/{id}/renew`; `churned` needs a
/// `churn_reason` from the workspace's list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRenewalRequest {
    #[serde(default)]
    pub stage: Option<RenewalStage>,
    #[serde(default)]
    pub forecast_amount: Option<String>,
    #[serde(default)]
    pub probability: Option<i32>,
    #[serde(default)]
    pub upsell_amount: Option<String>,
    #[serde(default)]
    pub churn_reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewRequest {
    /// The next contract's annual value; default forecast + upsell.
    #[serde(default)]
    pub annual_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewOutcome {
    pub renewal: Renewal,
    /// The next contract: same length, starting the day after the old end.
    pub contract: Contract,
}

/// Sums over the renewals a filter selects, per currency (amounts of
/// different currencies are never added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewalTotals {
    pub totals: Vec<CurrencyTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrencyTotal {
    pub currency: String,
    pub count: u64,
    pub annual_value: String,
    pub forecast_amount: String,
    pub upsell_amount: String,
    pub by_stage: Vec<StageTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageTotal {
    pub stage: RenewalStage,
    pub count: u64,
    pub forecast_amount: String,
}

/// `/settings/reminders`: when renewal reminders go out and to whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderSettings {
    /// Days before a contract's end, largest first (default 90, 60, 30, 7).
    pub offsets_days: Vec<i32>,
    /// Also e-mail the account's customer_admin portal users (default false).
    pub notify_customer: bool,
    /// Contracts ending within this many days have a renewal (default 180).
    pub renewal_horizon_days: i32,
    /// A renewal still `upcoming` this many days before the end is escalated
    /// to the managers (default 30).
    pub escalation_days: i32,
    /// The reasons a churn may give.
    pub churn_reasons: Vec<String>,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            offsets_days: DEFAULT_OFFSETS_DAYS.to_vec(),
            notify_customer: false,
            renewal_horizon_days: DEFAULT_HORIZON_DAYS,
            escalation_days: DEFAULT_ESCALATION_DAYS,
            churn_reasons: DEFAULT_CHURN_REASONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// Changes the fields given (admin).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateReminderSettings {
    #[serde(default)]
    pub offsets_days: Option<Vec<i32>>,
    #[serde(default)]
    pub notify_customer: Option<bool>,
    #[serde(default)]
    pub renewal_horizon_days: Option<i32>,
    #[serde(default)]
    pub escalation_days: Option<i32>,
    #[serde(default)]
    pub churn_reasons: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_and_strictly() {
        assert_eq!(parse_amount("128000.00"), Ok(12_800_000));
        assert_eq!(parse_amount("128000"), Ok(12_800_000));
        assert_eq!(parse_amount("0.1"), Ok(10));
        assert_eq!(parse_amount("0.10"), Ok(10));
        assert_eq!(parse_amount("0.01"), Ok(1));
        assert_eq!(parse_amount("007.5"), Ok(750));
        assert_eq!(parse_amount("999999999999.99"), Ok(MAX_CENTS));
        for bad in [
            "",
            "-1",
            "+1",
            "1e3",
            "1E3",
            "1.234",
            "1.",
            ".5",
            " 1",
            "1 ",
            "1,000",
            "NaN",
            "inf",
            "0x10",
            "１",
            "1.2.3",
            "1000000000000.00",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            format_cents(parse_amount("0.10").unwrap() + parse_amount("0.20").unwrap()),
            "0.30"
        );
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(format_cents(12_800_000), "128000.00");
    }

    #[test]
    fn currencies_are_three_upper_case_letters() {
        assert!(valid_currency("CNY"));
        assert!(!valid_currency("cny"));
        assert!(!valid_currency("CN"));
        assert!(!valid_currency("人民币"));
    }
}
