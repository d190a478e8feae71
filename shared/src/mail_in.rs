//! E-mail in: mail channels (a support address polled over IMAP, or fed by
//! an MTA pipe / a provider's inbound hook), the messages they received and
//! what became of each, and the rules a channel's settings must follow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::double_option;
use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::texts::T;
use crate::tickets::TicketPriority;
use crate::validation::{
    email, in_range, no_control_chars, optional_text, required_text, Collector, Invalid,
};
use crate::ErpModule;

pub const MAX_CHANNEL_NAME_LEN: usize = 100;
pub const MAX_HOST_LEN: usize = 253;
pub const MAX_FOLDER_LEN: usize = 200;
pub const MAX_USERNAME_LEN: usize = 254;
pub const MAX_PASSWORD_LEN: usize = 1000;
pub const MAX_KEYWORDS: usize = 100;
pub const MAX_KEYWORD_LEN: usize = 50;
pub const DEFAULT_FOLLOW_UP_AFTER_DAYS: i32 = 14;
pub const MAX_FOLLOW_UP_AFTER_DAYS: i32 = 3650;
pub const DEFAULT_FOLDER: &str = "INBOX";
/// A raw message posted to the inbound endpoint, at most: room for one
/// attachment at the upload limit (10 MiB) in base64, and more text.
pub const MAX_RAW_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

string_enum!(
    /// How a channel's mail reaches Steward.
    MailChannelKind {
        Imap => "imap",
        Inbound => "inbound",
    }
);

string_enum!(
    /// What happens to mail from an address no contact has.
    UnknownSenderPolicy {
        Hold => "hold",
        Refuse => "refuse",
    }
);

string_enum!(
    /// What became of a received message: `processing` (now, or it broke
    /// off), `commented` (a reply added to its ticket), `ticket_created`,
    /// `follow_up` (a late reply to a closed ticket opened a new one),
    /// `held` (unknown sender, waiting for staff), `refused`, `ignored`
    /// (auto-reply, bulk or list mail), `bounce` (a delivery failure; the
    /// address is marked failing), `failed` (`detail` says why).
    InboundStatus {
        Processing => "processing",
        Commented => "commented",
        TicketCreated => "ticket_created",
        FollowUp => "follow_up",
        Held => "held",
        Refused => "refused",
        Ignored => "ignored",
        Bounce => "bounce",
        Failed => "failed",
    }
);

/// Guesses a new ticket's module and priority: the first rule whose
/// keyword occurs in the subject or body (case-insensitive) sets what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    pub keyword: String,
    #[serde(default)]
    pub module: Option<ErpModule>,
    #[serde(default)]
    pub priority: Option<TicketPriority>,
}

/// A channel as admins see it; the IMAP password and the inbound token
/// are never shown again after they are set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailChannel {
    pub id: i64,
    pub name: String,
    /// The support address mail arrives at; ticket mail names it as Reply-To.
    pub address: String,
    pub kind: MailChannelKind,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: bool,
    pub imap_folder: Option<String>,
    /// Where fetched mail is moved once processed (the folder is created
    /// when missing); `null`: it stays in `imap_folder`, flagged read.
    pub processed_folder: Option<String>,
    pub imap_username: Option<String>,
    /// Whether an IMAP password is stored (it is never returned).
    pub imap_password_set: bool,
    pub unknown_sender_policy: UnknownSenderPolicy,
    /// A reply to a ticket closed longer ago than this opens a follow-up ticket.
    pub follow_up_after_days: i32,
    pub keywords: Vec<KeywordRule>,
    pub enabled: bool,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub last_fetch_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to creating a channel: the only time the inbound token is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedMailChannel {
    pub channel: MailChannel,
    /// For `POST /api/v1/inbound/email/{id}` (`Authorization: Bearer <token>`).
    pub inbound_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMailChannelRequest {
    pub name: String,
    pub address: String,
    pub kind: MailChannelKind,
    #[serde(default)]
    pub imap_host: Option<String>,
    /// Default 993 with TLS, 143 without.
    #[serde(default)]
    pub imap_port: Option<i32>,
    /// Default `true`.
    #[serde(default)]
    pub imap_tls: Option<bool>,
    /// Default `INBOX`.
    #[serde(default)]
    pub imap_folder: Option<String>,
    /// Where fetched mail is moved once processed (created when missing),
    /// e.g. `已处理`; default none: it stays in `imap_folder`, flagged read.
    #[serde(default)]
    pub processed_folder: Option<String>,
    #[serde(default)]
    pub imap_username: Option<String>,
    #[serde(default)]
    pub imap_password: Option<String>,
    /// Default `hold`.
    #[serde(default)]
    pub unknown_sender_policy: Option<UnknownSenderPolicy>,
    /// Default 14.
    #[serde(default)]
    pub follow_up_after_days: Option<i32>,
    #[serde(default)]
    pub keywords: Option<Vec<KeywordRule>>,
    /// Default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Changes what is given; `imap_password` replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMailChannelRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub imap_host: Option<String>,
    #[serde(default)]
    pub imap_port: Option<i32>,
    #[serde(default)]
    pub imap_tls: Option<bool>,
    #[serde(default)]
    pub imap_folder: Option<String>,
    /// `null` (or blank): processed mail stays in `imap_folder`, flagged read.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub processed_folder: Option<Option<String>>,
    #[serde(default)]
    pub imap_username: Option<String>,
    #[serde(default)]
    pub imap_password: Option<String>,
    #[serde(default)]
    pub unknown_sender_policy: Option<UnknownSenderPolicy>,
    #[serde(default)]
    pub follow_up_after_days: Option<i32>,
    #[serde(default)]
    pub keywords: Option<Vec<KeywordRule>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// The outcome of `POST .../mail-channels/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailChannelTestResult {
    pub ok: bool,
    /// What was checked, or what failed (connect, TLS, login, folder).
    pub message: String,
}

/// A received message (its raw text at `/inbound-messages/{id}/raw`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundMessage {
    pub id: i64,
    pub channel_id: i64,
    pub message_id: String,
    pub from_addr: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub status: InboundStatus,
    pub detail: Option<String>,
    pub contact_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub size_bytes: i64,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

/// The answer to a posted message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundResult {
    pub inbound_message_id: i64,
    pub status: InboundStatus,
    /// `true` when this Message-ID had been received before; nothing new happened.
    pub duplicate: bool,
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
}

/// Attaches a held message's sender to a contact; the message is then
/// processed as theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachSenderRequest {
    pub contact_id: i64,
}

fn check_common(
    c: &mut Collector,
    name: Option<&str>,
    address: Option<&str>,
    follow_up: Option<i32>,
    keywords: Option<&[KeywordRule]>,
) {
    if let Some(name) = name {
        c.check("name", required_text(name, MAX_CHANNEL_NAME_LEN));
    }
    if let Some(address) = address {
        c.check("address", email(address));
    }
    if let Some(days) = follow_up {
        c.check(
            "follow_up_after_days",
            in_range(i64::from(days), 1, i64::from(MAX_FOLLOW_UP_AFTER_DAYS)),
        );
    }
    if let Some(rules) = keywords {
        if rules.len() > MAX_KEYWORDS {
            c.check(
                "keywords",
                Err(Invalid::OutOfRange {
                    min: 0,
                    max: MAX_KEYWORDS as i64,
                }),
            );
        }
        for rule in rules {
            c.check("keywords", required_text(&rule.keyword, MAX_KEYWORD_LEN));
        }
    }
}

/// Whether two folder names name one folder (`INBOX` in any case is INBOX).
pub fn same_folder(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.eq_ignore_ascii_case(DEFAULT_FOLDER) || b.eq_ignore_ascii_case(DEFAULT_FOLDER) {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// The processed folder, when one is set: blank sets none.
pub fn processed_folder_of(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A processed folder must not be the folder mail is fetched from.
pub fn check_processed_folder(c: &mut Collector, processed: Option<&str>, fetched_from: &str) {
    if processed_folder_of(processed).is_some_and(|p| same_folder(p, fetched_from)) {
        c.fields
            .entry("processed_folder".into())
            .or_insert_with(|| T::ProcessedFolderIsSource.into());
    }
}

fn check_imap(
    c: &mut Collector,
    host: Option<&str>,
    port: Option<i32>,
    folder: Option<&str>,
    processed_folder: Option<&str>,
    username: Option<&str>,
    password: Option<&str>,
) {
    if let Some(host) = host {
        let bad = host
            .trim()
            .chars()
            .any(|ch| ch.is_whitespace() || ch == '/');
        c.check(
            "imap_host",
            required_text(host, MAX_HOST_LEN).and(if bad {
                Err(Invalid::Required)
            } else {
                Ok(())
            }),
        );
    }
    if let Some(port) = port {
        c.check("imap_port", in_range(i64::from(port), 1, 65535));
    }
    if let Some(folder) = folder {
        c.check(
            "imap_folder",
            required_text(folder, MAX_FOLDER_LEN).and(no_control_chars(folder)),
        );
    }
    if let Some(folder) = processed_folder {
        c.check(
            "processed_folder",
            optional_text(folder.trim(), MAX_FOLDER_LEN).and(no_control_chars(folder)),
        );
    }
    if let Some(username) = username {
        c.check("imap_username", required_text(username, MAX_USERNAME_LEN));
    }
    if let Some(password) = password {
        c.check("imap_password", required_text(password, MAX_PASSWORD_LEN));
    }
}

/// The rules of a new channel; an IMAP channel needs host, user and password.
pub fn validate_create(req: &CreateMailChannelRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_common(
        &mut c,
        Some(&req.name),
        Some(&req.address),
        req.follow_up_after_days,
        req.keywords.as_deref(),
    );
    check_imap(
        &mut c,
        req.imap_host.as_deref(),
        req.imap_port,
        req.imap_folder.as_deref(),
        req.processed_folder.as_deref(),
        req.imap_username.as_deref(),
        req.imap_password.as_deref(),
    );
    check_processed_folder(
        &mut c,
        req.processed_folder.as_deref(),
        req.imap_folder.as_deref().unwrap_or(DEFAULT_FOLDER),
    );
    if req.kind == MailChannelKind::Imap {
        for (field, given) in [
            ("imap_host", req.imap_host.is_some()),
            ("imap_username", req.imap_username.is_some()),
            ("imap_password", req.imap_password.is_some()),
        ] {
            if !given {
                c.check(field, Err(Invalid::Required));
            }
        }
    }
    c.finish()
}

pub fn validate_update(req: &UpdateMailChannelRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_common(
        &mut c,
        req.name.as_deref(),
        req.address.as_deref(),
        req.follow_up_after_days,
        req.keywords.as_deref(),
    );
    check_imap(
        &mut c,
        req.imap_host.as_deref(),
        req.imap_port,
        req.imap_folder.as_deref(),
        req.processed_folder.as_ref().and_then(Option::as_deref),
        req.imap_username.as_deref(),
        req.imap_password.as_deref(),
    );
    // Given both; against a stored folder it is checked once merged.
    if let (Some(Some(processed)), Some(folder)) = (&req.processed_folder, &req.imap_folder) {
        check_processed_folder(&mut c, Some(processed), folder);
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imap(processed: Option<&str>, folder: Option<&str>) -> CreateMailChannelRequest {
        CreateMailChannelRequest {
            name: "客服".into(),
            address: "support@vendor.cn".into(),
            kind: MailChannelKind::Imap,
            imap_host: Some("imap.vendor.cn".into()),
            imap_port: None,
            imap_tls: None,
            imap_folder: folder.map(Into::into),
            processed_folder: processed.map(Into::into),
            imap_username: Some("support".into()),
            imap_password: Some("secret".into()),
            unknown_sender_policy: None,
            follow_up_after_days: None,
            keywords: None,
            enabled: None,
        }
    }

    fn processed_error(req: &CreateMailChannelRequest) -> Option<String> {
        validate_create(req)
            .err()
            .and_then(|f| f.get("processed_folder").cloned())
    }

    #[test]
    fn a_processed_folder_is_a_short_single_line_other_than_the_source() {
        for fine in [
            None,
            Some(""),
            Some("已处理"),
            Some("Archive/Steward"),
            Some("inbox-done"),
        ] {
            assert_eq!(processed_error(&imap(fine, None)), None, "{fine:?}");
        }
        let long = "文".repeat(MAX_FOLDER_LEN + 1);
        assert!(processed_error(&imap(Some(&long), None)).is_some());
        for control in ["已处理\n", "a\tb", "x\u{7f}"] {
            assert_eq!(
                processed_error(&imap(Some(control), None)).as_deref(),
                Some(T::NoControlChars.en()),
                "{control:?}"
            );
        }
        for same in [
            (Some("inbox"), None),
            (Some("客服"), Some("客服")),
            (Some(" INBOX "), Some("Inbox")),
        ] {
            assert_eq!(
                processed_error(&imap(same.0, same.1)).as_deref(),
                Some(T::ProcessedFolderIsSource.en()),
                "{same:?}"
            );
        }
        // A changed folder is checked against the processed folder given with it.
        let update = UpdateMailChannelRequest {
            imap_folder: Some("已处理".into()),
            processed_folder: Some(Some("已处理".into())),
            ..UpdateMailChannelRequest::default()
        };
        assert!(validate_update(&update)
            .unwrap_err()
            .contains_key("processed_folder"));
        let cleared: UpdateMailChannelRequest =
            serde_json::from_str(r#"{"processed_folder": null}"#).unwrap();
        assert_eq!(cleared.processed_folder, Some(None));
        assert!(validate_update(&cleared).is_ok());
    }

    #[test]
    fn folder_names_compare_as_imap_does() {
        assert!(same_folder("INBOX", "inbox"));
        assert!(same_folder(" 已处理", "已处理 "));
        assert!(!same_folder("Done", "done"));
        assert!(!same_folder("INBOX", "INBOX.Done"));
    }
}
