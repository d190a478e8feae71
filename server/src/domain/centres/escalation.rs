//! Escalation to the vendor: a centre's tier-3 ticket on an account the
//! vendor assigned becomes a linked ticket in the vendor's workspace. It
//! carries the subject, the module, the public conversation (each comment
//! mirrored once, see `tickets::bridge`) and what the centre chooses to
//! share: the description, category and priority (otherwise `question` and
//! `p3`) and public attachments. Internal notes and internal attachments
//! never go. From then on public replies and status flow both ways.

use super::*;
use sea_orm::QuerySelect;
use shared::centres::{BridgeSide, EscalateToVendorRequest, SharedField, TicketBridge};
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus, MAX_TIER};

use crate::entity::stored::stored;
use crate::entity::{
    bridge_comments, centre_accounts, ticket_attachments, ticket_bridges, ticket_comments, tickets,
};

/// What the bridge row keeps of the centre's choice.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Shared {
    fields: Vec<SharedField>,
    attachments: i64,
    reason: String,
}

fn shared_of(bridge: &ticket_bridges::Model) -> Shared {
    serde_json::from_str(&bridge.shared).unwrap_or_default()
}

/// Escalates a centre's tier-3 ticket to its vendor (the centre's admins
/// and managers).
pub async fn escalate_to_vendor(
    state: &AppState,
    actor: &StaffActor,
    ticket_id: i64,
    req: EscalateToVendorRequest,
) -> AppResult<TicketBridge> {
    actor.require(&[Role::Admin, Role::Manager])?;
    validation::required_text(&req.reason, 2000)
        .map_err(|r| AppError::field("reason", r.message_en()))?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status: TicketStatus = stored("tickets", ticket.id, "status", &ticket.status)?;
    if matches!(status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Err(AppError::field(
            "status",
            format!("a {status} ticket cannot be escalated"),
        ));
    }
    if crate::domain::tickets::bridge::bridge_of(&txn, &ticket)
        .await?
        .is_some()
    {
        return Err(AppError::conflict_on("ticket", T::CentreAlreadyEscalated));
    }
    if ticket.tier < MAX_TIER {
        return Err(AppError::field("tier", T::CentreNeedsTierThree));
    }
    let assignment = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::CentreAccountId.eq(ticket.account_id))
        .filter(centre_accounts::Column::CentreWorkspaceId.eq(actor.workspace_id))
        .filter(centre_accounts::Column::UnassignedAt.is_null())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("ticket", T::CentreNotLinkedAccount))?;
    let link = service_centres::Entity::find_by_id(assignment.centre_link_id)
        .one(&txn)
        .await?
        .filter(|l| status_of(l, now) == CentreStatus::Active)
        .ok_or_else(|| AppError::field("ticket", T::CentreNotLinkedAccount))?;
    let mut attachment_ids = req.share_attachment_ids.clone();
    attachment_ids.sort_unstable();
    attachment_ids.dedup();
    let attachments = ticket_attachments::Entity::find()
        .filter(ticket_attachments::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(ticket_attachments::Column::TicketId.eq(ticket.id))
        .filter(ticket_attachments::Column::Internal.eq(false))
        .filter(ticket_attachments::Column::Id.is_in(attachment_ids.clone()))
        .order_by_asc(ticket_attachments::Column::Id)
        .all(&txn)
        .await?;
    if let Some(missing) = attachment_ids
        .iter()
        .find(|id| !attachments.iter().any(|a| a.id == **id))
    {
        return Err(AppError::field(
            "share_attachment_ids",
            shared::Msg::new(T::CentreAttachmentNotShareable).with("id", missing),
        ));
    }
    let shares = |f: SharedField| req.share_fields.contains(&f);
    let vendor_ticket = crate::domain::tickets::insert_linked(
        &txn,
        state,
        crate::domain::tickets::LinkedTicket {
            workspace_id: link.vendor_workspace_id,
            account_id: assignment.vendor_account_id,
            created_by: link.invited_by,
            module: stored("tickets", ticket.id, "module", &ticket.module)?,
            category: if shares(SharedField::Category) {
                stored("tickets", ticket.id, "category", &ticket.category)?
            } else {
                TicketCategory::Question
            },
            priority: if shares(SharedField::Priority) {
                stored("tickets", ticket.id, "priority", &ticket.priority)?
            } else {
                TicketPriority::P3
            },
            subject: ticket.subject.clone(),
            description: if shares(SharedField::Description) {
                ticket.description.clone()
            } else {
                String::new()
            },
        },
        now,
    )
    .await?;
    let mut fields = req.share_fields.clone();
    fields.sort();
    fields.dedup();
    let kept = Shared {
        fields,
        attachments: attachments.len() as i64,
        reason: req.reason.trim().to_string(),
    };
    let bridge = ticket_bridges::ActiveModel {
        centre_link_id: Set(link.id),
        centre_workspace_id: Set(actor.workspace_id),
        centre_ticket_id: Set(ticket.id),
        vendor_workspace_id: Set(link.vendor_workspace_id),
        vendor_ticket_id: Set(vendor_ticket.id),
        shared: Set(serde_json::to_string(&kept).map_err(anyhow::Error::new)?),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The public conversation so far, each comment mirrored once.
    let public = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(ticket_comments::Column::TicketId.eq(ticket.id))
        .filter(ticket_comments::Column::Internal.eq(false))
        .order_by_asc(ticket_comments::Column::CreatedAt)
        .order_by_asc(ticket_comments::Column::Id)
        .all(&txn)
        .await?;
    for c in public {
        let mirror = ticket_comments::ActiveModel {
            workspace_id: Set(link.vendor_workspace_id),
            ticket_id: Set(vendor_ticket.id),
            author_user_id: Set(c.author_user_id),
            body: Set(c.body.clone()),
            internal: Set(false),
            created_at: Set(c.created_at),
            via: Set(Some(BridgeSide::Centre.as_str().to_string())),
            inbound_message_id: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        bridge_comments::Entity::insert(bridge_comments::ActiveModel {
            bridge_id: Set(bridge.id),
            source_comment_id: Set(c.id),
            mirror_comment_id: Set(mirror.id),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
    }
    // Shared files point at the same stored bytes (attachments are never
    // deleted), as rows of the vendor's ticket.
    for a in &attachments {
        ticket_attachments::ActiveModel {
            workspace_id: Set(link.vendor_workspace_id),
            ticket_id: Set(vendor_ticket.id),
            uploaded_by: Set(a.uploaded_by),
            file_name: Set(a.file_name.clone()),
            content_type: Set(a.content_type.clone()),
            size_bytes: Set(a.size_bytes),
            storage_key: Set(a.storage_key.clone()),
            sha256: Set(a.sha256.clone()),
            created_at: Set(now),
            internal: Set(false),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let out = bridge_api(&txn, &bridge, BridgeSide::Centre, vendor_ticket.number).await?;
    for (workspace_id, actor_id, entity_id) in [
        (actor.workspace_id, Some(actor.user_id), ticket.id),
        (link.vendor_workspace_id, None, vendor_ticket.id),
    ] {
        audit::record(
            &txn,
            Change {
                workspace_id,
                actor_id,
                action: "escalate_to_vendor",
                entity_type: "ticket",
                entity_id,
                before: None,
                after: Some(&kept_summary(&out)),
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    state.mailer.kick();
    state.integrations.kick();
    Ok(out)
}

fn kept_summary(b: &TicketBridge) -> serde_json::Value {
    serde_json::json!({
        "shared_fields": b.shared_fields,
        "shared_attachments": b.shared_attachments,
        "reason": b.reason,
    })
}

async fn bridge_api<C: ConnectionTrait>(
    conn: &C,
    bridge: &ticket_bridges::Model,
    side: BridgeSide,
    counterpart_number: i64,
) -> AppResult<TicketBridge> {
    let kept = shared_of(bridge);
    let counterpart_ws = match side {
        BridgeSide::Centre => bridge.vendor_workspace_id,
        BridgeSide::Vendor => bridge.centre_workspace_id,
    };
    Ok(TicketBridge {
        side,
        counterpart: workspace_name(conn, counterpart_ws).await?,
        counterpart_number,
        shared_fields: kept.fields,
        shared_attachments: kept.attachments,
        reason: kept.reason,
        created_at: bridge.created_at,
    })
}

/// The linked ticket of one of the actor's tickets (`None`: not linked).
pub async fn ticket_bridge(
    db: &Db,
    actor: &StaffActor,
    ticket_id: i64,
) -> AppResult<Option<TicketBridge>> {
    let ticket = crate::domain::tickets::find(&db.read, actor.workspace_id, ticket_id).await?;
    let Some((bridge, side)) = crate::domain::tickets::bridge::bridge_of(&db.read, &ticket).await?
    else {
        return Ok(None);
    };
    let twin = match side {
        BridgeSide::Centre => bridge.vendor_ticket_id,
        BridgeSide::Vendor => bridge.centre_ticket_id,
    };
    let number = tickets::Entity::find_by_id(twin)
        .one(&db.read)
        .await?
        .map(|t| t.number)
        .unwrap_or_default();
    Ok(Some(bridge_api(&db.read, &bridge, side, number).await?))
}
