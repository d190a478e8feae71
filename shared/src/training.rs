//! Training sessions (培训) of an account, their attendees and attendance,
//! and the account's training coverage.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::double_option;
use crate::enums::string_enum;
use crate::ErpModule;

/// An attendee with a score completes a module only with at least this score
/// (0–100); an attendee without a score completes it by attending.
pub const PASS_MARK: i32 = 60;

/// Sessions last 1 minute to a day.
pub const MAX_DURATION_MINUTES: i32 = 24 * 60;

string_enum!(
    /// A session is `scheduled` (rescheduling keeps it so) until `cancelled`.
    TrainingStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
);

/// Whether an attendance record completes the session's module.
pub fn completes(attended: Option<bool>, score: Option<i32>) -> bool {
    attended == Some(true) && score.is_none_or(|s| s >= PASS_MARK)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingAttendee {
    pub contact_id: i64,
    pub name: String,
    pub email: Option<String>,
    /// `null` until attendance is recorded.
    pub attended: Option<bool>,
    /// Assessment score 0–100, if assessed.
    pub score: Option<i32>,
    pub feedback: Option<String>,
    /// Attended and, where scored, scored at least the pass mark.
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingSession {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub module: ErpModule,
    pub topic: String,
    pub trainer_id: i64,
    pub trainer_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// Where it takes place (on site), if anywhere.
    pub location: Option<String>,
    /// The meeting link, for an online session.
    pub online_url: Option<String>,
    pub status: TrainingStatus,
    /// The iCalendar SEQUENCE: raised by every change the invitation shows.
    pub sequence: i32,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub attendees: Vec<TrainingAttendee>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// `POST /api/v1/trainings`. Attendees are contacts of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTrainingRequest {
    pub account_id: i64,
    pub module: ErpModule,
    pub topic: String,
    /// A staff member of the workspace.
    pub trainer_id: i64,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub online_url: Option<String>,
    #[serde(default)]
    pub attendee_ids: Vec<i64>,
}

/// `PATCH /api/v1/trainings/{id}`; absent fields stay, `null` clears
/// `location` and `online_url`. A new time is a reschedule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTrainingRequest {
    #[serde(default)]
    pub module: Option<ErpModule>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub trainer_id: Option<i64>,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_minutes: Option<i32>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub location: Option<Option<String>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub online_url: Option<Option<String>>,
    #[serde(default)]
    pub attendee_ids: Option<Vec<i64>>,
}

/// `POST /api/v1/trainings/{id}/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelTrainingRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceRecord {
    pub contact_id: i64,
    pub attended: bool,
    /// 0–100.
    #[serde(default)]
    pub score: Option<i32>,
    #[serde(default)]
    pub feedback: Option<String>,
}

/// `POST /api/v1/trainings/{id}/attendance`: only the listed attendees change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttendanceRequest {
    pub records: Vec<AttendanceRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactTraining {
    pub contact_id: i64,
    pub name: String,
    /// Completed a session of this module.
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModuleCoverage {
    pub module: ErpModule,
    /// Contacts responsible for this module.
    pub responsible: i32,
    /// Of those, the ones who completed a session of it.
    pub trained: i32,
    pub contacts: Vec<ContactTraining>,
}

/// `GET /api/v1/accounts/{id}/training-coverage`: a responsible contact is
/// trained when they completed a session of every module they answer for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingCoverage {
    pub account_id: i64,
    pub pass_mark: i32,
    pub responsible_contacts: i32,
    pub trained_contacts: i32,
    /// `trained_contacts` as a share of `responsible_contacts`, 0–100
    /// (rounded down); `null` when no contact is responsible for a module.
    pub coverage: Option<i32>,
    pub modules: Vec<ModuleCoverage>,
}

/// An upcoming session as the customer portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalTraining {
    pub id: i64,
    pub module: ErpModule,
    pub topic: String,
    pub trainer_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub location: Option<String>,
    pub online_url: Option<String>,
    /// The signed-in user's contact is an attendee.
    pub invited: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_needs_attendance_and_the_pass_mark_when_scored() {
        assert!(completes(Some(true), None));
        assert!(completes(Some(true), Some(PASS_MARK)));
        assert!(!completes(Some(true), Some(PASS_MARK - 1)));
        assert!(!completes(Some(false), Some(100)));
        assert!(!completes(None, None));
    }
}
