//! Authorised service centres (授权服务中心, issue 16).
//!
//! The model: a centre is a workspace of its own, and workspace isolation
//! stays the rule everywhere. What joins a vendor and a centre is held in
//! link tables that only this area reads and writes:
//! - `service_centres`: the vendor's invitation (a one-time link whose
//!   token is stored hashed); accepted by an admin of the centre's
//!   workspace, it is the vendor ↔ centre link until revoked;
//! - `centre_accounts`: a vendor account assigned to a centre, linked to
//!   the centre's own copy of it, made in the centre's workspace when
//!   assigned, which the centre's staff serve like any account of theirs;
//! - `ticket_bridges`: a centre ticket escalated to the vendor and the
//!   vendor's linked ticket (`escalation`; the two-way sync of public
//!   replies and status is `tickets::bridge`).
//!
//! The vendor sees of a centre its name, status, the assigned accounts and
//! the roll-ups over them (`rollups`); a centre sees of its vendor its name
//! and what crosses on linked tickets. Nothing else crosses.
//!
//! Also here: staff certifications per module and the routing setting
//! (`certifications`), which every workspace may use.

pub mod accounts;
pub mod certifications;
pub mod escalation;
pub mod rollups;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::centres::{
    AcceptCentreInvitation, CentreStatus, CreateCentreInvitation, InvitationPreview, ServiceCentre,
    VendorLink, INVITATION_DAYS, MAX_CENTRE_NAME,
};
use shared::texts::T;
use shared::{validation, Role};

use crate::auth::tokens::{hash_token, random_token};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::{centre_accounts, service_centres, workspaces};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Where a link is at `now`.
pub fn status_of(link: &service_centres::Model, now: DateTime<Utc>) -> CentreStatus {
    if link.revoked_at.is_some() {
        CentreStatus::Revoked
    } else if link.accepted_at.is_some() {
        CentreStatus::Active
    } else if link.expires_at <= now {
        CentreStatus::Expired
    } else {
        CentreStatus::Invited
    }
}

/// Only the vendor's admins manage centres; its managers read them too.
fn require_admin(actor: &StaffActor) -> AppResult<()> {
    actor
        .require(&[Role::Admin])
        .map_err(|_| AppError::Forbidden(T::CentreAdminOnly.en().into()))
}

fn require_reader(actor: &StaffActor) -> AppResult<()> {
    actor
        .require(&[Role::Admin, Role::Manager])
        .map_err(|_| AppError::Forbidden(T::CentreAdminOnly.en().into()))
}

async fn workspace_name<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<String> {
    Ok(workspaces::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|w| w.name)
        .unwrap_or_default())
}

/// A link of the actor's (vendor) workspace; any other answers 404.
pub(crate) async fn vendor_link<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<service_centres::Model> {
    service_centres::Entity::find_by_id(id)
        .filter(service_centres::Column::VendorWorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn to_api<C: ConnectionTrait>(
    conn: &C,
    link: &service_centres::Model,
    now: DateTime<Utc>,
) -> AppResult<ServiceCentre> {
    let workspace_name = match link.centre_workspace_id {
        Some(id) => Some(workspace_name(conn, id).await?),
        None => None,
    };
    Ok(ServiceCentre {
        id: link.id,
        name: link.name.clone(),
        workspace_name,
        status: status_of(link, now),
        created_at: link.created_at,
        expires_at: link.expires_at,
        accepted_at: link.accepted_at,
        revoked_at: link.revoked_at,
        invitation_link: None,
        rollup: rollups::rollup(conn, link, now).await?,
    })
}

/// Invites a partner workspace: the answer carries the one-time link
/// (shown once) that the centre's admin opens to accept.
pub async fn invite(
    state: &AppState,
    actor: &StaffActor,
    req: CreateCentreInvitation,
) -> AppResult<ServiceCentre> {
    require_admin(actor)?;
    validation::required_text(&req.name, MAX_CENTRE_NAME)
        .map_err(|r| AppError::field("name", r.message_en()))?;
    let now = state.clock.now();
    let token = random_token(32);
    let txn = state.db.write.begin().await?;
    let link = service_centres::ActiveModel {
        vendor_workspace_id: Set(actor.workspace_id),
        name: Set(req.name.trim().to_string()),
        token_hash: Set(hash_token(&token)),
        invited_by: Set(actor.user_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        centre_workspace_id: Set(None),
        accepted_by: Set(None),
        accepted_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut created = to_api(&txn, &link, now).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "invite",
            entity_type: "service_centre",
            entity_id: link.id,
            before: None,
            after: Some(&created),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    created.invitation_link = Some(format!(
        "{}/centres/accept?token={}",
        state.config.public_url.trim_end_matches('/'),
        token
    ));
    Ok(created)
}

/// The vendor's centres, newest first, with their roll-ups.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<ServiceCentre>> {
    require_reader(actor)?;
    let links = service_centres::Entity::find()
        .filter(service_centres::Column::VendorWorkspaceId.eq(actor.workspace_id))
        .order_by_desc(service_centres::Column::Id)
        .all(&db.read)
        .await?;
    let mut out = Vec::with_capacity(links.len());
    for link in &links {
        out.push(to_api(&db.read, link, now).await?);
    }
    Ok(out)
}

pub async fn get(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<ServiceCentre> {
    require_reader(actor)?;
    let link = vendor_link(&db.read, actor, id).await?;
    to_api(&db.read, &link, now).await
}

/// Ends an invitation or a link: the centre can no longer escalate, linked
/// tickets stop syncing, and no account can be assigned to it. The
/// centre's own copies of the accounts stay its own.
pub async fn revoke(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<ServiceCentre> {
    require_admin(actor)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let link = vendor_link(&txn, actor, id).await?;
    if link.revoked_at.is_none() {
        service_centres::Entity::update_many()
            .col_expr(service_centres::Column::RevokedAt, Expr::value(now))
            .filter(service_centres::Column::Id.eq(link.id))
            .filter(service_centres::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        centre_accounts::Entity::update_many()
            .col_expr(centre_accounts::Column::UnassignedAt, Expr::value(now))
            .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
            .filter(centre_accounts::Column::UnassignedAt.is_null())
            .exec(&txn)
            .await?;
    }
    let updated = vendor_link(&txn, actor, id).await?;
    let before = to_api(&txn, &link, now).await?;
    let after = to_api(&txn, &updated, now).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "revoke",
            entity_type: "service_centre",
            entity_id: link.id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The open invitation behind a token, if it may still be accepted.
async fn open_invitation<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<service_centres::Model> {
    let invalid = || AppError::field("token", T::CentreInvitationInvalid);
    if token.is_empty() || token.len() > 200 {
        return Err(invalid());
    }
    service_centres::Entity::find()
        .filter(service_centres::Column::TokenHash.eq(hash_token(token)))
        .one(conn)
        .await?
        .filter(|l| status_of(l, now) == CentreStatus::Invited)
        .ok_or_else(invalid)
}

/// What the acceptance page shows before signing in: who invites, as what.
pub async fn preview(db: &Db, token: &str, now: DateTime<Utc>) -> AppResult<InvitationPreview> {
    let link = open_invitation(&db.read, token, now).await?;
    Ok(InvitationPreview {
        vendor_name: workspace_name(&db.read, link.vendor_workspace_id).await?,
        centre_name: link.name,
        expires_at: link.expires_at,
    })
}

/// An admin of the centre's workspace accepts the vendor's invitation.
pub async fn accept(
    state: &AppState,
    actor: &StaffActor,
    req: AcceptCentreInvitation,
) -> AppResult<VendorLink> {
    require_admin(actor)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let link = open_invitation(&txn, &req.token, now).await?;
    if link.vendor_workspace_id == actor.workspace_id {
        return Err(AppError::field("token", T::CentreOwnWorkspace));
    }
    let linked = service_centres::Entity::find()
        .filter(service_centres::Column::VendorWorkspaceId.eq(link.vendor_workspace_id))
        .filter(service_centres::Column::CentreWorkspaceId.eq(actor.workspace_id))
        .filter(service_centres::Column::RevokedAt.is_null())
        .one(&txn)
        .await?;
    if linked.is_some() {
        return Err(AppError::conflict_on("token", T::CentreAlreadyLinked));
    }
    // Claimed by a conditional update: two acceptances of one link cannot
    // both succeed.
    let claimed = service_centres::Entity::update_many()
        .col_expr(
            service_centres::Column::CentreWorkspaceId,
            Expr::value(actor.workspace_id),
        )
        .col_expr(
            service_centres::Column::AcceptedBy,
            Expr::value(actor.user_id),
        )
        .col_expr(service_centres::Column::AcceptedAt, Expr::value(now))
        .filter(service_centres::Column::Id.eq(link.id))
        .filter(service_centres::Column::AcceptedAt.is_null())
        .filter(service_centres::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::field("token", T::CentreInvitationInvalid));
    }
    let accepted = service_centres::Entity::find_by_id(link.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let out = to_vendor_link(&txn, &accepted, now).await?;
    for (workspace_id, actor_id) in [
        (actor.workspace_id, Some(actor.user_id)),
        (link.vendor_workspace_id, None),
    ] {
        audit::record(
            &txn,
            Change {
                workspace_id,
                actor_id,
                action: "accept",
                entity_type: "service_centre",
                entity_id: link.id,
                before: None,
                after: Some(&out),
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(out)
}

async fn to_vendor_link<C: ConnectionTrait>(
    conn: &C,
    link: &service_centres::Model,
    now: DateTime<Utc>,
) -> AppResult<VendorLink> {
    use sea_orm::PaginatorTrait;
    let accounts = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
        .filter(centre_accounts::Column::UnassignedAt.is_null())
        .count(conn)
        .await? as i64;
    Ok(VendorLink {
        id: link.id,
        vendor_name: workspace_name(conn, link.vendor_workspace_id).await?,
        status: status_of(link, now),
        accepted_at: link.accepted_at,
        revoked_at: link.revoked_at,
        accounts,
    })
}

/// The vendors that authorised the actor's workspace (any staff member).
pub async fn vendors(
    db: &Db,
    actor: &StaffActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<VendorLink>> {
    let links = service_centres::Entity::find()
        .filter(service_centres::Column::CentreWorkspaceId.eq(actor.workspace_id))
        .order_by_desc(service_centres::Column::Id)
        .all(&db.read)
        .await?;
    let mut out = Vec::with_capacity(links.len());
    for link in &links {
        out.push(to_vendor_link(&db.read, link, now).await?);
    }
    Ok(out)
}
