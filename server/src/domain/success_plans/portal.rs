//! The portal's view of success plans, for the account's `customer_admin`
//! only (a `customer` gets 403, as for every admin-only portal matter):
//! active plans with their shared objectives, those objectives' milestones
//! and the public comments. The administrator comments, and marks done the
//! milestones a contact of their account owns (any such contact, not only
//! themselves: the administrator answers for the customer's side);
//! milestones the vendor's staff own answer 403, and anything of an
//! unshared objective or an archived plan 404.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use shared::success_plans::{
    CreatePlanCommentRequest, MilestoneStatus, PlanComment, PlanSide, PortalSuccessPlan,
    SuccessPlanStatus,
};
use shared::texts::{Msg, T};
use shared::Role;

use super::items::{find_milestone, set_status};
use super::load;
use crate::auth::PortalActor;
use crate::db::Db;
use crate::domain::common::portal::own_account;
use crate::entity::{success_milestones, success_objectives, success_plans};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The account of the signed-in `customer_admin` (403 for anyone else).
async fn admin_account<C: ConnectionTrait>(conn: &C, actor: &PortalActor) -> AppResult<i64> {
    if actor.role != Role::CustomerAdmin {
        return Err(AppError::Forbidden(T::PlanAdminOnly.into()));
    }
    own_account(conn, actor).await
}

/// An active plan of the account (404 otherwise).
async fn shown_plan<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    account_id: i64,
    id: i64,
) -> AppResult<success_plans::Model> {
    success_plans::Entity::find_by_id(id)
        .filter(success_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(success_plans::Column::AccountId.eq(account_id))
        .filter(success_plans::Column::Status.eq(SuccessPlanStatus::Active.as_str()))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn view<C: ConnectionTrait>(
    conn: &C,
    plan: success_plans::Model,
) -> AppResult<PortalSuccessPlan> {
    load(conn, vec![plan.clone()], true)
        .await?
        .portal_view(&plan)
}

/// The account's active plans, newest first.
pub async fn list(db: &Db, actor: &PortalActor) -> AppResult<Vec<PortalSuccessPlan>> {
    let account_id = admin_account(&db.read, actor).await?;
    let plans = success_plans::Entity::find()
        .filter(success_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(success_plans::Column::AccountId.eq(account_id))
        .filter(success_plans::Column::Status.eq(SuccessPlanStatus::Active.as_str()))
        .order_by_desc(success_plans::Column::Id)
        .all(&db.read)
        .await?;
    let loaded = load(&db.read, plans.clone(), true).await?;
    plans.iter().map(|p| loaded.portal_view(p)).collect()
}

pub async fn get(db: &Db, actor: &PortalActor, id: i64) -> AppResult<PortalSuccessPlan> {
    let account_id = admin_account(&db.read, actor).await?;
    let plan = shown_plan(&db.read, actor, account_id, id).await?;
    view(&db.read, plan).await
}

/// A public comment by the customer's administrator.
pub async fn comment(
    state: &AppState,
    actor: &PortalActor,
    plan_id: i64,
    req: CreatePlanCommentRequest,
) -> AppResult<PlanComment> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let account_id = admin_account(&txn, actor).await?;
    let plan = shown_plan(&txn, actor, account_id, plan_id).await?;
    if req.internal {
        return Err(AppError::field("internal", Msg::new(T::PlanNoInternal)));
    }
    let comment = super::comments::write(&txn, actor, &plan, PlanSide::Customer, req, now).await?;
    txn.commit().await?;
    Ok(comment)
}

/// Marks done a milestone of a shared objective that a contact of the
/// account owns; answers the plan as the portal shows it.
pub async fn mark_done(
    state: &AppState,
    actor: &PortalActor,
    milestone_id: i64,
) -> AppResult<PortalSuccessPlan> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let account_id = admin_account(&txn, actor).await?;
    let milestone = find_milestone(&txn, actor.workspace_id, milestone_id).await?;
    if milestone.account_id != account_id {
        return Err(AppError::NotFound);
    }
    let plan = shown_plan(&txn, actor, account_id, milestone.plan_id).await?;
    let shared = success_objectives::Entity::find_by_id(milestone.objective_id)
        .filter(success_objectives::Column::SharedWithCustomer.eq(true))
        .one(&txn)
        .await?;
    if shared.is_none() {
        return Err(AppError::NotFound);
    }
    let loaded = load(&txn, vec![plan.clone()], false).await?;
    if !loaded.customer_owned(&milestone, account_id) {
        return Err(AppError::Forbidden(T::PlanStaffMilestone.into()));
    }
    if milestone.status != MilestoneStatus::Done.as_str() {
        let before = loaded.milestone(&milestone)?;
        let mut model: success_milestones::ActiveModel = milestone.clone().into();
        set_status(
            &txn,
            actor,
            &milestone,
            &mut model,
            MilestoneStatus::Done,
            now,
        )
        .await?;
        model.version = sea_orm::ActiveValue::Set(milestone.version + 1);
        model.updated_at = sea_orm::ActiveValue::Set(now);
        let saved = sea_orm::ActiveModelTrait::update(model, &txn).await?;
        let after = loaded.milestone(&saved)?;
        super::plans::bump(&txn, &plan, now).await?;
        let entity = ("success_milestone", milestone_id);
        super::plans::record(
            &txn,
            actor,
            "update",
            entity,
            Some(&before),
            Some(&after),
            now,
        )
        .await?;
    }
    let plan = shown_plan(&txn, actor, account_id, plan.id).await?;
    let answer = view(&txn, plan).await?;
    txn.commit().await?;
    Ok(answer)
}
