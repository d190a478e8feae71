//! Person-day packages (`/accounts/{id}/packages`, `/packages/{id}`):
//! staff read them; managers and admins add, change and remove them. Each
//! write recomputes the account's consumption (a new package takes the
//! overage of its days, a shorter one gives it back) and sends the notices
//! it crossed, under the account's lock.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::T;
use shared::time_log::{
    validate_package, AccountPackages, Package, PackageRequest, MINUTES_PER_PERSON_DAY,
};
use shared::Role;

use super::consumption::{lock_account, recompute};
use super::notices::notify_reached;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::{accounts, package_notices, time_entries, time_packages};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(crate) fn to_api(m: &time_packages::Model) -> Package {
    let capacity = Package::capacity(m.days);
    Package {
        id: m.id,
        account_id: m.account_id,
        name: m.name.clone(),
        days: m.days,
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        capacity_minutes: capacity,
        used_minutes: m.used_minutes,
        remaining_minutes: (capacity - m.used_minutes).max(0),
        used_percent: if capacity > 0 {
            m.used_minutes * 100 / capacity
        } else {
            0
        },
    }
}

/// The account's packages (newest validity first) and its billable and
/// uncovered minutes; the account must be of the workspace (else 404).
pub(crate) async fn balance<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<AccountPackages> {
    accounts::Entity::find_by_id(account_id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let packages = time_packages::Entity::find()
        .filter(time_packages::Column::WorkspaceId.eq(workspace_id))
        .filter(time_packages::Column::AccountId.eq(account_id))
        .order_by_desc(time_packages::Column::ValidFrom)
        .order_by_desc(time_packages::Column::Id)
        .all(conn)
        .await?;
    let billable: Vec<(i32, i32)> = time_entries::Entity::find()
        .select_only()
        .column(time_entries::Column::Minutes)
        .column(time_entries::Column::CoveredMinutes)
        .filter(time_entries::Column::WorkspaceId.eq(workspace_id))
        .filter(time_entries::Column::AccountId.eq(account_id))
        .filter(time_entries::Column::Billable.eq(true))
        .into_tuple()
        .all(conn)
        .await?;
    let billable_minutes: i64 = billable.iter().map(|(m, _)| i64::from(*m)).sum();
    let covered: i64 = billable.iter().map(|(_, c)| i64::from(*c)).sum();
    Ok(AccountPackages {
        account_id,
        packages: packages.iter().map(to_api).collect(),
        billable_minutes,
        uncovered_minutes: billable_minutes - covered,
        minutes_per_day: MINUTES_PER_PERSON_DAY,
    })
}

pub async fn list(db: &Db, actor: &StaffActor, account_id: i64) -> AppResult<AccountPackages> {
    balance(&db.read, actor.workspace_id, account_id).await
}

fn require_manager(actor: &StaffActor) -> AppResult<()> {
    if matches!(actor.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(AppError::Forbidden(T::PackagesManagers.into()))
    }
}

async fn audit_package<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    action: &str,
    id: i64,
    before: Option<&Package>,
    after: Option<&Package>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "time_package",
            entity_id: id,
            before,
            after,
        },
        now,
    )
    .await
}

async fn reload<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<time_packages::Model> {
    time_packages::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Adds a package to the account (managers and admins).
pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    account_id: i64,
    req: PackageRequest,
    now: DateTime<Utc>,
) -> AppResult<Package> {
    require_manager(actor)?;
    validate_package(&req).map_err(AppError::validation)?;
    let txn = state.db.write.begin().await?;
    let account = lock_account(&txn, actor.workspace_id, account_id).await?;
    let row = time_packages::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        name: Set(req.name.trim().to_string()),
        days: Set(req.days),
        valid_from: Set(req.valid_from),
        valid_to: Set(req.valid_to),
        used_minutes: Set(0),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    let package = to_api(&reload(&txn, row.id).await?);
    audit_package(&txn, actor, "create", row.id, None, Some(&package), now).await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    Ok(package)
}

/// The package of the workspace under its account's lock.
async fn locked<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<(time_packages::Model, accounts::Model)> {
    let found = time_packages::Entity::find_by_id(id)
        .filter(time_packages::Column::WorkspaceId.eq(actor.workspace_id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = lock_account(txn, actor.workspace_id, found.account_id).await?;
    Ok((reload(txn, id).await?, account))
}

/// Changes a package's name, days or validity (managers and admins).
pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: PackageRequest,
    now: DateTime<Utc>,
) -> AppResult<Package> {
    require_manager(actor)?;
    validate_package(&req).map_err(AppError::validation)?;
    let txn = state.db.write.begin().await?;
    let (before, account) = locked(&txn, actor, id).await?;
    let before_api = to_api(&before);
    let mut row: time_packages::ActiveModel = before.into();
    row.name = Set(req.name.trim().to_string());
    row.days = Set(req.days);
    row.valid_from = Set(req.valid_from);
    row.valid_to = Set(req.valid_to);
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    let after = to_api(&reload(&txn, id).await?);
    audit_package(
        &txn,
        actor,
        "update",
        id,
        Some(&before_api),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    Ok(after)
}

/// Removes a package (managers and admins): the time it covered moves to
/// the account's other packages or becomes overage.
pub async fn delete(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    require_manager(actor)?;
    let txn = state.db.write.begin().await?;
    let (before, account) = locked(&txn, actor, id).await?;
    let before_api = to_api(&before);
    package_notices::Entity::delete_many()
        .filter(package_notices::Column::PackageId.eq(id))
        .exec(&txn)
        .await?;
    time_packages::Entity::delete_by_id(id).exec(&txn).await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    audit_package(&txn, actor, "delete", id, Some(&before_api), None, now).await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    Ok(())
}
