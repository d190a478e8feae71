//! Macros (canned replies): a reply text in Chinese and in English with
//! placeholders, and optional actions on the ticket it is applied to (set
//! status, priority or tier, add an internal note). `personal` macros are
//! their owner's alone; `shared` ones serve every staff member of the
//! workspace and are made and changed by admins and managers.
//!
//! The placeholder grammar, the limits and the checks of a macro live here,
//! so the server refuses what the SPA's form refuses, with the same words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::texts::{Msg, T};
use crate::tickets::{Comment, Ticket, TicketPriority, TicketStatus, MAX_BODY, MAX_TIER};
use crate::validation::{in_range, optional_text, required_text, Collector};
use crate::Locale;

/// Longest macro name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest reply text (per language) or internal note: a comment's limit.
pub const MAX_TEXT: usize = MAX_BODY;
/// Longest search text (`?q=`), in characters.
pub const MAX_QUERY: usize = 200;

/// The placeholders a macro may use, as written between `{{` and `}}`.
pub const PLACEHOLDERS: &[&str] = &[
    "contact.name",
    "ticket.number",
    "account.name",
    "agent.name",
];

string_enum!(
    /// Who sees and uses a macro: its owner alone, or every staff member.
    MacroScope {
        Personal => "personal",
        Shared => "shared",
    }
);

/// What applying a macro does to the ticket besides giving the reply text.
/// Each action goes through the ticket's own rules (transitions,
/// escalation, SLA, audit); one the ticket's state refuses refuses the
/// whole application, which then changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MacroActions {
    /// One of the statuses staff may move a ticket to: `open`,
    /// `pending_customer`, `resolved`, `closed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TicketPriority>,
    /// 1–3. A tier only rises, by escalation (one step at a time, each
    /// with the macro's name as its reason); a ticket already at this tier
    /// is left as it is, one above it refuses the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<i32>,
    /// An internal note added to the ticket (placeholders are filled in,
    /// in the language of the reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
}

impl MacroActions {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.tier.is_none()
            && self.internal_note.is_none()
    }
}

/// A macro as the staff member who reads it sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Macro {
    pub id: i64,
    pub name: String,
    /// The reply in Chinese; may be empty when `body_en` is not.
    pub body_zh: String,
    /// The reply in English; may be empty when `body_zh` is not.
    pub body_en: String,
    pub scope: MacroScope,
    /// Who made it (for a personal macro: the one person who sees it).
    pub owner_id: i64,
    pub owner_name: String,
    pub actions: MacroActions,
    /// How many times it was applied.
    pub usage_count: i64,
    /// Whether the reader may change or delete it.
    pub can_edit: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMacroRequest {
    pub name: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub body_en: String,
    /// Defaults to `personal`; `shared` is for admins and managers.
    #[serde(default)]
    pub scope: Option<MacroScope>,
    #[serde(default)]
    pub actions: MacroActions,
}

/// A partial update: absent fields stay as they are; `actions`, when
/// given, replaces every action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMacroRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<MacroScope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<MacroActions>,
}

/// `POST /api/v1/macros/{id}/apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyMacroRequest {
    /// The ticket whose reply box the text goes into.
    pub ticket_id: i64,
}

/// One change applying a macro made to the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppliedAction {
    Status {
        from: TicketStatus,
        to: TicketStatus,
    },
    Priority {
        from: TicketPriority,
        to: TicketPriority,
    },
    Tier {
        from: i32,
        to: i32,
    },
    InternalNote {
        comment_id: i64,
    },
}

/// What applying a macro gave: the reply text for the reply box (not sent:
/// the agent reviews and sends it) and the changes made to the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedMacro {
    pub macro_id: i64,
    /// The reply with its placeholders filled in.
    pub text: String,
    /// The language of `text`: the requester's, unless the macro has no
    /// text in it (then the other one).
    pub language: Locale,
    /// Placeholders that had nothing to fill them (a ticket without a
    /// requester has no `contact.name`); they were left empty.
    pub unresolved: Vec<String>,
    /// The changes made, in the order made; an action that found the
    /// ticket as it asks (same status, same tier) is not listed.
    pub applied: Vec<AppliedAction>,
    /// The ticket after the actions.
    pub ticket: Ticket,
    /// The internal note added, if the macro has one.
    pub note: Option<Comment>,
    pub usage_count: i64,
}

/// A placeholder written wrong: an unknown name, or `{{` never closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPlaceholder(pub String);

/// The placeholders of `text` as written (`{{ contact.name }}` gives
/// `contact.name`), or the first one that is not allowed.
pub fn placeholders(text: &str) -> Result<Vec<&str>, BadPlaceholder> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            let shown: String = rest[open..]
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            return Err(BadPlaceholder(shown));
        };
        let name = after[..close].trim();
        if !PLACEHOLDERS.contains(&name) {
            let shown: String = after[..close].chars().take(40).collect();
            return Err(BadPlaceholder(format!("{{{{{shown}}}}}")));
        }
        found.push(name);
        rest = &after[close + 2..];
    }
    Ok(found)
}

/// The allowed placeholders as a user writes them.
pub fn allowed_placeholders() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The field error of a bad placeholder, naming the allowed ones.
pub fn placeholder_msg(bad: &BadPlaceholder) -> Msg {
    Msg::new(T::MacroPlaceholder)
        .with("placeholder", &bad.0)
        .with("allowed", allowed_placeholders())
}

/// `text` with each placeholder replaced by `value(name)`; a placeholder
/// without a value is left empty and its name returned in `unresolved`.
/// A text that does not parse ([`placeholders`]) is returned as it is.
pub fn render(text: &str, value: impl Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut unresolved: Vec<String> = Vec::new();
    if placeholders(text).is_err() {
        return (text.to_string(), unresolved);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        let name = after[..close].trim();
        match value(name) {
            Some(v) => out.push_str(&v),
            None => {
                if !unresolved.iter().any(|u| u == name) {
                    unresolved.push(name.to_string());
                }
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    (out, unresolved)
}

/// The reply text to use for a reader of `lang`, and its language: the
/// text in `lang`, or the other one when that is blank.
pub fn pick_body<'a>(body_zh: &'a str, body_en: &'a str, lang: Locale) -> (&'a str, Locale) {
    let (first, other) = match lang {
        Locale::ZhCn => ((body_zh, Locale::ZhCn), (body_en, Locale::En)),
        Locale::En => ((body_en, Locale::En), (body_zh, Locale::ZhCn)),
    };
    if first.0.trim().is_empty() {
        other
    } else {
        first
    }
}

/// The statuses a macro may set: those staff may move a ticket to by an
/// update from some other status (not `new`, nor `blocked` and
/// `awaiting_approval`, which blockers and approvals decide).
pub fn settable_statuses() -> Vec<TicketStatus> {
    TicketStatus::ALL
        .iter()
        .copied()
        .filter(|to| {
            TicketStatus::ALL
                .iter()
                .any(|from| from != to && from.transition(*to).is_ok())
        })
        .collect()
}

fn check_text(c: &mut Collector, field: &str, text: &str) {
    if let Err(reason) = optional_text(text, MAX_TEXT) {
        c.check(field, Err(reason));
        return;
    }
    if let Err(bad) = placeholders(text) {
        c.fields
            .entry(field.to_string())
            .or_insert_with(|| placeholder_msg(&bad).en());
    }
}

fn check_actions(c: &mut Collector, actions: &MacroActions) {
    if let Some(status) = actions.status {
        let settable = settable_statuses();
        if !settable.contains(&status) {
            let choices: Vec<&str> = settable.iter().map(|s| s.as_str()).collect();
            c.fields
                .entry("actions.status".into())
                .or_insert_with(|| Msg::new(T::OneOf).with("choices", choices.join(", ")).en());
        }
    }
    if let Some(tier) = actions.tier {
        c.check(
            "actions.tier",
            in_range(i64::from(tier), 1, i64::from(MAX_TIER)),
        );
    }
    if let Some(note) = &actions.internal_note {
        if let Err(reason) = required_text(note, MAX_TEXT) {
            c.check("actions.internal_note", Err(reason));
        } else {
            check_text(c, "actions.internal_note", note);
        }
    }
}

fn check_bodies(c: &mut Collector, body_zh: &str, body_en: &str) {
    check_text(c, "body_zh", body_zh);
    check_text(c, "body_en", body_en);
    if body_zh.trim().is_empty() && body_en.trim().is_empty() {
        let why = Msg::new(T::MacroNeedsBody).en();
        c.fields.insert("body_zh".into(), why.clone());
        c.fields.insert("body_en".into(), why);
    }
}

pub fn validate_create(req: &CreateMacroRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", required_text(&req.name, MAX_NAME));
    check_bodies(&mut c, &req.body_zh, &req.body_en);
    check_actions(&mut c, &req.actions);
    c.finish()
}

/// Checks an update against the macro as it is (`body_zh`, `body_en`):
/// the bodies after the change must not both be blank.
pub fn validate_update(
    req: &UpdateMacroRequest,
    body_zh: &str,
    body_en: &str,
) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check("name", required_text(name, MAX_NAME));
    }
    let zh = req.body_zh.as_deref().unwrap_or(body_zh);
    let en = req.body_en.as_deref().unwrap_or(body_en);
    check_bodies(&mut c, zh, en);
    if let Some(actions) = &req.actions {
        check_actions(&mut c, actions);
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_with_or_without_spaces() {
        assert_eq!(
            placeholders("您好 {{contact.name}}，工单 #{{ ticket.number }}").unwrap(),
            vec!["contact.name", "ticket.number"]
        );
        assert_eq!(placeholders("no placeholders { here }").unwrap().len(), 0);
        assert_eq!(
            placeholders("Dear {{customer.name}}"),
            Err(BadPlaceholder("{{customer.name}}".into()))
        );
        assert_eq!(
            placeholders("Dear {{contact.name"),
            Err(BadPlaceholder("{{contact.name".into()))
        );
    }

    #[test]
    fn render_fills_known_values_and_reports_missing_ones() {
        let (text, missing) = render(
            "Dear {{contact.name}}, ticket #{{ticket.number}} from {{ agent.name }}",
            |name| match name {
                "ticket.number" => Some("42".into()),
                "agent.name" => Some("Li Na".into()),
                _ => None,
            },
        );
        assert_eq!(text, "Dear , ticket #42 from Li Na");
        assert_eq!(missing, vec!["contact.name".to_string()]);
    }

    #[test]
    fn the_requesters_language_is_picked_and_falls_back_to_the_other() {
        assert_eq!(
            pick_body("您好", "Hello", Locale::En),
            ("Hello", Locale::En)
        );
        assert_eq!(
            pick_body("您好", "Hello", Locale::ZhCn),
            ("您好", Locale::ZhCn)
        );
        assert_eq!(pick_body("您好", "  ", Locale::En), ("您好", Locale::ZhCn));
        assert_eq!(pick_body("", "Hello", Locale::ZhCn), ("Hello", Locale::En));
    }

    #[test]
    fn a_bad_placeholder_names_the_allowed_ones_in_both_languages() {
        let req = CreateMacroRequest {
            name: "Greeting".into(),
            body_zh: "您好 {{customer}}".into(),
            body_en: String::new(),
            scope: None,
            actions: MacroActions::default(),
        };
        let errors = validate_create(&req).unwrap_err();
        let message = &errors["body_zh"];
        assert!(message.contains("{{customer}}"), "{message}");
        assert!(message.contains("{{contact.name}}"), "{message}");
        let keyed = Msg::parse_en(message).unwrap();
        assert_eq!(keyed.key, T::MacroPlaceholder.key());
        let zh = keyed.render(Locale::ZhCn).unwrap();
        assert!(
            zh.contains("{{agent.name}}") && zh.contains("占位符"),
            "{zh}"
        );
    }

    #[test]
    fn a_macro_needs_a_text_and_actions_the_workflow_knows() {
        let mut req = CreateMacroRequest {
            name: " ".into(),
            body_zh: String::new(),
            body_en: " ".into(),
            scope: None,
            actions: MacroActions {
                status: Some(TicketStatus::Blocked),
                priority: None,
                tier: Some(4),
                internal_note: Some("  ".into()),
            },
        };
        let errors = validate_create(&req).unwrap_err();
        for field in [
            "name",
            "body_zh",
            "body_en",
            "actions.status",
            "actions.tier",
            "actions.internal_note",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        req.name = "Ask for the log".into();
        req.body_en = "Please send us the log, {{contact.name}}.".into();
        req.actions = MacroActions {
            status: Some(TicketStatus::PendingCustomer),
            priority: Some(TicketPriority::P2),
            tier: Some(2),
            internal_note: Some("Asked {{contact.name}} for the log".into()),
        };
        assert_eq!(validate_create(&req), Ok(()));
    }

    #[test]
    fn only_statuses_staff_can_reach_are_settable() {
        assert_eq!(
            settable_statuses(),
            vec![
                TicketStatus::Open,
                TicketStatus::PendingCustomer,
                TicketStatus::Resolved,
                TicketStatus::Closed
            ]
        );
    }

    #[test]
    fn an_update_may_not_blank_both_texts() {
        let req = UpdateMacroRequest {
            body_zh: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(validate_update(&req, "您好", "Hello"), Ok(()));
        assert!(validate_update(&req, "您好", "").is_err());
    }
}
