//! Closing a task — done (logging what happened, if asked) or skipped
//! with its reason — and moving its due time: each a conditional change of
//! an open task the actor may change, with its timeline entry and audit
//! record in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::tasks::{
    CompleteTaskRequest, SendTaskEmailRequest, SkipTaskRequest, SnoozeTaskRequest, Task, TaskState,
    TaskType,
};
use shared::texts::{Msg, T};
use shared::timeline::{CreateActivityRequest, TimelineKind};

use super::{audit_change, find_open_to_change, one};
use crate::auth::StaffActor;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::entity::stored::stored;
use crate::entity::{contacts, tasks};
use crate::error::{AppError, AppResult};
use crate::mail::OutgoingMail;
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
    let changed = current.clone();
    close_as(txn, actor, current, changed, how, now).await
}

/// [`close`], also writing the draft fields of `changed` (what a sent mail
/// records).
async fn close_as(
    txn: &DatabaseTransaction,
    actor: &StaffActor,
    current: tasks::Model,
    changed: tasks::Model,
    how: Closing,
    now: DateTime<Utc>,
) -> AppResult<Task> {
    let mut model: tasks::ActiveModel = current.clone().into();
    model.draft_subject = Set(changed.draft_subject);
    model.draft_body = Set(changed.draft_body);
    model.draft_sent_at = Set(changed.draft_sent_at);
    model.draft_sent_to = Set(changed.draft_sent_to);
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

/// Sends an open task's drafted mail, as the assignee reviewed it, to a
/// contact of the task's account, and completes the task. The mail is
/// queued exactly once (its dedupe key is the task; a second send is a
/// 409 with nothing queued), with `email_sent` on the account's timeline,
/// and the task keeps what was sent, when and to whom.
pub async fn send_email(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: SendTaskEmailRequest,
) -> AppResult<Task> {
    shared::tasks::validate_send_email(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_open_to_change(&txn, actor, id).await?;
    if current.draft_subject.is_none() {
        return Err(AppError::conflict_on(
            "email_draft",
            Msg::new(T::TaskNoDraft),
        ));
    }
    let to = contacts::Entity::find_by_id(req.contact_id)
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(contacts::Column::AccountId.eq(current.account_id))
        .filter(contacts::Column::Archived.eq(false))
        .one(&txn)
        .await?
        .and_then(|c| c.email)
        .ok_or_else(|| AppError::field("contact_id", Msg::new(T::TaskEmailContact)))?;
    let (subject, body) = (req.subject.trim().to_string(), req.body.trim().to_string());
    let mail = OutgoingMail {
        workspace_id: Some(actor.workspace_id),
        to: to.clone(),
        subject: subject.clone(),
        body_text: body.clone(),
        body_html: None,
        dedupe_key: Some(format!("task-email:{}", current.id)),
        attachment: None,
        to_own_address: false,
    };
    let about = timeline::CustomerMail {
        account_id: current.account_id,
        actor_id: Some(actor.user_id),
        about: Some(("task", current.id)),
    };
    if !timeline::mail_customer(&txn, &state.mailer, mail, None, about, now).await? {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::TaskNotOpen).with("status", TaskState::Done.as_str()),
        ));
    }
    let mut sent = current.clone();
    sent.draft_subject = Some(subject);
    sent.draft_body = Some(body);
    sent.draft_sent_at = Some(now);
    sent.draft_sent_to = Some(to);
    let how = Closing {
        state: TaskState::Done,
        kind: TimelineKind::TaskCompleted,
        action: "send_email",
        skip_reason: None,
        activity_event_id: None,
    };
    let task = close_as(&txn, actor, current, sent, how, now).await?;
    txn.commit().await?;
    state.mailer.kick();
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
