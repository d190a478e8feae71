//! Success plans, shared with the customer (issue 15): per account, a plan
//! of objectives in the customer's words ("上线生产管理模块",
//! "月末结账从5天缩短到2天"), each with a measure and a target date;
//! milestones under each objective with an owner on either side (a staff
//! member or a contact of the account), a due date and a status; and
//! comments from both sides (staff may also write internal ones).
//!
//! The CSM chooses which objectives are `shared_with_customer`: the portal
//! shows a `customer_admin` those objectives, their milestones and the
//! public comments, never the rest, and lets them mark done the milestones
//! a contact of their account owns.
//!
//! The limits, vocabularies and checks live here so the server refuses
//! what the SPA's forms refuse, with the same words.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::double_option;
use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::texts::{Msg, T};
use crate::validation::{optional_text, required_text, Collector, Invalid};

/// Longest plan, objective or milestone title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest measure of an objective ("月末结账天数 ≤ 2").
pub const MAX_MEASURE: usize = 500;
/// Longest plan summary or staff note.
pub const MAX_NOTE: usize = 5_000;
/// Longest comment.
pub const MAX_COMMENT: usize = 5_000;
/// Most objectives a plan holds, and milestones an objective holds.
pub const MAX_OBJECTIVES: usize = 50;
pub const MAX_MILESTONES: usize = 50;

string_enum!(
    /// `active` plans are worked on, shown in the portal and scored;
    /// `archived` ones are kept for the record only.
    SuccessPlanStatus {
        Active => "active",
        Archived => "archived",
    }
);

string_enum!(
    /// Where an objective stands, as the CSM judges it.
    ObjectiveStatus {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Achieved => "achieved",
        Dropped => "dropped",
    }
);

string_enum!(
    MilestoneStatus {
        Open => "open",
        Done => "done",
    }
);

string_enum!(
    /// Whose a milestone or a comment is: the vendor's staff or the customer.
    PlanSide {
        Staff => "staff",
        Customer => "customer",
    }
);

/// Done milestones of all milestones; `percent` is null without any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanProgress {
    pub done: i64,
    pub total: i64,
    pub percent: Option<i32>,
}

impl PlanProgress {
    pub fn of(done: i64, total: i64) -> PlanProgress {
        PlanProgress {
            done,
            total,
            percent: (total > 0).then(|| (done * 100 / total) as i32),
        }
    }

    /// The progress of several parts together.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a PlanProgress>) -> PlanProgress {
        let (done, total) = parts
            .into_iter()
            .fold((0, 0), |(d, t), p| (d + p.done, t + p.total));
        PlanProgress::of(done, total)
    }
}

/// A milestone as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestone {
    pub id: i64,
    pub objective_id: i64,
    pub title: String,
    /// A staff member who owns it, or …
    pub owner_user_id: Option<i64>,
    /// … a contact of the account who owns it (at most one of the two).
    pub owner_contact_id: Option<i64>,
    pub owner_name: Option<String>,
    /// `staff`, `customer`, or null when nobody owns it.
    pub owner_side: Option<PlanSide>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_id: Option<i64>,
    pub done_by_name: Option<String>,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i64,
}

/// An objective as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objective {
    pub id: i64,
    pub plan_id: i64,
    /// In the customer's words.
    pub title: String,
    /// How the customer will know it is met.
    pub measure: String,
    pub target_date: Option<NaiveDate>,
    pub status: ObjectiveStatus,
    /// Whether the customer's administrator sees it in the portal.
    pub shared_with_customer: bool,
    pub progress: PlanProgress,
    pub milestones: Vec<Milestone>,
    pub version: i64,
}

/// A comment on a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanComment {
    pub id: i64,
    pub author_name: String,
    pub author_side: PlanSide,
    pub body: String,
    /// Staff only: never shown in the portal.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

/// A plan as staff see it: every objective, milestone and comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuccessPlan {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    /// Staff only: the CSM's notes on the plan.
    pub staff_note: String,
    pub status: SuccessPlanStatus,
    /// Of every objective's milestones.
    pub progress: PlanProgress,
    /// Of the shared objectives' milestones: what the customer sees.
    pub shared_progress: PlanProgress,
    pub objectives: Vec<Objective>,
    pub comments: Vec<PlanComment>,
    /// Whether the reader may change the plan (the account's owner, a
    /// manager or an admin).
    pub can_edit: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One plan of an account's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuccessPlanSummary {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub status: SuccessPlanStatus,
    pub progress: PlanProgress,
    pub shared_progress: PlanProgress,
    pub objective_count: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePlanRequest {
    pub title: String,
    #[serde(default)]
    pub staff_note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePlanRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_note: Option<String>,
    /// `archived` takes the plan out of the portal and of health;
    /// `active` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SuccessPlanStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateObjectiveRequest {
    pub title: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub target_date: Option<NaiveDate>,
    /// Defaults to `not_started`.
    #[serde(default)]
    pub status: Option<ObjectiveStatus>,
    /// Defaults to false: the CSM shares an objective when it is ready.
    #[serde(default)]
    pub shared_with_customer: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateObjectiveRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub target_date: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ObjectiveStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_with_customer: Option<bool>,
}

/// A milestone's owner: a staff member (`owner_user_id`) or a contact of
/// the account (`owner_contact_id`), at most one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMilestoneRequest {
    pub title: String,
    #[serde(default)]
    pub owner_user_id: Option<i64>,
    #[serde(default)]
    pub owner_contact_id: Option<i64>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// A partial update. Setting either owner replaces the owner (give the
/// other as null); `status: done` records who and when, `open` clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMilestoneRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub owner_user_id: Option<Option<i64>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub owner_contact_id: Option<Option<i64>>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub due_on: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MilestoneStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePlanCommentRequest {
    pub body: String,
    /// Staff only (the portal refuses it): a note the customer never sees.
    #[serde(default)]
    pub internal: bool,
}

/// A milestone as the customer's administrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalMilestone {
    pub id: i64,
    pub title: String,
    pub owner_name: Option<String>,
    pub owner_side: Option<PlanSide>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub done_at: Option<DateTime<Utc>>,
    /// Whether the reader may mark it done: it is open and a contact of
    /// their account owns it.
    pub can_mark_done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalObjective {
    pub id: i64,
    pub title: String,
    pub measure: String,
    pub target_date: Option<NaiveDate>,
    pub status: ObjectiveStatus,
    pub progress: PlanProgress,
    pub milestones: Vec<PortalMilestone>,
}

/// A plan as the customer's administrator sees it: the shared objectives
/// only, the public comments only, no staff notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSuccessPlan {
    pub id: i64,
    pub title: String,
    /// Of the shared objectives' milestones.
    pub progress: PlanProgress,
    pub objectives: Vec<PortalObjective>,
    pub comments: Vec<PlanComment>,
    pub updated_at: DateTime<Utc>,
}

fn check_title(c: &mut Collector, field: &str, title: &str) {
    c.check(field, required_text(title, MAX_TITLE));
    c.check(field, crate::validation::no_control_chars(title));
}

fn check_owner(c: &mut Collector, user: Option<i64>, contact: Option<i64>) {
    if user.is_some() && contact.is_some() {
        let why = Msg::new(T::PlanOneOwner).en();
        c.fields.insert("owner_user_id".into(), why.clone());
        c.fields.insert("owner_contact_id".into(), why);
    }
}

pub fn validate_create_plan(req: &CreatePlanRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_title(&mut c, "title", &req.title);
    c.check("staff_note", optional_text(&req.staff_note, MAX_NOTE));
    c.finish()
}

pub fn validate_update_plan(req: &UpdatePlanRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(title) = &req.title {
        check_title(&mut c, "title", title);
    }
    if let Some(note) = &req.staff_note {
        c.check("staff_note", optional_text(note, MAX_NOTE));
    }
    c.finish()
}

pub fn validate_create_objective(req: &CreateObjectiveRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_title(&mut c, "title", &req.title);
    c.check("measure", optional_text(&req.measure, MAX_MEASURE));
    c.check("target_date", plausible(req.target_date));
    c.finish()
}

pub fn validate_update_objective(req: &UpdateObjectiveRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(title) = &req.title {
        check_title(&mut c, "title", title);
    }
    if let Some(measure) = &req.measure {
        c.check("measure", optional_text(measure, MAX_MEASURE));
    }
    c.check("target_date", plausible(req.target_date.flatten()));
    c.finish()
}

pub fn validate_create_milestone(req: &CreateMilestoneRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_title(&mut c, "title", &req.title);
    check_owner(&mut c, req.owner_user_id, req.owner_contact_id);
    c.check("due_on", plausible(req.due_on));
    c.finish()
}

/// Checks an update against the milestone's owner as it is.
pub fn validate_update_milestone(
    req: &UpdateMilestoneRequest,
    owner_user_id: Option<i64>,
    owner_contact_id: Option<i64>,
) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(title) = &req.title {
        check_title(&mut c, "title", title);
    }
    let (user, contact) = owners_after(req, owner_user_id, owner_contact_id);
    check_owner(&mut c, user, contact);
    c.check("due_on", plausible(req.due_on.flatten()));
    c.finish()
}

/// The owners a milestone has after `req`: naming one side alone replaces
/// the owner, so the other side is cleared.
pub fn owners_after(
    req: &UpdateMilestoneRequest,
    owner_user_id: Option<i64>,
    owner_contact_id: Option<i64>,
) -> (Option<i64>, Option<i64>) {
    match (req.owner_user_id, req.owner_contact_id) {
        (None, None) => (owner_user_id, owner_contact_id),
        (Some(user), None) => (user, None),
        (None, Some(contact)) => (None, contact),
        (Some(user), Some(contact)) => (user, contact),
    }
}

pub fn validate_comment(req: &CreatePlanCommentRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("body", required_text(&req.body, MAX_COMMENT));
    c.finish()
}

/// A date a plan can carry: years 1970–2999 (a year such as 0479 is a typo).
fn plausible(date: Option<NaiveDate>) -> Result<(), Invalid> {
    use chrono::Datelike;
    match date {
        Some(d) if !(1970..=2999).contains(&d.year()) => Err(Invalid::OutOfRange {
            min: 1970,
            max: 2999,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_done_of_all_and_null_without_milestones() {
        assert_eq!(PlanProgress::of(0, 0).percent, None);
        assert_eq!(PlanProgress::of(1, 3).percent, Some(33));
        assert_eq!(PlanProgress::of(2, 2).percent, Some(100));
        let sum = PlanProgress::sum(&[PlanProgress::of(1, 2), PlanProgress::of(2, 2)]);
        assert_eq!(sum, PlanProgress::of(3, 4));
        assert_eq!(sum.percent, Some(75));
    }

    #[test]
    fn an_objective_needs_a_title_and_plausible_dates() {
        let req = CreateObjectiveRequest {
            title: "  ".into(),
            measure: "x".repeat(MAX_MEASURE + 1),
            target_date: NaiveDate::from_ymd_opt(479, 1, 1),
            status: None,
            shared_with_customer: false,
        };
        let errors = validate_create_objective(&req).unwrap_err();
        for field in ["title", "measure", "target_date"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let ok = CreateObjectiveRequest {
            title: "月末结账从5天缩短到2天".into(),
            measure: "结账天数".into(),
            target_date: NaiveDate::from_ymd_opt(2027, 6, 30),
            status: None,
            shared_with_customer: true,
        };
        assert_eq!(validate_create_objective(&ok), Ok(()));
    }

    #[test]
    fn a_milestone_has_one_owner_at_most() {
        let req = CreateMilestoneRequest {
            title: "BOM 导入".into(),
            owner_user_id: Some(1),
            owner_contact_id: Some(2),
            due_on: None,
        };
        let errors = validate_create_milestone(&req).unwrap_err();
        assert!(errors.contains_key("owner_user_id"));
        // Naming one side replaces the owner.
        let update = UpdateMilestoneRequest {
            owner_contact_id: Some(Some(2)),
            ..Default::default()
        };
        assert_eq!(owners_after(&update, Some(1), None), (None, Some(2)));
        assert_eq!(validate_update_milestone(&update, Some(1), None), Ok(()));
        let both = UpdateMilestoneRequest {
            owner_contact_id: Some(Some(2)),
            owner_user_id: Some(Some(1)),
            ..Default::default()
        };
        assert!(validate_update_milestone(&both, None, None).is_err());
    }
}
