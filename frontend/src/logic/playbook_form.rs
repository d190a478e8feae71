//! The playbook editor's values: what the form holds (text as typed), how
//! it becomes a create or update request, and the step list's add, remove
//! and move. Numbers are parsed here; every other rule is
//! `shared::playbooks`' own check, so the form refuses exactly what the
//! server refuses, under the same field names (`steps[0].title_zh` …).

use shared::contracts::format_cents;
use shared::playbooks::{
    validate_create, validate_update, AssigneeRole, CreatePlaybookRequest, Playbook,
    PlaybookConditions, PlaybookEmail, PlaybookStep, PlaybookTrigger, UpdatePlaybookRequest,
    DEFAULT_COOLDOWN_DAYS,
};
use shared::tasks::{TaskPriority, TaskType};
use shared::texts::{Msg, T};
use shared::validation::{whole_number_in, Invalid};
use shared::{ErpModule, FieldErrors, LifecycleStage};

use super::money::cents;

/// One step as the form holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDraft {
    pub title_zh: String,
    pub title_en: String,
    pub note_zh: String,
    pub note_en: String,
    pub task_type: TaskType,
    pub priority: TaskPriority,
    pub day_offset: String,
    pub assignee: AssigneeRole,
    pub module: Option<ErpModule>,
}

impl Default for StepDraft {
    fn default() -> Self {
        StepDraft {
            title_zh: String::new(),
            title_en: String::new(),
            note_zh: String::new(),
            note_en: String::new(),
            task_type: TaskType::Call,
            priority: TaskPriority::Normal,
            day_offset: "0".into(),
            assignee: AssigneeRole::AccountOwner,
            module: None,
        }
    }
}

impl StepDraft {
    pub fn of(s: &PlaybookStep) -> Self {
        StepDraft {
            title_zh: s.title_zh.clone(),
            title_en: s.title_en.clone(),
            note_zh: s.note_zh.clone(),
            note_en: s.note_en.clone(),
            task_type: s.task_type,
            priority: s.priority,
            day_offset: s.day_offset.to_string(),
            assignee: s.assignee,
            module: s.module,
        }
    }
}

/// The whole form.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybookDraft {
    pub name: String,
    pub description: String,
    pub trigger: PlaybookTrigger,
    /// The trigger's `N`, shown only where the trigger has one.
    pub threshold: String,
    pub segment: String,
    pub stage: Option<LifecycleStage>,
    /// Yuan, as typed (`128000` or `128000.50`); sent as cents.
    pub min_value: String,
    pub max_value: String,
    pub modules: Vec<ErpModule>,
    pub owner_id: Option<i64>,
    pub steps: Vec<StepDraft>,
    pub notify_owner: bool,
    pub cooldown_days: String,
    pub active: bool,
    /// A customer mail drafted for the owner to review and send.
    pub mail: bool,
    pub mail_text: PlaybookEmail,
}

impl Default for PlaybookDraft {
    /// A new playbook: one empty step, the default cooldown, active.
    fn default() -> Self {
        PlaybookDraft {
            name: String::new(),
            description: String::new(),
            trigger: PlaybookTrigger::HealthBandDrop,
            threshold: String::new(),
            segment: String::new(),
            stage: None,
            min_value: String::new(),
            max_value: String::new(),
            modules: Vec::new(),
            owner_id: None,
            steps: vec![StepDraft::default()],
            notify_owner: false,
            cooldown_days: DEFAULT_COOLDOWN_DAYS.to_string(),
            active: true,
            mail: false,
            mail_text: PlaybookEmail::default(),
        }
    }
}

/// Cents as yuan for the form: `12800000` → `128000`, `5050` → `50.50`.
pub fn yuan(cents: i64) -> String {
    let text = format_cents(cents);
    text.strip_suffix(".00").map(str::to_string).unwrap_or(text)
}

fn number(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
    match whole_number_in(text, i64::MIN, i64::MAX) {
        Ok(n) => Some(n),
        Err(Invalid::Required) => None,
        Err(e) => {
            errors.insert(field.to_string(), e.message_en());
            None
        }
    }
}

fn money(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
    let text: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    if text.is_empty() {
        return None;
    }
    let found = cents(&text);
    if found.is_none() {
        errors.insert(field.to_string(), Msg::new(T::Amount).en());
    }
    found
}

impl PlaybookDraft {
    pub fn of(p: &Playbook) -> Self {
        let c = &p.conditions;
        PlaybookDraft {
            name: p.name.clone(),
            description: p.description.clone(),
            trigger: p.trigger,
            threshold: p.threshold.map(|n| n.to_string()).unwrap_or_default(),
            segment: c.segment.clone().unwrap_or_default(),
            stage: c.stage,
            min_value: c.min_annual_value_cents.map(yuan).unwrap_or_default(),
            max_value: c.max_annual_value_cents.map(yuan).unwrap_or_default(),
            modules: c.modules.clone(),
            owner_id: c.owner_id,
            steps: p.steps.iter().map(StepDraft::of).collect(),
            notify_owner: p.notify_owner,
            cooldown_days: p.cooldown_days.to_string(),
            active: p.active,
            mail: p.customer_email.is_some(),
            mail_text: p.customer_email.clone().unwrap_or_default(),
        }
    }

    /// The customer mail, if the form drafts one.
    fn customer_email(&self) -> Option<PlaybookEmail> {
        self.mail.then(|| self.mail_text.clone())
    }

    /// Whether the form shows the threshold field.
    pub fn needs_threshold(&self) -> bool {
        self.trigger.threshold_range().is_some()
    }

    fn conditions(&self, errors: &mut FieldErrors) -> PlaybookConditions {
        let segment = self.segment.trim();
        PlaybookConditions {
            segment: (!segment.is_empty()).then(|| segment.to_string()),
            stage: self.stage,
            min_annual_value_cents: money(
                errors,
                "conditions.min_annual_value_cents",
                &self.min_value,
            ),
            max_annual_value_cents: money(
                errors,
                "conditions.max_annual_value_cents",
                &self.max_value,
            ),
            modules: self.modules.clone(),
            owner_id: self.owner_id,
        }
    }

    fn steps(&self, errors: &mut FieldErrors) -> Vec<PlaybookStep> {
        self.steps
            .iter()
            .enumerate()
            .map(|(n, s)| {
                let field = format!("steps[{n}].day_offset");
                // Blank is the server's "out of range" too: it has no default.
                let day_offset = number(errors, &field, &s.day_offset).unwrap_or(-1);
                PlaybookStep {
                    title_zh: s.title_zh.clone(),
                    title_en: s.title_en.clone(),
                    note_zh: s.note_zh.clone(),
                    note_en: s.note_en.clone(),
                    task_type: s.task_type,
                    priority: s.priority,
                    day_offset,
                    assignee: s.assignee,
                    module: (s.assignee == AssigneeRole::ModuleOwner)
                        .then_some(s.module)
                        .flatten(),
                }
            })
            .collect()
    }

    fn threshold(&self, errors: &mut FieldErrors) -> Option<i64> {
        if !self.needs_threshold() {
            return None;
        }
        number(errors, "threshold", &self.threshold)
    }

    fn cooldown(&self, errors: &mut FieldErrors) -> Option<i32> {
        let n = number(errors, "cooldown_days", &self.cooldown_days)?;
        match i32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                let max = shared::playbooks::MAX_DAYS;
                errors.insert(
                    "cooldown_days".into(),
                    Invalid::OutOfRange { min: 0, max }.message_en(),
                );
                None
            }
        }
    }

    /// The request for a new playbook, or every field's error.
    pub fn to_create(&self) -> Result<CreatePlaybookRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let req = CreatePlaybookRequest {
            name: self.name.clone(),
            description: self.description.clone(),
            trigger: self.trigger,
            threshold: self.threshold(&mut errors),
            conditions: self.conditions(&mut errors),
            steps: self.steps(&mut errors),
            notify_owner: self.notify_owner,
            cooldown_days: self.cooldown(&mut errors),
            active: Some(self.active),
            customer_email: self.customer_email(),
        };
        let mut found = validate_create(&req).err().unwrap_or_default();
        // A value that did not parse keeps its own message.
        found.extend(errors);
        if found.is_empty() {
            Ok(req)
        } else {
            Err(found)
        }
    }

    /// The update of a playbook (its trigger stays: the API does not change
    /// it), every field sent, or every field's error.
    pub fn to_update(&self) -> Result<UpdatePlaybookRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let req = UpdatePlaybookRequest {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            threshold: self.threshold(&mut errors),
            conditions: Some(self.conditions(&mut errors)),
            steps: Some(self.steps(&mut errors)),
            notify_owner: Some(self.notify_owner),
            cooldown_days: self.cooldown(&mut errors),
            active: Some(self.active),
            // Sent every time: unticked removes a saved mail.
            customer_email: Some(self.customer_email()),
        };
        let mut found = validate_update(&req, self.trigger, None)
            .err()
            .unwrap_or_default();
        found.extend(errors);
        if found.is_empty() {
            Ok(req)
        } else {
            Err(found)
        }
    }
}

/// Moves item `at` one place up (`up`) or down; nothing at the ends.
pub fn move_item<T>(items: &mut [T], at: usize, up: bool) {
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    if let Some(other) = other.filter(|o| *o < items.len() && at < items.len()) {
        items.swap(at, other);
    }
}

/// The field errors of the steps renumbered after step `removed` went
/// away (`steps[3].title_zh` becomes `steps[2].title_zh`; the removed
/// step's own errors go).
pub fn errors_after_removal(errors: &FieldErrors, removed: usize) -> FieldErrors {
    errors
        .iter()
        .filter_map(|(field, message)| match step_of(field) {
            Some((n, _)) if n == removed => None,
            Some((n, rest)) if n > removed => Some((format!("steps[{}]{rest}", n - 1), message)),
            _ => Some((field.clone(), message)),
        })
        .map(|(f, m)| (f, m.clone()))
        .collect()
}

/// `steps[2].title_zh` → `(2, ".title_zh")`.
pub fn step_of(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("steps[")?;
    let (n, rest) = rest.split_once(']')?;
    Some((n.parse().ok()?, rest))
}

/// The error of one step's field, if any.
pub fn step_error(errors: &FieldErrors, n: usize, name: &str) -> Option<String> {
    errors.get(&format!("steps[{n}].{name}")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> PlaybookDraft {
        PlaybookDraft {
            name: "续费提醒".into(),
            trigger: PlaybookTrigger::RenewalDue,
            threshold: "90".into(),
            steps: vec![StepDraft {
                title_zh: "电话回访".into(),
                title_en: "Call the customer".into(),
                day_offset: "3".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_customer_mail_is_sent_when_ticked_and_removed_when_not() {
        let mut d = filled();
        d.mail_text.subject_zh = "关于{{account.name}}".into();
        assert_eq!(d.to_create().unwrap().customer_email, None, "not ticked");
        assert_eq!(d.to_update().unwrap().customer_email, Some(None));
        d.mail = true;
        let errors = d.to_create().unwrap_err();
        assert!(errors.contains_key("customer_email.body_zh"), "{errors:?}");
        d.mail_text.body_zh = "{{contact.name}}您好".into();
        let mail = d.to_create().unwrap().customer_email.unwrap();
        assert_eq!(mail.body_zh, "{{contact.name}}您好");
        assert_eq!(d.to_update().unwrap().customer_email, Some(Some(mail)));
    }

    #[test]
    fn a_filled_form_makes_the_request_with_cents() {
        let mut d = filled();
        d.min_value = "128,000".into();
        d.max_value = "500000.5".into();
        d.segment = "  制造业 ".into();
        let req = d.to_create().unwrap();
        assert_eq!(req.threshold, Some(90));
        assert_eq!(req.conditions.min_annual_value_cents, Some(12_800_000));
        assert_eq!(req.conditions.max_annual_value_cents, Some(50_000_050));
        assert_eq!(req.conditions.segment.as_deref(), Some("制造业"));
        assert_eq!(req.steps[0].day_offset, 3);
        assert_eq!(req.cooldown_days, Some(30));
        assert_eq!(req.active, Some(true));
    }

    #[test]
    fn the_form_refuses_what_the_server_refuses() {
        let mut d = filled();
        d.threshold = String::new();
        d.steps[0].title_en = " ".into();
        d.steps[0].assignee = AssigneeRole::ModuleOwner;
        d.steps[0].day_offset = "999".into();
        let errors = d.to_create().unwrap_err();
        assert!(errors.contains_key("threshold"));
        assert!(errors.contains_key("steps[0].title_en"));
        assert!(errors.contains_key("steps[0].module"));
        assert!(errors.contains_key("steps[0].day_offset"));
        d.steps.clear();
        assert!(d.to_create().unwrap_err().contains_key("steps"));
    }

    #[test]
    fn typed_numbers_that_are_not_numbers_say_so() {
        let mut d = filled();
        d.threshold = "ninety".into();
        d.min_value = "12.345".into();
        d.max_value = "100".into();
        d.cooldown_days = "x".into();
        d.steps[0].day_offset = String::new();
        let errors = d.to_create().unwrap_err();
        assert_eq!(errors["threshold"], "must be a whole number");
        assert!(errors["conditions.min_annual_value_cents"].starts_with("must be a non-negative"));
        assert_eq!(errors["cooldown_days"], "must be a whole number");
        assert!(errors.contains_key("steps[0].day_offset"));
        d.min_value = "200".into();
        d.threshold = "90".into();
        d.cooldown_days = "3".into();
        d.steps[0].day_offset = "0".into();
        let errors = d.to_create().unwrap_err();
        assert!(errors.contains_key("conditions.max_annual_value_cents"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn a_trigger_without_n_sends_none() {
        let mut d = filled();
        d.trigger = PlaybookTrigger::P1Ticket;
        d.threshold = "garbage".into();
        assert_eq!(d.to_create().unwrap().threshold, None);
    }

    #[test]
    fn a_module_is_sent_only_for_the_module_owner() {
        let mut d = filled();
        d.steps[0].module = Some(ErpModule::ALL[0]);
        assert_eq!(d.to_create().unwrap().steps[0].module, None);
        d.steps[0].assignee = AssigneeRole::ModuleOwner;
        assert_eq!(
            d.to_create().unwrap().steps[0].module,
            Some(ErpModule::ALL[0])
        );
    }

    #[test]
    fn a_playbook_round_trips_through_the_form() {
        let req = {
            let mut d = filled();
            d.min_value = "1000.50".into();
            d.modules = vec![ErpModule::ALL[1]];
            d.owner_id = Some(7);
            d.to_create().unwrap()
        };
        let p = Playbook {
            id: 1,
            name: req.name.clone(),
            description: req.description.clone(),
            trigger: req.trigger,
            threshold: req.threshold,
            conditions: req.conditions.clone(),
            steps: req.steps.clone(),
            notify_owner: true,
            cooldown_days: 14,
            active: false,
            customer_email: None,
            library_key: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 3,
        };
        let d = PlaybookDraft::of(&p);
        assert_eq!(d.min_value, "1000.50");
        assert_eq!(d.cooldown_days, "14");
        let up = d.to_update().unwrap();
        assert_eq!(up.conditions, Some(req.conditions));
        assert_eq!(up.steps, Some(req.steps));
        assert_eq!(up.threshold, Some(90));
        assert_eq!(up.active, Some(false));
        assert_eq!(up.notify_owner, Some(true));
    }

    #[test]
    fn yuan_drops_zero_cents() {
        assert_eq!(yuan(12_800_000), "128000");
        assert_eq!(yuan(5_050), "50.50");
        assert_eq!(yuan(0), "0");
    }

    #[test]
    fn steps_move_within_the_list() {
        let mut v = vec![1, 2, 3];
        move_item(&mut v, 0, true);
        assert_eq!(v, [1, 2, 3]);
        move_item(&mut v, 0, false);
        assert_eq!(v, [2, 1, 3]);
        move_item(&mut v, 2, true);
        assert_eq!(v, [2, 3, 1]);
        move_item(&mut v, 2, false);
        assert_eq!(v, [2, 3, 1]);
        move_item(&mut v, 9, true);
        assert_eq!(v, [2, 3, 1]);
    }

    #[test]
    fn step_errors_follow_their_step_when_one_is_removed() {
        let mut e = FieldErrors::new();
        e.insert("name".into(), "is required".into());
        e.insert("steps[0].title_zh".into(), "a".into());
        e.insert("steps[1].title_en".into(), "b".into());
        e.insert("steps[2].day_offset".into(), "c".into());
        let after = errors_after_removal(&e, 1);
        assert_eq!(after.len(), 3);
        assert_eq!(after["name"], "is required");
        assert_eq!(after["steps[0].title_zh"], "a");
        assert_eq!(after["steps[1].day_offset"], "c");
        assert_eq!(step_of("steps[12].module"), Some((12, ".module")));
        assert_eq!(step_of("steps"), None);
        assert_eq!(step_error(&after, 1, "day_offset").as_deref(), Some("c"));
    }
}
