//! The e-mails tickets cause, queued in the outbox in the same transaction
//! as the change. Each carries a dedupe key naming its event and recipient,
//! so an event is never announced twice. Each mail is in its recipient's
//! language (Chinese unless they chose English), with plain-text and HTML
//! parts. Mail to the customer's logins (replies, resolution, …) is on the
//! account's timeline as `email_sent`.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::Role;

use crate::domain::accounts::timeline::{mail_customer, CustomerMail};
use crate::entity::{tickets, users};
use crate::error::AppResult;
use crate::mail::Mailer;

pub use crate::mail::letters::tickets::TicketNotice;

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
    // Replies thread back onto the ticket (see `mail::threading`).
    let thread = crate::mail::TicketThread {
        ticket_id: ticket.id,
        reply_to: crate::mail::threading::reply_address(conn, ticket.workspace_id).await?,
    };
    for user in recipients {
        // Mail to the customer is on the account's timeline, except the
        // automatic receipt of the ticket they opened themselves.
        let to_customer = user.role.parse::<Role>().is_ok_and(|r| r.is_portal())
            && !matches!(notice, TicketNotice::Created);
        let locale = user.mail_locale();
        let mut letter = notice.letter(ticket, &user.name, locale);
        letter.subject = crate::mail::threading::tagged_subject(&letter.subject, ticket.number);
        let mail = letter.into_mail(
            Some(ticket.workspace_id),
            user.email,
            Some(format!("ticket:{}:{}:{}", ticket.id, notice.key(), user.id)),
        );
        let sent = if to_customer {
            let to = CustomerMail {
                account_id: ticket.account_id,
                actor_id: None,
                about: Some(("ticket", ticket.id)),
            };
            mail_customer(conn, mailer, mail, Some(&thread), to, now).await?
        } else {
            mailer
                .enqueue_in_thread(conn, mail, Some(&thread), now)
                .await?
        };
        if sent {
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
