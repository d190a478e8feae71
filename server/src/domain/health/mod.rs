//! Health scores: the workspace's model, an account's score (computed live
//! from the same measurements as the nightly job), daily snapshots and the
//! 30-day trend, and overrides that take effect through approval.
//! Staff only: portal actors never reach any of this.

pub mod inputs;
pub mod keys;
pub mod score;
pub mod snapshots;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use shared::approvals::Approval;
use shared::health::{
    AccountHealth, ActiveOverride, ComponentScore, HealthComponent, HealthModel, HealthSnapshot,
    OverrideRequest, TrendPoint, UpdateHealthModel,
};
use shared::{validation, Role};

use crate::auth::StaffActor;
use crate::db::{Db, Template};
use crate::domain::accounts;
use crate::domain::approvals::{self, ApprovalRequest};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::calendar;
use crate::entity::stored::stored;
use crate::entity::{health_models, health_overrides, health_snapshots};
use crate::error::{AppError, AppResult};

/// Days of the trend in the health answer.
pub const TREND_DAYS: i64 = 30;
/// Longest override, in days from today.
pub const MAX_OVERRIDE_DAYS: i64 = 366;

/// The workspace's model, or the default one.
pub async fn model_of<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<HealthModel> {
    let row = health_models::Entity::find()
        .filter(health_models::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?;
    match row {
        Some(r) => model_from(&r.model, r.updated_at),
        None => Ok(HealthModel::default()),
    }
}

/// The model a `health_models` row stores.
fn model_from(json: &str, updated_at: DateTime<Utc>) -> AppResult<HealthModel> {
    let mut model: HealthModel = serde_json::from_str(json)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored health model: {e}")))?;
    model.updated_at = Some(updated_at);
    normalise(&mut model);
    Ok(model)
}

/// The parts of an account's health answer that come before its inputs:
/// that the account is the workspace's, the workspace's calendar (its
/// today) and its health model.
fn prelude_parts<'a>(
    backend: DatabaseBackend,
    workspace_id: i64,
    account_id: i64,
) -> Vec<(Statement, &'a [&'a str])> {
    use crate::entity::{accounts as account_rows, workspaces};
    let account = account_rows::Entity::find()
        .select_only()
        .column(account_rows::Column::Id)
        .filter(account_rows::Column::WorkspaceId.eq(workspace_id))
        .filter(account_rows::Column::Id.eq(account_id));
    let workspace = workspaces::Entity::find_by_id(workspace_id)
        .select_only()
        .column(workspaces::Column::BusinessCalendar);
    let model = health_models::Entity::find()
        .select_only()
        .columns([
            health_models::Column::Model,
            health_models::Column::UpdatedAt,
        ])
        .filter(health_models::Column::WorkspaceId.eq(workspace_id));
    vec![
        (account.build(backend), &["id"]),
        (workspace.build(backend), &["business_calendar"]),
        (model.build(backend), &["model", "updated_at"]),
    ]
}

/// How many parts [`prelude_parts`] makes.
const PRELUDE_PARTS: usize = 3;

/// An account's health answer as one statement: the prelude, the inputs,
/// the approved overrides and the trend. The workspace's today is not
/// known before its calendar is read, so the overrides and the trend are
/// read for every today a time zone can have at `now` (the UTC day ± 1)
/// and narrowed afterwards.
fn health_statement_built(
    backend: DatabaseBackend,
    workspace_id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> Statement {
    let (earliest, latest) = todays_at(now);
    let history = health_snapshots::Entity::find()
        .select_only()
        .columns([
            health_snapshots::Column::Day,
            health_snapshots::Column::Score,
        ])
        .filter(health_snapshots::Column::WorkspaceId.eq(workspace_id))
        .filter(health_snapshots::Column::AccountId.eq(account_id))
        .filter(health_snapshots::Column::Day.gt(earliest - Duration::days(TREND_DAYS)))
        .filter(health_snapshots::Column::Day.lte(latest));
    let mut parts = prelude_parts(backend, workspace_id, account_id);
    parts.extend(inputs::one_account_parts(
        backend,
        workspace_id,
        account_id,
        now,
    ));
    parts.push((
        approved_overrides(workspace_id, Some(account_id), earliest).build(backend),
        OVERRIDE_COLUMNS,
    ));
    parts.push((history.build(backend), &["day", "score"]));
    crate::db::parts_statement(backend, parts)
}

/// The earliest and the latest date it is somewhere at `now`.
fn todays_at(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let day = now.date_naive();
    (day - Duration::days(1), day + Duration::days(1))
}

/// The values [`health_statement_built`] varies by, in a fixed order.
fn health_params(workspace_id: i64, account_id: i64, now: DateTime<Utc>) -> Vec<sea_orm::Value> {
    let (earliest, latest) = todays_at(now);
    let mut params = inputs::one_account_params(workspace_id, account_id, now);
    params.extend([
        earliest.into(),
        latest.into(),
        (earliest - Duration::days(TREND_DAYS)).into(),
    ]);
    params
}

/// [`health_statement_built`], its text built once per backend (see
/// [`crate::db::Template`]).
fn health_statement(
    backend: DatabaseBackend,
    workspace_id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> Statement {
    static SQLITE: OnceLock<Template> = OnceLock::new();
    static POSTGRES: OnceLock<Template> = OnceLock::new();
    let cell = match backend {
        DatabaseBackend::Postgres => &POSTGRES,
        _ => &SQLITE,
    };
    let template = cell.get_or_init(|| {
        // Values nothing stored or computed can equal.
        let (workspace, account) = (-1_000_000_001, -1_000_000_002);
        let now = DateTime::<Utc>::from_timestamp(-30_000_000_000, 0).unwrap_or_default();
        Template::new(
            health_statement_built(backend, workspace, account, now),
            &health_params(workspace, account, now),
        )
    });
    let statement = template.statement(&health_params(workspace_id, account_id, now));
    debug_assert_eq!(
        statement,
        health_statement_built(backend, workspace_id, account_id, now)
    );
    statement
}

/// Every component once, in the SPEC's order (a stored model lacking one
/// gives it weight 0).
fn normalise(model: &mut HealthModel) {
    model.components = HealthComponent::ALL
        .iter()
        .map(|c| shared::health::ComponentWeight {
            component: *c,
            weight: model.weight(*c),
        })
        .collect();
}

pub async fn get_model(db: &Db, actor: &StaffActor) -> AppResult<HealthModel> {
    model_of(&db.read, actor.workspace_id).await
}

/// Admins change the weights and thresholds; components not named keep
/// their weight.
pub async fn put_model(
    db: &Db,
    actor: &StaffActor,
    req: UpdateHealthModel,
    now: DateTime<Utc>,
) -> AppResult<HealthModel> {
    actor.require(&[Role::Admin])?;
    let mut fields = shared::FieldErrors::new();
    let mut seen = Vec::new();
    for (i, c) in req.components.iter().enumerate() {
        if !(0..=100).contains(&c.weight) {
            fields.insert(
                format!("components[{i}].weight"),
                "must be between 0 and 100".into(),
            );
        }
        if seen.contains(&c.component) {
            fields.insert(
                format!("components[{i}].component"),
                "is named more than once".into(),
            );
        }
        seen.push(c.component);
    }
    if !(1..=100).contains(&req.green_min) {
        fields.insert("green_min".into(), "must be between 1 and 100".into());
    }
    if !(0..=100).contains(&req.yellow_min) || req.yellow_min >= req.green_min {
        fields.insert(
            "yellow_min".into(),
            "must be between 0 and 100 and below green_min".into(),
        );
    }
    let txn = db.write.begin().await?;
    let before = model_of(&txn, actor.workspace_id).await?;
    let mut model = before.clone();
    for c in &req.components {
        if let Some(slot) = model
            .components
            .iter_mut()
            .find(|s| s.component == c.component)
        {
            slot.weight = c.weight;
        }
    }
    if fields.is_empty() && model.components.iter().all(|c| c.weight == 0) {
        fields.insert(
            "components".into(),
            "at least one component needs a weight above 0".into(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    model.green_min = req.green_min;
    model.yellow_min = req.yellow_min;
    model.updated_at = Some(now);
    let json = serde_json::to_string(&model).map_err(|e| AppError::Internal(e.into()))?;
    match health_models::Entity::find()
        .filter(health_models::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
    {
        Some(row) => {
            let mut m: health_models::ActiveModel = row.into();
            m.model = Set(json);
            m.updated_by = Set(actor.user_id);
            m.updated_at = Set(now);
            m.update(&txn).await?;
        }
        None => {
            health_models::ActiveModel {
                workspace_id: Set(actor.workspace_id),
                model: Set(json),
                updated_by: Set(actor.user_id),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "health_model",
            entity_id: actor.workspace_id,
            before: Some(&before),
            after: Some(&model),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// An approved override as read: id, account, score, reason, expiry, approver.
type OverrideRow = (i64, i64, i32, String, NaiveDate, Option<i64>);
const OVERRIDE_COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "score",
    "reason",
    "expires_on",
    "decided_by",
];

/// The approved overrides in force `today`, of the workspace or `only` one
/// account (the columns of [`OverrideRow`]).
fn approved_overrides(
    workspace_id: i64,
    only: Option<i64>,
    today: NaiveDate,
) -> sea_orm::Select<health_overrides::Entity> {
    health_overrides::Entity::find()
        .select_only()
        .columns([
            health_overrides::Column::Id,
            health_overrides::Column::AccountId,
            health_overrides::Column::Score,
            health_overrides::Column::Reason,
            health_overrides::Column::ExpiresOn,
            health_overrides::Column::DecidedBy,
        ])
        .filter(health_overrides::Column::WorkspaceId.eq(workspace_id))
        .apply_if(only, |q, id| {
            q.filter(health_overrides::Column::AccountId.eq(id))
        })
        .filter(health_overrides::Column::Status.eq("approved"))
        .filter(health_overrides::Column::ExpiresOn.gt(today))
}

/// Per account, the latest (highest id) of its approved overrides.
fn latest_overrides(mut rows: Vec<OverrideRow>) -> HashMap<i64, ActiveOverride> {
    rows.sort_unstable_by_key(|r| r.0);
    rows.into_iter()
        .map(|(id, account_id, score, reason, expires_on, approved_by)| {
            (
                account_id,
                ActiveOverride {
                    id,
                    score,
                    reason,
                    expires_on,
                    approved_by,
                },
            )
        })
        .collect()
}

/// The approved overrides in force today, latest per account.
pub(crate) async fn active_overrides<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    only: Option<i64>,
    today: NaiveDate,
) -> AppResult<HashMap<i64, ActiveOverride>> {
    let rows: Vec<OverrideRow> = approved_overrides(workspace_id, only, today)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(latest_overrides(rows))
}

/// An account's health now, with the trend of its snapshots: one
/// statement, planned once (see `Db::generic`; the values never change
/// the plan), its text built once ([`health_statement`]).
pub async fn account_health(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<AccountHealth> {
    let conn = &db.generic;
    let backend = conn.get_database_backend();
    let statement = health_statement(backend, actor.workspace_id, account_id, now);
    let parts = crate::db::read_parts(
        conn,
        statement,
        PRELUDE_PARTS + inputs::ONE_ACCOUNT_PARTS + 2,
    )
    .await?;
    let part = |i: usize| parts.get(i).map_or("[]", String::as_str);
    if inputs::decode::<(i64,)>(part(0))?.is_empty() {
        return Err(AppError::NotFound);
    }
    let Some((stored_calendar,)) = inputs::decode::<(Option<String>,)>(part(1))?.pop() else {
        return Err(AppError::NotFound);
    };
    let today = calendar::today_in(&calendar::from_stored(stored_calendar), now);
    let model = match inputs::decode::<(String, DateTime<Utc>)>(part(2))?.pop() {
        Some((json, updated_at)) => model_from(&json, updated_at)?,
        None => HealthModel::default(),
    };
    let after_inputs = PRELUDE_PARTS + inputs::ONE_ACCOUNT_PARTS;
    let mut measured = inputs::fold_one(
        parts.get(PRELUDE_PARTS..after_inputs).unwrap_or_default(),
        today,
        now,
    )?;
    let mut measured = measured.remove(&account_id).unwrap_or_default();
    let computed = score::compute(&model, &measured.inputs);
    let overrides: Vec<OverrideRow> = inputs::decode(part(after_inputs))?;
    let override_ = latest_overrides(overrides.into_iter().filter(|row| row.4 > today).collect())
        .remove(&account_id);
    let score = override_.as_ref().map_or(computed.score, |o| o.score);
    let mut trend: Vec<TrendPoint> = inputs::decode::<(NaiveDate, i32)>(part(after_inputs + 1))?
        .into_iter()
        .filter(|(day, _)| *day > today - Duration::days(TREND_DAYS) && *day <= today)
        .map(|(day, score)| TrendPoint { day, score })
        .collect();
    trend.sort_by_key(|p| p.day);
    let trend_change = trend.first().map(|first| score - first.score);
    Ok(AccountHealth {
        account_id,
        score,
        band: model.band(score),
        computed_score: computed.score,
        computed_band: computed.band,
        override_,
        components: computed.components,
        weakest: computed.weakest,
        usage_by_module: std::mem::take(&mut measured.usage_by_module),
        trend,
        trend_change,
        computed_at: now,
    })
}

/// The compact form of a component kept in a snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredComponent {
    pub c: HealthComponent,
    pub r: Option<f64>,
    pub s: Option<f64>,
    pub w: i32,
    pub e: f64,
    pub p: f64,
}

impl From<&ComponentScore> for StoredComponent {
    fn from(c: &ComponentScore) -> Self {
        StoredComponent {
            c: c.component,
            r: c.raw_value,
            s: c.sub_score,
            w: c.weight,
            e: c.effective_weight,
            p: c.contribution,
        }
    }
}

fn snapshot_of(m: health_snapshots::Model) -> AppResult<HealthSnapshot> {
    let components: Vec<StoredComponent> = serde_json::from_str(&m.components).unwrap_or_default();
    Ok(HealthSnapshot {
        day: m.day,
        score: m.score,
        band: stored("health_snapshots", m.id, "band", &m.band)?,
        computed_score: m.computed_score,
        overridden: m.overridden,
        weakest: m.weakest.and_then(|w| w.parse().ok()),
        components: components
            .into_iter()
            .map(|s| ComponentScore {
                component: s.c,
                raw_value: s.r,
                sub_score: s.s,
                weight: s.w,
                effective_weight: s.e,
                contribution: s.p,
                explanation: String::new(),
                explanation_key: None,
            })
            .collect(),
    })
}

pub use shared::filters::HistoryQuery;

/// Daily snapshots, oldest first.
pub async fn history(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    query: HistoryQuery,
    now: DateTime<Utc>,
) -> AppResult<Vec<HealthSnapshot>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let days = query.days.unwrap_or(90);
    if !(1..=730).contains(&days) {
        return Err(AppError::field("days", "must be between 1 and 730"));
    }
    let today = calendar::today(&db.read, actor.workspace_id, now).await?;
    health_snapshots::Entity::find()
        .filter(health_snapshots::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(health_snapshots::Column::AccountId.eq(account_id))
        .filter(health_snapshots::Column::Day.gt(today - Duration::days(days)))
        .order_by_asc(health_snapshots::Column::Day)
        .all(&db.read)
        .await?
        .into_iter()
        .map(snapshot_of)
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
struct OverridePayload {
    override_id: i64,
    score: i32,
    reason: String,
    expires_on: NaiveDate,
}

/// Requests an override; it applies once a manager or admin other than the
/// maker approves it, until `expires_on` (the first day it no longer applies).
pub async fn request_override(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: OverrideRequest,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])?;
    // A CSM asks only for the accounts they own (the rule for editing them).
    accounts::editable(&db.read, actor, account_id).await?;
    let today = calendar::today(&db.read, actor.workspace_id, now).await?;
    let mut fields = shared::FieldErrors::new();
    if !(0..=100).contains(&req.score) {
        fields.insert("score".into(), "must be between 0 and 100".into());
    }
    let reason = req.reason.trim().to_string();
    if reason.is_empty() {
        fields.insert("reason".into(), "say why the score is overridden".into());
    } else if let Err(r) = validation::optional_text(&reason, 2000) {
        fields.insert("reason".into(), r.message_en());
    }
    if req.expires_on <= today || req.expires_on > today + Duration::days(MAX_OVERRIDE_DAYS) {
        fields.insert(
            "expires_on".into(),
            format!("must be after today and within {MAX_OVERRIDE_DAYS} days"),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let txn = db.write.begin().await?;
    let row = health_overrides::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        score: Set(req.score),
        reason: Set(reason.clone()),
        expires_on: Set(req.expires_on),
        status: Set("pending".into()),
        requested_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let payload = OverridePayload {
        override_id: row.id,
        score: req.score,
        reason: reason.clone(),
        expires_on: req.expires_on,
    };
    let approval = approvals::request(
        &txn,
        ApprovalRequest {
            workspace_id: actor.workspace_id,
            kind: approvals::HEALTH_OVERRIDE,
            subject_type: "account",
            subject_id: account_id,
            maker_id: actor.user_id,
            summary: format!(
                "Override the health score to {} until {}: {}",
                req.score, req.expires_on, reason
            ),
            payload: Some(
                serde_json::to_value(&payload).map_err(|e| AppError::Internal(e.into()))?,
            ),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "request_override",
            entity_type: "health_override",
            entity_id: row.id,
            before: None,
            after: Some(&payload),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(approval)
}

/// What approving or rejecting an override does (called by `approvals::decide`
/// in its transaction).
pub(crate) async fn on_override_decision<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    payload: Option<&str>,
    decided_by: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let payload: OverridePayload = payload
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an override without payload")))?;
    let row = health_overrides::Entity::find_by_id(payload.override_id)
        .filter(health_overrides::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut m: health_overrides::ActiveModel = row.into();
    m.status = Set(if approve { "approved" } else { "rejected" }.into());
    m.decided_by = Set(Some(decided_by));
    m.decided_at = Set(Some(now));
    m.update(conn).await?;
    Ok(())
}
