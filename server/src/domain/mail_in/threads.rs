//! Which ticket a received mail replies to.

use mail_parser::Message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::text;
use crate::entity::{email_outbox, tickets as ticket_rows};
use crate::error::AppResult;
use crate::mail::threading;
use crate::state::AppState;

/// The ticket of the sender's account a mail replies to: by the
/// Message-IDs it names (our thread roots, or mail we sent about a
/// ticket), then by a `[#n]` subject tag. A reply about a merged ticket
/// goes to the ticket it was merged into.
pub(super) async fn thread_of(
    state: &AppState,
    ws: i64,
    account_id: i64,
    msg: &Message<'_>,
    subject: &str,
) -> AppResult<Option<ticket_rows::Model>> {
    let host = state.mailer.host();
    let of_account = |t: &ticket_rows::Model| t.workspace_id == ws && t.account_id == account_id;
    for id in text::referenced_ids(msg) {
        let ticket_id = match threading::ticket_of_root(&id, host) {
            Some(ticket_id) => Some(ticket_id),
            None => email_outbox::Entity::find()
                .filter(email_outbox::Column::WorkspaceId.eq(ws))
                .filter(email_outbox::Column::MessageId.eq(format!("<{id}>")))
                .filter(email_outbox::Column::TicketId.is_not_null())
                .one(&state.db.read)
                .await?
                .and_then(|m| m.ticket_id),
        };
        let Some(ticket_id) = ticket_id else { continue };
        if let Some(ticket) = ticket_rows::Entity::find_by_id(ticket_id)
            .filter(ticket_rows::Column::WorkspaceId.eq(ws))
            .one(&state.db.read)
            .await?
            .filter(of_account)
        {
            return merged_target(state, ticket, of_account).await;
        }
    }
    for number in threading::subject_tags(subject) {
        if let Some(ticket) = ticket_rows::Entity::find()
            .filter(ticket_rows::Column::WorkspaceId.eq(ws))
            .filter(ticket_rows::Column::Number.eq(number))
            .one(&state.db.read)
            .await?
            .filter(of_account)
        {
            return merged_target(state, ticket, of_account).await;
        }
    }
    Ok(None)
}

/// The ticket a merged one went into (when the sender's account may see
/// it), else the ticket itself. Merges point at the final target.
async fn merged_target(
    state: &AppState,
    ticket: ticket_rows::Model,
    of_account: impl Fn(&ticket_rows::Model) -> bool,
) -> AppResult<Option<ticket_rows::Model>> {
    let Some(into) = ticket.merged_into_id else {
        return Ok(Some(ticket));
    };
    let target = ticket_rows::Entity::find_by_id(into)
        .filter(ticket_rows::Column::WorkspaceId.eq(ticket.workspace_id))
        .one(&state.db.read)
        .await?
        .filter(|t| of_account(t));
    Ok(Some(target.unwrap_or(ticket)))
}
