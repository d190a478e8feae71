//! The workspace's SLA settings: policies per service level × priority,
//! the business calendar, and the module owners tickets are routed to.
//! Reading is for all staff; changing is for admins.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};
use shared::tickets::{
    check_sla_targets, default_sla_policies, ModuleOwners, SlaPolicies, SlaPolicy, TicketPriority,
};
use shared::validation::Collector;
use shared::Role;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::business_time::BusinessCalendar;
use crate::domain::common::business_time::BusinessTime;
use crate::entity::{sla_policies, workspaces};
use crate::error::{AppError, AppResult};

async fn workspace<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<workspaces::Model> {
    workspaces::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The workspace's policies, or the defaults when it has not set its own.
pub async fn policies<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<SlaPolicies> {
    let ws = workspace(conn, workspace_id).await?;
    let rows = sla_policies::Entity::find()
        .filter(sla_policies::Column::WorkspaceId.eq(workspace_id))
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(default_sla_policies());
    }
    let mut policies: Vec<SlaPolicy> = rows
        .into_iter()
        .filter_map(|r| {
            Some(SlaPolicy {
                priority: r.priority.parse().ok()?,
                level: r.level,
                first_response_minutes: r.first_response_minutes,
                resolution_minutes: r.resolution_minutes,
            })
        })
        .collect();
    policies.sort_by(|a, b| (a.level.as_str(), a.priority).cmp(&(b.level.as_str(), b.priority)));
    Ok(SlaPolicies {
        default_level: ws.default_service_level,
        policies,
    })
}

/// The service levels the workspace knows (those its policies name).
pub async fn levels<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<Vec<String>> {
    let set: BTreeSet<String> = policies(conn, workspace_id)
        .await?
        .policies
        .into_iter()
        .map(|p| p.level)
        .collect();
    Ok(set.into_iter().collect())
}

pub async fn get_policies(db: &Db, actor: &StaffActor) -> AppResult<SlaPolicies> {
    policies(&db.read, actor.workspace_id).await
}

/// Replaces the policies. Every level named must cover p1–p4, targets are
/// positive, and first response comes before resolution.
pub async fn put_policies(
    db: &Db,
    actor: &StaffActor,
    req: SlaPolicies,
    now: DateTime<Utc>,
) -> AppResult<SlaPolicies> {
    actor.require(&[Role::Admin])?;
    let mut c = Collector::default();
    let mut seen = BTreeSet::new();
    for (i, p) in req.policies.iter().enumerate() {
        let level = p.level.trim();
        if level.is_empty() || level.chars().count() > 40 {
            c.fields.insert(
                format!("policies[{i}].level"),
                "must be 1 to 40 characters".into(),
            );
        }
        if let Err(why) = check_sla_targets(p.first_response_minutes, p.resolution_minutes) {
            c.fields.insert(format!("policies[{i}]"), why.message_en());
        }
        if !seen.insert((level.to_string(), p.priority)) {
            c.fields.insert(
                format!("policies[{i}]"),
                "duplicate level and priority".into(),
            );
        }
    }
    let levels: BTreeSet<&str> = seen.iter().map(|(l, _)| l.as_str()).collect();
    for level in &levels {
        for priority in TicketPriority::ALL {
            if !seen.contains(&(level.to_string(), *priority)) {
                c.fields.insert(
                    "policies".into(),
                    format!("level {level} has no target for {priority}"),
                );
            }
        }
    }
    if levels.is_empty() {
        c.fields
            .insert("policies".into(), "at least one level is needed".into());
    }
    if !levels.contains(req.default_level.trim()) {
        c.fields
            .insert("default_level".into(), "must be one of the levels".into());
    }
    c.finish().map_err(AppError::validation)?;

    let txn = db.write.begin().await?;
    let before = policies(&txn, actor.workspace_id).await?;
    sla_policies::Entity::delete_many()
        .filter(sla_policies::Column::WorkspaceId.eq(actor.workspace_id))
        .exec(&txn)
        .await?;
    let rows: Vec<sla_policies::ActiveModel> = req
        .policies
        .iter()
        .map(|p| sla_policies::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            level: Set(p.level.trim().to_string()),
            priority: Set(p.priority.as_str().into()),
            first_response_minutes: Set(p.first_response_minutes),
            resolution_minutes: Set(p.resolution_minutes),
            ..Default::default()
        })
        .collect();
    sla_policies::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await?;
    let mut ws: workspaces::ActiveModel = workspace(&txn, actor.workspace_id).await?.into();
    ws.default_service_level = Set(req.default_level.trim().to_string());
    ws.update(&txn).await?;
    // A level new to the policies becomes a service level in full (every
    // channel, tickets, every module), for the admin to narrow.
    crate::domain::tickets::service_levels::add_missing(&txn, actor.workspace_id).await?;
    let after = policies(&txn, actor.workspace_id).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "sla_policies",
            entity_id: actor.workspace_id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

use crate::domain::common::calendar::business_calendar;

pub async fn get_calendar(db: &Db, actor: &StaffActor) -> AppResult<BusinessCalendar> {
    business_calendar(&db.read, actor.workspace_id).await
}

pub async fn put_calendar(
    db: &Db,
    actor: &StaffActor,
    req: BusinessCalendar,
    now: DateTime<Utc>,
) -> AppResult<BusinessCalendar> {
    actor.require(&[Role::Admin])?;
    req.validate().map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    let before = business_calendar(&txn, actor.workspace_id).await?;
    save_json_setting(&txn, actor, "calendar", &before, &req, now, |ws, json| {
        ws.business_calendar = Set(Some(json))
    })
    .await?;
    // The service report's days are in the workspace's time zone: a new
    // zone builds its rollup again (the report reads the tickets until).
    let moved = before.zone() != req.zone();
    if moved {
        crate::domain::tickets::service_rollup::reset(&txn, actor.workspace_id, req.zone()).await?;
    }
    txn.commit().await?;
    if moved {
        crate::domain::tickets::service_rollup::spawn_build(db.clone(), actor.workspace_id);
    }
    Ok(req)
}

/// Stores a JSON setting on the workspace row and audits the change.
async fn save_json_setting<C: ConnectionTrait, T: serde::Serialize>(
    conn: &C,
    actor: &StaffActor,
    entity_type: &str,
    before: &T,
    after: &T,
    now: DateTime<Utc>,
    set: impl FnOnce(&mut workspaces::ActiveModel, String),
) -> AppResult<()> {
    let json = serde_json::to_string(after).map_err(|e| AppError::Internal(e.into()))?;
    let mut ws: workspaces::ActiveModel = workspace(conn, actor.workspace_id).await?.into();
    set(&mut ws, json);
    ws.update(conn).await?;
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type,
            entity_id: actor.workspace_id,
            before: Some(before),
            after: Some(after),
        },
        now,
    )
    .await
}

pub async fn module_owners<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> AppResult<ModuleOwners> {
    let ws = workspace(conn, workspace_id).await?;
    Ok(ws
        .module_owners
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

pub async fn get_module_owners(db: &Db, actor: &StaffActor) -> AppResult<ModuleOwners> {
    module_owners(&db.read, actor.workspace_id).await
}

/// Sets who owns each module (the tier-1 assignee of its tickets): active
/// staff of the workspace.
pub async fn put_module_owners(
    db: &Db,
    actor: &StaffActor,
    req: ModuleOwners,
    now: DateTime<Utc>,
) -> AppResult<ModuleOwners> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let mut c = Collector::default();
    for (module, user_id) in &req {
        if !crate::domain::accounts::users::is_active_staff(&txn, actor.workspace_id, *user_id)
            .await?
        {
            c.fields.insert(
                module.as_str().into(),
                "must be an active staff member of this workspace".into(),
            );
        }
    }
    c.finish().map_err(AppError::validation)?;
    let before = module_owners(&txn, actor.workspace_id).await?;
    save_json_setting(
        &txn,
        actor,
        "module_owners",
        &before,
        &req,
        now,
        |ws, json| ws.module_owners = Set(Some(json)),
    )
    .await?;
    txn.commit().await?;
    Ok(req)
}

/// The SLA of a ticket: the level and the first-response and resolution
/// due times.
pub struct SlaTargets {
    pub level: String,
    pub first_response_due_at: DateTime<Utc>,
    pub resolution_due_at: DateTime<Utc>,
}

/// The targets at the active agreement's level, else the workspace's
/// default — what the demo and bench data are timed by. A ticket opened
/// through the API is timed by its coverage instead
/// (`entitlement::coverage`, then [`targets_at`]), which never falls back
/// from a lapsed agreement to the default.
pub async fn targets_for<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    priority: TicketPriority,
    now: DateTime<Utc>,
) -> AppResult<SlaTargets> {
    let calendar = business_calendar(conn, workspace_id).await?;
    let policies = policies(conn, workspace_id).await?;
    let today = now.with_timezone(&calendar.zone()).date_naive();
    let level =
        crate::domain::tickets::agreements::active_level(conn, workspace_id, account_id, today)
            .await?
            .filter(|l| policies.policies.iter().any(|p| &p.level == l))
            .unwrap_or_else(|| policies.default_level.clone());
    targets_at(conn, workspace_id, &level, priority, now).await
}

/// The due times by the SLA policy `level` for a ticket of `priority`
/// opened at `now` (the default bronze targets for a level without one).
pub async fn targets_at<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    level: &str,
    priority: TicketPriority,
    now: DateTime<Utc>,
) -> AppResult<SlaTargets> {
    let calendar = business_calendar(conn, workspace_id).await?;
    let policies = policies(conn, workspace_id).await?;
    // A level the policies do not (or no longer) name is timed by the
    // default level's targets, as it always was.
    let level = if policies.policies.iter().any(|p| p.level == level) {
        level.to_string()
    } else {
        policies.default_level.clone()
    };
    let policy = policies
        .policies
        .iter()
        .find(|p| p.level == level && p.priority == priority)
        .cloned()
        .or_else(|| {
            default_sla_policies()
                .policies
                .into_iter()
                .find(|p| p.level == "bronze" && p.priority == priority)
        })
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no SLA policy for {priority}")))?;
    let due = |minutes: i32| {
        calendar
            .add_business_minutes(now, i64::from(minutes))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("SLA due time: {e}")))
    };
    Ok(SlaTargets {
        first_response_due_at: due(policy.first_response_minutes)?,
        resolution_due_at: due(policy.resolution_minutes)?,
        level,
    })
}
