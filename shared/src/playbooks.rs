//! Playbooks: when something happens to an account (its health falls, a
//! renewal nears, a P1 ticket opens, nobody has talked to it for weeks),
//! a playbook makes the tasks that answer it, assigned by role, due some
//! days after it fires. A playbook fires at most once per account and
//! occurrence of its trigger, and not again within its cooldown.
//!
//! The vocabularies, limits and checks live here, so the server refuses
//! what the SPA's form refuses, with the same words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::double_option;

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::tasks::{TaskPriority, TaskType};
use crate::texts::{Msg, T};
use crate::validation::{in_range, optional_text, required_text, Collector};
use crate::{ErpModule, LifecycleStage};

pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 5_000;
pub const MAX_STEPS: usize = 20;
/// Day offsets and `N` of a trigger are at most this.
pub const MAX_DAYS: i64 = 730;
pub const DEFAULT_COOLDOWN_DAYS: i32 = 30;

string_enum!(
    /// What makes a playbook fire for an account (`threshold` is the `N`
    /// of the triggers that have one): the latest health band is yellow or
    /// red and the one before was better; the score fell by at least N
    /// points within 30 days; a renewal is due within N days and still
    /// `upcoming`; the onboarding plan is behind or stuck; a P1 ticket was
    /// opened; a ticket missed an SLA target; a survey answer of 0–6; no
    /// touchpoint for N days; a licence or a service agreement expires
    /// within N days; usage (events received) fell by at least N% from the
    /// week before to the last seven days; a module the account bought has
    /// no training held for it.
    PlaybookTrigger {
        HealthBandDrop => "health_band_drop",
        HealthScoreDrop => "health_score_drop",
        RenewalDue => "renewal_due",
        OnboardingBehind => "onboarding_behind",
        P1Ticket => "p1_ticket",
        SlaBreach => "sla_breach",
        NpsDetractor => "nps_detractor",
        NoTouchpoint => "no_touchpoint",
        LicenseExpiring => "license_expiring",
        AgreementExpiring => "agreement_expiring",
        UsageDrop => "usage_drop",
        TrainingGap => "training_gap",
    }
);

impl PlaybookTrigger {
    /// Whether the trigger needs `threshold` (and its allowed range).
    pub fn threshold_range(self) -> Option<(i64, i64)> {
        match self {
            PlaybookTrigger::HealthScoreDrop | PlaybookTrigger::UsageDrop => Some((1, 100)),
            PlaybookTrigger::RenewalDue
            | PlaybookTrigger::NoTouchpoint
            | PlaybookTrigger::LicenseExpiring
            | PlaybookTrigger::AgreementExpiring => Some((1, MAX_DAYS)),
            _ => None,
        }
    }
}

string_enum!(
    /// Who a step's task goes to: the account's owner (else the
    /// workspace's first manager); the first active manager (else an
    /// admin); the engineer who owns the step's module (Settings → module
    /// owners), else the account's owner.
    AssigneeRole {
        AccountOwner => "account_owner",
        Manager => "manager",
        ModuleOwner => "module_owner",
    }
);

string_enum!(
    /// A run is `active` while it has open tasks, then `completed`; a
    /// cancelled run closes its open tasks.
    RunStatus {
        Active => "active",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

/// Which accounts a playbook applies to; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybookConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<LifecycleStage>,
    /// Annual value of the contracts running today, in cents, at least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_annual_value_cents: Option<i64>,
    /// … and at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_annual_value_cents: Option<i64>,
    /// The account uses every one of these modules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ErpModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
}

/// A task a playbook makes when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybookStep {
    pub title_zh: String,
    pub title_en: String,
    #[serde(default)]
    pub note_zh: String,
    #[serde(default)]
    pub note_en: String,
    pub task_type: TaskType,
    #[serde(default = "normal")]
    pub priority: TaskPriority,
    /// Due this many days after the playbook fires (0: the same day).
    pub day_offset: i64,
    pub assignee: AssigneeRole,
    /// The module whose owner gets it (`module_owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<ErpModule>,
}

/// A mail to the customer that a playbook drafts when it fires: the
/// account's owner gets an `email` task holding it, addressed to the
/// account's main contact, reviews and edits it, and sends it
/// (`POST /tasks/{id}/send-email`). Nothing reaches the customer unsent.
/// The subject and body may use `{{contact.name}}`, `{{account.name}}`
/// and `{{agent.name}}`; the draft is in the contact's language (the
/// other text when that one is blank).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybookEmail {
    #[serde(default)]
    pub subject_zh: String,
    #[serde(default)]
    pub subject_en: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub body_en: String,
}

/// The placeholders a playbook's customer mail may use.
pub const EMAIL_PLACEHOLDERS: &[&str] = &["contact.name", "account.name", "agent.name"];

fn normal() -> TaskPriority {
    TaskPriority::Normal
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Playbook {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub trigger: PlaybookTrigger,
    pub threshold: Option<i64>,
    pub conditions: PlaybookConditions,
    pub steps: Vec<PlaybookStep>,
    /// E-mail the account's owner when it fires.
    pub notify_owner: bool,
    /// A mail to the customer drafted for the owner to review and send.
    pub customer_email: Option<PlaybookEmail>,
    /// Days after a run for an account before the playbook may fire for
    /// that account again.
    pub cooldown_days: i32,
    pub active: bool,
    /// The built-in playbook it was installed from, if any.
    pub library_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePlaybookRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub trigger: PlaybookTrigger,
    #[serde(default)]
    pub threshold: Option<i64>,
    #[serde(default)]
    pub conditions: PlaybookConditions,
    pub steps: Vec<PlaybookStep>,
    #[serde(default)]
    pub notify_owner: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<PlaybookEmail>,
    #[serde(default)]
    pub cooldown_days: Option<i32>,
    /// Defaults to `true`.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A partial update; `steps` and `conditions`, when given, replace the old.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePlaybookRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<PlaybookConditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<PlaybookStep>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_owner: Option<bool>,
    /// `null` removes the customer mail.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PlaybookEmail>))]
    pub customer_email: Option<Option<PlaybookEmail>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// One firing of a playbook for an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybookRun {
    pub id: i64,
    pub playbook_id: i64,
    pub playbook_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub trigger: PlaybookTrigger,
    /// What fired it, e.g. `band:2027-03-10` or `renewal:42`.
    pub occurrence: String,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub tasks_total: i64,
    pub tasks_open: i64,
}

/// `POST /api/v1/playbook-runs/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelRunRequest {
    pub reason: String,
}

/// A playbook's effect, over all its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybookEffect {
    pub playbook_id: i64,
    pub name: String,
    pub trigger: PlaybookTrigger,
    pub fired: i64,
    pub completed: i64,
    pub cancelled: i64,
    /// Runs with an open task past its due time.
    pub overdue: i64,
    /// Health-triggered runs whose account was green again within 60 days.
    pub recovered: i64,
    /// Renewal-triggered runs whose renewal closed renewed.
    pub renewed: i64,
}

/// The result of a sweep (the `playbooks` job).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepReport {
    pub playbooks: u64,
    pub fired: u64,
    pub tasks: u64,
    pub completed: u64,
}

fn check_steps(c: &mut Collector, steps: &[PlaybookStep]) {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        c.fields.insert(
            "steps".into(),
            Msg::new(T::PlaybookSteps).with("max", MAX_STEPS).en(),
        );
    }
    for (n, s) in steps.iter().enumerate() {
        let f = |name: &str| format!("steps[{n}].{name}");
        c.check(
            &f("title_zh"),
            required_text(&s.title_zh, crate::tasks::MAX_TITLE),
        );
        c.check(
            &f("title_en"),
            required_text(&s.title_en, crate::tasks::MAX_TITLE),
        );
        c.check(&f("note_zh"), optional_text(&s.note_zh, MAX_TEXT));
        c.check(&f("note_en"), optional_text(&s.note_en, MAX_TEXT));
        c.check(&f("day_offset"), in_range(s.day_offset, 0, MAX_DAYS));
        if s.assignee == AssigneeRole::ModuleOwner && s.module.is_none() {
            c.fields
                .insert(f("module"), Msg::new(T::PlaybookModuleOwner).en());
        }
    }
}

fn check_threshold(c: &mut Collector, trigger: PlaybookTrigger, threshold: Option<i64>) {
    match (trigger.threshold_range(), threshold) {
        (Some((min, max)), Some(n)) => c.check("threshold", in_range(n, min, max)),
        (Some(_), None) => c.check("threshold", required_text("", 1)),
        (None, _) => c,
    };
}

fn check_conditions(c: &mut Collector, cond: &PlaybookConditions) {
    if let (Some(min), Some(max)) = (cond.min_annual_value_cents, cond.max_annual_value_cents) {
        if min > max {
            c.fields.insert(
                "conditions.max_annual_value_cents".into(),
                Msg::new(T::PlaybookValueRange).en(),
            );
        }
    }
    if let Some(segment) = &cond.segment {
        c.check("conditions.segment", required_text(segment, MAX_NAME));
    }
}

/// A customer mail needs a subject and a body in at least one language,
/// each language it has complete, and only [`EMAIL_PLACEHOLDERS`].
fn check_email(c: &mut Collector, mail: &PlaybookEmail) {
    let zh = !mail.subject_zh.trim().is_empty() || !mail.body_zh.trim().is_empty();
    let en = !mail.subject_en.trim().is_empty() || !mail.body_en.trim().is_empty();
    for (lang, has) in [("zh", zh || !en), ("en", en)] {
        if !has {
            continue;
        }
        let (subject, body) = if lang == "zh" {
            (&mail.subject_zh, &mail.body_zh)
        } else {
            (&mail.subject_en, &mail.body_en)
        };
        let (sf, bf) = (
            format!("customer_email.subject_{lang}"),
            format!("customer_email.body_{lang}"),
        );
        c.check(&sf, required_text(subject, MAX_SUBJECT));
        c.check(&bf, required_text(body, MAX_TEXT));
        for (field, text) in [(sf, subject), (bf, body)] {
            if let Some(bad) = bad_email_placeholder(text) {
                c.fields.entry(field).or_insert(bad.en());
            }
        }
    }
}

/// The error of the first placeholder in `text` a customer mail may not use.
pub fn bad_email_placeholder(text: &str) -> Option<Msg> {
    let allowed = || {
        EMAIL_PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{{{p}}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let bad = match crate::macros::placeholders(text) {
        Err(bad) => bad.0,
        Ok(found) => found
            .into_iter()
            .find(|p| !EMAIL_PLACEHOLDERS.contains(p))
            .map(|p| format!("{{{{{p}}}}}"))?,
    };
    Some(
        Msg::new(T::MacroPlaceholder)
            .with("placeholder", bad)
            .with("allowed", allowed()),
    )
}

/// Longest subject of a customer mail.
pub const MAX_SUBJECT: usize = 200;

fn check_cooldown(c: &mut Collector, cooldown: Option<i32>) {
    if let Some(days) = cooldown {
        c.check("cooldown_days", in_range(i64::from(days), 0, MAX_DAYS));
    }
}

pub fn validate_create(req: &CreatePlaybookRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", required_text(&req.name, MAX_NAME));
    c.check("description", optional_text(&req.description, MAX_TEXT));
    check_threshold(&mut c, req.trigger, req.threshold);
    check_conditions(&mut c, &req.conditions);
    check_steps(&mut c, &req.steps);
    if let Some(mail) = &req.customer_email {
        check_email(&mut c, mail);
    }
    check_cooldown(&mut c, req.cooldown_days);
    c.finish()
}

/// Checks an update of a playbook with `trigger`.
pub fn validate_update(
    req: &UpdatePlaybookRequest,
    trigger: PlaybookTrigger,
    threshold: Option<i64>,
) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check("name", required_text(name, MAX_NAME));
    }
    if let Some(d) = &req.description {
        c.check("description", optional_text(d, MAX_TEXT));
    }
    check_threshold(&mut c, trigger, req.threshold.or(threshold));
    if let Some(cond) = &req.conditions {
        check_conditions(&mut c, cond);
    }
    if let Some(steps) = &req.steps {
        check_steps(&mut c, steps);
    }
    if let Some(Some(mail)) = &req.customer_email {
        check_email(&mut c, mail);
    }
    check_cooldown(&mut c, req.cooldown_days);
    c.finish()
}

pub fn validate_cancel(req: &CancelRunRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("reason", required_text(&req.reason, MAX_TEXT));
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> PlaybookStep {
        PlaybookStep {
            title_zh: "电话回访".into(),
            title_en: "Call the customer".into(),
            note_zh: String::new(),
            note_en: String::new(),
            task_type: TaskType::Call,
            priority: TaskPriority::High,
            day_offset: 1,
            assignee: AssigneeRole::AccountOwner,
            module: None,
        }
    }

    fn request(trigger: PlaybookTrigger, threshold: Option<i64>) -> CreatePlaybookRequest {
        CreatePlaybookRequest {
            name: "健康度转红".into(),
            description: String::new(),
            trigger,
            threshold,
            conditions: PlaybookConditions::default(),
            steps: vec![step()],
            notify_owner: false,
            customer_email: None,
            cooldown_days: None,
            active: None,
        }
    }

    #[test]
    fn a_customer_mail_needs_a_whole_language_and_its_placeholders() {
        let mut req = request(PlaybookTrigger::P1Ticket, None);
        req.customer_email = Some(PlaybookEmail::default());
        let errors = validate_create(&req).unwrap_err();
        assert!(errors.contains_key("customer_email.subject_zh"));
        assert!(errors.contains_key("customer_email.body_zh"));
        req.customer_email = Some(PlaybookEmail {
            subject_en: "About {{account.name}}".into(),
            body_en: "Dear {{contact.name}}, ticket {{ticket.number}}".into(),
            ..Default::default()
        });
        let errors = validate_create(&req).unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            vec!["customer_email.body_en"]
        );
        assert!(errors["customer_email.body_en"].contains("{{ticket.number}}"));
        req.customer_email = Some(PlaybookEmail {
            subject_zh: "关于{{account.name}}".into(),
            body_zh: "{{contact.name}}您好，我是{{agent.name}}".into(),
            ..Default::default()
        });
        assert!(validate_create(&req).is_ok());
    }

    #[test]
    fn triggers_with_an_n_need_one_in_range() {
        assert!(validate_create(&request(PlaybookTrigger::HealthBandDrop, None)).is_ok());
        let missing = validate_create(&request(PlaybookTrigger::RenewalDue, None)).unwrap_err();
        assert!(missing.contains_key("threshold"));
        assert!(validate_create(&request(PlaybookTrigger::RenewalDue, Some(90))).is_ok());
        assert!(validate_create(&request(PlaybookTrigger::HealthScoreDrop, Some(101))).is_err());
    }

    #[test]
    fn steps_are_checked_one_by_one() {
        let mut req = request(PlaybookTrigger::P1Ticket, None);
        req.steps[0].assignee = AssigneeRole::ModuleOwner;
        req.steps[0].day_offset = -1;
        let errors = validate_create(&req).unwrap_err();
        assert!(errors.contains_key("steps[0].module"));
        assert!(errors.contains_key("steps[0].day_offset"));
        req.steps.clear();
        assert!(validate_create(&req).unwrap_err().contains_key("steps"));
    }
}
