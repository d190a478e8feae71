//! An account's timeline: what happened to it (onboarding, licences,
//! training, stage moves, tickets, agreements, survey answers, health band
//! changes, e-mail sent to the customer) and the notes, calls, meetings and
//! e-mails staff log.
//!
//! Adding a kind: a variant of [`TimelineKind`] (its wire name), its texts
//! in [`TimelineKind::texts`] when the server words its summary, whether it
//! is a touchpoint ([`TimelineKind::TOUCHPOINTS`]), and its label and group
//! in the SPA (`frontend/src/pages/accounts/timeline.rs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::texts::{Msg, T};

string_enum!(
    /// What a timeline entry records. `note`, `call`, `meeting` and `email`
    /// are logged by staff; the others are written by the change they
    /// describe, in its transaction.
    TimelineKind {
        Note => "note",
        Call => "call",
        Meeting => "meeting",
        Email => "email",
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
        RenewalStageChanged => "renewal_stage_changed",
        TicketOpened => "ticket_opened",
        TicketResolved => "ticket_resolved",
        AgreementCreated => "agreement_created",
        AgreementRenewed => "agreement_renewed",
        AgreementEnded => "agreement_ended",
        AgreementLevelChanged => "agreement_level_changed",
        SurveyAnswered => "survey_answered",
        HealthBandChanged => "health_band_changed",
        EmailSent => "email_sent",
        PlaybookRun => "playbook_run",
        MilestoneDone => "milestone_done",
        InstallationAdded => "installation_added",
        InstallationUpgraded => "installation_upgraded",
        AdvisorySent => "advisory_sent",
        VisitRequested => "visit_requested",
        VisitDispatched => "visit_dispatched",
        VisitCheckedIn => "visit_checked_in",
        VisitCheckedOut => "visit_checked_out",
        VisitReported => "visit_reported",
        VisitSigned => "visit_signed",
        VisitCancelled => "visit_cancelled",
    }
);

string_enum!(
    /// The kinds staff log by hand.
    ActivityKind {
        Note => "note",
        Call => "call",
        Meeting => "meeting",
        Email => "email",
    }
);

impl ActivityKind {
    pub fn timeline_kind(self) -> TimelineKind {
        match self {
            ActivityKind::Note => TimelineKind::Note,
            ActivityKind::Call => TimelineKind::Call,
            ActivityKind::Meeting => TimelineKind::Meeting,
            ActivityKind::Email => TimelineKind::Email,
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
    /// The kinds that count as a touchpoint: the vendor in contact with a
    /// person at the customer. That is every activity staff log (a note
    /// records a conversation as much as a call does), and every e-mail
    /// queued to a customer's login (ticket replies and resolutions, survey
    /// and training invitations, renewal notices). Not touchpoints: what
    /// the system records about the account (stages, licences, agreements,
    /// health bands, onboarding tasks), tickets opened (the customer asking,
    /// not us reaching out), survey answers (they answer our mail, which
    /// counted already), and the automatic receipt of a new ticket, which is
    /// not recorded as an e-mail at all. A held training counts too; it is
    /// read from the trainings themselves.
    pub const TOUCHPOINTS: &'static [TimelineKind] = &[
        TimelineKind::Note,
        TimelineKind::Call,
        TimelineKind::Meeting,
        TimelineKind::Email,
        TimelineKind::EmailSent,
    ];

    pub fn is_touchpoint(self) -> bool {
        Self::TOUCHPOINTS.contains(&self)
    }

    /// The texts the server words the summary and the body of an entry of
    /// this kind from (staff-typed text is never read as one).
    pub fn texts(self) -> (Option<T>, Option<T>) {
        use TimelineKind::*;
        match self {
            StageChanged | RenewalStageChanged | AgreementLevelChanged => {
                (Some(T::TimelineStage), None)
            }
            TicketOpened | TicketResolved => (Some(T::TimelineTicket), None),
            AgreementCreated | AgreementRenewed | AgreementEnded => {
                (Some(T::TimelineAgreement), None)
            }
            SurveyAnswered => (Some(T::TimelineSurvey), None),
            HealthBandChanged => (Some(T::TimelineHealthBand), None),
            EmailSent => (None, Some(T::TimelineMailTo)),
            LicenseCreated => (None, Some(T::TimelineLicense)),
            TrainingScheduled | TrainingRescheduled | TrainingCancelled => {
                (Some(T::TimelineTraining), None)
            }
            TrainingAttendance => (Some(T::TimelineTraining), Some(T::TimelineAttendance)),
            InstallationUpgraded => (Some(T::TimelineUpgrade), None),
            AdvisorySent => (None, Some(T::TimelineAdvisory)),
            VisitRequested | VisitDispatched | VisitCheckedIn | VisitCheckedOut | VisitReported
            | VisitSigned | VisitCancelled => (Some(T::TimelineVisit), None),
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

/// The `kind` filter of the timeline: a comma-separated list of kinds
/// (blank: every kind). An unknown kind is an error naming it.
pub fn parse_kinds(text: &str) -> Result<Vec<TimelineKind>, String> {
    let mut kinds = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let kind: TimelineKind = part
            .parse()
            .map_err(|_| Msg::new(T::TimelineUnknownKind).with("kind", part).en())?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// `GET /api/v1/accounts/{id}/timeline`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub items: Vec<TimelineEvent>,
    pub next_cursor: Option<String>,
    /// The latest touchpoint ([`TimelineKind::TOUCHPOINTS`] or a held
    /// training), whatever the kind filter.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_a_list_and_unknown_ones_are_named() {
        assert_eq!(parse_kinds(""), Ok(vec![]));
        assert_eq!(
            parse_kinds("call, email_sent,call"),
            Ok(vec![TimelineKind::Call, TimelineKind::EmailSent])
        );
        assert_eq!(
            parse_kinds("call,bogus"),
            Err("'bogus' is not a timeline kind".into())
        );
    }

    #[test]
    fn touchpoints_are_contact_with_the_customer() {
        assert!(TimelineKind::Call.is_touchpoint());
        assert!(TimelineKind::EmailSent.is_touchpoint());
        assert!(!TimelineKind::TicketOpened.is_touchpoint());
        assert!(!TimelineKind::HealthBandChanged.is_touchpoint());
        assert!(!TimelineKind::SurveyAnswered.is_touchpoint());
        for kind in ActivityKind::ALL {
            assert!(kind.timeline_kind().is_touchpoint(), "{kind:?}");
        }
    }
}
