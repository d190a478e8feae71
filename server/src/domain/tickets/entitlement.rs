//! Whether an account's agreement covers a ticket coming in by a channel,
//! and the SLA level it is timed by.
//!
//! - The agreement in force on the day (the latest starting) gives the
//!   level; its entitlements must include tickets and the channel.
//! - An account whose agreements all ended (lapsed) is outside agreement:
//!   it never falls back to the default SLA.
//! - An account that never had an agreement is outside agreement when the
//!   workspace requires agreements (`/settings/entitlements`); otherwise it
//!   is served at the SLA policies' default level, as before levels had
//!   entitlements.
//!
//! The portal refuses a ticket outside agreement and says whom to contact;
//! a mail-in ticket and one staff log are opened but marked, without SLA.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::service_levels::{
    AccountEntitlement, OutsideReason, OwnerContact, PortalEntitlement, TicketChannel,
};
use shared::texts::{Msg, T};

use crate::auth::PortalActor;
use crate::db::Db;
use crate::domain::common::business_time::BusinessTime;
use crate::domain::common::calendar::business_calendar;
use crate::domain::common::portal::own_account;
use crate::domain::tickets::{service_levels, sla};
use crate::entity::{accounts, service_agreements, users};
use crate::error::{AppError, AppResult};

/// What covers a ticket of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The level of the agreement (or the default level) it falls under;
    /// `None` without one.
    pub level: Option<String>,
    /// The SLA policy level its targets come from; `None` outside agreement.
    pub sla_policy: Option<String>,
    pub outside: Option<OutsideReason>,
}

impl Coverage {
    fn outside(level: Option<String>, reason: OutsideReason) -> Self {
        Coverage {
            level,
            sla_policy: None,
            outside: Some(reason),
        }
    }
}

/// The coverage of a ticket of `account_id` coming in by `channel` on `today`.
pub async fn coverage<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    channel: TicketChannel,
    today: NaiveDate,
) -> AppResult<Coverage> {
    let agreements = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .filter(service_agreements::Column::StartsOn.lte(today))
        .order_by_desc(service_agreements::Column::StartsOn)
        .all(conn)
        .await?;
    let in_force = agreements.iter().find(|a| a.ends_on >= today);
    let level = match in_force {
        Some(a) => a.level.clone(),
        // Had one, and it ended.
        None if !agreements.is_empty() => {
            return Ok(Coverage::outside(None, OutsideReason::NoAgreement))
        }
        None if service_levels::agreement_required(conn, workspace_id).await? => {
            return Ok(Coverage::outside(None, OutsideReason::NoAgreement))
        }
        None => sla::policies(conn, workspace_id).await?.default_level,
    };
    let entitled = service_levels::entitlement_of(conn, workspace_id, &level).await?;
    if !entitled.tickets_included {
        return Ok(Coverage::outside(
            Some(level),
            OutsideReason::TicketsExcluded,
        ));
    }
    if !entitled.channels.allows(channel) {
        return Ok(Coverage::outside(
            Some(level),
            OutsideReason::ChannelExcluded,
        ));
    }
    Ok(Coverage {
        level: Some(level),
        sla_policy: Some(entitled.sla_policy),
        outside: None,
    })
}

/// The account's day in the workspace's time zone.
pub async fn today_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<NaiveDate> {
    let calendar = business_calendar(conn, workspace_id).await?;
    Ok(now.with_timezone(&calendar.zone()).date_naive())
}

/// Why a portal user may not open a ticket, worded for them: the account,
/// its level, and the owner to contact (or "your vendor" without one).
fn explanation(
    account: &str,
    level: Option<&str>,
    reason: OutsideReason,
    owner: Option<&OwnerContact>,
) -> Msg {
    let level = level.unwrap_or_default();
    let msg = match (reason, owner) {
        (OutsideReason::NoAgreement, Some(_)) => Msg::new(T::OutsideNoAgreement),
        (OutsideReason::NoAgreement, None) => Msg::new(T::OutsideNoAgreementNoOwner),
        (OutsideReason::TicketsExcluded, Some(_)) => Msg::new(T::OutsideTicketsExcluded),
        (OutsideReason::ChannelExcluded, Some(_)) => Msg::new(T::OutsideChannelExcluded),
        (_, None) => Msg::new(T::OutsideExcludedNoOwner),
    };
    let msg = msg.with("account", account).with("level", level);
    match owner {
        Some(o) => msg.with("owner", &o.name).with("email", &o.email),
        None => msg,
    }
}

/// `GET /accounts/{id}/entitlement`: whether a ticket staff log for the
/// account today is covered (staff log tickets taken by phone).
pub async fn staff_entitlement(
    db: &Db,
    actor: &crate::auth::StaffActor,
    account_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<AccountEntitlement> {
    let conn = &db.read;
    crate::domain::accounts::find_in_workspace(conn, actor.workspace_id, account_id).await?;
    let today = today_of(conn, actor.workspace_id, now).await?;
    let cover = coverage(
        conn,
        actor.workspace_id,
        account_id,
        TicketChannel::Phone,
        today,
    )
    .await?;
    Ok(AccountEntitlement {
        covered: cover.outside.is_none(),
        level: cover.level,
        reason: cover.outside,
    })
}

/// `GET /portal/entitlement`: may this user's account open a ticket here?
pub async fn portal_entitlement(
    db: &Db,
    actor: &PortalActor,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<PortalEntitlement> {
    let conn = &db.read;
    let account_id = own_account(conn, actor).await?;
    let account = accounts::Entity::find_by_id(account_id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today_of(conn, actor.workspace_id, now).await?;
    let cover = coverage(
        conn,
        actor.workspace_id,
        account_id,
        TicketChannel::Portal,
        today,
    )
    .await?;
    let contact = match account.owner_id {
        Some(id) => users::Entity::find_by_id(id)
            .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
            .one(conn)
            .await?
            .map(|u| OwnerContact {
                name: u.name,
                email: u.email,
            }),
        None => None,
    };
    let message = cover
        .outside
        .map(|why| explanation(&account.name, cover.level.as_deref(), why, contact.as_ref()));
    Ok(PortalEntitlement {
        can_open_tickets: cover.outside.is_none(),
        level: cover.level,
        reason: cover.outside,
        contact,
        message,
    })
}

/// 403 with the explanation unless the portal user's account may open a
/// ticket in the portal now.
pub async fn require_portal_tickets(
    db: &Db,
    actor: &PortalActor,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let answer = portal_entitlement(db, actor, now).await?;
    match answer.message {
        Some(msg) if !answer.can_open_tickets => Err(AppError::Forbidden(msg.en())),
        _ => Ok(()),
    }
}
