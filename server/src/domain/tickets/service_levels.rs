//! Service levels and their entitlements (`/service-levels`), and the
//! workspace's rule for accounts that never had an agreement
//! (`/settings/entitlements`). Staff read; admins write.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::service_levels::{
    validate_level, EntitlementSettings, ServiceLevel, ServiceLevelRequest, TicketChannels,
};
use shared::texts::{Msg, T};
use shared::Role;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::{modules_from_db, modules_to_db};
use crate::domain::tickets::sla;
use crate::entity::{service_agreements, service_levels, workspaces};
use crate::error::{AppError, AppResult};

fn to_api(m: &service_levels::Model) -> ServiceLevel {
    ServiceLevel {
        id: m.id,
        name: m.name.clone(),
        tickets_included: m.tickets_included,
        channels: TicketChannels {
            portal: m.portal_tickets,
            email: m.email_tickets,
            phone: m.phone_tickets,
        },
        sla_policy: m.sla_policy.clone(),
        person_days_per_year: m.person_days_per_year,
        onsite_visits_per_year: m.onsite_visits_per_year,
        modules: modules_from_db(&m.modules),
        version: m.version,
    }
}

fn fill(model: &mut service_levels::ActiveModel, req: &ServiceLevelRequest) {
    model.tickets_included = Set(req.tickets_included);
    model.portal_tickets = Set(req.channels.portal);
    model.email_tickets = Set(req.channels.email);
    model.phone_tickets = Set(req.channels.phone);
    model.sla_policy = Set(req.sla_policy.trim().to_string());
    model.person_days_per_year = Set(req.person_days_per_year);
    model.onsite_visits_per_year = Set(req.onsite_visits_per_year);
    model.modules = Set(modules_to_db(&req.modules));
}

/// The workspace's levels, by name.
pub async fn all<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> AppResult<Vec<service_levels::Model>> {
    Ok(service_levels::Entity::find()
        .filter(service_levels::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(service_levels::Column::Name)
        .all(conn)
        .await?)
}

/// The entitlements of `level`: its row, or everything (the SLA policy of
/// the same name) for a level that has none — a level an admin added to
/// the SLA policies only, which served every ticket before levels had
/// entitlements.
pub async fn entitlement_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    level: &str,
) -> AppResult<ServiceLevelRequest> {
    let row = service_levels::Entity::find()
        .filter(service_levels::Column::WorkspaceId.eq(workspace_id))
        .filter(service_levels::Column::Name.eq(level))
        .one(conn)
        .await?;
    Ok(match row {
        Some(m) => {
            let api = to_api(&m);
            ServiceLevelRequest {
                name: api.name,
                tickets_included: api.tickets_included,
                channels: api.channels,
                sla_policy: api.sla_policy,
                person_days_per_year: api.person_days_per_year,
                onsite_visits_per_year: api.onsite_visits_per_year,
                modules: api.modules,
            }
        }
        None => ServiceLevelRequest::full(level),
    })
}

/// One full level per SLA policy level, for a new workspace (the
/// migration did the same for the workspaces that existed).
pub async fn seed_defaults<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<()> {
    let names = sla::levels(conn, workspace_id).await?;
    crate::domain::common::service_levels::seed_full_levels(conn, workspace_id, &names).await
}

/// A full level for each SLA policy level that has no service level yet.
pub async fn add_missing<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<()> {
    let existing: Vec<String> = all(conn, workspace_id)
        .await?
        .into_iter()
        .map(|m| m.name)
        .collect();
    let missing: Vec<String> = sla::levels(conn, workspace_id)
        .await?
        .into_iter()
        .filter(|l| !existing.contains(l))
        .collect();
    crate::domain::common::service_levels::seed_full_levels(conn, workspace_id, &missing).await
}

/// The names an agreement may carry: the levels, and the SLA policies'
/// levels (served in full until an admin gives them entitlements).
pub async fn names<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<Vec<String>> {
    let mut names = sla::levels(conn, workspace_id).await?;
    names.extend(all(conn, workspace_id).await?.into_iter().map(|m| m.name));
    names.sort();
    names.dedup();
    Ok(names)
}

pub async fn list(db: &Db, actor: &StaffActor) -> AppResult<Vec<ServiceLevel>> {
    Ok(all(&db.read, actor.workspace_id)
        .await?
        .iter()
        .map(to_api)
        .collect())
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<service_levels::Model> {
    service_levels::Entity::find_by_id(id)
        .filter(service_levels::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<ServiceLevel> {
    Ok(to_api(&find(&db.read, actor.workspace_id, id).await?))
}

/// The shared rules, and the SLA policy the level names must exist.
async fn validate<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    req: &ServiceLevelRequest,
) -> AppResult<()> {
    let mut fields = validate_level(req).err().unwrap_or_default();
    if !fields.contains_key("sla_policy") {
        let levels = sla::levels(conn, workspace_id).await?;
        if !levels.iter().any(|l| l == req.sla_policy.trim()) {
            fields.insert(
                "sla_policy".into(),
                Msg::new(T::NoSuchSlaPolicy)
                    .with("levels", levels.join(", "))
                    .en(),
            );
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(fields))
    }
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    id: i64,
    before: Option<&ServiceLevel>,
    after: Option<&ServiceLevel>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "service_level",
            entity_id: id,
            before,
            after,
        },
        now,
    )
    .await
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: ServiceLevelRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceLevel> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    validate(&txn, actor.workspace_id, &req).await?;
    let name = req.name.trim().to_string();
    let taken = service_levels::Entity::find()
        .filter(service_levels::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(service_levels::Column::Name.eq(name.as_str()))
        .one(&txn)
        .await?
        .is_some();
    if taken {
        return Err(AppError::conflict_on("name", T::LevelTaken));
    }
    let mut model = service_levels::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(name),
        version: Set(1),
        ..Default::default()
    };
    fill(&mut model, &req);
    let created = to_api(&model.insert(&txn).await?);
    record(&txn, actor, "create", created.id, None, Some(&created), now).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a level's entitlements; its name stays (agreements name it).
pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    req: ServiceLevelRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceLevel> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, id).await?;
    validate(&txn, actor.workspace_id, &req).await?;
    if req.name.trim() != existing.name {
        return Err(AppError::field("name", T::LevelRename));
    }
    let before = to_api(&existing);
    let mut model: service_levels::ActiveModel = existing.into();
    fill(&mut model, &req);
    model.version = Set(before.version + 1);
    let after = to_api(&model.update(&txn).await?);
    record(&txn, actor, "update", id, Some(&before), Some(&after), now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes a level no agreement names.
pub async fn delete(db: &Db, actor: &StaffActor, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, id).await?;
    let in_use = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(service_agreements::Column::Level.eq(existing.name.as_str()))
        .one(&txn)
        .await?
        .is_some();
    if in_use {
        return Err(AppError::conflict_on("name", T::LevelInUse));
    }
    let before = to_api(&existing);
    service_levels::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "delete", id, Some(&before), None, now).await?;
    txn.commit().await?;
    Ok(())
}

async fn workspace<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<workspaces::Model> {
    workspaces::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether accounts that never had an agreement are outside agreement.
pub async fn agreement_required<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> AppResult<bool> {
    Ok(workspace(conn, workspace_id).await?.agreement_required)
}

pub async fn get_settings(db: &Db, actor: &StaffActor) -> AppResult<EntitlementSettings> {
    Ok(EntitlementSettings {
        agreement_required: agreement_required(&db.read, actor.workspace_id).await?,
    })
}

pub async fn put_settings(
    db: &Db,
    actor: &StaffActor,
    req: EntitlementSettings,
    now: DateTime<Utc>,
) -> AppResult<EntitlementSettings> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let ws = workspace(&txn, actor.workspace_id).await?;
    let before = EntitlementSettings {
        agreement_required: ws.agreement_required,
    };
    let mut model: workspaces::ActiveModel = ws.into();
    model.agreement_required = Set(req.agreement_required);
    model.update(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "entitlement_settings",
            entity_id: actor.workspace_id,
            before: Some(&before),
            after: Some(&req),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(req)
}
