//! Licences (产品授权), onboarding templates, plans and their tasks.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::double_option;
use crate::enums::string_enum;
use crate::{ErpModule, Role};

string_enum!(
    /// A licence is registered remotely with its dongle (远程注册) before use.
    LicenseStatus {
        Unregistered => "unregistered",
        Registered => "registered",
    }
);

string_enum!(
    /// A registration of a licence with its dongle: the first (`initial`),
    /// or a later one on the same licence and dongle — an `upgrade`
    /// (edition, modules or seats) or an `extension` (a later expiry) —
    /// or a `split`: an old user's upgrade that moves seats to a new dongle
    /// (老用户产品升级加密锁拆分), approved by a manager.
    RegistrationKind {
        Initial => "initial",
        Upgrade => "upgrade",
        Extension => "extension",
        Split => "split",
    }
);

/// `GET /accounts/{id}/licenses/seat-use`: the account's seats in use —
/// the distinct users its usage events name over the last `window_days`
/// days — against the seats of its licences in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatUse {
    pub window_days: i32,
    /// Seats of the licences not expired today.
    pub seats: i64,
    /// Distinct users seen in any module.
    pub used: i64,
    pub licenses: Vec<LicenseSeatUse>,
}

/// One licence's seats and the distinct users seen in its modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenseSeatUse {
    pub license_id: i64,
    pub seats: i32,
    pub used: i64,
    /// Expired licences count no seats.
    pub expired: bool,
}

/// Seat use is counted over this many days.
pub const SEAT_USE_WINDOW_DAYS: i32 = 30;

/// `POST /accounts/{id}/licenses/{license_id}/split`: asks to split a
/// registered licence's dongle — the one exception to "one dongle for
/// life". It moves `seats` (and `modules`, by default all of the
/// licence's) to a new, unregistered licence on `new_dongle_serial`, once
/// a manager or admin other than the requester approves it (maker-checker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitLicenseRequest {
    pub new_dongle_serial: String,
    /// Seats moved to the new dongle: at least 1, fewer than the licence has.
    pub seats: i32,
    /// The new licence's modules, from the licence's own; all by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<ErpModule>>,
    /// Why (the approver reads it).
    pub reason: String,
}

/// One registration event of a licence, as it left the licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenseRegistration {
    pub id: i64,
    pub license_id: i64,
    pub kind: RegistrationKind,
    pub edition: String,
    pub modules: Vec<ErpModule>,
    pub seats: i32,
    pub expires_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub registered_by: Option<i64>,
}

/// `POST /accounts/{id}/licenses/{license_id}/registrations`: registers a
/// registered licence again, on the same dongle, for an upgrade (a new
/// edition, modules or seats: at least one changed) or an extension (a
/// later expiry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReRegisterLicenseRequest {
    pub kind: RegistrationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<ErpModule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

string_enum!(
    /// Where an onboarding task stands; `done` and `skipped` are finished.
    TaskStatus {
        Todo => "todo",
        InProgress => "in_progress",
        Done => "done",
        Skipped => "skipped",
    }
);

impl TaskStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Skipped)
    }
}

string_enum!(
    /// Tasks with rules attached: completing `license_registration` needs a
    /// registered licence, `service_agreement` a signed agreement, and the
    /// account goes live (onboarding → adoption) when its `go_live` tasks are done.
    TaskKind {
        General => "general",
        LicenseRegistration => "license_registration",
        ServiceAgreement => "service_agreement",
        GoLive => "go_live",
    }
);

string_enum!(
    /// `behind`: a task is past its due date; `stuck`: behind and nothing has
    /// happened on the plan for `STUCK_AFTER_DAYS` days.
    PlanStatus {
        OnTrack => "on_track",
        Behind => "behind",
        Stuck => "stuck",
    }
);

/// A plan that is behind with no activity for this many days is `stuck`.
pub const STUCK_AFTER_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct License {
    pub id: i64,
    pub account_id: i64,
    pub edition: String,
    pub modules: Vec<ErpModule>,
    pub seats: i32,
    /// Serial of the dongle (加密锁), unique in the workspace.
    pub dongle_serial: String,
    pub status: LicenseStatus,
    pub expires_on: Option<NaiveDate>,
    pub registered_at: Option<DateTime<Utc>>,
    pub registered_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateLicenseRequest {
    pub edition: String,
    pub modules: Vec<ErpModule>,
    pub seats: i32,
    pub dongle_serial: String,
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

/// A partial update; `expires_on` may be set to `null` to clear it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateLicenseRequest {
    #[serde(default)]
    pub edition: Option<String>,
    #[serde(default)]
    pub modules: Option<Vec<ErpModule>>,
    #[serde(default)]
    pub seats: Option<i32>,
    #[serde(default)]
    pub dongle_serial: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub expires_on: Option<Option<NaiveDate>>,
}

/// One task of a template. `module` set: the task is only planned for an
/// account that licenses that module. `offset_days`: due this many days
/// after the plan starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateTask {
    pub stage: String,
    pub title_zh: String,
    pub title_en: String,
    pub offset_days: i32,
    pub owner_role: Role,
    #[serde(default)]
    pub module: Option<ErpModule>,
    #[serde(default = "general")]
    pub kind: TaskKind,
}

fn general() -> TaskKind {
    TaskKind::General
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingTemplate {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The built-in default template; it cannot be changed, only copied.
    pub builtin: bool,
    pub tasks: Vec<TemplateTask>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST` and `PUT /api/v1/onboarding-templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub tasks: Vec<TemplateTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingTask {
    pub id: i64,
    pub plan_id: i64,
    pub account_id: i64,
    pub position: i32,
    pub stage: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: TaskKind,
    pub module: Option<ErpModule>,
    pub owner_role: Role,
    pub owner_id: Option<i64>,
    pub due_on: NaiveDate,
    pub status: TaskStatus,
    pub skip_reason: Option<String>,
    pub notes: String,
    /// Open and past its due date.
    pub overdue: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<i64>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingPlan {
    pub id: i64,
    pub account_id: i64,
    pub template_id: Option<i64>,
    pub starts_on: NaiveDate,
    pub planned_go_live: Option<NaiveDate>,
    pub actual_go_live: Option<NaiveDate>,
    /// Done tasks as a share of the tasks not skipped, 0–100.
    pub progress: i32,
    pub status: PlanStatus,
    pub overdue_tasks: i32,
    pub last_activity_at: DateTime<Utc>,
    pub tasks: Vec<OnboardingTask>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// `POST /api/v1/accounts/{id}/onboarding`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePlanRequest {
    /// Defaults to the built-in template.
    #[serde(default)]
    pub template_id: Option<i64>,
    pub starts_on: NaiveDate,
    /// Defaults to the due date of the last go-live task.
    #[serde(default)]
    pub planned_go_live: Option<NaiveDate>,
}

/// `PATCH /api/v1/accounts/{id}/onboarding`: moving `starts_on` moves every
/// due date (and the planned go-live, unless given) by the same number of days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePlanRequest {
    #[serde(default)]
    pub starts_on: Option<NaiveDate>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub planned_go_live: Option<Option<NaiveDate>>,
}

/// `PATCH /api/v1/onboarding/tasks/{id}`; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTaskRequest {
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// Required when `status` becomes `skipped`.
    #[serde(default)]
    pub skip_reason: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub owner_id: Option<Option<i64>>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// One account in onboarding, as the staff portfolio view lists it
/// (`GET /api/v1/onboarding`). The plan fields are `null` without a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingPortfolioItem {
    pub account_id: i64,
    pub account_name: String,
    pub account_code: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub plan_id: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    pub planned_go_live: Option<NaiveDate>,
    pub actual_go_live: Option<NaiveDate>,
    pub progress: Option<i32>,
    pub status: Option<PlanStatus>,
    pub overdue_tasks: i32,
    pub tasks_total: i32,
    pub tasks_done: i32,
    /// The earliest due date of an open task.
    pub next_due_on: Option<NaiveDate>,
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// A task as the customer portal shows it: no owner, no notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalOnboardingTask {
    pub stage: String,
    pub title_zh: String,
    pub title_en: String,
    pub module: Option<ErpModule>,
    pub due_on: NaiveDate,
    pub status: TaskStatus,
}

/// `GET /api/v1/portal/onboarding`: the customer's plan progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalOnboarding {
    pub starts_on: NaiveDate,
    pub planned_go_live: Option<NaiveDate>,
    pub actual_go_live: Option<NaiveDate>,
    pub progress: i32,
    pub tasks: Vec<PortalOnboardingTask>,
}
