//! Resolving a parent ("problem") ticket's open children with one public
//! reply: each child gets the reply through the ordinary comment path (its
//! requester is mailed) and is resolved through the ordinary staff update
//! (transition rules, SLA, the resolution mail, audit), one child per
//! transaction. A child whose state does not allow resolving is reported
//! back untouched. Children already resolved or closed are left alone, so
//! the request can be repeated without a second reply.

use super::*;
use shared::texts::{Msg, T};
use shared::ticket_links::{is_done, ChildOutcome, ResolveChildrenOutcome, ResolveChildrenRequest};

use super::merge::{locale_of, worded};

/// Why a child was not resolved, as the answer states it.
fn reason_of(e: &AppError) -> Option<String> {
    match e {
        AppError::Validation { fields, message } | AppError::Conflict { fields, message } => {
            Some(fields.values().next().unwrap_or(message).clone())
        }
        AppError::NotFound => Some(T::NotFound.en().to_string()),
        AppError::Forbidden(message) | AppError::PayloadTooLarge(message) => Some(message.clone()),
        AppError::QuotaExceeded { message, .. } => Some(message.clone()),
        _ => None,
    }
}

/// Replies to and resolves one child in its own transaction.
async fn resolve_child(
    state: &AppState,
    actor: &StaffActor,
    child_id: i64,
    reply: &str,
) -> AppResult<Option<tickets::Model>> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let child = super::bridge::lock_for_write(&txn, actor.workspace_id, child_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = status_of(&child)?;
    if is_done(status) {
        // Resolved meanwhile (a repeated request): nothing to say again.
        return Ok(None);
    }
    status
        .transition(TicketStatus::Resolved)
        .map_err(|reason| AppError::field("status", reason))?;
    let (_, replied) = reply_locked(&txn, state, actor, &child, reply.to_string(), now).await?;
    let latest = find(&txn, actor.workspace_id, child_id).await?;
    let resolve = UpdateTicketRequest {
        status: Some(TicketStatus::Resolved),
        ..Default::default()
    };
    let (resolved, updated) = update_locked(&txn, state, actor, &latest, resolve, now).await?;
    txn.commit().await?;
    replied.kick(state);
    updated.kick(state);
    Ok(Some(resolved))
}

/// `POST /tickets/{id}/resolve-children`: once ticket `id` is resolved (or
/// closed), each open child receives `req.reply` and is resolved.
pub async fn resolve_children(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: ResolveChildrenRequest,
) -> AppResult<ResolveChildrenOutcome> {
    req.validate().map_err(AppError::validation)?;
    let ws = actor.workspace_id;
    let parent = find(&state.db.read, ws, id).await?;
    let parent_status = status_of(&parent)?;
    if !is_done(parent_status) {
        return Err(AppError::field("status", T::ResolveParentFirst));
    }
    let mut outcome = ResolveChildrenOutcome::default();
    let children = super::links::children_of(&state.db.read, ws, id).await?;
    for child in children {
        if is_done(status_of(&child)?) {
            continue;
        }
        match resolve_child(state, actor, child.id, &req.reply).await {
            Ok(Some(resolved)) => outcome.resolved.push(ChildOutcome {
                ticket_id: resolved.id,
                number: resolved.number,
                status: status_of(&resolved)?,
                reason: None,
            }),
            Ok(None) => {}
            Err(e) => {
                let Some(reason) = reason_of(&e) else {
                    return Err(e);
                };
                let now = find(&state.db.read, ws, child.id).await?;
                outcome.skipped.push(ChildOutcome {
                    ticket_id: now.id,
                    number: now.number,
                    status: status_of(&now)?,
                    reason: Some(reason),
                });
            }
        }
    }
    if !outcome.resolved.is_empty() || !outcome.skipped.is_empty() {
        record_on_parent(state, actor, id, &outcome).await?;
    }
    Ok(outcome)
}

/// An internal note on the parent saying what the request did (none on a
/// closed parent: it takes no comments), and the audit entry.
async fn record_on_parent(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    outcome: &ResolveChildrenOutcome,
) -> AppResult<()> {
    let now = state.clock.now();
    let numbers = |list: &[ChildOutcome]| {
        list.iter()
            .map(|c| format!("#{}", c.number))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let locale = locale_of(&state.db.read, Some(actor.user_id)).await?;
    let mut lines = Vec::new();
    if !outcome.resolved.is_empty() {
        let msg = Msg::new(T::ChildrenResolvedNote)
            .with("count", outcome.resolved.len())
            .with("numbers", numbers(&outcome.resolved));
        lines.push(worded(&msg, locale));
    }
    if !outcome.skipped.is_empty() {
        let msg = Msg::new(T::ChildrenSkippedNote).with("numbers", numbers(&outcome.skipped));
        lines.push(worded(&msg, locale));
    }
    let txn = state.db.write.begin().await?;
    let parent = tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut queued = Queued::default();
    if status_of(&parent)? != TicketStatus::Closed {
        queued = note_locked(&txn, state, actor, &parent, lines.join("\n"), now)
            .await?
            .1;
    }
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "resolve_children",
            entity_type: "ticket",
            entity_id: id,
            before: None,
            after: Some(outcome),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    queued.kick(state);
    Ok(())
}
