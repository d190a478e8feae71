//! Comments on a plan: staff write public or internal ones, the customer's
//! administrator public ones ([`super::portal`]).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, TransactionTrait};
use shared::success_plans::{CreatePlanCommentRequest, PlanComment, PlanSide};

use super::plans::{bump, record};
use super::{find_plan, load};
use crate::auth::{Actor, StaffActor};
use crate::entity::{success_plan_comments, success_plans};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Writes a comment on `plan` by `actor` and answers it as shown.
pub(crate) async fn write<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    plan: &success_plans::Model,
    side: PlanSide,
    req: CreatePlanCommentRequest,
    now: DateTime<Utc>,
) -> AppResult<PlanComment> {
    shared::success_plans::validate_comment(&req).map_err(AppError::validation)?;
    let created = success_plan_comments::ActiveModel {
        workspace_id: Set(plan.workspace_id),
        plan_id: Set(plan.id),
        author_id: Set(actor.user_id),
        author_side: Set(side.as_str().to_string()),
        body: Set(req.body.trim().to_string()),
        internal: Set(req.internal),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    bump(conn, plan, now).await?;
    let loaded = load(conn, vec![plan.clone()], true).await?;
    let comment = loaded
        .comments
        .iter()
        .find(|c| c.id == created.id)
        .ok_or(AppError::NotFound)?;
    let after = loaded.comment(comment)?;
    let entity = ("success_plan_comment", created.id);
    record(conn, actor, "create", entity, None, Some(&after), now).await?;
    Ok(after)
}

/// Any staff member comments on a plan of the workspace (engineers too:
/// the people doing the work report on it).
pub async fn add(
    state: &AppState,
    actor: &StaffActor,
    plan_id: i64,
    req: CreatePlanCommentRequest,
) -> AppResult<PlanComment> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let plan = find_plan(&txn, actor.workspace_id, plan_id).await?;
    let comment = write(&txn, actor, &plan, PlanSide::Staff, req, now).await?;
    txn.commit().await?;
    Ok(comment)
}
