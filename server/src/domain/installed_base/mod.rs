//! The installed base (issue 16): an account's installations per site
//! (`installations`), their upgrades (`upgrades`) and advisories to the
//! accounts running a version (`advisories`).
//!
//! Every staff role reads installations; every staff role but none of the
//! portal's writes them (engineers install and upgrade). A linked licence
//! gives the modules and seats, read when the installation is, so they
//! follow its re-registrations. The portal sees its own account's
//! installations without internal notes, customisations or integrations.
//!
//! Sits above `accounts` (timeline, licences) and below `tickets`, which
//! snapshot an installation's version.

pub mod advisories;
pub mod upgrades;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::installed_base::{
    validate_installation, Customisation, Installation, InstallationRequest, Integration,
    PortalInstallation,
};
use shared::texts::T;
use shared::timeline::TimelineKind;
use shared::{ErpModule, Role};

use crate::auth::{PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::portal::own_account;
use crate::domain::common::{modules_from_db, modules_to_db};
use crate::entity::stored::stored;
use crate::entity::{installation_upgrades, installations, licenses, tickets};
use crate::error::{AppError, AppResult};

/// The staff roles that write the installed base.
pub(crate) fn require_writer(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm, Role::Engineer])
}

fn json_list<T: serde::de::DeserializeOwned>(
    id: i64,
    column: &str,
    text: &str,
) -> AppResult<Vec<T>> {
    serde_json::from_str(text).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "installations {id}: unreadable {column}: {e}"
        ))
    })
}

fn to_json<T: serde::Serialize>(items: &[T]) -> AppResult<String> {
    serde_json::to_string(items).map_err(|e| AppError::Internal(e.into()))
}

/// The modules and seats an installation has: its licence's when one is
/// linked, else its own.
fn entitlement(
    m: &installations::Model,
    license: Option<&licenses::Model>,
) -> (Vec<ErpModule>, Option<i32>) {
    match license {
        Some(l) => (modules_from_db(&l.modules), Some(l.seats)),
        None => (modules_from_db(&m.modules), m.seats),
    }
}

pub(crate) fn to_api(
    m: &installations::Model,
    license: Option<&licenses::Model>,
) -> AppResult<Installation> {
    let (modules, seats) = entitlement(m, license);
    Ok(Installation {
        id: m.id,
        account_id: m.account_id,
        site: m.site.clone(),
        product: m.product.clone(),
        edition: m.edition.clone(),
        version: m.sw_version.clone(),
        patch_level: m.patch_level.clone(),
        deployment: stored("installations", m.id, "deployment", &m.deployment)?,
        server_os: m.server_os.clone(),
        database: m.server_database.clone(),
        license_id: m.license_id,
        modules,
        seats,
        customisations: json_list::<Customisation>(m.id, "customisations", &m.customisations)?,
        integrations: json_list::<Integration>(m.id, "integrations", &m.integrations)?,
        notes: m.notes.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The licences the installations link to, by id.
pub(crate) async fn licenses_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: &[installations::Model],
) -> AppResult<std::collections::HashMap<i64, licenses::Model>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.license_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .filter(licenses::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect())
}

async fn rows_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Vec<installations::Model>> {
    Ok(installations::Entity::find()
        .filter(installations::Column::WorkspaceId.eq(workspace_id))
        .filter(installations::Column::AccountId.eq(account_id))
        .order_by_asc(installations::Column::Site)
        .order_by_asc(installations::Column::Id)
        .all(conn)
        .await?)
}

/// The installation `id` of the account (404 for another account's or
/// another workspace's).
pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    id: i64,
) -> AppResult<installations::Model> {
    installations::Entity::find_by_id(id)
        .filter(installations::Column::WorkspaceId.eq(workspace_id))
        .filter(installations::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn with_license<C: ConnectionTrait>(
    conn: &C,
    m: &installations::Model,
) -> AppResult<Installation> {
    let licenses = licenses_of(conn, m.workspace_id, std::slice::from_ref(m)).await?;
    to_api(m, m.license_id.and_then(|id| licenses.get(&id)))
}

pub async fn list(db: &Db, actor: &StaffActor, account_id: i64) -> AppResult<Vec<Installation>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let rows = rows_of(&db.read, actor.workspace_id, account_id).await?;
    let licenses = licenses_of(&db.read, actor.workspace_id, &rows).await?;
    rows.iter()
        .map(|m| to_api(m, m.license_id.and_then(|id| licenses.get(&id))))
        .collect()
}

pub async fn get(db: &Db, actor: &StaffActor, account_id: i64, id: i64) -> AppResult<Installation> {
    let m = find(&db.read, actor.workspace_id, account_id, id).await?;
    with_license(&db.read, &m).await
}

/// The shared rules, and the linked licence must be the account's.
async fn validate<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    req: &InstallationRequest,
) -> AppResult<()> {
    let mut fields = validate_installation(req).err().unwrap_or_default();
    if let Some(license_id) = req.license_id {
        let own = licenses::Entity::find_by_id(license_id)
            .filter(licenses::Column::WorkspaceId.eq(workspace_id))
            .filter(licenses::Column::AccountId.eq(account_id))
            .one(conn)
            .await?
            .is_some();
        if !own {
            fields.insert("license_id".into(), T::LicenseOfOtherAccount.en().into());
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(fields))
    }
}

fn fill(model: &mut installations::ActiveModel, req: &InstallationRequest) -> AppResult<()> {
    let trim = |s: &str| s.trim().to_string();
    model.site = Set(trim(&req.site));
    model.product = Set(trim(&req.product));
    model.edition = Set(trim(&req.edition));
    model.patch_level = Set(trim(&req.patch_level));
    model.deployment = Set(req.deployment.as_str().into());
    model.server_os = Set(trim(&req.server_os));
    model.server_database = Set(trim(&req.database));
    model.license_id = Set(req.license_id);
    model.modules = Set(modules_to_db(&req.modules));
    model.seats = Set(req.seats);
    let customisations: Vec<Customisation> = req
        .customisations
        .iter()
        .map(|c| Customisation {
            title: trim(&c.title),
            owner: trim(&c.owner),
            status: c.status,
            modules: {
                let mut m = c.modules.clone();
                m.sort();
                m.dedup();
                m
            },
        })
        .collect();
    let integrations: Vec<Integration> = req
        .integrations
        .iter()
        .map(|i| Integration {
            name: trim(&i.name),
            system: trim(&i.system),
            direction: i.direction,
            notes: i.notes.trim().to_string(),
        })
        .collect();
    model.customisations = Set(to_json(&customisations)?);
    model.integrations = Set(to_json(&integrations)?);
    model.notes = Set(req.notes.trim().to_string());
    Ok(())
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&Installation>,
    after: Option<&Installation>,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "installation",
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
    account_id: i64,
    req: InstallationRequest,
    now: DateTime<Utc>,
) -> AppResult<Installation> {
    require_writer(actor)?;
    let txn = db.write.begin().await?;
    accounts::find_in_workspace(&txn, actor.workspace_id, account_id).await?;
    validate(&txn, actor.workspace_id, account_id, &req).await?;
    let mut model = installations::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        sw_version: Set(req.version.trim().to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fill(&mut model, &req)?;
    let row = model.insert(&txn).await?;
    let created = with_license(&txn, &row).await?;
    record(&txn, actor, "create", None, Some(&created), row.id, now).await?;
    timeline::record(
        &txn,
        NewEvent::new(
            actor.workspace_id,
            account_id,
            TimelineKind::InstallationAdded,
            actor.user_id,
            format!("{} · {} {}", created.site, created.product, created.version),
            now,
        )
        .about("installation", row.id),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an installation; its version changes only by an upgrade.
pub async fn update(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    req: InstallationRequest,
    now: DateTime<Utc>,
) -> AppResult<Installation> {
    require_writer(actor)?;
    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, account_id, id).await?;
    validate(&txn, actor.workspace_id, account_id, &req).await?;
    if req.version.trim() != existing.sw_version {
        return Err(AppError::field("version", T::VersionByUpgrade));
    }
    let before = with_license(&txn, &existing).await?;
    let mut model: installations::ActiveModel = existing.into();
    fill(&mut model, &req)?;
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    let after = with_license(&txn, &row).await?;
    record(&txn, actor, "update", Some(&before), Some(&after), id, now).await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes an installation no ticket names, with its upgrade history.
pub async fn delete(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    require_writer(actor)?;
    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, account_id, id).await?;
    let named = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(tickets::Column::InstallationId.eq(id))
        .count(&txn)
        .await?;
    if named > 0 {
        return Err(AppError::Conflict {
            message: T::InstallationHasTickets.en().into(),
            fields: Default::default(),
        });
    }
    let before = with_license(&txn, &existing).await?;
    installation_upgrades::Entity::delete_many()
        .filter(installation_upgrades::Column::InstallationId.eq(id))
        .exec(&txn)
        .await?;
    installations::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "delete", Some(&before), None, id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The portal user's own account's installations, without what is
/// internal.
pub async fn portal_list(db: &Db, actor: &PortalActor) -> AppResult<Vec<PortalInstallation>> {
    let account_id = own_account(&db.read, actor).await?;
    let rows = rows_of(&db.read, actor.workspace_id, account_id).await?;
    let licenses = licenses_of(&db.read, actor.workspace_id, &rows).await?;
    rows.iter()
        .map(|m| {
            let i = to_api(m, m.license_id.and_then(|id| licenses.get(&id)))?;
            Ok(PortalInstallation {
                id: i.id,
                site: i.site,
                product: i.product,
                edition: i.edition,
                version: i.version,
                patch_level: i.patch_level,
                deployment: i.deployment,
                modules: i.modules,
                seats: i.seats,
            })
        })
        .collect()
}

/// The installation a customer's mail is about, as its ticket names it:
/// the account's only installation, or else the one whose site the mail
/// names (`text`: its subject and body), when exactly one site is named
/// ("苏州工厂的凭证过账报错"); `None` when that leaves a doubt. With its
/// version now, as [`for_ticket`].
pub(crate) async fn named_in_mail<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    text: &str,
) -> AppResult<Option<(i64, String)>> {
    let all = installations::Entity::find()
        .filter(installations::Column::WorkspaceId.eq(workspace_id))
        .filter(installations::Column::AccountId.eq(account_id))
        .order_by_asc(installations::Column::Id)
        .limit(MAX_SITES_MATCHED)
        .all(conn)
        .await?;
    let only = |m: &installations::Model| Some((m.id, m.sw_version.clone()));
    if let [one] = all.as_slice() {
        return Ok(only(one));
    }
    let named: Vec<&installations::Model> = all
        .iter()
        .filter(|m| {
            let site = m.site.trim();
            site.chars().count() >= 2 && text.contains(site)
        })
        .collect();
    Ok(match named.as_slice() {
        [one] => only(one),
        _ => None,
    })
}

/// An account with more installations than this is not searched for the
/// site a mail names.
const MAX_SITES_MATCHED: u64 = 200;

/// The installation a new ticket names, checked to be the account's, and
/// the version it runs now (the ticket keeps that snapshot; the queue
/// filters on it).
pub(crate) async fn for_ticket<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    installation_id: i64,
) -> AppResult<(i64, String)> {
    let m = installations::Entity::find_by_id(installation_id)
        .filter(installations::Column::WorkspaceId.eq(workspace_id))
        .filter(installations::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::field("installation_id", T::InstallationOfOtherAccount))?;
    Ok((m.id, m.sw_version))
}
