//! Certified routing (持证上岗): when the workspace's setting is on, routing
//! and escalation assign engineers only among those holding a certification
//! for the ticket's module that has not expired. The certifications and the
//! setting are written by `domain::centres::certifications`; this reads them.

use super::*;
use crate::entity::{routing_settings, staff_certifications};

/// Whether the workspace assigns only certified engineers.
pub async fn certified_only<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<bool> {
    Ok(routing_settings::Entity::find()
        .filter(routing_settings::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .is_some_and(|s| s.certified_only))
}

/// The users holding an unexpired certification for `module` today.
pub async fn certified_users<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    module: ErpModule,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let today = entitlement::today_of(conn, workspace_id, now).await?;
    Ok(staff_certifications::Entity::find()
        .select_only()
        .column(staff_certifications::Column::UserId)
        .filter(staff_certifications::Column::WorkspaceId.eq(workspace_id))
        .filter(staff_certifications::Column::Module.eq(module.as_str()))
        .filter(staff_certifications::Column::ExpiresOn.gte(today))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Who routing may pick among engineers for `module`: `None` when anyone
/// may be picked (the setting is off), else the certified ones.
pub(super) async fn allowed_engineers<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    module: ErpModule,
    now: DateTime<Utc>,
) -> AppResult<Option<Vec<i64>>> {
    if !certified_only(conn, workspace_id).await? {
        return Ok(None);
    }
    Ok(Some(
        certified_users(conn, workspace_id, module, now).await?,
    ))
}

/// The refusal when no engineer may take a ticket of `module`.
pub(super) fn none_certified(module: ErpModule) -> AppError {
    AppError::field(
        "assignee_id",
        shared::texts::Msg::new(shared::texts::T::NoCertifiedEngineer).with("module", module),
    )
}
