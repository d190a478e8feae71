//! What a ticket's changes announce, to staff and to the customer.

use shared::Locale;

use super::{greeting, pick, Letter};
use crate::entity::tickets;

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
    /// The ticket was merged into another; `into_number` names it when the
    /// recipient's account may see it.
    Merged {
        into_number: Option<i64>,
    },
}

impl TicketNotice<'_> {
    /// Names the event in the mail's dedupe key.
    pub fn key(&self) -> String {
        match self {
            TicketNotice::Created => "created".into(),
            TicketNotice::Replied { comment_id, .. } => format!("reply:{comment_id}"),
            TicketNotice::PendingCustomer => "pending".into(),
            TicketNotice::Resolved { .. } => "resolved".into(),
            TicketNotice::Escalated { tier, .. } => format!("escalated:{tier}"),
            TicketNotice::Breached { target } => format!("breach:{target}"),
            TicketNotice::Unblocked { version } => format!("unblocked:{version}"),
            // A ticket is merged once: it is closed and never merged again.
            TicketNotice::Merged { .. } => "merged".into(),
        }
    }

    /// The mail for one recipient, in their language.
    pub fn letter(&self, t: &tickets::Model, name: &str, locale: Locale) -> Letter {
        let n = t.number;
        let s = &t.subject;
        let mut letter = Letter {
            greeting: greeting(name, locale),
            ..Letter::default()
        };
        let (subject, paragraph) = match self {
            TicketNotice::Created => pick(
                locale,
                (
                    format!("工单 #{n} 已创建：{s}"),
                    format!("工单 #{n}「{s}」已创建。"),
                ),
                (
                    format!("Ticket #{n} created: {s}"),
                    format!("Ticket #{n} \"{s}\" has been created."),
                ),
            ),
            TicketNotice::Replied { body, .. } => {
                letter.quote = Some(body.to_string());
                pick(
                    locale,
                    (
                        format!("工单 #{n} 有新回复：{s}"),
                        format!("工单 #{n}「{s}」有新回复："),
                    ),
                    (
                        format!("New reply on ticket #{n}: {s}"),
                        format!("There is a new reply on ticket #{n} \"{s}\":"),
                    ),
                )
            }
            TicketNotice::PendingCustomer => pick(
                locale,
                (
                    format!("工单 #{n} 等待您的答复"),
                    format!("工单 #{n}「{s}」需要您提供更多信息，请在客户门户中回复。"),
                ),
                (
                    format!("Ticket #{n} awaits your reply"),
                    format!(
                        "Ticket #{n} \"{s}\" needs more information from you; please reply in the portal."
                    ),
                ),
            ),
            TicketNotice::Resolved { rating_link } => {
                let label = pick(locale, "为本次服务打分（1–5 分）", "Rate our service (1–5)");
                letter.link = Some((label.into(), rating_link.clone()));
                letter.footer = Some(
                    pick(
                        locale,
                        "如问题仍然存在，7 天内回复即可重新打开工单。",
                        "If the problem persists, reply within 7 days to reopen it.",
                    )
                    .into(),
                );
                pick(
                    locale,
                    (
                        format!("工单 #{n} 已解决：{s}"),
                        format!("工单 #{n}「{s}」已解决。请为我们的服务打分。"),
                    ),
                    (
                        format!("Ticket #{n} resolved: {s}"),
                        format!("Ticket #{n} \"{s}\" is resolved. Please rate our service."),
                    ),
                )
            }
            TicketNotice::Breached { target } => {
                let first = *target == "first_response";
                let what = match first {
                    true => pick(locale, "首次响应", "first response"),
                    false => pick(locale, "解决", "resolution"),
                };
                pick(
                    locale,
                    (
                        format!("SLA 超时：工单 #{n} {what}超时"),
                        format!("工单 #{n}「{s}」已超过{what}时限，已升级处理。"),
                    ),
                    (
                        format!("SLA breach: ticket #{n} missed its {what} target"),
                        format!(
                            "Ticket #{n} \"{s}\" missed its {what} target and has been escalated."
                        ),
                    ),
                )
            }
            TicketNotice::Escalated { tier, reason } => pick(
                locale,
                (
                    format!("工单 #{n} 已升级到第 {tier} 级"),
                    format!("工单 #{n}「{s}」已升级到第 {tier} 级，原因：{reason}"),
                ),
                (
                    format!("Ticket #{n} escalated to tier {tier}"),
                    format!("Ticket #{n} \"{s}\" was escalated to tier {tier}. Reason: {reason}"),
                ),
            ),
            TicketNotice::Unblocked { .. } => pick(
                locale,
                (
                    format!("工单 #{n} 已解除阻塞"),
                    format!("工单 #{n}「{s}」的上游问题都已解决，工单已重新打开，请继续处理。"),
                ),
                (
                    format!("Ticket #{n} is unblocked"),
                    format!(
                        "Every ticket blocking #{n} \"{s}\" is resolved; it is open again for you."
                    ),
                ),
            ),
            TicketNotice::Merged { into_number } => {
                letter.footer = Some(
                    pick(
                        locale,
                        "您之前的回复和附件都已一并转入，无需重新提交。",
                        "Your earlier replies and attachments moved with it; there is nothing to send again.",
                    )
                    .into(),
                );
                match into_number {
                    Some(into) => pick(
                        locale,
                        (
                            format!("工单 #{n} 已合并到 #{into}"),
                            format!(
                                "您的工单 #{n}「{s}」与工单 #{into} 是同一问题，已合并到 #{into}，后续处理和沟通都在 #{into} 中进行。"
                            ),
                        ),
                        (
                            format!("Ticket #{n} was merged into #{into}"),
                            format!(
                                "Your ticket #{n} \"{s}\" is about the same problem as ticket #{into} and was merged into it; we continue there."
                            ),
                        ),
                    ),
                    None => pick(
                        locale,
                        (
                            format!("工单 #{n} 已合并"),
                            format!("您的工单 #{n}「{s}」与另一个工单是同一问题，已合并处理。"),
                        ),
                        (
                            format!("Ticket #{n} was merged"),
                            format!(
                                "Your ticket #{n} \"{s}\" is about the same problem as another ticket and was merged into it."
                            ),
                        ),
                    ),
                }
            }
        };
        letter.subject = subject;
        letter.paragraphs.push(paragraph);
        letter
    }
}
