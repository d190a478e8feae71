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

/// Inserts the mirror of a public comment on the other side (once).
pub(crate) async fn mirror_comment<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    comment: &ticket_comments::Model,
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
/// is one and its rules allow the transition.
pub(crate) async fn mirror_status<C: ConnectionTrait>(
    conn: &C,
    before: &tickets::Model,
    after: &tickets::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = status_of(after)?;
    if status_of(before)? == to {
        return Ok(());
    }
    let Some((_, _, twin)) = twin_of(conn, after).await? else {
        return Ok(());
    };
    let from = status_of(&twin)?;
    if from == to || from.transition(to).is_err() {
        return Ok(());
    }
    let mut model: tickets::ActiveModel = twin.clone().into();
    apply_status(conn, &mut model, &twin, to, now).await?;
    model.updated_at = Set(now);
    model.version = Set(twin.version + 1);
    let updated = model.update(conn).await?;
    crate::domain::reporting::service_rollup::change(conn, Some(&twin), Some(&updated)).await?;
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
    .await
}
