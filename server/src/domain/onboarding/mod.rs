//! Onboarding: one plan per account, made from a template, whose tasks carry
//! the account from purchase to go-live. Staff read plans; admins, managers
//! and the account's CSM start and reschedule them; every staff role works
//! on tasks (engineers install, register and train).

pub mod portfolio;
pub mod progress;
mod summary;
pub mod tasks;
pub mod templates;

/// Settling the plans' status ranks, and the ranks of late plans (the
/// playbooks' onboarding trigger reads them).
pub(crate) use summary::{settle, RANK_BEHIND, RANK_STUCK};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::onboarding::{
    CreatePlanRequest, OnboardingPlan, OnboardingTask, TaskKind, TaskStatus, UpdatePlanRequest,
};
use shared::timeline::TimelineKind;
use shared::{ErpModule, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::licenses;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::calendar;
use crate::domain::common::modules_from_db;
use crate::entity::{onboarding_plans, onboarding_tasks};
use crate::error::{AppError, AppResult};
use progress::{summarize, TaskState};

pub fn plan_etag(plan: &OnboardingPlan) -> String {
    format!("\"p{}v{}\"", plan.id, plan.version)
}

fn plan_of(
    plan: &onboarding_plans::Model,
    tasks: Vec<OnboardingTask>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> OnboardingPlan {
    let states: Vec<TaskState> = tasks
        .iter()
        .map(|t| TaskState {
            status: t.status,
            due_on: t.due_on,
        })
        .collect();
    let summary = summarize(&states, today, plan.last_activity_at, now);
    OnboardingPlan {
        id: plan.id,
        account_id: plan.account_id,
        template_id: plan.template_id,
        starts_on: plan.starts_on,
        planned_go_live: plan.planned_go_live,
        actual_go_live: plan.actual_go_live,
        progress: summary.progress,
        status: summary.status,
        overdue_tasks: summary.overdue,
        last_activity_at: plan.last_activity_at,
        tasks,
        created_at: plan.created_at,
        updated_at: plan.updated_at,
        version: plan.version,
    }
}

async fn plan_tasks<C: ConnectionTrait>(
    conn: &C,
    plan_id: i64,
    today: NaiveDate,
) -> AppResult<Vec<OnboardingTask>> {
    let rows = onboarding_tasks::Entity::find()
        .filter(onboarding_tasks::Column::PlanId.eq(plan_id))
        .order_by_asc(onboarding_tasks::Column::Position)
        .order_by_asc(onboarding_tasks::Column::Id)
        .all(conn)
        .await?;
    rows.iter().map(|t| tasks::to_api(t, today)).collect()
}

async fn find_plan<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    lock: bool,
) -> AppResult<Option<onboarding_plans::Model>> {
    let mut query = onboarding_plans::Entity::find()
        .filter(onboarding_plans::Column::WorkspaceId.eq(workspace_id))
        .filter(onboarding_plans::Column::AccountId.eq(account_id));
    if lock {
        query = query.lock_exclusive();
    }
    Ok(query.one(conn).await?)
}

/// The plan with its tasks and computed progress and status.
pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    plan: &onboarding_plans::Model,
    now: DateTime<Utc>,
) -> AppResult<OnboardingPlan> {
    let today = calendar::today(conn, plan.workspace_id, now).await?;
    let tasks = plan_tasks(conn, plan.id, today).await?;
    Ok(plan_of(plan, tasks, today, now))
}

pub async fn get(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<OnboardingPlan> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let plan = find_plan(&db.read, actor.workspace_id, account_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    load(&db.read, &plan, now).await
}

fn no_plan_yet() -> AppError {
    AppError::NotFound
}

async fn audit_plan<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&OnboardingPlan>,
    after: &OnboardingPlan,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "onboarding_plan",
            entity_id: after.id,
            before,
            after: Some(after),
        },
        now,
    )
    .await
}

fn go_live_after_start(starts_on: NaiveDate, planned_go_live: Option<NaiveDate>) -> AppResult<()> {
    let dates = [
        ("starts_on", Some(starts_on)),
        ("planned_go_live", planned_go_live),
    ];
    for (name, date) in dates {
        if date.is_some_and(|d| !crate::domain::common::plausible_date(d)) {
            return Err(AppError::field(
                name,
                crate::domain::common::IMPLAUSIBLE_DATE,
            ));
        }
    }
    match planned_go_live {
        Some(go_live) if go_live < starts_on => Err(AppError::field(
            "planned_go_live",
            "must not be before starts_on",
        )),
        _ => Ok(()),
    }
}

/// Starts the account's onboarding from a template (the built-in one by
/// default), planning the tasks of the modules the account licenses.
pub async fn create(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: CreatePlanRequest,
    now: DateTime<Utc>,
) -> AppResult<OnboardingPlan> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])?;
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let template = match req.template_id {
        Some(id) => templates::find_in_workspace(&db.read, actor.workspace_id, id)
            .await
            .map_err(|_| AppError::field("template_id", "no such onboarding template"))?,
        None => templates::ensure_builtin(db, actor.workspace_id, now).await?,
    };
    go_live_after_start(req.starts_on, req.planned_go_live)?;

    let txn = db.write.begin().await?;
    let account = accounts::editable(&txn, actor, account_id).await?;
    if find_plan(&txn, actor.workspace_id, account_id, false)
        .await?
        .is_some()
    {
        return Err(AppError::conflict_on(
            "account_id",
            "this account already has an onboarding plan; move its start date instead",
        ));
    }
    let mut modules: Vec<ErpModule> = modules_from_db(&account.modules);
    modules.extend(licenses::licensed_modules(&txn, actor.workspace_id, account_id).await?);
    let planned: Vec<_> = templates::to_api(&template)
        .tasks
        .into_iter()
        .filter(|t| t.module.is_none_or(|m| modules.contains(&m)))
        .collect();
    if planned.is_empty() {
        return Err(AppError::field(
            "template_id",
            "the template has no task for this account's modules",
        ));
    }
    let due = |offset: i32| req.starts_on + Duration::days(i64::from(offset));
    let planned_go_live = req.planned_go_live.or_else(|| {
        planned
            .iter()
            .filter(|t| t.kind == TaskKind::GoLive)
            .map(|t| due(t.offset_days))
            .max()
    });
    let plan = onboarding_plans::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        template_id: Set(Some(template.id)),
        starts_on: Set(req.starts_on),
        planned_go_live: Set(planned_go_live),
        actual_go_live: Set(None),
        last_activity_at: Set(now),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let rows: Vec<onboarding_tasks::ActiveModel> = planned
        .iter()
        .zip(1..)
        .map(|(t, position)| onboarding_tasks::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            plan_id: Set(plan.id),
            account_id: Set(account_id),
            position: Set(position),
            stage: Set(t.stage.clone()),
            title_zh: Set(t.title_zh.clone()),
            title_en: Set(t.title_en.clone()),
            kind: Set(t.kind.as_str().into()),
            module: Set(t.module.map(|m| m.as_str().to_string())),
            owner_role: Set(t.owner_role.as_str().into()),
            owner_id: Set(None),
            due_on: Set(due(t.offset_days)),
            status: Set(TaskStatus::Todo.as_str().into()),
            skip_reason: Set(None),
            notes: Set(String::new()),
            completed_at: Set(None),
            completed_by: Set(None),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .collect();
    onboarding_tasks::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await?;
    let today = calendar::today(&txn, actor.workspace_id, now).await?;
    summary::store(&txn, &plan, today, now).await?;
    let created = load(&txn, &plan, now).await?;
    audit_plan(&txn, actor, "create", None, &created, now).await?;
    let summary = match created.planned_go_live {
        Some(go_live) => format!("{} → {go_live}", created.starts_on),
        None => created.starts_on.to_string(),
    };
    let event = NewEvent::new(
        actor.workspace_id,
        account_id,
        TimelineKind::OnboardingStarted,
        actor.user_id,
        summary,
        now,
    );
    timeline::record(&txn, event.about("onboarding_plan", created.id), now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Moves the start date (every due date moves by as many days, and the
/// planned go-live too unless the request sets it) or the planned go-live.
pub async fn update(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    if_match: Option<&str>,
    req: UpdatePlanRequest,
    now: DateTime<Utc>,
) -> AppResult<OnboardingPlan> {
    let txn = db.write.begin().await?;
    accounts::find_in_workspace(&txn, actor.workspace_id, account_id).await?;
    let existing = find_plan(&txn, actor.workspace_id, account_id, true)
        .await?
        .ok_or_else(no_plan_yet)?;
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])?;
    accounts::editable(&txn, actor, account_id).await?;
    let before = load(&txn, &existing, now).await?;
    crate::domain::common::require_current(if_match, &plan_etag(&before))?;
    let starts_on = req.starts_on.unwrap_or(existing.starts_on);
    let shift = starts_on - existing.starts_on;
    let planned_go_live = match req.planned_go_live {
        Some(explicit) => explicit,
        None => existing.planned_go_live.map(|d| d + shift),
    };
    go_live_after_start(starts_on, planned_go_live)?;
    if shift != Duration::zero() {
        let rows = onboarding_tasks::Entity::find()
            .filter(onboarding_tasks::Column::PlanId.eq(existing.id))
            .all(&txn)
            .await?;
        for row in rows {
            let due_on = row.due_on + shift;
            let version = row.version + 1;
            let mut task: onboarding_tasks::ActiveModel = row.into();
            task.due_on = Set(due_on);
            task.updated_at = Set(now);
            task.version = Set(version);
            task.update(&txn).await?;
        }
    }
    let mut model: onboarding_plans::ActiveModel = existing.clone().into();
    model.starts_on = Set(starts_on);
    model.planned_go_live = Set(planned_go_live);
    model.last_activity_at = Set(now);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let today = calendar::today(&txn, actor.workspace_id, now).await?;
    summary::store(&txn, &updated, today, now).await?;
    let after = load(&txn, &updated, now).await?;
    audit_plan(&txn, actor, "update", Some(&before), &after, now).await?;
    txn.commit().await?;
    Ok(after)
}
