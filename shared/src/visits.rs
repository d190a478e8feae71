//! On-site visits (上门服务): requested from a ticket or an onboarding task
//! for a day and a half-day slot, dispatched to an engineer (no clash with
//! their other visits and trainings), checked in and out on site, reported
//! (work done, time spent, follow-ups) and signed by the customer in the
//! portal (typed name plus a drawn signature). Each visit counts against
//! the on-site visits the account's agreement includes per agreement year;
//! beyond them it is marked billable, never refused.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::validation::{self, Collector};

/// Longest purpose, address, work done or follow-ups.
pub const MAX_VISIT_TEXT: usize = 4_000;
/// Longest typed signer's name.
pub const MAX_SIGNER_NAME: usize = 100;
/// A visit's report covers at most a long day on site (minutes).
pub const MAX_TIME_SPENT_MINUTES: i32 = 24 * 60;
/// The largest signature accepted, decoded (a 600×200 canvas drawing is
/// 5–30 KB).
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;
/// The largest signature picture, in pixels per side.
pub const MAX_SIGNATURE_SIDE: u32 = 2_000;
/// How a drawn signature travels: a PNG data URL, as `canvas.toDataURL()`
/// writes it.
pub const SIGNATURE_PREFIX: &str = "data:image/png;base64,";

string_enum!(
    /// The half-day slots a service centre books engineers by: 上午, 下午
    /// or 全天, in the workspace's time zone.
    VisitSlot {
        Morning => "morning",
        Afternoon => "afternoon",
        FullDay => "full_day",
    }
);

impl VisitSlot {
    /// Start and end of the slot on its day (local time).
    pub fn hours(self) -> (NaiveTime, NaiveTime) {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        match self {
            VisitSlot::Morning => (t(9, 0), t(12, 0)),
            VisitSlot::Afternoon => (t(13, 30), t(17, 30)),
            VisitSlot::FullDay => (t(9, 0), t(17, 30)),
        }
    }
}

string_enum!(
    /// `requested` → `dispatched` → `checked_in` → `checked_out` →
    /// `reported` → `signed`; `cancelled` from any state before `signed`.
    VisitStatus {
        Requested => "requested",
        Dispatched => "dispatched",
        CheckedIn => "checked_in",
        CheckedOut => "checked_out",
        Reported => "reported",
        Signed => "signed",
        Cancelled => "cancelled",
    }
);

/// A visit as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    /// The ticket it was requested from (the signed report is attached there).
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<i64>,
    /// Or the onboarding task it was requested from.
    pub onboarding_task_id: Option<i64>,
    pub visit_date: NaiveDate,
    pub slot: VisitSlot,
    /// The slot's start and end in the workspace's time zone, as instants.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub purpose: String,
    pub address: Option<String>,
    /// Staff only: never shown to the customer.
    pub internal_note: Option<String>,
    pub status: VisitStatus,
    pub engineer_id: Option<i64>,
    pub engineer_name: Option<String>,
    /// Beyond the visits the agreement includes this year (or without an
    /// agreement in force): the customer is billed for it.
    pub billable: bool,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Minutes between check-in and check-out.
    pub on_site_minutes: Option<i32>,
    pub report: Option<VisitReport>,
    pub signature: Option<VisitSignature>,
    pub requested_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The engineer's service report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReport {
    pub work_done: String,
    pub time_spent_minutes: i32,
    pub follow_ups: Option<String>,
    pub reported_at: DateTime<Utc>,
}

/// Who signed the report, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitSignature {
    pub signed_name: String,
    pub signed_at: DateTime<Utc>,
}

/// `POST /api/v1/visits`: from a ticket or an onboarding task (exactly one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestVisit {
    #[serde(default)]
    pub ticket_id: Option<i64>,
    #[serde(default)]
    pub onboarding_task_id: Option<i64>,
    pub visit_date: NaiveDate,
    pub slot: VisitSlot,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub purpose: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub internal_note: Option<String>,
}

/// `POST /api/v1/visits/{id}/dispatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispatchVisit {
    pub engineer_id: i64,
}

/// `PUT /api/v1/visits/{id}/report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WriteReport {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub work_done: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1440))]
    pub time_spent_minutes: i32,
    #[serde(default)]
    pub follow_ups: Option<String>,
}

/// `POST /api/v1/portal/visits/{id}/sign`: the signer's typed name and the
/// drawn signature as a PNG data URL (`data:image/png;base64,…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignReport {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub signature: String,
}

/// The account's on-site visits in the agreement year around a day:
/// `GET /api/v1/accounts/{id}/visit-entitlement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitEntitlement {
    pub account_id: i64,
    /// The level of the agreement in force, if any.
    pub level: Option<String>,
    /// The agreement year (from the agreement's start, a year at a time).
    pub year_from: Option<NaiveDate>,
    pub year_to: Option<NaiveDate>,
    /// Visits the level includes per year (0 without an agreement).
    pub included: i32,
    /// Visits of this year that are not cancelled.
    pub used: i32,
    /// Of those, the ones beyond what is included.
    pub billable: i32,
}

/// A visit as the customer sees it in the portal: nothing internal (no
/// internal note, no billing mark, no staff ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalVisit {
    pub id: i64,
    pub visit_date: NaiveDate,
    pub slot: VisitSlot,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub purpose: String,
    pub address: Option<String>,
    pub status: VisitStatus,
    pub engineer_name: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub report: Option<VisitReport>,
    pub signature: Option<VisitSignature>,
}

/// `GET /api/v1/visits`: in start order, keyset-paginated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct VisitFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engineer_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding_task_id: Option<i64>,
    /// Visits starting at or after this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Visits starting before this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<VisitStatus>,
}
impl crate::filters::ToQuery for VisitFilter {}

/// `GET /api/v1/accounts/{id}/visit-entitlement?on=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct EntitlementQuery {
    /// The day whose agreement year is counted (default: today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}
impl crate::filters::ToQuery for EntitlementQuery {}

/// The rules of a request both the server and the SPA's form apply.
pub fn validate_request(req: &RequestVisit) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(
        "purpose",
        validation::required_text(&req.purpose, MAX_VISIT_TEXT),
    );
    if let Some(address) = &req.address {
        c.check(
            "address",
            validation::optional_text(address, MAX_VISIT_TEXT),
        );
    }
    if let Some(note) = &req.internal_note {
        c.check(
            "internal_note",
            validation::optional_text(note, MAX_VISIT_TEXT),
        );
    }
    let mut fields = c.finish().err().unwrap_or_default();
    if req.ticket_id.is_some() == req.onboarding_task_id.is_some() {
        fields.insert("ticket_id".into(), crate::texts::T::VisitSource.en().into());
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(fields)
    }
}

pub fn validate_report(req: &WriteReport) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(
        "work_done",
        validation::required_text(&req.work_done, MAX_VISIT_TEXT),
    )
    .check(
        "time_spent_minutes",
        validation::in_range(
            req.time_spent_minutes.into(),
            1,
            MAX_TIME_SPENT_MINUTES.into(),
        ),
    );
    if let Some(f) = &req.follow_ups {
        c.check("follow_ups", validation::optional_text(f, MAX_VISIT_TEXT));
    }
    c.finish()
}

/// The signer's name (the drawn signature is checked by the server, which
/// decodes it).
pub fn validate_signer(name: &str) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", validation::required_text(name, MAX_SIGNER_NAME))
        .check("name", validation::no_control_chars(name));
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RequestVisit {
        RequestVisit {
            ticket_id: Some(1),
            onboarding_task_id: None,
            visit_date: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap_or_default(),
            slot: VisitSlot::Morning,
            purpose: "月结检查".into(),
            address: None,
            internal_note: None,
        }
    }

    #[test]
    fn a_request_names_one_source_and_a_purpose() {
        assert_eq!(validate_request(&request()), Ok(()));
        let mut both = request();
        both.onboarding_task_id = Some(2);
        assert!(validate_request(&both)
            .unwrap_err()
            .contains_key("ticket_id"));
        let mut neither = request();
        neither.ticket_id = None;
        neither.purpose = " ".into();
        let fields = validate_request(&neither).unwrap_err();
        assert!(fields.contains_key("ticket_id") && fields.contains_key("purpose"));
    }

    #[test]
    fn slots_are_half_days_or_a_day() {
        let (s, e) = VisitSlot::Morning.hours();
        assert!(s < e);
        let (fs, fe) = VisitSlot::FullDay.hours();
        assert_eq!(fs, s);
        assert_eq!(fe, VisitSlot::Afternoon.hours().1);
    }

    #[test]
    fn a_report_needs_work_and_time() {
        let bad = WriteReport {
            work_done: "".into(),
            time_spent_minutes: 0,
            follow_ups: None,
        };
        let fields = validate_report(&bad).unwrap_err();
        assert!(fields.contains_key("work_done") && fields.contains_key("time_spent_minutes"));
        assert!(validate_signer("张伟").is_ok());
        assert!(validate_signer("").is_err());
    }
}
