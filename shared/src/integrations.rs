//! Ways out: outgoing webhooks and chat-bot notifications (WeCom, DingTalk,
//! Feishu), their event vocabulary, and the rules both sides check.

use serde::{Deserialize, Serialize};

use crate::enums::{string_enum, ErpModule, Locale};
use crate::error::FieldErrors;
use crate::texts::T;
use crate::tickets::TicketPriority;

string_enum!(
    /// What happened; a webhook or a chat-bot rule subscribes to some of these.
    EventType {
        TicketCreated => "ticket.created",
        TicketUpdated => "ticket.updated",
        TicketCommented => "ticket.commented",
        TicketSlaBreached => "ticket.sla_breached",
        AccountCreated => "account.created",
        AccountStageChanged => "account.stage_changed",
        AccountHealthBandChanged => "account.health_band_changed",
        RenewalStageChanged => "renewal.stage_changed",
        RenewalDueSoon => "renewal.due_soon",
        ContractCreated => "contract.created",
        SurveyAnswered => "survey.answered",
        ImportFinished => "import.finished",
    }
);

string_enum!(
    /// The chat platform a group bot posts to.
    ChatBotKind {
        Wecom => "wecom",
        Dingtalk => "dingtalk",
        Feishu => "feishu",
    }
);

string_enum!(
    /// Where one delivery stands: `pending` (waiting, maybe for a retry),
    /// `sending`, `delivered`, or `failed` (given up).
    DeliveryStatus {
        Pending => "pending",
        Sending => "sending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

/// The longest target URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// Webhooks per workspace, chat bots per workspace.
pub const MAX_TARGETS: u64 = 50;
/// Rules per chat bot; mobiles per rule.
pub const MAX_RULES: usize = 20;
pub const MAX_MOBILES: usize = 20;
pub const MAX_NAME_LEN: usize = 100;
/// The largest `renewal_days` of a chat rule: the longest reminder offset.
pub const MAX_RENEWAL_DAYS: i32 = 365;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateWebhook {
    /// `https://…` (or `http://…`) address that receives the events.
    pub url: String,
    /// The events sent to it (at least one).
    pub events: Vec<EventType>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateWebhook {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<EventType>>,
    /// Enabling a webhook that was disabled after failures starts its
    /// failure count afresh.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<EventType>,
    pub enabled: bool,
    /// Failed attempts in a row (0 after a success).
    pub consecutive_failures: i32,
    /// Why it was switched off automatically, if it was.
    pub disabled_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A created webhook, with its signing secret: shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Key of the `Steward-Signature` HMAC (`whsec_…`).
    pub secret: String,
}

/// One attempt series of one event to one webhook or chat bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    /// The event's id (the envelope's `id`).
    pub event_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempt: i32,
    /// The HTTP status of the last attempt, if an answer came.
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    /// The first characters of the last answer's body.
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// When a chat bot posts an event: every condition given must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatRule {
    /// The events this rule lets through (at least one).
    pub events: Vec<EventType>,
    /// Only tickets of this ERP module.
    #[serde(default)]
    pub module: Option<ErpModule>,
    /// Only tickets at least this urgent (`p1` alone: P1 only).
    #[serde(default)]
    pub min_priority: Option<TicketPriority>,
    /// Only events of accounts this staff user owns (their CSM's group).
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Only `renewal.due_soon` of this reminder offset: `30` is the
    /// reminder 30 days before the renewal is due (sent late if the server
    /// was down, it still counts as the 30-day one).
    #[serde(default)]
    pub renewal_days: Option<i32>,
    /// Mobile numbers to @mention (WeCom and DingTalk).
    #[serde(default)]
    pub mention_mobiles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateChatBot {
    pub name: String,
    pub kind: ChatBotKind,
    /// The robot's webhook address as the platform shows it.
    pub webhook_url: String,
    /// The signing secret (DingTalk 加签 `SEC…`, Feishu 签名校验).
    #[serde(default)]
    pub secret: Option<String>,
    /// The language of its messages; default Chinese.
    #[serde(default)]
    pub locale: Option<Locale>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub rules: Vec<ChatRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateChatBot {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// A new secret; `""` removes it.
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub locale: Option<Locale>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Replaces every rule.
    #[serde(default)]
    pub rules: Option<Vec<ChatRule>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatBot {
    pub id: i64,
    pub name: String,
    pub kind: ChatBotKind,
    /// The address with its token masked.
    pub webhook_url: String,
    pub has_secret: bool,
    pub locale: Locale,
    pub enabled: bool,
    pub rules: Vec<ChatRule>,
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Checks a target address's form (the server also checks where it points).
pub fn validate_url(field: &str, url: &str, errors: &mut FieldErrors) {
    let url = url.trim();
    if url.is_empty() {
        errors.insert(field.into(), "is required".into());
    } else if url.len() > MAX_URL_LEN {
        errors.insert(
            field.into(),
            format!("must be at most {MAX_URL_LEN} characters"),
        );
    } else if !(url.starts_with("https://") || url.starts_with("http://")) {
        errors.insert(field.into(), "must start with https:// or http://".into());
    }
}

pub fn validate_events(field: &str, events: &[EventType], errors: &mut FieldErrors) {
    if events.is_empty() {
        errors.insert(field.into(), "choose at least one event".into());
    }
}

pub fn validate_rules(rules: &[ChatRule], errors: &mut FieldErrors) {
    if rules.len() > MAX_RULES {
        errors.insert("rules".into(), format!("at most {MAX_RULES} rules"));
    }
    for (i, rule) in rules.iter().enumerate() {
        validate_events(&format!("rules[{i}].events"), &rule.events, errors);
        if let Some(days) = rule.renewal_days {
            let field = format!("rules[{i}].renewal_days");
            if !(1..=MAX_RENEWAL_DAYS).contains(&days) {
                errors.insert(field, format!("must be between 1 and {MAX_RENEWAL_DAYS}"));
            } else if !rule.events.contains(&EventType::RenewalDueSoon) {
                errors.insert(field, T::RenewalDaysEvent.en().into());
            }
        }
        if rule.mention_mobiles.len() > MAX_MOBILES {
            errors.insert(
                format!("rules[{i}].mention_mobiles"),
                format!("at most {MAX_MOBILES} numbers"),
            );
        }
        if rule.mention_mobiles.iter().any(|m| {
            m.is_empty() || m.len() > 20 || !m.chars().all(|c| c.is_ascii_digit() || c == '+')
        }) {
            errors.insert(
                format!("rules[{i}].mention_mobiles"),
                "each must be a mobile number (digits, optionally a leading +)".into(),
            );
        }
    }
}

pub fn validate_name(name: &str, errors: &mut FieldErrors) {
    let name = name.trim();
    if name.is_empty() {
        errors.insert("name".into(), "is required".into());
    } else if name.chars().count() > MAX_NAME_LEN {
        errors.insert(
            "name".into(),
            format!("must be at most {MAX_NAME_LEN} characters"),
        );
    }
}
