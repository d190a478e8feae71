//! The e-mails tickets cause, queued in the outbox in the same transaction
//! as the change. Each carries a dedupe key naming its event and recipient,
//! so an event is never announced twice. The text is bilingual (Chinese
//! first) until users can choose a language.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::Role;

use crate::entity::{tickets, users};
use crate::error::AppResult;
use crate::mail::{Mailer, OutgoingMail};

/// Why a ticket mail is sent.
pub enum TicketNotice<'a> {
    Created,
    Replied {
        comment_id: i64,
        body: &'a str,
    },
    PendingCustomer,
    Resolved {
        rating_link: String,
    },
    Escalated {
        tier: i32,
        reason: &'a str,
    },
    /// An SLA target was missed; `target` is `first_response` or `resolution`.
    Breached {
        target: &'a str,
    },
}

impl TicketNotice<'_> {
    fn key(&self) -> String {
        match self {
            TicketNotice::Created => "created".into(),
            TicketNotice::Replied { comment_id, .. } => format!("reply:{comment_id}"),
            TicketNotice::PendingCustomer => "pending".into(),
            TicketNotice::Resolved { .. } => "resolved".into(),
            TicketNotice::Escalated { tier, .. } => format!("escalated:{tier}"),
            TicketNotice::Breached { target } => format!("breach:{target}"),
        }
    }

    fn text(&self, t: &tickets::Model, name: &str) -> (String, String) {
        let n = t.number;
        let s = &t.subject;
        match self {
            TicketNotice::Created => (
                format!("工单 #{n} 已创建 / Ticket #{n} created: {s}"),
                format!("{name}，您好：\n\n工单 #{n}「{s}」已创建。\n\nHello {name},\n\nTicket #{n} \"{s}\" has been created.\n"),
            ),
            TicketNotice::Replied { body, .. } => (
                format!("工单 #{n} 有新回复 / New reply on ticket #{n}: {s}"),
                format!("{name}，您好：\n\n工单 #{n}「{s}」有新回复：\n\n{body}\n\nHello {name},\n\nThere is a new reply on ticket #{n} \"{s}\" (above).\n"),
            ),
            TicketNotice::PendingCustomer => (
                format!("工单 #{n} 等待您的答复 / Ticket #{n} awaits your reply"),
                format!("{name}，您好：\n\n工单 #{n}「{s}」需要您提供更多信息，请在客户门户中回复。\n\nHello {name},\n\nTicket #{n} \"{s}\" needs more information from you; please reply in the portal.\n"),
            ),
            TicketNotice::Resolved { rating_link } => (
                format!("工单 #{n} 已解决 / Ticket #{n} resolved: {s}"),
                format!("{name}，您好：\n\n工单 #{n}「{s}」已解决。请为我们的服务打分（1–5 分）：\n{rating_link}\n\
                         如问题仍然存在，7 天内回复即可重新打开工单。\n\n\
                         Hello {name},\n\nTicket #{n} \"{s}\" is resolved. Please rate our service (1–5):\n{rating_link}\n\
                         If the problem persists, reply within 7 days to reopen it.\n"),
            ),
            TicketNotice::Breached { target } => {
                let (zh, en) = if *target == "first_response" {
                    ("首次响应", "first response")
                } else {
                    ("解决", "resolution")
                };
                (
                    format!("SLA 超时：工单 #{n} {zh}超时 / SLA breach: ticket #{n} missed its {en} target"),
                    format!("{name}，您好：\n\n工单 #{n}「{s}」已超过{zh}时限，已升级处理。\n\nHello {name},\n\nTicket #{n} \"{s}\" missed its {en} target and has been escalated.\n"),
                )
            }
            TicketNotice::Escalated { tier, reason } => (
                format!("工单 #{n} 已升级到第 {tier} 级 / Ticket #{n} escalated to tier {tier}"),
                format!("{name}，您好：\n\n工单 #{n}「{s}」已升级到第 {tier} 级，原因：{reason}\n\nHello {name},\n\nTicket #{n} \"{s}\" was escalated to tier {tier}. Reason: {reason}\n"),
            ),
        }
    }
}

/// Queues the notice for each of `user_ids` (unknown or inactive users are
/// skipped). Returns how many mails were queued.
pub async fn notify<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    ticket: &tickets::Model,
    notice: &TicketNotice<'_>,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut ids: Vec<i64> = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(0);
    }
    let recipients = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ticket.workspace_id))
        .filter(users::Column::Id.is_in(ids))
        .filter(users::Column::Active.eq(true))
        .all(conn)
        .await?;
    let mut queued = 0;
    for user in recipients {
        let (subject, body_text) = notice.text(ticket, &user.name);
        let mail = OutgoingMail {
            workspace_id: Some(ticket.workspace_id),
            to: user.email,
            subject,
            body_text,
            dedupe_key: Some(format!("ticket:{}:{}:{}", ticket.id, notice.key(), user.id)),
        };
        if mailer.enqueue(conn, mail, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Active managers of the workspace.
pub async fn managers<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<Vec<i64>> {
    Ok(users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Role.eq(Role::Manager.as_str()))
        .filter(users::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}
