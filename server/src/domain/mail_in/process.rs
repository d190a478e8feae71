//! What a received mail becomes. One entry point, [`receive`], serves the
//! inbound hook and the IMAP fetch alike:
//!
//! 1. The raw message is stored in `inbound_messages` under its workspace
//!    and Message-ID; the unique index makes that insert the claim, so a
//!    message fetched twice, posted twice or seen by two replicas is
//!    processed once (the second answer says `duplicate`).
//! 2. Bounces mark the failed recipients' contacts (`email_failing_at`);
//!    auto-replies, bulk and list mail are ignored. Neither opens a ticket
//!    nor causes any mail.
//! 3. A sender no contact has is held for staff or refused (the channel's
//!    policy); a contact mails as their portal login (a login without a
//!    password is made for a contact that has none, so replies reach them).
//! 4. A reply (by `In-Reply-To`/`References` to our ticket mail, else by
//!    the `[#n]` subject tag) to a ticket of the sender's account becomes
//!    their public comment, quoted history and signature cut; to a ticket
//!    closed (or resolved) longer ago than the channel's
//!    `follow_up_after_days`, a follow-up ticket. Anything else opens a
//!    ticket for the contact's account, module and priority guessed from
//!    the channel's keywords and routed like any other ticket.

use chrono::{DateTime, Duration, Utc};
use mail_parser::{Message, MessageParser, MimeHeaders};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use shared::mail_in::{InboundResult, InboundStatus, MAX_RAW_MESSAGE_BYTES};
use shared::tickets::{TicketPriority, TicketStatus, MAX_BODY};
use shared::{ErpModule, Role};

use super::channels::keywords_of;
use super::senders::{contact_by_email, login_of};
use super::text;
use super::threads::thread_of;
use crate::auth::Actor;
use crate::domain::common::modules_from_db;
use crate::domain::tickets::{self, attachments};
use crate::entity::{
    contacts, inbound_messages, mail_channels, ticket_comments, tickets as ticket_rows,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Message-IDs longer than this are stored as their hash (index limits).
const MAX_MESSAGE_ID_LEN: usize = 500;

/// What processing decided, written back to the message's row.
#[derive(Debug, Default)]
struct Outcome {
    status: Option<InboundStatus>,
    detail: Option<String>,
    contact_id: Option<i64>,
    ticket_id: Option<i64>,
    comment_id: Option<i64>,
}

impl Outcome {
    fn of(status: InboundStatus, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Some(status),
            detail: Some(detail.into()),
            ..Outcome::default()
        }
    }
}

pub(super) fn parse(raw: &[u8]) -> AppResult<Message<'_>> {
    let msg = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or_else(|| AppError::bad_request("the body is not an RFC 822 mail message"))?;
    Ok(msg)
}

fn message_id_of(msg: &Message<'_>, raw: &[u8]) -> String {
    let id = msg.message_id().map(text::bare_id).unwrap_or_default();
    if id.is_empty() || id.len() > MAX_MESSAGE_ID_LEN {
        // No usable Message-ID: the content names the message.
        format!(
            "sha256-{}@steward.invalid",
            hex::encode(Sha256::digest(raw))
        )
    } else {
        id
    }
}

/// Stores and processes one raw message received on `channel`.
pub async fn receive(
    state: &AppState,
    channel: &mail_channels::Model,
    raw: Vec<u8>,
) -> AppResult<InboundResult> {
    if raw.len() > MAX_RAW_MESSAGE_BYTES {
        return Err(too_large());
    }
    let msg = parse(&raw)?;
    let message_id = message_id_of(&msg, &raw);
    let (from_addr, from_name) = text::sender(&msg).unzip();
    let now = state.clock.now();
    let inserted = inbound_messages::Entity::insert(inbound_messages::ActiveModel {
        workspace_id: Set(channel.workspace_id),
        channel_id: Set(channel.id),
        message_id: Set(message_id.clone()),
        from_addr: Set(from_addr.unwrap_or_default()),
        from_name: Set(from_name.flatten()),
        subject: Set(msg.subject().unwrap_or_default().to_string()),
        raw: Set(raw.clone()),
        size_bytes: Set(raw.len() as i64),
        status: Set(InboundStatus::Processing.as_str().into()),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            inbound_messages::Column::WorkspaceId,
            inbound_messages::Column::MessageId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&state.db.write)
    .await;
    let fresh = match inserted {
        Ok(rows) => rows > 0,
        Err(sea_orm::DbErr::RecordNotInserted) => false,
        Err(e) => return Err(e.into()),
    };
    let row = inbound_messages::Entity::find()
        .filter(inbound_messages::Column::WorkspaceId.eq(channel.workspace_id))
        .filter(inbound_messages::Column::MessageId.eq(&message_id))
        .one(&state.db.write)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("inbound message {message_id} vanished"))
        })?;
    if !fresh {
        return result_of(&row, true);
    }
    let outcome = match handle(state, channel, &msg, &row, None).await {
        Ok(outcome) => outcome,
        Err(e) => failed(&row, e),
    };
    let row = record(state, row, outcome).await?;
    result_of(&row, false)
}

/// A message left `processing` this long was being processed by a
/// replica that died (processing takes seconds): it is processed again.
pub const STALLED_AFTER_MINUTES: i64 = 10;

/// What [`resume_stalled`] did.
#[derive(Debug, Default, serde::Serialize)]
pub struct ResumeReport {
    /// Messages taken over and processed again.
    pub resumed: usize,
}

/// Processes again, from their stored raw text, the messages whose
/// processing stopped half-way (the replica died: the row stayed
/// `processing`, and the mail was possibly never flagged, or was flagged
/// and would never come back). Each is taken over by a conditional update
/// (one replica wins); what the first processing had already committed is
/// kept: the ticket it opened (linked in the ticket's transaction) or the
/// comment it added (which names the message) is recorded, not made again.
pub async fn resume_stalled(state: &AppState, workspace: Option<i64>) -> AppResult<ResumeReport> {
    let now = state.clock.now();
    let mut query = inbound_messages::Entity::find()
        .filter(inbound_messages::Column::Status.eq(InboundStatus::Processing.as_str()))
        .filter(
            inbound_messages::Column::ReceivedAt.lt(now - Duration::minutes(STALLED_AFTER_MINUTES)),
        );
    if let Some(ws) = workspace {
        query = query.filter(inbound_messages::Column::WorkspaceId.eq(ws));
    }
    let stalled = query
        .order_by_asc(inbound_messages::Column::Id)
        .limit(100)
        .all(&state.db.write)
        .await?;
    let mut report = ResumeReport::default();
    // Their channels, read once.
    let mut channel_ids: Vec<i64> = stalled.iter().map(|r| r.channel_id).collect();
    channel_ids.sort_unstable();
    channel_ids.dedup();
    let channels: std::collections::HashMap<i64, mail_channels::Model> =
        mail_channels::Entity::find()
            .filter(mail_channels::Column::Id.is_in(channel_ids))
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    for row in stalled {
        // The receipt time is the fence: of several replicas, one moves it.
        let taken = inbound_messages::Entity::update_many()
            .col_expr(inbound_messages::Column::ReceivedAt, Expr::value(now))
            .filter(inbound_messages::Column::Id.eq(row.id))
            .filter(inbound_messages::Column::Status.eq(InboundStatus::Processing.as_str()))
            .filter(inbound_messages::Column::ReceivedAt.eq(row.received_at))
            .exec(&state.db.write)
            .await?;
        if taken.rows_affected != 1 {
            continue;
        }
        let Some(channel) = channels.get(&row.channel_id) else {
            continue;
        };
        let outcome = match already_done(state, &row).await? {
            Some(outcome) => outcome,
            None => match parse(&row.raw) {
                Ok(msg) => match handle(state, channel, &msg, &row, None).await {
                    Ok(outcome) => outcome,
                    Err(e) => failed(&row, e),
                },
                Err(e) => failed(&row, e),
            },
        };
        tracing::info!(
            inbound_message = row.id,
            "a stalled mail was processed again"
        );
        record(state, row, outcome).await?;
        report.resumed += 1;
    }
    Ok(report)
}

/// What a stalled message's first processing committed before it died.
async fn already_done(
    state: &AppState,
    row: &inbound_messages::Model,
) -> AppResult<Option<Outcome>> {
    let note = "processed again after an interruption; its attachments may be missing".to_string();
    // A comment names its message (a follow-up ticket or a new one is
    // linked to it in its own transaction, below).
    let comment = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::InboundMessageId.eq(row.id))
        .one(&state.db.read)
        .await?;
    if let Some(c) = comment {
        return Ok(Some(Outcome {
            status: Some(InboundStatus::Commented),
            detail: Some(note),
            ticket_id: Some(c.ticket_id),
            comment_id: Some(c.id),
            ..Outcome::default()
        }));
    }
    Ok(row.ticket_id.map(|ticket_id| Outcome {
        status: Some(InboundStatus::TicketCreated),
        detail: Some(note),
        ticket_id: Some(ticket_id),
        ..Outcome::default()
    }))
}

pub fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "a mail message is limited to {} MiB",
        MAX_RAW_MESSAGE_BYTES / 1024 / 1024
    ))
}

fn failed(row: &inbound_messages::Model, e: AppError) -> Outcome {
    if matches!(e, AppError::Internal(_)) {
        tracing::warn!(inbound_message = row.id, error = %e, "processing a received mail failed");
    }
    Outcome::of(InboundStatus::Failed, e.to_string())
}

pub(super) fn result_of(
    row: &inbound_messages::Model,
    duplicate: bool,
) -> AppResult<InboundResult> {
    Ok(InboundResult {
        inbound_message_id: row.id,
        status: crate::entity::stored::stored("inbound_messages", row.id, "status", &row.status)?,
        duplicate,
        ticket_id: row.ticket_id,
        comment_id: row.comment_id,
    })
}

async fn record(
    state: &AppState,
    row: inbound_messages::Model,
    outcome: Outcome,
) -> AppResult<inbound_messages::Model> {
    let mut model: inbound_messages::ActiveModel = row.into();
    model.status = Set(outcome
        .status
        .unwrap_or(InboundStatus::Failed)
        .as_str()
        .into());
    model.detail = Set(outcome.detail);
    model.contact_id = Set(outcome.contact_id);
    model.ticket_id = Set(outcome.ticket_id);
    model.comment_id = Set(outcome.comment_id);
    model.processed_at = Set(Some(state.clock.now()));
    Ok(model.update(&state.db.write).await?)
}

/// Decides what `msg` becomes; `as_contact` is the contact staff attached
/// a held message to (the sender is not looked up then).
async fn handle(
    state: &AppState,
    channel: &mail_channels::Model,
    msg: &Message<'_>,
    row: &inbound_messages::Model,
    as_contact: Option<contacts::Model>,
) -> AppResult<Outcome> {
    let ws = channel.workspace_id;
    let from = text::sender(msg).map(|(a, _)| a);
    if text::is_bounce(msg, from.as_deref()) {
        return mark_failing(state, ws, msg).await;
    }
    if let Some(reason) = text::automatic(msg) {
        return Ok(Outcome::of(
            InboundStatus::Ignored,
            format!("automatic mail ({reason})"),
        ));
    }
    let contact = match as_contact {
        Some(contact) => contact,
        None => {
            let Some(from) = from else {
                return Ok(Outcome::of(
                    InboundStatus::Refused,
                    "the mail names no sender",
                ));
            };
            if from == channel.address || own_address(&state.config.mail_from) == from {
                return Ok(Outcome::of(
                    InboundStatus::Ignored,
                    "sent by Steward itself",
                ));
            }
            match contact_by_email(state, ws, &from).await? {
                Some(contact) => contact,
                None if channel.unknown_sender_policy == "refuse" => {
                    return Ok(Outcome::of(
                        InboundStatus::Refused,
                        format!("no contact has the address {from}"),
                    ))
                }
                None => {
                    return Ok(Outcome::of(
                        InboundStatus::Held,
                        format!("no contact has the address {from}"),
                    ))
                }
            }
        }
    };
    let login = login_of(state, &contact).await?;
    let actor = Actor {
        user_id: login.id,
        workspace_id: ws,
        role: login.role.parse().unwrap_or(Role::Customer),
        session_id: 0,
    };
    let subject = msg.subject().unwrap_or_default().trim().to_string();
    let body = text::body_of(msg);
    let mut outcome = Outcome {
        contact_id: Some(contact.id),
        ..Outcome::default()
    };
    let now = state.clock.now();
    if let Some(ticket) = thread_of(state, ws, contact.account_id, msg, &subject).await? {
        if ended_before(
            &ticket,
            now - Duration::days(i64::from(channel.follow_up_after_days)),
        )? {
            let created = tickets::mail_create(
                state,
                tickets::MailTicket {
                    workspace_id: ws,
                    account_id: contact.account_id,
                    requester_user_id: login.id,
                    module: ticket.module.parse().unwrap_or(ErpModule::System),
                    priority: ticket.priority.parse().unwrap_or(TicketPriority::P3),
                    subject: if subject.is_empty() {
                        ticket.subject.clone()
                    } else {
                        subject
                    },
                    description: reply_body(&body),
                    follow_up_of: Some(ticket.id),
                    inbound_message_id: row.id,
                },
            )
            .await?;
            outcome.status = Some(InboundStatus::FollowUp);
            outcome.ticket_id = Some(created.id);
            outcome.detail = attach_files(state, &actor, &created, msg).await;
            return Ok(outcome);
        }
        let comment =
            tickets::mail_comment(state, &actor, ticket.id, reply_body(&body), row.id).await?;
        outcome.status = Some(InboundStatus::Commented);
        outcome.ticket_id = Some(ticket.id);
        outcome.comment_id = Some(comment.id);
        outcome.detail = attach_files(state, &actor, &ticket, msg).await;
        return Ok(outcome);
    }
    let rules = keywords_of(channel)?;
    let (module, priority) = text::guess(&rules, &subject, &body);
    let module = module
        .or_else(|| modules_from_db(&contact.modules).first().copied())
        .unwrap_or(ErpModule::System);
    let description = body.trim().chars().take(MAX_BODY).collect();
    let created = tickets::mail_create(
        state,
        tickets::MailTicket {
            workspace_id: ws,
            account_id: contact.account_id,
            requester_user_id: login.id,
            module,
            priority: priority.unwrap_or(TicketPriority::P3),
            subject,
            description,
            follow_up_of: None,
            inbound_message_id: row.id,
        },
    )
    .await?;
    outcome.status = Some(InboundStatus::TicketCreated);
    outcome.ticket_id = Some(created.id);
    outcome.detail = attach_files(state, &actor, &created, msg).await;
    Ok(outcome)
}

/// The address of `Name <address>` (or of a bare address), lower-cased.
fn own_address(mailbox: &str) -> String {
    let inner = match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(open), Some(close)) if open < close => &mailbox[open + 1..close],
        _ => mailbox,
    };
    inner.trim().to_lowercase()
}

/// The sender's words, or a note that the mail had none (a comment needs text).
fn reply_body(body: &str) -> String {
    let text: String = text::reply_text(body).chars().take(MAX_BODY).collect();
    if text.trim().is_empty() {
        "（邮件无正文）(the mail had no text)".into()
    } else {
        text
    }
}

/// Whether the ticket was closed (or resolved) before `cutoff`.
fn ended_before(ticket: &ticket_rows::Model, cutoff: DateTime<Utc>) -> AppResult<bool> {
    let ended = match tickets::status_of(ticket)? {
        TicketStatus::Closed => ticket.closed_at.or(ticket.resolved_at),
        TicketStatus::Resolved => ticket.resolved_at,
        _ => None,
    };
    Ok(ended.is_some_and(|at| at < cutoff))
}

/// The mail's files as the sender's attachments; what could not be
/// attached (type, size, quota) is said in the returned note.
async fn attach_files(
    state: &AppState,
    actor: &Actor,
    ticket: &ticket_rows::Model,
    msg: &Message<'_>,
) -> Option<String> {
    let mut skipped = Vec::new();
    for part in msg.attachments() {
        let name = part.attachment_name().unwrap_or("attachment").to_string();
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        let upload = attachments::Upload {
            file_name: &name,
            content_type: &content_type,
            bytes: part.contents().to_vec(),
            internal: false,
        };
        if let Err(e) = attachments::attach_from_mail(state, actor, ticket, upload).await {
            skipped.push(format!("{name}: {e}"));
        }
    }
    (!skipped.is_empty()).then(|| format!("attachments not kept: {}", skipped.join("; ")))
}

/// A bounce: every contact of the workspace at a failed address is marked.
async fn mark_failing(state: &AppState, ws: i64, msg: &Message<'_>) -> AppResult<Outcome> {
    let failed = text::failed_recipients(msg);
    if failed.is_empty() {
        return Ok(Outcome::of(
            InboundStatus::Bounce,
            "a delivery failure report naming no recipient",
        ));
    }
    let now = state.clock.now();
    let marked = contacts::Entity::update_many()
        .col_expr(contacts::Column::EmailFailingAt, Expr::value(now))
        .filter(contacts::Column::WorkspaceId.eq(ws))
        .filter(contacts::Column::Email.is_in(failed.clone()))
        .exec(&state.db.write)
        .await?;
    Ok(Outcome::of(
        InboundStatus::Bounce,
        format!(
            "delivery failed to {}; {} contact(s) marked failing",
            failed.join(", "),
            marked.rows_affected
        ),
    ))
}

/// Processes a held message as mail from `contact` (staff attached it).
pub(super) async fn process_as(
    state: &AppState,
    channel: &mail_channels::Model,
    row: inbound_messages::Model,
    contact: contacts::Model,
) -> AppResult<inbound_messages::Model> {
    let raw = row.raw.clone();
    let outcome = match parse(&raw) {
        Ok(msg) => match handle(state, channel, &msg, &row, Some(contact)).await {
            Ok(outcome) => outcome,
            Err(e) => failed(&row, e),
        },
        Err(e) => failed(&row, e),
    };
    record(state, row, outcome).await
}
