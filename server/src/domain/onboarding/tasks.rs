//! Working on onboarding tasks: status, owner, due date, notes. Some tasks
//! have preconditions (a registered licence, a signed service agreement);
//! when the last go-live task is done the account moves from `onboarding`
//! to `adoption`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use shared::onboarding::{OnboardingTask, TaskKind, TaskStatus, UpdateTaskRequest};
use shared::texts::T;
use shared::timeline::TimelineKind;
use shared::{validation, LifecycleStage, Role};

use super::progress::TaskState;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts::licenses;
use crate::domain::accounts::stages::set_lifecycle_stage;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::calendar;
use crate::domain::common::clean_optional;
use crate::entity::service_agreements;
use crate::entity::stored::stored;
use crate::entity::{onboarding_plans, onboarding_tasks};
use crate::error::{AppError, AppResult};

pub fn to_api(m: &onboarding_tasks::Model, today: NaiveDate) -> AppResult<OnboardingTask> {
    let status = stored("onboarding_tasks", m.id, "status", &m.status)?;
    Ok(OnboardingTask {
        id: m.id,
        plan_id: m.plan_id,
        account_id: m.account_id,
        position: m.position,
        stage: m.stage.clone(),
        title_zh: m.title_zh.clone(),
        title_en: m.title_en.clone(),
        kind: stored("onboarding_tasks", m.id, "kind", &m.kind)?,
        module: m.module.as_deref().and_then(|s| s.parse().ok()),
        owner_role: stored("onboarding_tasks", m.id, "owner_role", &m.owner_role)?,
        owner_id: m.owner_id,
        due_on: m.due_on,
        status,
        skip_reason: m.skip_reason.clone(),
        notes: m.notes.clone(),
        overdue: TaskState {
            status,
            due_on: m.due_on,
        }
        .overdue(today),
        completed_at: m.completed_at,
        completed_by: m.completed_by,
        updated_at: m.updated_at,
        version: m.version,
    })
}

pub fn etag(task: &OnboardingTask) -> String {
    format!("\"t{}v{}\"", task.id, task.version)
}

async fn has_signed_agreement<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<bool> {
    Ok(service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .filter(service_agreements::Column::SignedOn.is_not_null())
        .one(conn)
        .await?
        .is_some())
}

/// A task of a kind with a precondition can only be done once it holds.
async fn check_can_complete<C: ConnectionTrait>(
    conn: &C,
    task: &onboarding_tasks::Model,
    kind: TaskKind,
) -> AppResult<()> {
    match kind {
        TaskKind::LicenseRegistration
            if !licenses::has_registered(conn, task.workspace_id, task.account_id).await? =>
        {
            Err(AppError::field("status", T::TaskNeedsLicense))
        }
        TaskKind::ServiceAgreement
            if !has_signed_agreement(conn, task.workspace_id, task.account_id).await? =>
        {
            Err(AppError::field("status", T::TaskNeedsAgreement))
        }
        _ => Ok(()),
    }
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateTaskRequest,
    now: DateTime<Utc>,
) -> AppResult<OnboardingTask> {
    let txn = db.write.begin().await?;
    let existing = onboarding_tasks::Entity::find_by_id(id)
        .filter(onboarding_tasks::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require(Role::STAFF)?;
    let today = calendar::today(&txn, actor.workspace_id, now).await?;
    let before = to_api(&existing, today)?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    let mut c = validation::Collector::default();
    if let Some(notes) = &req.notes {
        c.check("notes", validation::optional_text(notes, 20_000));
    }
    if let Some(reason) = &req.skip_reason {
        c.check("skip_reason", validation::optional_text(reason, 2_000));
    }
    c.finish().map_err(AppError::validation)?;

    let mut model: onboarding_tasks::ActiveModel = existing.clone().into();
    if let Some(status) = req.status {
        if status != before.status && before.kind == TaskKind::GoLive {
            // Declaring (or undoing) go-live is the account owner's call, or
            // a manager's: every staff role works on the other tasks.
            crate::domain::accounts::editable(&txn, actor, existing.account_id)
                .await
                .map_err(|e| match e {
                    AppError::Forbidden(_) => AppError::Forbidden(
                        "only the account's owner, a manager or an admin may declare go-live"
                            .into(),
                    ),
                    other => other,
                })?;
        }
        if status != before.status {
            match status {
                TaskStatus::Skipped => {
                    let reason = clean_optional(req.skip_reason.clone()).ok_or_else(|| {
                        AppError::field("skip_reason", "a skipped task needs a reason")
                    })?;
                    model.skip_reason = Set(Some(reason));
                }
                TaskStatus::Done => {
                    check_can_complete(&txn, &existing, before.kind).await?;
                    model.skip_reason = Set(None);
                }
                TaskStatus::Todo | TaskStatus::InProgress => model.skip_reason = Set(None),
            }
            if status == TaskStatus::Done {
                model.completed_at = Set(Some(now));
                model.completed_by = Set(Some(actor.user_id));
            } else {
                model.completed_at = Set(None);
                model.completed_by = Set(None);
            }
            model.status = Set(status.as_str().into());
        }
    }
    if let Some(owner) = req.owner_id {
        if let Some(owner_id) = owner {
            crate::domain::accounts::users::require_active_staff(
                &txn,
                actor.workspace_id,
                owner_id,
                "owner_id",
            )
            .await?;
        }
        model.owner_id = Set(owner);
    }
    if let Some(due_on) = req.due_on {
        model.due_on = Set(due_on);
    }
    if let Some(notes) = req.notes {
        model.notes = Set(notes.trim().to_string());
    }
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?, today)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "onboarding_task",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    task_event(&txn, actor, &before, &after, now).await?;
    touch_plan(&txn, actor, existing.plan_id, today, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Puts a task's completion or skipping on the account's timeline.
async fn task_event<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    before: &OnboardingTask,
    after: &OnboardingTask,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let kind = match after.status {
        _ if after.status == before.status => return Ok(()),
        TaskStatus::Done => TimelineKind::TaskCompleted,
        TaskStatus::Skipped => TimelineKind::TaskSkipped,
        TaskStatus::Todo | TaskStatus::InProgress => return Ok(()),
    };
    let title = format!("{} / {}", after.title_zh, after.title_en);
    let mut event = NewEvent::new(
        actor.workspace_id,
        after.account_id,
        kind,
        actor.user_id,
        title,
        now,
    )
    .about("onboarding_task", after.id);
    event.body = after.skip_reason.clone();
    timeline::record(conn, event, now).await?;
    Ok(())
}

/// Records activity on the plan and keeps its actual go-live in step with
/// the go-live tasks; the first time they are all done, the account moves
/// from `onboarding` to `adoption`.
async fn touch_plan<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    plan_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let plan = onboarding_plans::Entity::find_by_id(plan_id)
        .filter(onboarding_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let go_live: Vec<TaskStatus> = onboarding_tasks::Entity::find()
        .filter(onboarding_tasks::Column::PlanId.eq(plan_id))
        .filter(onboarding_tasks::Column::Kind.eq(TaskKind::GoLive.as_str()))
        .all(conn)
        .await?
        .iter()
        .map(|t| stored("onboarding_tasks", t.id, "status", &t.status))
        .collect::<AppResult<Vec<_>>>()?;
    let live = go_live.iter().all(|s| s.is_finished()) && go_live.contains(&TaskStatus::Done);
    let mut model: onboarding_plans::ActiveModel = plan.clone().into();
    model.last_activity_at = Set(now);
    let went_live = live && plan.actual_go_live.is_none();
    if went_live {
        model.actual_go_live = Set(Some(today));
        model.version = Set(plan.version + 1);
        model.updated_at = Set(now);
    } else if !live && plan.actual_go_live.is_some() {
        model.actual_go_live = Set(None);
        model.version = Set(plan.version + 1);
        model.updated_at = Set(now);
    }
    let plan = model.update(conn).await?;
    super::summary::store(conn, &plan, today, now).await?;
    if went_live {
        let event = NewEvent::new(
            actor.workspace_id,
            plan.account_id,
            TimelineKind::GoLive,
            actor.user_id,
            today.to_string(),
            now,
        );
        timeline::record(conn, event.about("onboarding_plan", plan_id), now).await?;
        // The first go-live moves the account on from `onboarding`.
        set_lifecycle_stage(
            conn,
            actor.workspace_id,
            plan.account_id,
            Some(LifecycleStage::Onboarding),
            LifecycleStage::Adoption,
            Some(actor.user_id),
            now,
        )
        .await?;
    }
    Ok(())
}
