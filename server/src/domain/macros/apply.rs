//! Applying a macro to a ticket: the reply text in the requester's
//! language with its placeholders filled in, and the macro's actions run
//! through the ticket's own workflow in one transaction — an internal
//! note, escalation to the macro's tier, then its status and priority. An
//! action the ticket's state refuses refuses the whole application (the
//! workflow's own 422), which then changes nothing, the usage count
//! included.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;
use shared::macros::{pick_body, render, AppliedAction, AppliedMacro, ApplyMacroRequest};
use shared::texts::{Msg, T};
use shared::tickets::{TicketPriority, TicketStatus, UpdateTicketRequest};
use shared::Locale;

use super::{actions_of, find_visible};
use crate::auth::StaffActor;
use crate::domain::common::audit::{self, Change};
use crate::domain::tickets::{self, Queued};
use crate::entity::stored::stored;
use crate::entity::{accounts, contacts, macros, tickets as ticket_rows, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What fills the placeholders for one ticket and one agent.
struct Values {
    contact: Option<String>,
    number: String,
    account: Option<String>,
    agent: Option<String>,
}

impl Values {
    fn of(&self, name: &str) -> Option<String> {
        match name {
            "contact.name" => self.contact.clone(),
            "ticket.number" => Some(self.number.clone()),
            "account.name" => self.account.clone(),
            "agent.name" => self.agent.clone(),
            _ => None,
        }
    }
}

/// The requester's name (as their contact record has it) and language;
/// without a requester, no name and the default language.
async fn requester<C: ConnectionTrait>(
    conn: &C,
    ticket: &ticket_rows::Model,
) -> AppResult<(Option<String>, Locale)> {
    let Some(user_id) = ticket.requester_user_id else {
        return Ok((None, Locale::DEFAULT));
    };
    let Some(user) = users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(ticket.workspace_id))
        .one(conn)
        .await?
    else {
        return Ok((None, Locale::DEFAULT));
    };
    let contact = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(ticket.workspace_id))
        .filter(contacts::Column::PortalUserId.eq(user_id))
        .one(conn)
        .await?;
    let name = contact.map_or_else(|| user.name.clone(), |c| c.name);
    Ok((Some(name), user.mail_locale()))
}

async fn values<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    ticket: &ticket_rows::Model,
) -> AppResult<(Values, Locale)> {
    let (contact, language) = requester(conn, ticket).await?;
    let account = accounts::Entity::find_by_id(ticket.account_id)
        .filter(accounts::Column::WorkspaceId.eq(ticket.workspace_id))
        .one(conn)
        .await?
        .map(|a| a.name);
    let agent = users::Entity::find_by_id(actor.user_id)
        .one(conn)
        .await?
        .map(|u| u.name);
    let values = Values {
        contact,
        number: ticket.number.to_string(),
        account,
        agent,
    };
    Ok((values, language))
}

/// The audit entry of an application.
#[derive(Serialize)]
struct Applied<'a> {
    ticket_id: i64,
    applied: &'a [AppliedAction],
}

/// Renders macro `id` for `req.ticket_id` and runs its actions there.
pub async fn apply(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: ApplyMacroRequest,
) -> AppResult<AppliedMacro> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let m = find_visible(&txn, actor, id).await?;
    let ticket_id = req.ticket_id;
    let current = tickets::bridge::lock_for_write(&txn, actor.workspace_id, ticket_id)
        .await?
        .ok_or_else(|| AppError::field("ticket_id", T::NoSuchTicket))?;
    let actions = actions_of(&m)?;
    let (values, wanted) = values(&txn, actor, &current).await?;
    let (body, language) = pick_body(&m.body_zh, &m.body_en, wanted);
    let (text, mut unresolved) = render(body, |name| values.of(name));

    let mut applied = Vec::new();
    let mut queued = Queued::default();
    let mut note = None;
    if let Some(template) = &actions.internal_note {
        let (body, missing) = render(template, |name| values.of(name));
        for name in missing {
            if !unresolved.contains(&name) {
                unresolved.push(name);
            }
        }
        let (comment, q) = tickets::note_locked(&txn, state, actor, &current, body, now).await?;
        queued.mail |= q.mail;
        queued.events |= q.events;
        applied.push(AppliedAction::InternalNote {
            comment_id: comment.id,
        });
        note = Some(comment);
    }
    if let Some(target) = actions.tier {
        escalate_to(&txn, state, actor, ticket_id, target, &m.name, now).await?;
        let from = current.tier;
        if target != from {
            applied.push(AppliedAction::Tier { from, to: target });
            queued.mail = true;
            queued.events = true;
        }
    }
    let latest = tickets::find(&txn, actor.workspace_id, ticket_id).await?;
    let status: TicketStatus = stored("tickets", latest.id, "status", &latest.status)?;
    let priority: TicketPriority = stored("tickets", latest.id, "priority", &latest.priority)?;
    let change = UpdateTicketRequest {
        status: actions.status.filter(|s| *s != status),
        priority: actions.priority.filter(|p| *p != priority),
        ..UpdateTicketRequest::default()
    };
    if change != UpdateTicketRequest::default() {
        let (_, q) =
            tickets::update_locked(&txn, state, actor, &latest, change.clone(), now).await?;
        queued.mail |= q.mail;
        queued.events |= q.events;
        if let Some(to) = change.status {
            applied.push(AppliedAction::Status { from: status, to });
        }
        if let Some(to) = change.priority {
            applied.push(AppliedAction::Priority { from: priority, to });
        }
    }
    macros::Entity::update_many()
        .col_expr(
            macros::Column::UsageCount,
            Expr::col(macros::Column::UsageCount).add(1),
        )
        .filter(macros::Column::Id.eq(m.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "apply",
            entity_type: "macro",
            entity_id: m.id,
            before: None,
            after: Some(&Applied {
                ticket_id,
                applied: &applied,
            }),
        },
        now,
    )
    .await?;
    let ticket = tickets::to_api(&tickets::find(&txn, actor.workspace_id, ticket_id).await?)?;
    txn.commit().await?;
    queued.kick(state);
    Ok(AppliedMacro {
        macro_id: m.id,
        text,
        language,
        unresolved,
        applied,
        ticket,
        note,
        usage_count: m.usage_count + 1,
    })
}

/// Escalates the locked ticket step by step until it is at `target`,
/// through the workflow's escalation (assignee of the new tier, mail,
/// timeline, audit); a ticket above `target` is refused: tiers only rise.
async fn escalate_to<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    actor: &StaffActor,
    ticket_id: i64,
    target: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    loop {
        let ticket = tickets::find(conn, actor.workspace_id, ticket_id).await?;
        if ticket.tier == target {
            return Ok(());
        }
        if ticket.tier > target {
            return Err(AppError::field(
                "tier",
                Msg::new(T::MacroTierOnlyRises).with("tier", ticket.tier),
            ));
        }
        tickets::escalate_locked(
            conn,
            &state.mailer,
            &ticket,
            Some(actor.user_id),
            reason,
            now,
        )
        .await?;
    }
}
