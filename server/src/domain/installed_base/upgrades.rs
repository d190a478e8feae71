//! Upgrades of an installation: from its version to a later one, on a
//! date, by an engineer. Recording one moves the installation's version
//! and patch level, and puts an entry on the account's timeline, in one
//! transaction (the installation row is locked by its update, so two
//! upgrades recorded at once go one after the other, each from the version
//! the other left).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::installed_base::{compare_releases, validate_upgrade, Upgrade, UpgradeRequest};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;

use super::{find, require_writer};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::entity::{installation_upgrades, installations, users};
use crate::error::{AppError, AppResult};

fn to_api(m: &installation_upgrades::Model, engineer_name: String) -> Upgrade {
    Upgrade {
        id: m.id,
        installation_id: m.installation_id,
        from_version: m.from_version.clone(),
        from_patch_level: m.from_patch_level.clone(),
        to_version: m.to_version.clone(),
        to_patch_level: m.to_patch_level.clone(),
        upgraded_on: m.upgraded_on,
        engineer_id: m.engineer_id,
        engineer_name,
        note: m.note.clone(),
        created_at: m.created_at,
    }
}

/// The upgrades of an installation, latest first.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    installation_id: i64,
) -> AppResult<Vec<Upgrade>> {
    find(&db.read, actor.workspace_id, account_id, installation_id).await?;
    let rows = installation_upgrades::Entity::find()
        .filter(installation_upgrades::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(installation_upgrades::Column::InstallationId.eq(installation_id))
        .order_by_desc(installation_upgrades::Column::UpgradedOn)
        .order_by_desc(installation_upgrades::Column::Id)
        .all(&db.read)
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.engineer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(users::Column::Id.is_in(ids))
            .all(&db.read)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(rows
        .iter()
        .map(|r| to_api(r, names.get(&r.engineer_id).cloned().unwrap_or_default()))
        .collect())
}

/// An active staff member of the workspace.
async fn engineer<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<users::Model> {
    users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .filter(|u| {
            u.active
                && u.role
                    .parse::<shared::Role>()
                    .is_ok_and(shared::Role::is_staff)
        })
        .ok_or_else(|| AppError::field("engineer_id", T::NotAnEngineer))
}

pub async fn record(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    installation_id: i64,
    req: UpgradeRequest,
    now: DateTime<Utc>,
) -> AppResult<Upgrade> {
    require_writer(actor)?;
    validate_upgrade(&req).map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    // Touch the row first: it is locked until commit, so concurrent
    // upgrades of one installation read each other's result.
    let touched = installations::Entity::update_many()
        .col_expr(installations::Column::UpdatedAt, Expr::value(now))
        .filter(installations::Column::Id.eq(installation_id))
        .filter(installations::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(installations::Column::AccountId.eq(account_id))
        .exec(&txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    let current = find(&txn, actor.workspace_id, account_id, installation_id).await?;
    let engineer = engineer(&txn, actor.workspace_id, req.engineer_id).await?;
    let to_version = req.to_version.trim().to_string();
    let to_patch = req.to_patch_level.trim().to_string();
    let later = compare_releases(
        (&to_version, &to_patch),
        (&current.sw_version, &current.patch_level),
    ) == Ordering::Greater;
    if !later {
        let from = format!("{} {}", current.sw_version, current.patch_level);
        return Err(AppError::field(
            "to_version",
            Msg::new(T::UpgradeNotLater).with("from", from.trim()).en(),
        ));
    }
    let row = installation_upgrades::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        installation_id: Set(installation_id),
        from_version: Set(current.sw_version.clone()),
        from_patch_level: Set(current.patch_level.clone()),
        to_version: Set(to_version.clone()),
        to_patch_level: Set(to_patch.clone()),
        upgraded_on: Set(req.upgraded_on),
        engineer_id: Set(engineer.id),
        note: Set(req.note.trim().to_string()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let site = current.site.clone();
    let release = |v: &str, p: &str| format!("{v} {p}").trim().to_string();
    let from = release(&current.sw_version, &current.patch_level);
    let to = release(&to_version, &to_patch);
    let mut model: installations::ActiveModel = current.into();
    model.sw_version = Set(to_version);
    model.patch_level = Set(to_patch);
    model.updated_at = Set(now);
    model.update(&txn).await?;
    let upgrade = to_api(&row, engineer.name);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "upgrade",
            entity_type: "installation",
            entity_id: installation_id,
            before: None::<&Upgrade>,
            after: Some(&upgrade),
        },
        now,
    )
    .await?;
    let summary = Msg::new(T::TimelineUpgrade)
        .with("site", site)
        .with("from", from)
        .with("to", to)
        .en();
    let mut event = NewEvent::new(
        actor.workspace_id,
        account_id,
        TimelineKind::InstallationUpgraded,
        actor.user_id,
        summary,
        now,
    )
    .about("installation", installation_id);
    if !upgrade.note.is_empty() {
        event = event.body(upgrade.note.clone());
    }
    timeline::record(&txn, event, now).await?;
    txn.commit().await?;
    Ok(upgrade)
}
