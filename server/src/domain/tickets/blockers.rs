//! Upstream data errors block downstream work (seed, 第九条): a ticket can
//! be blocked by others; it stays `blocked` (its SLA clock paused) until
//! every blocker is resolved, then returns to `open` and its assignee is
//! told.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use shared::tickets::{AddBlockerRequest, Ticket, TicketChange, TicketStatus, REASON_UNBLOCKED};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::tickets::notify::{notify, TicketNotice};
use crate::domain::tickets::{self, apply_status, record_event, status_of, to_api};
use crate::entity::{ticket_blockers, tickets as ticket_entity};
use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::state::AppState;

fn is_done(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

/// The tickets blocking `ticket_id` (resolved ones included).
async fn blockers_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ticket_id: i64,
) -> AppResult<Vec<ticket_entity::Model>> {
    let ids: Vec<i64> = ticket_blockers::Entity::find()
        .filter(ticket_blockers::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket_blockers::Column::TicketId.eq(ticket_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.blocked_by_ticket_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(ticket_entity::Entity::find()
        .filter(ticket_entity::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket_entity::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

pub async fn list(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<Ticket>> {
    tickets::find(&db.read, actor.workspace_id, id).await?;
    blockers_of(&db.read, actor.workspace_id, id)
        .await?
        .iter()
        .map(to_api)
        .collect()
}

/// Would `ticket` → `blocker` close a cycle? True when `ticket` is already
/// (transitively) blocking `blocker`.
async fn creates_cycle<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ticket: i64,
    blocker: i64,
) -> AppResult<bool> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([blocker]);
    while let Some(current) = queue.pop_front() {
        if current == ticket {
            return Ok(true);
        }
        if !seen.insert(current) {
            continue;
        }
        let next = ticket_blockers::Entity::find()
            .filter(ticket_blockers::Column::WorkspaceId.eq(workspace_id))
            .filter(ticket_blockers::Column::TicketId.eq(current))
            .select_only()
            .column(ticket_blockers::Column::BlockedByTicketId)
            .into_tuple::<i64>()
            .all(conn)
            .await?;
        queue.extend(next);
    }
    Ok(false)
}

pub async fn add(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    req: AddBlockerRequest,
    now: DateTime<Utc>,
) -> AppResult<Ticket> {
    if req.blocked_by == id {
        return Err(AppError::field(
            "blocked_by",
            "a ticket cannot block itself",
        ));
    }
    let txn = db.write.begin().await?;
    let ticket = ticket_entity::Entity::find_by_id(id)
        .filter(ticket_entity::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let blocker = ticket_entity::Entity::find_by_id(req.blocked_by)
        .filter(ticket_entity::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("blocked_by", "no such ticket"))?;
    if is_done(status_of(&blocker)?) {
        return Err(AppError::field(
            "blocked_by",
            "that ticket is already resolved",
        ));
    }
    let status = status_of(&ticket)?;
    if is_done(status) || status == TicketStatus::AwaitingApproval {
        return Err(AppError::field(
            "status",
            format!("a {status} ticket cannot be blocked"),
        ));
    }
    if creates_cycle(&txn, actor.workspace_id, id, blocker.id).await? {
        return Err(AppError::field(
            "blocked_by",
            "that ticket is (indirectly) waiting for this one: blocking would be a cycle",
        ));
    }
    let exists = ticket_blockers::Entity::find()
        .filter(ticket_blockers::Column::TicketId.eq(id))
        .filter(ticket_blockers::Column::BlockedByTicketId.eq(blocker.id))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        ticket_blockers::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            ticket_id: Set(id),
            blocked_by_ticket_id: Set(blocker.id),
            created_by: Set(actor.user_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let mut model: ticket_entity::ActiveModel = ticket.clone().into();
    if status != TicketStatus::Blocked {
        apply_status(&txn, &mut model, &ticket, TicketStatus::Blocked, now).await?;
    }
    model.updated_at = Set(now);
    model.version = Set(ticket.version + 1);
    let updated = model.update(&txn).await?;
    crate::domain::integrations::events::emit_ticket_updated(&txn, &ticket, &updated, now).await?;
    record_event(
        &txn,
        &ticket,
        Some(actor.user_id),
        &TicketChange::Blocked {
            blocked_by: blocker.id,
            blocked_by_number: blocker.number,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    to_api(&updated)
}

pub async fn remove(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    blocker_id: i64,
) -> AppResult<Ticket> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let ticket = tickets::find(&txn, actor.workspace_id, id).await?;
    let deleted = ticket_blockers::Entity::delete_many()
        .filter(ticket_blockers::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(ticket_blockers::Column::TicketId.eq(id))
        .filter(ticket_blockers::Column::BlockedByTicketId.eq(blocker_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    record_event(
        &txn,
        &ticket,
        Some(actor.user_id),
        &TicketChange::UnblockedManually {
            blocked_by: blocker_id,
        },
        now,
    )
    .await?;
    let reopened = reopen_if_free(&txn, &state.mailer, &ticket, now).await?;
    txn.commit().await?;
    if reopened {
        state.mailer.kick();
        state.integrations.kick();
    }
    to_api(&tickets::find(&state.db.read, actor.workspace_id, id).await?)
}

/// Called when `resolved` is resolved or closed: each ticket it blocked
/// whose blockers are now all done returns to `open`, and its assignee is
/// told. Returns whether mail was queued.
pub async fn release_dependents<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    resolved: &ticket_entity::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let dependents: Vec<i64> = ticket_blockers::Entity::find()
        .filter(ticket_blockers::Column::WorkspaceId.eq(resolved.workspace_id))
        .filter(ticket_blockers::Column::BlockedByTicketId.eq(resolved.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.ticket_id)
        .collect();
    let mut mailed = false;
    for id in dependents {
        let ticket = tickets::find(conn, resolved.workspace_id, id).await?;
        mailed |= reopen_if_free(conn, mailer, &ticket, now).await?;
    }
    Ok(mailed)
}

async fn reopen_if_free<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    ticket: &ticket_entity::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if status_of(ticket)? != TicketStatus::Blocked {
        return Ok(false);
    }
    let mut open_blockers = 0;
    for blocker in blockers_of(conn, ticket.workspace_id, ticket.id).await? {
        if !is_done(status_of(&blocker)?) {
            open_blockers += 1;
        }
    }
    if open_blockers > 0 {
        return Ok(false);
    }
    let mut model: ticket_entity::ActiveModel = ticket.clone().into();
    apply_status(conn, &mut model, ticket, TicketStatus::Open, now).await?;
    model.updated_at = Set(now);
    model.version = Set(ticket.version + 1);
    let reopened = model.update(conn).await?;
    crate::domain::integrations::events::emit_ticket_updated(conn, ticket, &reopened, now).await?;
    record_event(
        conn,
        ticket,
        None,
        &TicketChange::Status {
            from: TicketStatus::Blocked,
            to: TicketStatus::Open,
            reason: Some(REASON_UNBLOCKED.to_string()),
            comment: None,
        },
        now,
    )
    .await?;
    let Some(assignee) = ticket.assignee_id else {
        return Ok(false);
    };
    let notice = TicketNotice::Unblocked {
        version: ticket.version,
    };
    Ok(notify(conn, mailer, ticket, &notice, &[assignee], now).await? > 0)
}
