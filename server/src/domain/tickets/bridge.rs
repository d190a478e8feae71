//! Linked tickets between a service centre and its vendor (issue 16): a
//! centre's ticket escalated to the vendor has a twin in the vendor's
//! workspace (`ticket_bridges`, written by `domain::centres::escalation`).
//! What crosses, in the same transaction as the change that causes it:
//! - a public comment on either side becomes a public comment on the other
//!   (`via` `centre` or `vendor`), recorded in `bridge_comments` so each is
//!   mirrored exactly once and a mirror is never mirrored back;
//! - a status change made on one side is applied on the other when its
//!   rules allow the transition, recorded with the reason `linked_ticket`;
//!   applying it does not propagate further, so nothing loops.
//!
//! Internal notes never cross; nothing else of either workspace does.

use super::*;
use crate::entity::{bridge_comments, service_centres, ticket_bridges};
use shared::centres::{BridgeSide, REASON_LINKED};

/// The bridge of a ticket, with the side the ticket is on.
pub async fn bridge_of<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
) -> AppResult<Option<(ticket_bridges::Model, BridgeSide)>> {
    let Some(bridge) = ticket_bridges::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(ticket_bridges::Column::CentreTicketId.eq(ticket.id))
                .add(ticket_bridges::Column::VendorTicketId.eq(ticket.id)),
        )
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let side = if bridge.centre_ticket_id == ticket.id
        && bridge.centre_workspace_id == ticket.workspace_id
    {
        BridgeSide::Centre
    } else if bridge.vendor_ticket_id == ticket.id
        && bridge.vendor_workspace_id == ticket.workspace_id
    {
        BridgeSide::Vendor
    } else {
        return Ok(None);
    };
    Ok(Some((bridge, side)))
}

/// Locks a ticket of `workspace_id` for a write that may cross to its
/// twin. Both tickets of a linked pair are locked in id order, whichever
/// side the write starts on, so replies on both sides at once queue behind
/// each other instead of deadlocking (each would otherwise hold its own
/// ticket and wait for the twin). A ticket without a twin is locked alone.
pub(crate) async fn lock_for_write<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<Option<tickets::Model>> {
    let bridge = ticket_bridges::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    ticket_bridges::Column::CentreTicketId
                        .eq(id)
                        .and(ticket_bridges::Column::CentreWorkspaceId.eq(workspace_id)),
                )
                .add(
                    ticket_bridges::Column::VendorTicketId
                        .eq(id)
                        .and(ticket_bridges::Column::VendorWorkspaceId.eq(workspace_id)),
                ),
        )
        .one(conn)
        .await?;
    let lock = |workspace_id: i64, id: i64| {
        tickets::Entity::find_by_id(id)
            .filter(tickets::Column::WorkspaceId.eq(workspace_id))
            .lock_exclusive()
            .one(conn)
    };
    if let Some(b) = bridge {
        let twin = if b.centre_ticket_id == id && b.centre_workspace_id == workspace_id {
            (b.vendor_workspace_id, b.vendor_ticket_id)
        } else {
            (b.centre_workspace_id, b.centre_ticket_id)
        };
        if twin.1 < id {
            lock(twin.0, twin.1).await?;
        }
    }
    Ok(lock(workspace_id, id).await?)
}

/// The twin of `ticket` (locked), if it has one.
async fn twin_of<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
) -> AppResult<Option<(ticket_bridges::Model, BridgeSide, tickets::Model)>> {
    let Some((bridge, side)) = bridge_of(conn, ticket).await? else {
        return Ok(None);
    };
    // A revoked link syncs no more.
    let live = service_centres::Entity::find_by_id(bridge.centre_link_id)
        .filter(service_centres::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .is_some();
    if !live {
        return Ok(None);
    }
    let (workspace, id) = match side {
        BridgeSide::Centre => (bridge.vendor_workspace_id, bridge.vendor_ticket_id),
        BridgeSide::Vendor => (bridge.centre_workspace_id, bridge.centre_ticket_id),
    };
    let twin = tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(workspace))
        .lock_exclusive()
        .one(conn)
        .await?;
    Ok(twin.map(|t| (bridge, side, t)))
}

/// Inserts the mirror of a public comment on the other side (once), and
/// tells that side as a reply there would: a staff reply reaches the
/// twin's requester, a customer's its assignee.
pub(crate) async fn mirror_comment<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    ticket: &tickets::Model,
    comment: &ticket_comments::Model,
    from_staff: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if comment.internal {
        return Ok(());
    }
    let Some((bridge, side, twin)) = twin_of(conn, ticket).await? else {
        return Ok(());
    };
    if status_of(&twin)? == TicketStatus::Closed {
        return Ok(());
    }
    let mirror = ticket_comments::ActiveModel {
        workspace_id: Set(twin.workspace_id),
        ticket_id: Set(twin.id),
        author_user_id: Set(comment.author_user_id),
        body: Set(comment.body.clone()),
        internal: Set(false),
        created_at: Set(now),
        via: Set(Some(side.as_str().to_string())),
        inbound_message_id: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    bridge_comments::Entity::insert(bridge_comments::ActiveModel {
        bridge_id: Set(bridge.id),
        source_comment_id: Set(comment.id),
        mirror_comment_id: Set(mirror.id),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    record_event(
        conn,
        &twin,
        None,
        &TicketChange::Comment {
            comment_id: mirror.id,
            internal: false,
        },
        now,
    )
    .await?;
    let other_side = if from_staff {
        twin.requester_user_id
    } else {
        twin.assignee_id
    };
    if let Some(user_id) = other_side {
        let notice = super::notify::TicketNotice::Replied {
            comment_id: mirror.id,
            body: &mirror.body,
        };
        super::notify::notify(conn, &state.mailer, &twin, &notice, &[user_id], now).await?;
    }
    touch(conn, &twin, now).await
}

async fn touch<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    tickets::Entity::update_many()
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            tickets::Column::Version,
            Expr::col(tickets::Column::Version).add(1),
        )
        .filter(tickets::Column::Id.eq(ticket.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Applies a status change of `before` → `after` to the twin, when there
/// is one and its rules allow the transition, with what follows a status
/// change there (released dependents, the requester's mail). Whether mail
/// was queued.
pub(crate) async fn mirror_status<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    before: &tickets::Model,
    after: &tickets::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let to = status_of(after)?;
    if status_of(before)? == to {
        return Ok(false);
    }
    let Some((_, _, twin)) = twin_of(conn, after).await? else {
        return Ok(false);
    };
    let from = status_of(&twin)?;
    if from == to || from.transition(to).is_err() {
        return Ok(false);
    }
    let mut model: tickets::ActiveModel = twin.clone().into();
    apply_status(conn, &mut model, &twin, to, now).await?;
    model.updated_at = Set(now);
    model.version = Set(twin.version + 1);
    let updated = model.update(conn).await?;
    crate::domain::tickets::service_rollup::change(conn, Some(&twin), Some(&updated)).await?;
    record_event(
        conn,
        &twin,
        None,
        &TicketChange::Status {
            from,
            to,
            reason: Some(REASON_LINKED.to_string()),
            comment: None,
        },
        now,
    )
    .await?;
    super::workflow::after_status_change(conn, state, &updated, to, now).await
}
