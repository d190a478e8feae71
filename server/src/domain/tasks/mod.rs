//! Tasks: what a staff member is to do next for an account. Any staff
//! member sees the workspace's tasks and makes them; the assignee, the one
//! who made a task, admins and managers change, complete, skip and snooze
//! it ([`may_change`]). Completing one may log an activity on the account's
//! timeline in the same transaction, and always adds a "task completed"
//! entry; skipping needs a reason.
//!
//! The area sits above `accounts`, `tickets`, `renewals` and `onboarding`
//! (a task may name a record of those) and below `playbooks`, whose runs
//! make tasks through [`create_in`].

mod close;
pub mod digest;
mod links;
pub mod my_work;

pub use close::{complete, send_email, skip, snooze};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::filters::TaskFilter;
use shared::tasks::{
    CreateTaskRequest, Task, TaskEmailDraft, TaskLink, TaskPriority, TaskSource, TaskState,
    TaskType, UpdateTaskRequest,
};
use shared::texts::{Msg, T};
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::domain::common::pagination::{
    decode_time_cursor, encode_time_cursor, page_by, try_page, PageQuery, Paging,
};
use crate::entity::stored::stored;
use crate::entity::{tasks, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Who may change any task, besides its assignee and its maker.
const KEEPERS: &[Role] = &[Role::Admin, Role::Manager];

pub fn etag(t: &Task) -> String {
    format!("\"tk{}v{}\"", t.id, t.version)
}

fn may_change(actor: &StaffActor, t: &tasks::Model) -> bool {
    KEEPERS.contains(&actor.role)
        || t.assignee_id == actor.user_id
        || t.created_by == Some(actor.user_id)
}

pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<tasks::Model> {
    tasks::Entity::find_by_id(id)
        .filter(tasks::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The task, if `actor` may change it and it is still open.
async fn find_open_to_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<tasks::Model> {
    let t = find(conn, actor.workspace_id, id).await?;
    if !may_change(actor, &t) {
        return Err(AppError::Forbidden(T::TaskNotYours.into()));
    }
    if t.status != TaskState::Open.as_str() {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::TaskNotOpen).with("status", &t.status),
        ));
    }
    Ok(t)
}

/// The names a page of tasks shows: accounts' and assignees' (two queries,
/// however many tasks).
pub(crate) struct Names {
    accounts: HashMap<i64, String>,
    users: HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn of<C: ConnectionTrait>(
        conn: &C,
        rows: &[tasks::Model],
    ) -> AppResult<Names> {
        let account_ids: Vec<i64> = rows.iter().map(|t| t.account_id).collect();
        let mut user_ids: Vec<i64> = rows.iter().map(|t| t.assignee_id).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let accounts = match rows.first() {
            Some(first) => {
                crate::domain::accounts::groups::names_of(conn, first.workspace_id, account_ids)
                    .await?
            }
            None => HashMap::new(),
        };
        let users = if user_ids.is_empty() {
            HashMap::new()
        } else {
            users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .column(users::Column::Name)
                .filter(users::Column::Id.is_in(user_ids))
                .into_tuple::<(i64, String)>()
                .all(conn)
                .await?
                .into_iter()
                .collect()
        };
        Ok(Names { accounts, users })
    }

    pub(crate) fn task(&self, t: tasks::Model) -> AppResult<Task> {
        to_api(
            self.accounts
                .get(&t.account_id)
                .cloned()
                .unwrap_or_default(),
            self.users.get(&t.assignee_id).cloned().unwrap_or_default(),
            t,
        )
    }

    pub(crate) fn tasks(&self, rows: Vec<tasks::Model>) -> AppResult<Vec<Task>> {
        rows.into_iter().map(|t| self.task(t)).collect()
    }
}

fn to_api(account_name: String, assignee_name: String, t: tasks::Model) -> AppResult<Task> {
    let link = match (t.link_kind.as_deref(), t.link_id) {
        (Some(kind), Some(id)) => Some(TaskLink {
            kind: stored("tasks", t.id, "link_kind", kind)?,
            id,
        }),
        _ => None,
    };
    Ok(Task {
        id: t.id,
        account_id: t.account_id,
        account_name,
        assignee_id: t.assignee_id,
        assignee_name,
        task_type: stored("tasks", t.id, "task_type", &t.task_type)?,
        priority: stored("tasks", t.id, "priority", &t.priority)?,
        status: stored("tasks", t.id, "status", &t.status)?,
        source: stored("tasks", t.id, "source", &t.source)?,
        title: t.title,
        note: t.note,
        due_at: t.due_at,
        playbook_run_id: t.playbook_run_id,
        link,
        skip_reason: t.skip_reason,
        completed_at: t.completed_at,
        completed_by: t.completed_by,
        activity_event_id: t.activity_event_id,
        email_draft: t.draft_subject.map(|subject| TaskEmailDraft {
            contact_id: t.draft_contact_id,
            subject,
            body: t.draft_body.unwrap_or_default(),
            sent_at: t.draft_sent_at,
            sent_to: t.draft_sent_to,
        }),
        created_by: t.created_by,
        created_at: t.created_at,
        updated_at: t.updated_at,
        version: t.version,
    })
}

async fn one<C: ConnectionTrait>(conn: &C, t: tasks::Model) -> AppResult<Task> {
    let names = Names::of(conn, std::slice::from_ref(&t)).await?;
    names.task(t)
}

/// An assignee is an active staff member of the workspace.
pub(crate) async fn check_assignee<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    user_id: i64,
) -> AppResult<()> {
    let staff: Vec<&str> = Role::STAFF.iter().map(|r| r.as_str()).collect();
    let found = users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in(staff))
        .one(conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::field(
            "assignee_id",
            Msg::new(T::TaskAssigneeStaff),
        )),
    }
}

/// A task to make inside a caller's transaction (a person's request, or a
/// playbook run's step).
pub(crate) struct NewTask {
    pub workspace_id: i64,
    pub account_id: i64,
    pub assignee_id: i64,
    pub title: String,
    pub note: Option<String>,
    pub task_type: TaskType,
    pub priority: TaskPriority,
    pub due_at: DateTime<Utc>,
    pub source: TaskSource,
    pub playbook_run_id: Option<i64>,
    pub link: Option<TaskLink>,
    pub created_by: Option<i64>,
    /// A drafted mail: (suggested contact, subject, body).
    pub draft: Option<(Option<i64>, String, String)>,
}

/// Writes the task and its audit entry; the caller has checked the
/// account, the assignee and the link.
pub(crate) async fn create_in<C: ConnectionTrait>(
    conn: &C,
    new: NewTask,
    now: DateTime<Utc>,
) -> AppResult<tasks::Model> {
    let created = tasks::ActiveModel {
        workspace_id: Set(new.workspace_id),
        account_id: Set(new.account_id),
        assignee_id: Set(new.assignee_id),
        title: Set(new.title.trim().to_string()),
        note: Set(clean_optional(new.note)),
        task_type: Set(new.task_type.as_str().into()),
        priority: Set(new.priority.as_str().into()),
        status: Set(TaskState::Open.as_str().into()),
        due_at: Set(new.due_at),
        source: Set(new.source.as_str().into()),
        playbook_run_id: Set(new.playbook_run_id),
        link_kind: Set(new.link.map(|l| l.kind.as_str().to_string())),
        link_id: Set(new.link.map(|l| l.id)),
        draft_contact_id: Set(new.draft.as_ref().and_then(|d| d.0)),
        draft_subject: Set(new.draft.as_ref().map(|d| d.1.clone())),
        draft_body: Set(new.draft.as_ref().map(|d| d.2.clone())),
        created_by: Set(new.created_by),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        Change {
            workspace_id: new.workspace_id,
            actor_id: new.created_by,
            action: "create",
            entity_type: "task",
            entity_id: created.id,
            before: None::<&AuditView>,
            after: Some(&AuditView::of(&created)),
        },
        now,
    )
    .await?;
    Ok(created)
}

/// What the audit log keeps of a task.
#[derive(serde::Serialize)]
struct AuditView<'a> {
    account_id: i64,
    assignee_id: i64,
    title: &'a str,
    task_type: &'a str,
    priority: &'a str,
    status: &'a str,
    due_at: DateTime<Utc>,
    skip_reason: Option<&'a str>,
}

impl<'a> AuditView<'a> {
    fn of(t: &'a tasks::Model) -> Self {
        AuditView {
            account_id: t.account_id,
            assignee_id: t.assignee_id,
            title: &t.title,
            task_type: &t.task_type,
            priority: &t.priority,
            status: &t.status,
            due_at: t.due_at,
            skip_reason: t.skip_reason.as_deref(),
        }
    }
}

async fn audit_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &'static str,
    before: &tasks::Model,
    after: &tasks::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "task",
            entity_id: after.id,
            before: Some(&AuditView::of(before)),
            after: Some(&AuditView::of(after)),
        },
        now,
    )
    .await
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateTaskRequest,
) -> AppResult<Task> {
    shared::tasks::validate_create(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let account =
        crate::domain::accounts::find_in_workspace(&txn, actor.workspace_id, req.account_id)
            .await
            .map_err(|_| AppError::field("account_id", Msg::new(T::NoSuchAccountHere)))?;
    let assignee_id = req.assignee_id.unwrap_or(actor.user_id);
    check_assignee(&txn, actor.workspace_id, assignee_id).await?;
    if let Some(link) = req.link {
        links::check(&txn, actor.workspace_id, account.id, link).await?;
    }
    let created = create_in(
        &txn,
        NewTask {
            workspace_id: actor.workspace_id,
            account_id: account.id,
            assignee_id,
            title: req.title,
            note: req.note,
            task_type: req.task_type.unwrap_or(TaskType::Other),
            priority: req.priority.unwrap_or(TaskPriority::Normal),
            due_at: req.due_at,
            source: TaskSource::Manual,
            playbook_run_id: None,
            link: req.link,
            created_by: Some(actor.user_id),
            draft: None,
        },
        now,
    )
    .await?;
    let task = one(&txn, created).await?;
    txn.commit().await?;
    Ok(task)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Task> {
    let t = find(&db.read, actor.workspace_id, id).await?;
    one(&db.read, t).await
}

/// The workspace's tasks, soonest due first (then by id), filtered.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: TaskFilter,
    page: PageQuery,
) -> AppResult<Page<Task>> {
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(decode_time_cursor(cursor, "tk")?),
        None => None,
    };
    let mut query = tasks::Entity::find()
        .filter(tasks::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(tasks::Column::DueAt)
        .order_by_asc(tasks::Column::Id)
        .limit(limit + 1);
    if let Some(id) = filter.assignee_id {
        query = query.filter(tasks::Column::AssigneeId.eq(id));
    }
    if let Some(id) = filter.account_id {
        query = query.filter(tasks::Column::AccountId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(tasks::Column::Status.eq(status.as_str()));
    }
    if let Some(source) = filter.source {
        query = query.filter(tasks::Column::Source.eq(source.as_str()));
    }
    if let Some(run) = filter.playbook_run_id {
        query = query.filter(tasks::Column::PlaybookRunId.eq(run));
    }
    if let Some(before) = filter.due_before {
        if !crate::domain::common::plausible_date(before.date_naive()) {
            return Err(AppError::field("due_before", Msg::new(T::DateRange)));
        }
        query = query.filter(tasks::Column::DueAt.lt(before));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any().add(tasks::Column::DueAt.gt(at)).add(
                Condition::all()
                    .add(tasks::Column::DueAt.eq(at))
                    .add(tasks::Column::Id.gt(id)),
            ),
        );
    }
    let rows = query.all(&db.read).await?;
    let names = Names::of(&db.read, &rows).await?;
    try_page(page_by(
        rows,
        limit,
        |t| encode_time_cursor("tk", t.due_at, t.id),
        |t| names.task(t),
    ))
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateTaskRequest,
) -> AppResult<Task> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_open_to_change(&txn, actor, id).await?;
    crate::domain::common::require_current(if_match, &etag(&one(&txn, current.clone()).await?))?;
    shared::tasks::validate_update(&req).map_err(AppError::validation)?;
    if let Some(assignee) = req.assignee_id {
        check_assignee(&txn, actor.workspace_id, assignee).await?;
    }
    let mut model: tasks::ActiveModel = current.clone().into();
    if let Some(assignee) = req.assignee_id {
        model.assignee_id = Set(assignee);
    }
    if let Some(title) = req.title {
        model.title = Set(title.trim().to_string());
    }
    if let Some(note) = req.note {
        model.note = Set(clean_optional(Some(note)));
    }
    if let Some(kind) = req.task_type {
        model.task_type = Set(kind.as_str().into());
    }
    if let Some(priority) = req.priority {
        model.priority = Set(priority.as_str().into());
    }
    if let Some(due) = req.due_at {
        model.due_at = Set(due);
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&txn).await?;
    audit_change(&txn, actor, "update", &current, &updated, now).await?;
    let task = one(&txn, updated).await?;
    txn.commit().await?;
    Ok(task)
}
