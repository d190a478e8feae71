//! Closing a task — done (logging what happened, if asked) or skipped
//! with its reason — and moving its due time: each a conditional change of
//! an open task the actor may change, with its timeline entry and audit
//! record in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use shared::tasks::{
    CompleteTaskRequest, SkipTaskRequest, SnoozeTaskRequest, Task, TaskState, TaskType,
};
use shared::texts::{Msg, T};
use shared::timeline::{CreateActivityRequest, TimelineKind};

use super::{audit_change, find_open_to_change, one};
use crate::auth::StaffActor;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::entity::stored::stored;
use crate::entity::tasks;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How a task closes.
struct Closing {
    state: TaskState,
    kind: TimelineKind,
    action: &'static str,
    skip_reason: Option<String>,
    activity_event_id: Option<i64>,
}

/// Closes `current` as `how` says: the task, its timeline entry (the
/// skip reason as its body) and the audit record.
async fn close(
    txn: &DatabaseTransaction,
    actor: &StaffActor,
    current: tasks::Model,
    how: Closing,
    now: DateTime<Utc>,
) -> AppResult<Task> {
    let mut model: tasks::ActiveModel = current.clone().into();
    model.status = Set(how.state.as_str().into());
    model.skip_reason = Set(how.skip_reason.clone());
    model.activity_event_id = Set(how.activity_event_id);
    model.completed_at = Set(Some(now));
    model.completed_by = Set(Some(actor.user_id));
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(txn).await?;
    let mut event = NewEvent::new(
        actor.workspace_id,
        current.account_id,
        how.kind,
        actor.user_id,
        current.title.clone(),
        now,
    )
    .about("task", current.id);
    if let Some(reason) = how.skip_reason {
        event = event.body(reason);
    }
    timeline::record(txn, event, now).await?;
    audit_change(txn, actor, how.action, &current, &updated, now).await?;
    one(txn, updated).await
}

/// Marks an open task done; with `activity`, logs it on the account's
/// timeline first. Either way the timeline gets a "task completed" entry.
pub async fn complete(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: CompleteTaskRequest,
) -> AppResult<Task> {
    shared::tasks::validate_complete(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_open_to_change(&txn, actor, id).await?;
    let task_type: TaskType = stored("tasks", current.id, "task_type", &current.task_type)?;
    let activity_event_id = match req.activity {
        Some(activity) => {
            let kind = activity.kind.unwrap_or(task_type.activity_kind());
            let event = timeline::log_activity_in(
                &txn,
                actor,
                current.account_id,
                CreateActivityRequest {
                    kind,
                    occurred_at: None,
                    summary: activity.summary,
                    body: activity.body,
                },
                now,
            )
            .await?;
            Some(event.id)
        }
        None => None,
    };
    let how = Closing {
        state: TaskState::Done,
        kind: TimelineKind::TaskCompleted,
        action: "complete",
        skip_reason: None,
        activity_event_id,
    };
    let task = close(&txn, actor, current, how, now).await?;
    txn.commit().await?;
    Ok(task)
}

/// Skips an open task, with its reason (kept on the task and the timeline).
pub async fn skip(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: SkipTaskRequest,
) -> AppResult<Task> {
    shared::tasks::validate_skip(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_open_to_change(&txn, actor, id).await?;
    let how = Closing {
        state: TaskState::Skipped,
        kind: TimelineKind::TaskSkipped,
        action: "skip",
        skip_reason: Some(req.reason.trim().to_string()),
        activity_event_id: None,
    };
    let task = close(&txn, actor, current, how, now).await?;
    txn.commit().await?;
    Ok(task)
}

/// Moves an open task's due time to later than now.
pub async fn snooze(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: SnoozeTaskRequest,
) -> AppResult<Task> {
    shared::tasks::validate_snooze(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    if req.until <= now {
        return Err(AppError::field("until", Msg::new(T::TaskSnoozePast)));
    }
    let txn = state.db.write.begin().await?;
    let current = find_open_to_change(&txn, actor, id).await?;
    let mut model: tasks::ActiveModel = current.clone().into();
    model.due_at = Set(req.until);
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&txn).await?;
    audit_change(&txn, actor, "snooze", &current, &updated, now).await?;
    let task = one(&txn, updated).await?;
    txn.commit().await?;
    Ok(task)
}
