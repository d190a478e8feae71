//! Tasks: what a customer-success manager or engineer is to do next for an
//! account (a call, a review, an on-site visit), by when, made by hand or by
//! a playbook. Completing one can log an activity on the account's timeline
//! in the same step; skipping one needs a reason.
//!
//! The limits, vocabularies and checks live here, so the server refuses
//! what the SPA's form refuses, with the same words.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::timeline::ActivityKind;
use crate::validation::{optional_text, required_text, Collector};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest note or skip reason, in characters.
pub const MAX_NOTE: usize = 5_000;
/// Longest summary of the activity logged on completion.
pub const MAX_ACTIVITY_SUMMARY: usize = 500;
/// How many tasks each "my work" section lists (its count tells how many
/// there are in all).
pub const MY_WORK_LIMIT: usize = 20;
/// "Upcoming" on "my work": due within this many days after today.
pub const UPCOMING_DAYS: i64 = 7;

string_enum!(
    /// What kind of work a task is.
    TaskType {
        Call => "call",
        Email => "email",
        Meeting => "meeting",
        Review => "review",
        Onsite => "onsite",
        Other => "other",
    }
);

string_enum!(
    /// `open` until done or skipped (a skip names its reason).
    TaskState {
        Open => "open",
        Done => "done",
        Skipped => "skipped",
    }
);

string_enum!(
    /// How urgent a task is; lists put `high` first among tasks due alike.
    TaskPriority {
        Low => "low",
        Normal => "normal",
        High => "high",
    }
);

string_enum!(
    /// Who made a task: a person, or a playbook run.
    TaskSource {
        Manual => "manual",
        Playbook => "playbook",
    }
);

string_enum!(
    /// What a task may be about besides its account.
    TaskLinkKind {
        Ticket => "ticket",
        Renewal => "renewal",
        OnboardingPlan => "onboarding_plan",
        SuccessPlan => "success_plan",
    }
);

impl TaskType {
    /// The timeline kind an activity logged on completion defaults to.
    pub fn activity_kind(self) -> ActivityKind {
        match self {
            TaskType::Call => ActivityKind::Call,
            TaskType::Meeting | TaskType::Onsite => ActivityKind::Meeting,
            TaskType::Email => ActivityKind::Email,
            TaskType::Review | TaskType::Other => ActivityKind::Note,
        }
    }
}

/// A record the task is about, in the task's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskLink {
    pub kind: TaskLinkKind,
    pub id: i64,
}

/// A drafted mail to a contact of the task's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEmailDraft {
    /// The suggested recipient (the account's customer admin, else its
    /// first contact with an e-mail address); `None` if it has none.
    pub contact_id: Option<i64>,
    pub subject: String,
    pub body: String,
    /// When it was sent (queued, exactly once), and to which address.
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_to: Option<String>,
}

/// `POST /api/v1/tasks/{id}/send-email`: sends the reviewed draft to a
/// contact of the account and completes the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendTaskEmailRequest {
    pub contact_id: i64,
    pub subject: String,
    pub body: String,
}

/// Longest subject of a mail sent from a task.
pub const MAX_EMAIL_SUBJECT: usize = 200;
/// Longest body of a mail sent from a task.
pub const MAX_EMAIL_BODY: usize = 20_000;

pub fn validate_send_email(req: &SendTaskEmailRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("subject", required_text(&req.subject, MAX_EMAIL_SUBJECT));
    c.check("body", required_text(&req.body, MAX_EMAIL_BODY));
    c.finish()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    /// The staff member who is to do it.
    pub assignee_id: i64,
    pub assignee_name: String,
    pub title: String,
    pub note: Option<String>,
    pub task_type: TaskType,
    pub priority: TaskPriority,
    pub status: TaskState,
    pub due_at: DateTime<Utc>,
    pub source: TaskSource,
    /// The playbook run that made it (`source` = `playbook`).
    pub playbook_run_id: Option<i64>,
    pub link: Option<TaskLink>,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// When it was done or skipped, and by whom.
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<i64>,
    /// The timeline entry of the activity logged on completion.
    pub activity_event_id: Option<i64>,
    /// A mail to the customer for the assignee to review and send (a
    /// playbook's `customer_email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_draft: Option<TaskEmailDraft>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTaskRequest {
    pub account_id: i64,
    /// A staff member of the workspace; defaults to the caller.
    #[serde(default)]
    pub assignee_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Defaults to `other`.
    #[serde(default)]
    pub task_type: Option<TaskType>,
    /// Defaults to `normal`.
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    pub link: Option<TaskLink>,
}

/// A partial update of an open task: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTaskRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An empty note removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<TaskType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TaskPriority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

/// The activity logged on the account's timeline when a task is completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskActivity {
    /// Defaults to the task type's kind (a call logs a call, a meeting or
    /// an on-site visit a meeting, an e-mail an e-mail, anything else a
    /// note).
    #[serde(default)]
    pub kind: Option<ActivityKind>,
    pub summary: String,
    #[serde(default)]
    pub body: Option<String>,
}

/// `POST /api/v1/tasks/{id}/complete`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteTaskRequest {
    #[serde(default)]
    pub activity: Option<TaskActivity>,
}

/// `POST /api/v1/tasks/{id}/skip`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkipTaskRequest {
    pub reason: String,
}

/// `POST /api/v1/tasks/{id}/snooze`: moves an open task's due time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnoozeTaskRequest {
    /// Later than now.
    pub until: DateTime<Utc>,
}

/// Open tasks by when they are due, in the workspace's time zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCounts {
    /// Due before today began.
    pub overdue: u64,
    /// Due today.
    pub today: u64,
    /// Due in the seven days after today.
    pub upcoming: u64,
}

/// `GET /api/v1/my-work`: the caller's open tasks — overdue, due today and
/// due in the next seven days — soonest first, each section at most
/// [`MY_WORK_LIMIT`] long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyWork {
    /// Today in the workspace's time zone.
    pub today: NaiveDate,
    pub counts: TaskCounts,
    pub overdue: Vec<Task>,
    pub today_tasks: Vec<Task>,
    pub upcoming: Vec<Task>,
}

/// One line of the "my book" panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookItem {
    pub account_id: i64,
    pub account_name: String,
    /// What the line is about: the ticket, renewal or onboarding plan.
    pub entity_id: i64,
    /// A ticket's number and subject; empty for the others.
    pub title: String,
    /// A health band, renewal stage or plan status, as on the wire.
    pub state: String,
    /// The health score, or the ticket's number.
    pub figure: Option<i64>,
    /// When it is due: the renewal, the ticket's next SLA deadline, the
    /// plan's go-live.
    pub due_at: Option<DateTime<Utc>>,
}

/// A section of the "my book" panel: its first lines, and whether there
/// are more.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookSection {
    pub items: Vec<BookItem>,
    pub more: bool,
}

/// `GET /api/v1/my-work/book`: the caller's accounts at risk, renewals
/// within 90 days, tickets breaching within a day and onboarding plans
/// behind or stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyBook {
    pub at_risk: BookSection,
    pub renewals: BookSection,
    pub tickets: BookSection,
    pub onboarding: BookSection,
}

/// A due time a person could mean: years 1970–2999 (beyond, a typo, and
/// out of what the databases store).
fn check_due(c: &mut Collector, field: &str, at: DateTime<Utc>) {
    use chrono::Datelike;
    if !(1970..=2999).contains(&at.year()) {
        c.fields.insert(
            field.into(),
            crate::texts::Msg::new(crate::texts::T::DateRange).en(),
        );
    }
}

/// Checks a snooze's new due time (that it is later than now is the
/// server's check).
pub fn validate_snooze(req: &SnoozeTaskRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_due(&mut c, "until", req.until);
    c.finish()
}

fn check_note(c: &mut Collector, note: Option<&str>) {
    if let Some(note) = note {
        c.check("note", optional_text(note, MAX_NOTE));
    }
}

pub fn validate_create(req: &CreateTaskRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("title", required_text(&req.title, MAX_TITLE));
    check_note(&mut c, req.note.as_deref());
    check_due(&mut c, "due_at", req.due_at);
    c.finish()
}

pub fn validate_update(req: &UpdateTaskRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(title) = &req.title {
        c.check("title", required_text(title, MAX_TITLE));
    }
    check_note(&mut c, req.note.as_deref());
    if let Some(due) = req.due_at {
        check_due(&mut c, "due_at", due);
    }
    c.finish()
}

pub fn validate_skip(req: &SkipTaskRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("reason", required_text(&req.reason, MAX_NOTE));
    c.finish()
}

pub fn validate_complete(req: &CompleteTaskRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(activity) = &req.activity {
        c.check(
            "activity.summary",
            required_text(&activity.summary, MAX_ACTIVITY_SUMMARY),
        );
        if let Some(body) = &activity.body {
            c.check("activity.body", optional_text(body, MAX_NOTE));
        }
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(title: &str) -> CreateTaskRequest {
        CreateTaskRequest {
            account_id: 1,
            assignee_id: None,
            title: title.into(),
            note: None,
            task_type: None,
            priority: None,
            due_at: Utc::now(),
            link: None,
        }
    }

    #[test]
    fn a_task_needs_a_title_of_bounded_length() {
        assert!(validate_create(&create("回访月结情况")).is_ok());
        let blank = validate_create(&create("  ")).unwrap_err();
        assert!(blank.contains_key("title"));
        let long = validate_create(&create(&"长".repeat(MAX_TITLE + 1))).unwrap_err();
        assert!(long.contains_key("title"));
    }

    #[test]
    fn a_skip_needs_a_reason_and_an_activity_a_summary() {
        assert!(validate_skip(&SkipTaskRequest { reason: " ".into() }).is_err());
        assert!(validate_skip(&SkipTaskRequest {
            reason: "客户已在电话中确认".into()
        })
        .is_ok());
        let req = CompleteTaskRequest {
            activity: Some(TaskActivity {
                kind: None,
                summary: "".into(),
                body: None,
            }),
        };
        assert!(validate_complete(&req)
            .unwrap_err()
            .contains_key("activity.summary"));
        assert!(validate_complete(&CompleteTaskRequest::default()).is_ok());
    }

    #[test]
    fn the_activity_kind_follows_the_task_type() {
        assert_eq!(TaskType::Call.activity_kind(), ActivityKind::Call);
        assert_eq!(TaskType::Onsite.activity_kind(), ActivityKind::Meeting);
        assert_eq!(TaskType::Review.activity_kind(), ActivityKind::Note);
    }
}
