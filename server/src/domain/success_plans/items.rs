//! A plan's objectives and their milestones: add, change (`If-Match`),
//! remove, and marking a milestone done, which adds a `milestone_done`
//! entry to the account's timeline (by staff here, by the customer in
//! [`super::portal`]).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
};
use shared::success_plans::{
    CreateMilestoneRequest, CreateObjectiveRequest, Milestone, MilestoneStatus, Objective,
    ObjectiveStatus, UpdateMilestoneRequest, UpdateObjectiveRequest, MAX_MILESTONES,
    MAX_OBJECTIVES,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;

use super::plans::{bump, record};
use super::{account_of, can_edit, find_plan, load, may_edit, milestone_etag, objective_etag};
use crate::auth::{Actor, StaffActor};
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::require_current;
use crate::entity::{contacts, success_milestones, success_objectives, success_plans};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

async fn find_objective<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<success_objectives::Model> {
    success_objectives::Entity::find_by_id(id)
        .filter(success_objectives::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn find_milestone<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<success_milestones::Model> {
    success_milestones::Entity::find_by_id(id)
        .filter(success_milestones::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The plan of `plan_id` after the actor is found allowed to change it.
async fn editable_plan<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    plan_id: i64,
) -> AppResult<success_plans::Model> {
    let plan = find_plan(conn, actor.workspace_id, plan_id).await?;
    let account = account_of(conn, actor.workspace_id, plan.account_id).await?;
    may_edit(actor, &account)?;
    Ok(plan)
}

async fn objective_view<C: ConnectionTrait>(
    conn: &C,
    plan: &success_plans::Model,
    objective: &success_objectives::Model,
) -> AppResult<Objective> {
    load(conn, vec![plan.clone()], false)
        .await?
        .objective(objective)
}

async fn milestone_view<C: ConnectionTrait>(
    conn: &C,
    plan: &success_plans::Model,
    milestone: &success_milestones::Model,
) -> AppResult<Milestone> {
    load(conn, vec![plan.clone()], false)
        .await?
        .milestone(milestone)
}

fn too_many(field: &str, max: usize) -> AppError {
    AppError::field(field, Msg::new(T::AtMostAmount).with("max", max))
}

pub async fn add_objective(
    state: &AppState,
    actor: &StaffActor,
    plan_id: i64,
    req: CreateObjectiveRequest,
) -> AppResult<Objective> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let plan = editable_plan(&txn, actor, plan_id).await?;
    shared::success_plans::validate_create_objective(&req).map_err(AppError::validation)?;
    let count = success_objectives::Entity::find()
        .filter(success_objectives::Column::PlanId.eq(plan.id))
        .count(&txn)
        .await?;
    if count >= MAX_OBJECTIVES as u64 {
        return Err(too_many("objectives", MAX_OBJECTIVES));
    }
    let created = success_objectives::ActiveModel {
        workspace_id: Set(plan.workspace_id),
        account_id: Set(plan.account_id),
        plan_id: Set(plan.id),
        title: Set(req.title.trim().to_string()),
        measure: Set(req.measure.trim().to_string()),
        target_date: Set(req.target_date),
        status: Set(req
            .status
            .unwrap_or(ObjectiveStatus::NotStarted)
            .as_str()
            .to_string()),
        shared_with_customer: Set(req.shared_with_customer),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let after = objective_view(&txn, &plan, &created).await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_objective", created.id);
    record(&txn, actor, "create", entity, None, Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn update_objective(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateObjectiveRequest,
) -> AppResult<Objective> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_objective(&txn, actor.workspace_id, id).await?;
    let plan = editable_plan(&txn, actor, current.plan_id).await?;
    let before = objective_view(&txn, &plan, &current).await?;
    require_current(if_match, &objective_etag(&before))?;
    shared::success_plans::validate_update_objective(&req).map_err(AppError::validation)?;
    let mut model: success_objectives::ActiveModel = current.clone().into();
    if let Some(title) = req.title {
        model.title = Set(title.trim().to_string());
    }
    if let Some(measure) = req.measure {
        model.measure = Set(measure.trim().to_string());
    }
    if let Some(date) = req.target_date {
        model.target_date = Set(date);
    }
    if let Some(status) = req.status {
        model.status = Set(status.as_str().to_string());
    }
    if let Some(shared) = req.shared_with_customer {
        model.shared_with_customer = Set(shared);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    let after = objective_view(&txn, &plan, &saved).await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_objective", id);
    record(
        &txn,
        actor,
        "update",
        entity,
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes an objective with its milestones.
pub async fn delete_objective(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_objective(&txn, actor.workspace_id, id).await?;
    let plan = editable_plan(&txn, actor, current.plan_id).await?;
    let before = objective_view(&txn, &plan, &current).await?;
    success_milestones::Entity::delete_many()
        .filter(success_milestones::Column::ObjectiveId.eq(id))
        .exec(&txn)
        .await?;
    success_objectives::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_objective", id);
    record(&txn, actor, "delete", entity, Some(&before), None, now).await?;
    txn.commit().await?;
    Ok(())
}

/// 422 unless `user` is an active staff member of the workspace and
/// `contact` a contact of the plan's account.
async fn check_owners<C: ConnectionTrait>(
    conn: &C,
    plan: &success_plans::Model,
    user: Option<i64>,
    contact: Option<i64>,
) -> AppResult<()> {
    if let Some(user) = user {
        crate::domain::accounts::users::require_active_staff(
            conn,
            plan.workspace_id,
            user,
            "owner_user_id",
        )
        .await?;
    }
    if let Some(contact) = contact {
        let found = contacts::Entity::find_by_id(contact)
            .filter(contacts::Column::WorkspaceId.eq(plan.workspace_id))
            .filter(contacts::Column::AccountId.eq(plan.account_id))
            .filter(contacts::Column::Archived.eq(false))
            .one(conn)
            .await?;
        if found.is_none() {
            return Err(AppError::field(
                "owner_contact_id",
                Msg::new(T::PlanContactOfAccount),
            ));
        }
    }
    Ok(())
}

pub async fn add_milestone(
    state: &AppState,
    actor: &StaffActor,
    objective_id: i64,
    req: CreateMilestoneRequest,
) -> AppResult<Milestone> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let objective = find_objective(&txn, actor.workspace_id, objective_id).await?;
    let plan = editable_plan(&txn, actor, objective.plan_id).await?;
    shared::success_plans::validate_create_milestone(&req).map_err(AppError::validation)?;
    check_owners(&txn, &plan, req.owner_user_id, req.owner_contact_id).await?;
    let count = success_milestones::Entity::find()
        .filter(success_milestones::Column::ObjectiveId.eq(objective.id))
        .count(&txn)
        .await?;
    if count >= MAX_MILESTONES as u64 {
        return Err(too_many("milestones", MAX_MILESTONES));
    }
    let created = success_milestones::ActiveModel {
        workspace_id: Set(plan.workspace_id),
        account_id: Set(plan.account_id),
        plan_id: Set(plan.id),
        objective_id: Set(objective.id),
        title: Set(req.title.trim().to_string()),
        owner_user_id: Set(req.owner_user_id),
        owner_contact_id: Set(req.owner_contact_id),
        due_on: Set(req.due_on),
        status: Set(MilestoneStatus::Open.as_str().to_string()),
        done_at: Set(None),
        done_by_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let after = milestone_view(&txn, &plan, &created).await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_milestone", created.id);
    record(&txn, actor, "create", entity, None, Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Sets a milestone's status on `model`: done records who and when and
/// adds the timeline entry; open clears them.
pub(crate) async fn set_status<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    current: &success_milestones::Model,
    model: &mut success_milestones::ActiveModel,
    status: MilestoneStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if current.status == status.as_str() {
        return Ok(());
    }
    model.status = Set(status.as_str().to_string());
    match status {
        MilestoneStatus::Done => {
            model.done_at = Set(Some(now));
            model.done_by_id = Set(Some(actor.user_id));
            let event = NewEvent::new(
                current.workspace_id,
                current.account_id,
                TimelineKind::MilestoneDone,
                actor.user_id,
                current.title.clone(),
                now,
            )
            .about("success_milestone", current.id);
            timeline::record(conn, event, now).await?;
        }
        MilestoneStatus::Open => {
            model.done_at = Set(None);
            model.done_by_id = Set(None);
        }
    }
    Ok(())
}

/// Changes a milestone. The account's owner, managers and admins change
/// anything; the milestone's staff owner may only mark it done or open.
pub async fn update_milestone(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateMilestoneRequest,
) -> AppResult<Milestone> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_milestone(&txn, actor.workspace_id, id).await?;
    let plan = find_plan(&txn, actor.workspace_id, current.plan_id).await?;
    let account = account_of(&txn, actor.workspace_id, plan.account_id).await?;
    if !can_edit(actor, &account) {
        let status_only = req
            == UpdateMilestoneRequest {
                status: req.status,
                ..Default::default()
            };
        if !(status_only && current.owner_user_id == Some(actor.user_id)) {
            return Err(AppError::Forbidden(T::PlanMilestoneEditors.into()));
        }
    }
    let before = milestone_view(&txn, &plan, &current).await?;
    require_current(if_match, &milestone_etag(&before))?;
    shared::success_plans::validate_update_milestone(
        &req,
        current.owner_user_id,
        current.owner_contact_id,
    )
    .map_err(AppError::validation)?;
    let (user, contact) =
        shared::success_plans::owners_after(&req, current.owner_user_id, current.owner_contact_id);
    if (user, contact) != (current.owner_user_id, current.owner_contact_id) {
        check_owners(&txn, &plan, user, contact).await?;
    }
    let mut model: success_milestones::ActiveModel = current.clone().into();
    if let Some(title) = &req.title {
        model.title = Set(title.trim().to_string());
    }
    model.owner_user_id = Set(user);
    model.owner_contact_id = Set(contact);
    if let Some(due) = req.due_on {
        model.due_on = Set(due);
    }
    if let Some(status) = req.status {
        set_status(&txn, actor, &current, &mut model, status, now).await?;
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    let after = milestone_view(&txn, &plan, &saved).await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_milestone", id);
    record(
        &txn,
        actor,
        "update",
        entity,
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete_milestone(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_milestone(&txn, actor.workspace_id, id).await?;
    let plan = editable_plan(&txn, actor, current.plan_id).await?;
    let before = milestone_view(&txn, &plan, &current).await?;
    success_milestones::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    bump(&txn, &plan, now).await?;
    let entity = ("success_milestone", id);
    record(&txn, actor, "delete", entity, Some(&before), None, now).await?;
    txn.commit().await?;
    Ok(())
}
