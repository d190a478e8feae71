//! Workspace settings: its name and the customer coding rule (客户编码原则).

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use shared::settings::{UpdateWorkspaceSettings, WorkspaceSettings};
use shared::validation::{self, Collector};
use shared::Role;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::workspaces;
use crate::error::{AppError, AppResult};

pub async fn code_rule<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<String> {
    Ok(workspaces::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?
        .customer_code_pattern)
}

fn to_api(model: &workspaces::Model) -> WorkspaceSettings {
    WorkspaceSettings {
        name: model.name.clone(),
        customer_code_pattern: model.customer_code_pattern.clone(),
    }
}

/// Every staff member reads the settings (forms need the coding rule).
pub async fn get(db: &Db, actor: &StaffActor) -> AppResult<WorkspaceSettings> {
    let ws = workspaces::Entity::find_by_id(actor.workspace_id)
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(to_api(&ws))
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    req: UpdateWorkspaceSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<WorkspaceSettings> {
    actor.require(&[Role::Admin])?;
    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check(
            "name",
            validation::required_text(name, validation::MAX_NAME_LEN),
        );
    }
    if let Some(pattern) = &req.customer_code_pattern {
        c.check("customer_code_pattern", validation::code_pattern(pattern));
    }
    c.finish().map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    let existing = workspaces::Entity::find_by_id(actor.workspace_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(&existing);
    let mut model: workspaces::ActiveModel = existing.into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(pattern) = req.customer_code_pattern {
        model.customer_code_pattern = Set(pattern);
    }
    let after = to_api(&model.update(&txn).await?);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "workspace",
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
