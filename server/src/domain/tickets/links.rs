//! Links between tickets of a workspace: `related` (both ways), or a parent
//! ("problem" ticket) with children, across accounts. A ticket is never
//! linked to itself, a child has at most one parent, and a ticket never
//! becomes its own ancestor. Links are staff data: the portal shows none.
//!
//! Storage (`ticket_links`): a related pair once, smaller id first; a
//! `parent` row names the child in `ticket_id` and the parent in
//! `linked_ticket_id`. A link is not a change of either ticket (their
//! versions stay), but each end's timeline records it.

use std::collections::HashMap;

use super::*;
use sea_orm::sea_query::Condition;
use shared::texts::{Msg, T};
use shared::ticket_links::{AddLinkRequest, LinkKind, TicketLink, TicketRef};

use crate::entity::ticket_links;

const RELATED: &str = "related";
const PARENT: &str = "parent";

/// The longest chain of parents followed looking for a cycle; links are
/// made one at a time through these checks, so a real chain is far shorter.
const MAX_DEPTH: usize = 10_000;

pub(super) fn ticket_ref(m: &tickets::Model) -> AppResult<TicketRef> {
    Ok(TicketRef {
        id: m.id,
        number: m.number,
        subject: m.subject.clone(),
        status: status_of(m)?,
        account_id: m.account_id,
        merged_into_id: m.merged_into_id,
    })
}

/// The row that stores "`other` is `kind` to `this`": (ticket_id,
/// linked_ticket_id, stored kind).
fn row_of(this: i64, other: i64, kind: LinkKind) -> (i64, i64, &'static str) {
    match kind {
        LinkKind::Related => (this.min(other), this.max(other), RELATED),
        LinkKind::Parent => (this, other, PARENT),
        LinkKind::Child => (other, this, PARENT),
    }
}

/// The other end of a stored link seen from `this`, and what it is to it.
fn seen_from(row: &ticket_links::Model, this: i64) -> AppResult<(i64, LinkKind)> {
    let other = if row.ticket_id == this {
        row.linked_ticket_id
    } else {
        row.ticket_id
    };
    let kind = match row.kind.as_str() {
        RELATED => LinkKind::Related,
        PARENT if row.ticket_id == this => LinkKind::Parent,
        PARENT => LinkKind::Child,
        other => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "ticket_links row {}: unknown kind {other}",
                row.id
            )))
        }
    };
    Ok((other, kind))
}

/// Every link of ticket `id`.
async fn rows_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<Vec<ticket_links::Model>> {
    Ok(ticket_links::Entity::find()
        .filter(ticket_links::Column::WorkspaceId.eq(workspace_id))
        .filter(
            Condition::any()
                .add(ticket_links::Column::TicketId.eq(id))
                .add(ticket_links::Column::LinkedTicketId.eq(id)),
        )
        .order_by_asc(ticket_links::Column::Id)
        .all(conn)
        .await?)
}

/// The link between `a` and `b`, whatever its kind and direction.
async fn between<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    a: i64,
    b: i64,
) -> AppResult<Option<ticket_links::Model>> {
    Ok(ticket_links::Entity::find()
        .filter(ticket_links::Column::WorkspaceId.eq(workspace_id))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(ticket_links::Column::TicketId.eq(a))
                        .add(ticket_links::Column::LinkedTicketId.eq(b)),
                )
                .add(
                    Condition::all()
                        .add(ticket_links::Column::TicketId.eq(b))
                        .add(ticket_links::Column::LinkedTicketId.eq(a)),
                ),
        )
        .one(conn)
        .await?)
}

/// The parent of ticket `id`, if it has one.
pub(super) async fn parent_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<Option<i64>> {
    Ok(ticket_links::Entity::find()
        .filter(ticket_links::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket_links::Column::TicketId.eq(id))
        .filter(ticket_links::Column::Kind.eq(PARENT))
        .one(conn)
        .await?
        .map(|row| row.linked_ticket_id))
}

/// The children of ticket `id`.
pub(super) async fn children_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<Vec<tickets::Model>> {
    let ids: Vec<i64> = ticket_links::Entity::find()
        .filter(ticket_links::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket_links::Column::LinkedTicketId.eq(id))
        .filter(ticket_links::Column::Kind.eq(PARENT))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.ticket_id)
        .collect();
    Ok(tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .filter(tickets::Column::Id.is_in(ids))
        .order_by_asc(tickets::Column::Number)
        .all(conn)
        .await?)
}

/// Whether `ancestor` is `id` or above it (its parent, their parent, …).
async fn is_ancestor_or_self<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ancestor: i64,
    id: i64,
) -> AppResult<bool> {
    let mut current = Some(id);
    for _ in 0..MAX_DEPTH {
        match current {
            Some(c) if c == ancestor => return Ok(true),
            Some(c) => current = parent_of(conn, workspace_id, c).await?,
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn link_of(
    row: &ticket_links::Model,
    kind: LinkKind,
    other: &tickets::Model,
) -> AppResult<TicketLink> {
    Ok(TicketLink {
        kind,
        ticket: ticket_ref(other)?,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

/// `GET /tickets/{id}/links`: parent first, then children, then related
/// tickets, each by number.
pub async fn list(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<TicketLink>> {
    let ws = actor.workspace_id;
    find(&db.read, ws, id).await?;
    let rows = rows_of(&db.read, ws, id).await?;
    let ends: Vec<(i64, LinkKind)> = rows
        .iter()
        .map(|row| seen_from(row, id))
        .collect::<AppResult<_>>()?;
    let others: HashMap<i64, tickets::Model> = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::Id.is_in(ends.iter().map(|(other, _)| *other)))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut links = Vec::with_capacity(rows.len());
    for (row, (other, kind)) in rows.iter().zip(ends) {
        if let Some(t) = others.get(&other) {
            links.push(link_of(row, kind, t)?);
        }
    }
    let order = |k: LinkKind| match k {
        LinkKind::Parent => 0,
        LinkKind::Child => 1,
        LinkKind::Related => 2,
    };
    links.sort_by_key(|l| (order(l.kind), l.ticket.number));
    Ok(links)
}

fn merged_away(t: &tickets::Model, into_number: i64) -> Msg {
    Msg::new(T::LinkMerged)
        .with("number", t.number)
        .with("into", into_number)
}

/// `POST /tickets/{id}/links`: `req.ticket_id` becomes `req.kind` to
/// ticket `id`. Answers the link and whether it is new (the same link
/// again is answered as it is, changing nothing).
pub async fn add(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: AddLinkRequest,
) -> AppResult<(TicketLink, bool)> {
    let other_id = req.ticket_id;
    if other_id == id {
        return Err(AppError::field("ticket_id", T::LinkSelf));
    }
    let ws = actor.workspace_id;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let (this, other) = super::merge::lock_pair(&txn, ws, id, other_id).await?;
    // A merged ticket's conversation lives on where it went: link that.
    if let Some(into) = other.merged_into_id {
        let into_number = find(&txn, ws, into).await?.number;
        return Err(AppError::field(
            "ticket_id",
            merged_away(&other, into_number),
        ));
    }
    if let Some(into) = this.merged_into_id {
        let into_number = find(&txn, ws, into).await?.number;
        return Err(AppError::Conflict {
            message: merged_away(&this, into_number).into(),
            fields: Default::default(),
        });
    }
    let (child, parent, stored) = row_of(id, other_id, req.kind);
    if let Some(existing) = between(&txn, ws, id, other_id).await? {
        let (_, kind) = seen_from(&existing, id)?;
        if kind == req.kind {
            return Ok((link_of(&existing, kind, &other)?, false));
        }
        return Err(AppError::conflict_on(
            "ticket_id",
            Msg::new(T::LinkExists)
                .with("number", other.number)
                .with("kind", kind),
        ));
    }
    if stored == PARENT {
        let child_number = if child == id {
            this.number
        } else {
            other.number
        };
        let parent_number = if parent == id {
            this.number
        } else {
            other.number
        };
        if let Some(current) = parent_of(&txn, ws, child).await? {
            let current_number = find(&txn, ws, current).await?.number;
            return Err(AppError::conflict_on(
                "ticket_id",
                Msg::new(T::LinkOneParent)
                    .with("number", child_number)
                    .with("parent", current_number),
            ));
        }
        if is_ancestor_or_self(&txn, ws, child, parent).await? {
            return Err(AppError::field(
                "ticket_id",
                Msg::new(T::LinkCycle)
                    .with("number", parent_number)
                    .with("child", child_number),
            ));
        }
    }
    let row = ticket_links::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(child),
        linked_ticket_id: Set(parent),
        kind: Set(stored.to_string()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (at, to, kind) in [
        (&this, &other, req.kind),
        (&other, &this, req.kind.reversed()),
    ] {
        record_event(
            &txn,
            at,
            Some(actor.user_id),
            &TicketChange::Linked {
                ticket_id: to.id,
                number: to.number,
                kind,
            },
            now,
        )
        .await?;
    }
    audit_link(&txn, actor, &row, "create", now).await?;
    txn.commit().await?;
    Ok((link_of(&row, req.kind, &other)?, true))
}

async fn audit_link<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    row: &ticket_links::Model,
    action: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let stored = serde_json::json!({
        "ticket_id": row.ticket_id,
        "linked_ticket_id": row.linked_ticket_id,
        "kind": row.kind,
    });
    let (before, after) = match action {
        "delete" => (Some(&stored), None),
        _ => (None, Some(&stored)),
    };
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "ticket_link",
            entity_id: row.id,
            before,
            after,
        },
        now,
    )
    .await
}

/// `DELETE /tickets/{id}/links/{other}`: removes the link between the two,
/// whatever its kind; 404 when there is none.
pub async fn remove(state: &AppState, actor: &StaffActor, id: i64, other_id: i64) -> AppResult<()> {
    let ws = actor.workspace_id;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let this = find(&txn, ws, id).await?;
    let row = between(&txn, ws, id, other_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let other = find(&txn, ws, other_id).await?;
    let (_, kind) = seen_from(&row, id)?;
    ticket_links::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    for (at, to, kind) in [(&this, &other, kind), (&other, &this, kind.reversed())] {
        record_event(
            &txn,
            at,
            Some(actor.user_id),
            &TicketChange::Unlinked {
                ticket_id: to.id,
                number: to.number,
                kind,
            },
            now,
        )
        .await?;
    }
    audit_link(&txn, actor, &row, "delete", now).await?;
    txn.commit().await?;
    Ok(())
}
