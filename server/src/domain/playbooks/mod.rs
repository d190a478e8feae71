//! Playbooks: a trigger, conditions on the account, and the tasks to make
//! when it fires. Admins and managers keep the workspace's playbooks (and
//! may install the built-in library); every staff member reads an
//! account's playbook history. A run is cancelled by an admin, a manager
//! or the account's owner, which closes its open tasks.
//!
//! Firing ([`sweep`]) lives in `fire`; what each trigger holds for, in
//! `triggers`. The area sits above `tasks`, whose tasks its runs make.

mod fire;
pub mod library;
pub mod triggers;

pub use fire::{on_event, sweep, sweep_triggers};

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;
use shared::playbooks::{
    CancelRunRequest, CreatePlaybookRequest, Playbook, PlaybookEffect, PlaybookRun,
    PlaybookTrigger, RunStatus, UpdatePlaybookRequest, DEFAULT_COOLDOWN_DAYS,
};
use shared::tasks::TaskState;
use shared::texts::{Msg, T};
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::{page_of, try_page, PageQuery, Paging};
use crate::entity::stored::stored;
use crate::entity::{playbook_runs, playbooks, tasks};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Who keeps the workspace's playbooks.
const KEEPERS: &[Role] = &[Role::Admin, Role::Manager];
/// A health-triggered run counts as recovered if the account is green
/// again within this many days.
pub const RECOVERY_DAYS: i64 = 60;

pub fn etag(p: &Playbook) -> String {
    format!("\"pb{}v{}\"", p.id, p.version)
}

fn json_error(table: &str, id: i64, e: serde_json::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("{table} {id}: unreadable JSON: {e}"))
}

pub(crate) fn to_api(m: &playbooks::Model) -> AppResult<Playbook> {
    Ok(Playbook {
        id: m.id,
        name: m.name.clone(),
        description: m.description.clone(),
        trigger: stored("playbooks", m.id, "trigger", &m.trigger)?,
        threshold: m.threshold,
        conditions: serde_json::from_str(&m.conditions)
            .map_err(|e| json_error("playbooks", m.id, e))?,
        steps: serde_json::from_str(&m.steps).map_err(|e| json_error("playbooks", m.id, e))?,
        notify_owner: m.notify_owner,
        customer_email: m
            .customer_email
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| json_error("playbooks", m.id, e))?,
        cooldown_days: m.cooldown_days,
        active: m.active,
        library_key: m.library_key.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}

async fn find<C: ConnectionTrait>(conn: &C, ws: i64, id: i64) -> AppResult<playbooks::Model> {
    playbooks::Entity::find_by_id(id)
        .filter(playbooks::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn audit_playbook<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &'static str,
    before: Option<&Playbook>,
    after: Option<&Playbook>,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "playbook",
            entity_id: id,
            before,
            after,
        },
        now,
    )
    .await
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    req: CreatePlaybookRequest,
    library_key: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Playbook> {
    let threshold = req.trigger.threshold_range().and(req.threshold);
    let created = playbooks::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(req.name.trim().to_string()),
        description: Set(req.description.trim().to_string()),
        trigger: Set(req.trigger.as_str().into()),
        threshold: Set(threshold),
        conditions: Set(to_json(&req.conditions)?),
        steps: Set(to_json(&req.steps)?),
        notify_owner: Set(req.notify_owner),
        customer_email: Set(req.customer_email.as_ref().map(to_json).transpose()?),
        cooldown_days: Set(req.cooldown_days.unwrap_or(DEFAULT_COOLDOWN_DAYS)),
        active: Set(req.active.unwrap_or(true)),
        library_key: Set(library_key.map(str::to_string)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let after = to_api(&created)?;
    audit_playbook(conn, actor, "create", None, Some(&after), created.id, now).await?;
    Ok(after)
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreatePlaybookRequest,
) -> AppResult<Playbook> {
    actor.require(KEEPERS)?;
    shared::playbooks::validate_create(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let created = insert(&txn, actor, req, None, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Adds the built-in playbooks the workspace does not have yet (by their
/// library key); returns every playbook installed from the library.
pub async fn install_library(state: &AppState, actor: &StaffActor) -> AppResult<Vec<Playbook>> {
    actor.require(KEEPERS)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let have: Vec<Option<String>> = playbooks::Entity::find()
        .select_only()
        .column(playbooks::Column::LibraryKey)
        .filter(playbooks::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(playbooks::Column::LibraryKey.is_not_null())
        .into_tuple()
        .all(&txn)
        .await?;
    for (key, req) in library::library() {
        if !have.iter().any(|k| k.as_deref() == Some(key)) {
            insert(&txn, actor, req, Some(key), now).await?;
        }
    }
    let installed = playbooks::Entity::find()
        .filter(playbooks::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(playbooks::Column::LibraryKey.is_not_null())
        .order_by_asc(playbooks::Column::Id)
        .all(&txn)
        .await?
        .iter()
        .map(to_api)
        .collect::<AppResult<Vec<_>>>()?;
    txn.commit().await?;
    Ok(installed)
}

pub async fn list(db: &Db, actor: &StaffActor, page: PageQuery) -> AppResult<Page<Playbook>> {
    actor.require(KEEPERS)?;
    let params = page.params()?;
    let mut query = playbooks::Entity::find()
        .filter(playbooks::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(playbooks::Column::Id)
        .limit(params.limit + 1);
    if let Some(before) = params.before_id {
        query = query.filter(playbooks::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    try_page(page_of(rows, params, |m| m.id, |m| to_api(&m)))
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Playbook> {
    actor.require(KEEPERS)?;
    to_api(&find(&db.read, actor.workspace_id, id).await?)
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdatePlaybookRequest,
) -> AppResult<Playbook> {
    actor.require(KEEPERS)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor.workspace_id, id).await?;
    let before = to_api(&current)?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    shared::playbooks::validate_update(&req, before.trigger, before.threshold)
        .map_err(AppError::validation)?;
    let mut model: playbooks::ActiveModel = current.clone().into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(d) = req.description {
        model.description = Set(d.trim().to_string());
    }
    if let Some(n) = req
        .threshold
        .filter(|_| before.trigger.threshold_range().is_some())
    {
        model.threshold = Set(Some(n));
    }
    if let Some(c) = &req.conditions {
        model.conditions = Set(to_json(c)?);
    }
    if let Some(s) = &req.steps {
        model.steps = Set(to_json(s)?);
    }
    if let Some(n) = req.notify_owner {
        model.notify_owner = Set(n);
    }
    if let Some(mail) = &req.customer_email {
        model.customer_email = Set(mail.as_ref().map(to_json).transpose()?);
    }
    if let Some(c) = req.cooldown_days {
        model.cooldown_days = Set(c);
    }
    if let Some(a) = req.active {
        model.active = Set(a);
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&txn).await?;
    let after = to_api(&updated)?;
    audit_playbook(&txn, actor, "update", Some(&before), Some(&after), id, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// `GET /playbook-runs`: an account's or a playbook's runs, newest first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    pub account_id: Option<i64>,
    pub playbook_id: Option<i64>,
    pub status: Option<RunStatus>,
}

async fn runs_to_api<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<playbook_runs::Model>,
) -> AppResult<Vec<PlaybookRun>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let run_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut book_ids: Vec<i64> = rows.iter().map(|r| r.playbook_id).collect();
    book_ids.sort_unstable();
    book_ids.dedup();
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let names: HashMap<i64, String> = playbooks::Entity::find()
        .select_only()
        .column(playbooks::Column::Id)
        .column(playbooks::Column::Name)
        .filter(playbooks::Column::Id.is_in(book_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let workspace_id = rows.first().map_or(0, |r| r.workspace_id);
    let account_names =
        crate::domain::accounts::groups::names_of(conn, workspace_id, account_ids).await?;
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for (run, status) in tasks::Entity::find()
        .select_only()
        .column(tasks::Column::PlaybookRunId)
        .column(tasks::Column::Status)
        .filter(tasks::Column::PlaybookRunId.is_in(run_ids))
        .into_tuple::<(Option<i64>, String)>()
        .all(conn)
        .await?
    {
        if let Some(run) = run {
            let c = counts.entry(run).or_default();
            c.0 += 1;
            if status == TaskState::Open.as_str() {
                c.1 += 1;
            }
        }
    }
    rows.into_iter()
        .map(|r| {
            let (total, open) = counts.get(&r.id).copied().unwrap_or_default();
            Ok(PlaybookRun {
                id: r.id,
                playbook_id: r.playbook_id,
                playbook_name: names.get(&r.playbook_id).cloned().unwrap_or_default(),
                account_id: r.account_id,
                account_name: account_names
                    .get(&r.account_id)
                    .cloned()
                    .unwrap_or_default(),
                trigger: stored("playbook_runs", r.id, "trigger", &r.trigger)?,
                occurrence: r.occurrence,
                status: stored("playbook_runs", r.id, "status", &r.status)?,
                started_at: r.started_at,
                ended_at: r.ended_at,
                cancel_reason: r.cancel_reason,
                tasks_total: total,
                tasks_open: open,
            })
        })
        .collect()
}

/// Runs of the workspace (every staff member: an account's playbook
/// history), newest first.
pub async fn runs(
    db: &Db,
    actor: &StaffActor,
    filter: RunFilter,
    page: PageQuery,
) -> AppResult<Page<PlaybookRun>> {
    let params = page.params()?;
    let mut query = playbook_runs::Entity::find()
        .filter(playbook_runs::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(playbook_runs::Column::Id)
        .limit(params.limit + 1);
    if let Some(a) = filter.account_id {
        query = query.filter(playbook_runs::Column::AccountId.eq(a));
    }
    if let Some(p) = filter.playbook_id {
        query = query.filter(playbook_runs::Column::PlaybookId.eq(p));
    }
    if let Some(s) = filter.status {
        query = query.filter(playbook_runs::Column::Status.eq(s.as_str()));
    }
    if let Some(before) = params.before_id {
        query = query.filter(playbook_runs::Column::Id.lt(before));
    }
    let mut rows = query.all(&db.read).await?;
    let has_more = rows.len() as u64 > params.limit;
    rows.truncate(params.limit as usize);
    let next_cursor = if has_more {
        rows.last()
            .map(|r| crate::domain::common::pagination::encode_cursor(r.id))
    } else {
        None
    };
    Ok(Page {
        items: runs_to_api(&db.read, rows).await?,
        next_cursor,
    })
}

/// Cancels an active run and closes its open tasks as skipped with the
/// reason.
pub async fn cancel(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: CancelRunRequest,
) -> AppResult<PlaybookRun> {
    shared::playbooks::validate_cancel(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let run = playbook_runs::Entity::find_by_id(id)
        .filter(playbook_runs::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let account =
        crate::domain::accounts::find_in_workspace(&txn, actor.workspace_id, run.account_id)
            .await?;
    if !KEEPERS.contains(&actor.role) && account.owner_id != Some(actor.user_id) {
        return Err(AppError::forbidden());
    }
    if run.status != RunStatus::Active.as_str() {
        return Err(AppError::conflict_on(
            "status",
            Msg::new(T::PlaybookRunEnded),
        ));
    }
    let reason = req.reason.trim().to_string();
    let closed = tasks::Entity::update_many()
        .col_expr(tasks::Column::Status, TaskState::Skipped.as_str().into())
        .col_expr(tasks::Column::SkipReason, Some(reason.clone()).into())
        .col_expr(tasks::Column::CompletedAt, Some(now).into())
        .col_expr(tasks::Column::CompletedBy, Some(actor.user_id).into())
        .col_expr(tasks::Column::UpdatedAt, now.into())
        .col_expr(
            tasks::Column::Version,
            sea_orm::sea_query::Expr::col(tasks::Column::Version).add(1),
        )
        .filter(tasks::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(tasks::Column::PlaybookRunId.eq(run.id))
        .filter(tasks::Column::Status.eq(TaskState::Open.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    let mut model: playbook_runs::ActiveModel = run.clone().into();
    model.status = Set(RunStatus::Cancelled.as_str().into());
    model.ended_at = Set(Some(now));
    model.cancel_reason = Set(Some(reason));
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "cancel",
            entity_type: "playbook_run",
            entity_id: id,
            before: Some(&serde_json::json!({"status": run.status})),
            after: Some(&serde_json::json!({"status": updated.status, "tasks_closed": closed})),
        },
        now,
    )
    .await?;
    let out = runs_to_api(&txn, vec![updated]).await?.remove(0);
    txn.commit().await?;
    Ok(out)
}

/// Each playbook's fired, completed, cancelled and overdue runs, and its
/// outcome: health-triggered runs whose account was green again within
/// [`RECOVERY_DAYS`], renewal-triggered runs whose renewal closed renewed.
pub async fn report(
    db: &Db,
    actor: &StaffActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<PlaybookEffect>> {
    actor.require(KEEPERS)?;
    let conn = &db.read;
    let ws = actor.workspace_id;
    let books = playbooks::Entity::find()
        .filter(playbooks::Column::WorkspaceId.eq(ws))
        .order_by_asc(playbooks::Column::Id)
        .all(conn)
        .await?;
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT r.playbook_id AS playbook_id, COUNT(*) AS fired, \
         COALESCE(SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END), 0) AS completed, \
         COALESCE(SUM(CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled, \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.playbook_run_id = r.id \
         AND t.status = 'open' AND t.due_at < ",
    )
    .bind(now)
    .push(
        ") THEN 1 ELSE 0 END), 0) AS overdue, \
         COALESCE(SUM(CASE WHEN r.trigger IN ('health_band_drop', 'health_score_drop') AND EXISTS \
         (SELECT 1 FROM health_snapshots s WHERE s.account_id = r.account_id AND s.band = 'green' \
         AND s.day > r.started_on AND s.day <= r.outcome_by) THEN 1 ELSE 0 END), 0) AS recovered, \
         COALESCE(SUM(CASE WHEN r.trigger = 'renewal_due' AND EXISTS (SELECT 1 FROM renewals n \
         WHERE n.id = r.subject_id AND n.stage = 'renewed') THEN 1 ELSE 0 END), 0) AS renewed \
         FROM playbook_runs r WHERE r.workspace_id = ",
    )
    .bind(ws)
    .push(" GROUP BY r.playbook_id");
    let mut figures: HashMap<i64, [i64; 6]> = HashMap::new();
    for row in conn.query_all(sql.statement()).await? {
        let id: i64 = row.try_get("", "playbook_id")?;
        let mut f = [0i64; 6];
        for (n, name) in [
            "fired",
            "completed",
            "cancelled",
            "overdue",
            "recovered",
            "renewed",
        ]
        .iter()
        .enumerate()
        {
            f[n] = row.try_get("", name)?;
        }
        figures.insert(id, f);
    }
    books
        .iter()
        .map(|b| {
            let f = figures.get(&b.id).copied().unwrap_or_default();
            Ok(PlaybookEffect {
                playbook_id: b.id,
                name: b.name.clone(),
                trigger: stored::<PlaybookTrigger>("playbooks", b.id, "trigger", &b.trigger)?,
                fired: f[0],
                completed: f[1],
                cancelled: f[2],
                overdue: f[3],
                recovered: f[4],
                renewed: f[5],
            })
        })
        .collect()
}

/// When the cooldown of a playbook with `cooldown_days` began, for runs
/// starting at `now`.
pub(crate) fn cooldown_start(now: DateTime<Utc>, cooldown_days: i32) -> DateTime<Utc> {
    now - Duration::days(i64::from(cooldown_days))
}
