//! The e-mails tickets cause, queued in the outbox in the same transaction
//! as the change. Each carries a dedupe key naming its event and recipient,
//! so an event is never announced twice. Each mail is in its recipient's
//! language (Chinese unless they chose English), with plain-text and HTML
//! parts.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::{Locale, Role};

use crate::entity::{tickets, users};
use crate::error::AppResult;
use crate::mail::letter::greeting;
use crate::mail::{Letter, Mailer};

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
    /// Every blocker is resolved; `version` is the ticket's version then.
    Unblocked {
        version: i64,
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
            TicketNotice::Unblocked { version } => format!("unblocked:{version}"),
        }
    }

    /// The mail for one recipient, in their language.
    pub fn letter(&self, t: &tickets::Model, name: &str, locale: Locale) -> Letter {
        let n = t.number;
        let s = &t.subject;
        let zh = locale == Locale::ZhCn;
        let mut letter = Letter {
            greeting: greeting(name, locale),
            ..Letter::default()
        };
        let (subject, paragraph) = match self {
            TicketNotice::Created => {
                if zh {
                    (
                        format!("工单 #{n} 已创建：{s}"),
                        format!("工单 #{n}「{s}」已创建。"),
                    )
                } else {
                    (
                        format!("Ticket #{n} created: {s}"),
                        format!("Ticket #{n} \"{s}\" has been created."),
                    )
                }
            }
            TicketNotice::Replied { body, .. } => {
                letter.quote = Some(body.to_string());
                if zh {
                    (
                        format!("工单 #{n} 有新回复：{s}"),
                        format!("工单 #{n}「{s}」有新回复："),
                    )
                } else {
                    (
                        format!("New reply on ticket #{n}: {s}"),
                        format!("There is a new reply on ticket #{n} \"{s}\":"),
                    )
                }
            }
            TicketNotice::PendingCustomer => {
                if zh {
                    (
                        format!("工单 #{n} 等待您的答复"),
                        format!("工单 #{n}「{s}」需要您提供更多信息，请在客户门户中回复。"),
                    )
                } else {
                    (format!("Ticket #{n} awaits your reply"), format!("Ticket #{n} \"{s}\" needs more information from you; please reply in the portal."))
                }
            }
            TicketNotice::Resolved { rating_link } => {
                if zh {
                    letter.link = Some(("为本次服务打分（1–5 分）".into(), rating_link.clone()));
                    letter.footer = Some("如问题仍然存在，7 天内回复即可重新打开工单。".into());
                    (
                        format!("工单 #{n} 已解决：{s}"),
                        format!("工单 #{n}「{s}」已解决。请为我们的服务打分。"),
                    )
                } else {
                    letter.link = Some(("Rate our service (1–5)".into(), rating_link.clone()));
                    letter.footer =
                        Some("If the problem persists, reply within 7 days to reopen it.".into());
                    (
                        format!("Ticket #{n} resolved: {s}"),
                        format!("Ticket #{n} \"{s}\" is resolved. Please rate our service."),
                    )
                }
            }
            TicketNotice::Breached { target } => {
                let first = *target == "first_response";
                if zh {
                    let what = if first { "首次响应" } else { "解决" };
                    (
                        format!("SLA 超时：工单 #{n} {what}超时"),
                        format!("工单 #{n}「{s}」已超过{what}时限，已升级处理。"),
                    )
                } else {
                    let what = if first {
                        "first response"
                    } else {
                        "resolution"
                    };
                    (
                        format!("SLA breach: ticket #{n} missed its {what} target"),
                        format!(
                            "Ticket #{n} \"{s}\" missed its {what} target and has been escalated."
                        ),
                    )
                }
            }
            TicketNotice::Escalated { tier, reason } => {
                if zh {
                    (
                        format!("工单 #{n} 已升级到第 {tier} 级"),
                        format!("工单 #{n}「{s}」已升级到第 {tier} 级，原因：{reason}"),
                    )
                } else {
                    (
                        format!("Ticket #{n} escalated to tier {tier}"),
                        format!(
                            "Ticket #{n} \"{s}\" was escalated to tier {tier}. Reason: {reason}"
                        ),
                    )
                }
            }
            TicketNotice::Unblocked { .. } => {
                if zh {
                    (
                        format!("工单 #{n} 已解除阻塞"),
                        format!("工单 #{n}「{s}」的上游问题都已解决，工单已重新打开，请继续处理。"),
                    )
                } else {
                    (format!("Ticket #{n} is unblocked"), format!("Every ticket blocking #{n} \"{s}\" is resolved; it is open again for you."))
                }
            }
        };
        letter.subject = subject;
        letter.paragraphs.push(paragraph);
        letter
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
        let locale = user.mail_locale();
        let mail = notice.letter(ticket, &user.name, locale).into_mail(
            Some(ticket.workspace_id),
            user.email,
            Some(format!("ticket:{}:{}:{}", ticket.id, notice.key(), user.id)),
        );
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
