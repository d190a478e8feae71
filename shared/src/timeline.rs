//! An account's timeline: what happened to it (onboarding, licences,
//! training, stage changes) and the notes, calls and meetings staff log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::texts::{Msg, T};

string_enum!(
    /// What a timeline entry records. `note`, `call` and `meeting` are logged
    /// by staff; the others are written by the change they describe.
    TimelineKind {
        Note => "note",
        Call => "call",
        Meeting => "meeting",
        OnboardingStarted => "onboarding_started",
        TaskCompleted => "task_completed",
        TaskSkipped => "task_skipped",
        GoLive => "go_live",
        LicenseCreated => "license_created",
        LicenseRegistered => "license_registered",
        TrainingScheduled => "training_scheduled",
        TrainingRescheduled => "training_rescheduled",
        TrainingCancelled => "training_cancelled",
        TrainingAttendance => "training_attendance",
        StageChanged => "stage_changed",
        PlaybookRun => "playbook_run",
        MilestoneDone => "milestone_done",
    }
);

string_enum!(
    /// The kinds staff log by hand.
    ActivityKind {
        Note => "note",
        Call => "call",
        Meeting => "meeting",
    }
);

impl ActivityKind {
    pub fn timeline_kind(self) -> TimelineKind {
        match self {
            ActivityKind::Note => TimelineKind::Note,
            ActivityKind::Call => TimelineKind::Call,
            ActivityKind::Meeting => TimelineKind::Meeting,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    pub id: i64,
    pub account_id: i64,
    pub kind: TimelineKind,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// One line: the activity's summary, a task's title ("中文 / English"),
    /// a licence, a training topic, a stage change ("onboarding → adoption").
    pub summary: String,
    /// More text: an activity's body, a skip or cancel reason, attendance.
    pub body: Option<String>,
    /// `summary` as a key with parameters (see [`crate::texts`]) when the
    /// server worded it: a stage change, a training's module and topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_key: Option<Msg>,
    /// `body` as a key with parameters when the server worded it: a
    /// licence's modules and seats, a training's attendance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_key: Option<Msg>,
    /// What the entry is about (`training`, `license`, `onboarding_task`, …).
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
}

impl TimelineKind {
    /// The texts the server words the summary and the body of an entry of
    /// this kind from (staff-typed text is never read as one).
    pub fn texts(self) -> (Option<T>, Option<T>) {
        use TimelineKind::*;
        match self {
            StageChanged => (Some(T::TimelineStage), None),
            LicenseCreated => (None, Some(T::TimelineLicense)),
            TrainingScheduled | TrainingRescheduled | TrainingCancelled => {
                (Some(T::TimelineTraining), None)
            }
            TrainingAttendance => (Some(T::TimelineTraining), Some(T::TimelineAttendance)),
            _ => (None, None),
        }
    }

    /// The keyed summary and body of an entry of this kind.
    pub fn keys(self, summary: &str, body: Option<&str>) -> (Option<Msg>, Option<Msg>) {
        let (s, b) = self.texts();
        (
            s.and_then(|t| Msg::parse_as(t, summary)),
            b.zip(body).and_then(|(t, body)| Msg::parse_as(t, body)),
        )
    }
}

/// `GET /api/v1/accounts/{id}/timeline`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub items: Vec<TimelineEvent>,
    pub next_cursor: Option<String>,
    /// The latest note, call, meeting or held training.
    pub last_touchpoint_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/accounts/{id}/activities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateActivityRequest {
    pub kind: ActivityKind,
    /// Defaults to now; not in the future.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    pub summary: String,
    #[serde(default)]
    pub body: Option<String>,
}
