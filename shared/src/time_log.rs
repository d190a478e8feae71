//! Time logged on tickets and visits, and the person-day packages (人天包)
//! an account buys: the wire types of `/tickets/{id}/time-entries`,
//! `/time-entries/{id}`, `/accounts/{id}/packages`, `/packages/{id}`,
//! `/reports/time`, `/reports/packages` and `/portal/time`, with the rules
//! the server and the SPA's forms both apply.
//!
//! Billable time consumes an account's packages oldest first: each entry,
//! in the order of its date, takes minutes from the packages valid on that
//! date, the one that started first before the next; what no package
//! covers is overage (`uncovered_minutes`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::filters::ToQuery;
use crate::texts::{Msg, T};
use crate::validation::{self, Collector};

/// A person-day is eight hours of logged time.
pub const MINUTES_PER_PERSON_DAY: i64 = 480;
/// The most minutes one entry (and one person's day) may hold.
pub const MAX_ENTRY_MINUTES: i32 = 1440;
/// Longest note (each of `note` and `internal_note`).
pub const MAX_NOTE: usize = 2000;
/// Longest package name.
pub const MAX_PACKAGE_NAME: usize = 100;
/// Most person-days one package may hold.
pub const MAX_PACKAGE_DAYS: i32 = 3650;
/// The longest validity of a package, in days (ten years).
pub const MAX_PACKAGE_SPAN_DAYS: i64 = 3660;
/// The shares of a package (in percent) at which the account's owner and
/// its customer admins are told, once each.
pub const NOTICE_THRESHOLDS: [i32; 2] = [80, 100];

/// A time entry as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeEntry {
    pub id: i64,
    pub account_id: i64,
    pub ticket_id: i64,
    /// The on-site visit the time was spent on, if any.
    pub visit_id: Option<i64>,
    pub user_id: i64,
    pub user_name: String,
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub billable: bool,
    /// Shown to the customer in the portal (billable entries).
    pub note: String,
    /// For staff only; never shown in the portal.
    pub internal_note: String,
    /// Of a billable entry: the minutes its account's packages cover.
    pub covered_minutes: i32,
    /// Of a billable entry: the minutes no package covers (overage).
    pub uncovered_minutes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /tickets/{id}/time-entries`, `PUT /time-entries/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeEntryRequest {
    /// The day worked (not in the future).
    pub work_date: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1440))]
    pub minutes: i32,
    pub billable: bool,
    /// Shown to the customer in the portal.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    #[serde(default)]
    pub note: String,
    /// For staff only.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    #[serde(default)]
    pub internal_note: String,
    /// The on-site visit, if the time was spent on one.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    #[serde(default)]
    pub visit_id: Option<i64>,
}

/// The rules of an entry the server and the form both apply; `today` (the
/// workspace's) refuses a day in the future.
pub fn validate_entry(req: &TimeEntryRequest, today: Option<NaiveDate>) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(
        "minutes",
        validation::in_range(req.minutes.into(), 1, MAX_ENTRY_MINUTES.into()),
    )
    .check("note", validation::optional_text(&req.note, MAX_NOTE))
    .check(
        "internal_note",
        validation::optional_text(&req.internal_note, MAX_NOTE),
    );
    let mut fields = c.fields;
    if today.is_some_and(|t| req.work_date > t) {
        fields.insert("work_date".into(), Msg::new(T::NotInFuture).en());
    }
    if req.visit_id.is_some_and(|v| v < 1) {
        fields.insert("visit_id".into(), Msg::new(T::PositiveId).en());
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(fields)
    }
}

/// A person-day package with what it has covered so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Package {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// Person-days bought.
    pub days: i32,
    pub valid_from: NaiveDate,
    /// Last day it is valid, inclusive.
    pub valid_to: NaiveDate,
    /// `days` × [`MINUTES_PER_PERSON_DAY`].
    pub capacity_minutes: i64,
    pub used_minutes: i64,
    pub remaining_minutes: i64,
    /// Used share in whole percent (rounded down).
    pub used_percent: i64,
}

impl Package {
    pub fn capacity(days: i32) -> i64 {
        i64::from(days) * MINUTES_PER_PERSON_DAY
    }
}

/// `POST /accounts/{id}/packages`, `PUT /packages/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PackageRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub days: i32,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

pub fn validate_package(req: &PackageRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(
        "name",
        validation::required_text(&req.name, MAX_PACKAGE_NAME),
    )
    .check("name", validation::no_control_chars(&req.name))
    .check(
        "days",
        validation::in_range(req.days.into(), 1, MAX_PACKAGE_DAYS.into()),
    );
    let mut fields = c.fields;
    if req.valid_to < req.valid_from {
        fields.insert("valid_to".into(), Msg::new(T::NotBeforeValidFrom).en());
    } else if (req.valid_to - req.valid_from).num_days() > MAX_PACKAGE_SPAN_DAYS {
        fields.insert(
            "valid_to".into(),
            Msg::new(T::PackageSpan)
                .with("days", MAX_PACKAGE_SPAN_DAYS)
                .en(),
        );
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(fields)
    }
}

/// `GET /accounts/{id}/packages` and the portal's balance: the packages,
/// newest validity first, and the billable time none covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountPackages {
    pub account_id: i64,
    pub packages: Vec<Package>,
    /// Billable minutes logged on the account in all.
    pub billable_minutes: i64,
    /// Billable minutes no package covers (overage).
    pub uncovered_minutes: i64,
    /// What a person-day is, in minutes ([`MINUTES_PER_PERSON_DAY`]).
    pub minutes_per_day: i64,
}

/// A billable entry as the customer sees it in the portal: no internal
/// note, no user id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalTimeEntry {
    pub id: i64,
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub covered_minutes: i32,
    /// The engineer's display name.
    pub engineer: String,
    pub note: String,
    pub ticket_id: i64,
    pub ticket_number: i64,
    pub ticket_subject: String,
    pub visit_id: Option<i64>,
}

/// The most entries `GET /portal/time` lists (the latest).
pub const PORTAL_ENTRIES: u64 = 500;

/// `GET /portal/time`: the account's balance and the billable time behind
/// it (the latest [`PORTAL_ENTRIES`] entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalTime {
    pub balance: AccountPackages,
    pub entries: Vec<PortalTimeEntry>,
}

/// How `/reports/time` groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeGroup {
    Account,
    Engineer,
    Month,
}

impl TimeGroup {
    pub const ALL: [TimeGroup; 3] = [TimeGroup::Account, TimeGroup::Engineer, TimeGroup::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            TimeGroup::Account => "account",
            TimeGroup::Engineer => "engineer",
            TimeGroup::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<TimeGroup> {
        TimeGroup::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// `GET /reports/time`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TimeReportParams {
    /// `account` (default), `engineer` or `month`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(account|engineer|month)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// First day worked (default: 1 January of the current year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day worked, inclusive (default: 31 December of the current year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// `json` (default) or `csv`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(json|csv)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}
impl ToQuery for TimeReportParams {}

/// One row of `/reports/time`: an account, an engineer or a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeReportRow {
    /// The account's or engineer's id, or the month as `YYYY-MM`.
    pub key: String,
    /// The account's or engineer's name, or the month.
    pub label: String,
    pub minutes: i64,
    pub billable_minutes: i64,
    pub covered_minutes: i64,
    pub uncovered_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeReport {
    /// `account`, `engineer` or `month`.
    pub group: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<TimeReportRow>,
}

/// `GET /reports/packages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PackageReportParams {
    /// `json` (default) or `csv`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(json|csv)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}
impl ToQuery for PackageReportParams {}

/// One package of `/reports/packages`, with its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageBalance {
    pub account_name: String,
    pub package: Package,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageReport {
    pub packages: Vec<PackageBalance>,
}

/// Minutes as person-days with two decimals, e.g. `1.25` (display only).
pub fn days_text(minutes: i64) -> String {
    let hundredths = minutes * 100 / MINUTES_PER_PERSON_DAY;
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.abs();
    format!("{sign}{}.{:02}", h / 100, h % 100)
}

/// Minutes as hours and minutes, e.g. `2:05` (display only).
pub fn hours_text(minutes: i64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn entries_are_checked() {
        let ok = TimeEntryRequest {
            work_date: d(2027, 3, 1),
            minutes: 90,
            billable: true,
            note: "上门安装".into(),
            internal_note: String::new(),
            visit_id: None,
        };
        assert_eq!(validate_entry(&ok, Some(d(2027, 3, 1))), Ok(()));
        let mut bad = ok.clone();
        bad.minutes = 0;
        bad.visit_id = Some(0);
        bad.note = "x".repeat(MAX_NOTE + 1);
        let fields = validate_entry(&bad, Some(d(2027, 2, 28))).unwrap_err();
        for f in ["minutes", "visit_id", "note", "work_date"] {
            assert!(fields.contains_key(f), "{f}");
        }
        bad.minutes = MAX_ENTRY_MINUTES + 1;
        assert!(validate_entry(&bad, None)
            .unwrap_err()
            .contains_key("minutes"));
    }

    #[test]
    fn packages_are_checked() {
        let ok = PackageRequest {
            name: "2027 年人天包".into(),
            days: 10,
            valid_from: d(2027, 1, 1),
            valid_to: d(2027, 12, 31),
        };
        assert_eq!(validate_package(&ok), Ok(()));
        let mut bad = ok.clone();
        bad.days = 0;
        bad.valid_to = d(2026, 12, 31);
        let fields = validate_package(&bad).unwrap_err();
        assert!(fields.contains_key("days") && fields.contains_key("valid_to"));
    }

    #[test]
    fn minutes_read_as_days_and_hours() {
        assert_eq!(days_text(600), "1.25");
        assert_eq!(days_text(0), "0.00");
        assert_eq!(hours_text(125), "2:05");
    }
}
