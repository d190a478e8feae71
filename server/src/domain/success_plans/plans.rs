//! A success plan itself: an account's list, create, read, change
//! (`If-Match`) and archive.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::success_plans::{
    CreatePlanRequest, SuccessPlan, SuccessPlanStatus, SuccessPlanSummary, UpdatePlanRequest,
};
use shared::Page;

use super::{account_of, can_edit, find_plan, load, may_edit, plan_etag};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::{page_of, try_page, PageQuery, Paging};
use crate::entity::success_plans;
use crate::error::AppResult;
use crate::state::AppState;

/// The staff view of one plan, read inside `conn`.
pub(crate) async fn view<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    plan: success_plans::Model,
) -> AppResult<SuccessPlan> {
    let account = account_of(conn, actor.workspace_id, plan.account_id).await?;
    let editable = can_edit(actor, &account);
    let loaded = load(conn, vec![plan.clone()], true).await?;
    loaded.staff_view(&plan, editable)
}

/// An account's plans, newest first (archived ones too).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    page: PageQuery,
) -> AppResult<Page<SuccessPlanSummary>> {
    let params = page.params()?;
    account_of(&db.read, actor.workspace_id, account_id).await?;
    let mut query = success_plans::Entity::find()
        .filter(success_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(success_plans::Column::AccountId.eq(account_id))
        .order_by_desc(success_plans::Column::Id)
        .limit(params.limit + 1);
    if let Some(before) = params.before_id {
        query = query.filter(success_plans::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    let loaded = load(&db.read, rows.clone(), false).await?;
    try_page(page_of(rows, params, |p| p.id, |p| loaded.summary(&p)))
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<SuccessPlan> {
    let plan = find_plan(&db.read, actor.workspace_id, id).await?;
    view(&db.read, actor, plan).await
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    account_id: i64,
    req: CreatePlanRequest,
) -> AppResult<SuccessPlan> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let account = account_of(&txn, actor.workspace_id, account_id).await?;
    may_edit(actor, &account)?;
    shared::success_plans::validate_create_plan(&req)
        .map_err(crate::error::AppError::validation)?;
    let created = success_plans::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        title: Set(req.title.trim().to_string()),
        staff_note: Set(req.staff_note.trim().to_string()),
        status: Set(SuccessPlanStatus::Active.as_str().to_string()),
        created_by: Set(Some(actor.user_id)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let after = view(&txn, actor, created).await?;
    record(
        &txn,
        actor,
        "create",
        ("success_plan", after.id),
        None,
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdatePlanRequest,
) -> AppResult<SuccessPlan> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_plan(&txn, actor.workspace_id, id).await?;
    let account = account_of(&txn, actor.workspace_id, current.account_id).await?;
    may_edit(actor, &account)?;
    let before = view(&txn, actor, current.clone()).await?;
    crate::domain::common::require_current(if_match, &plan_etag(&before))?;
    shared::success_plans::validate_update_plan(&req)
        .map_err(crate::error::AppError::validation)?;
    let mut model: success_plans::ActiveModel = current.clone().into();
    if let Some(title) = req.title {
        model.title = Set(title.trim().to_string());
    }
    if let Some(note) = req.staff_note {
        model.staff_note = Set(note.trim().to_string());
    }
    if let Some(status) = req.status {
        model.status = Set(status.as_str().to_string());
    }
    let after = touch(&txn, actor, model, current.version, now).await?;
    record(
        &txn,
        actor,
        "update",
        ("success_plan", id),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Archives the plan: it leaves the portal and health, and stays readable.
pub async fn archive(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<SuccessPlan> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_plan(&txn, actor.workspace_id, id).await?;
    let account = account_of(&txn, actor.workspace_id, current.account_id).await?;
    may_edit(actor, &account)?;
    if current.status == SuccessPlanStatus::Archived.as_str() {
        return view(&txn, actor, current).await;
    }
    let before = view(&txn, actor, current.clone()).await?;
    let mut model: success_plans::ActiveModel = current.clone().into();
    model.status = Set(SuccessPlanStatus::Archived.as_str().to_string());
    let after = touch(&txn, actor, model, current.version, now).await?;
    record(
        &txn,
        actor,
        "archive",
        ("success_plan", id),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Saves `model` as the plan's next version and answers its view.
async fn touch<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    mut model: success_plans::ActiveModel,
    version: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<SuccessPlan> {
    model.version = Set(version + 1);
    model.updated_at = Set(now);
    let saved = model.update(conn).await?;
    view(conn, actor, saved).await
}

/// Bumps the plan's version and `updated_at` after a change beneath it (an
/// objective, a milestone, a comment), so a plan's ETag covers its content.
pub(crate) async fn bump<C: ConnectionTrait>(
    conn: &C,
    plan: &success_plans::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let mut model: success_plans::ActiveModel = plan.clone().into();
    model.version = Set(plan.version + 1);
    model.updated_at = Set(now);
    model.update(conn).await?;
    Ok(())
}

/// The audit entry of a change to a plan or anything in it.
pub(crate) async fn record<C: ConnectionTrait, T: serde::Serialize>(
    conn: &C,
    actor: &crate::auth::Actor,
    action: &str,
    entity: (&str, i64),
    before: Option<&T>,
    after: Option<&T>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: entity.0,
            entity_id: entity.1,
            before,
            after,
        },
        now,
    )
    .await
}
