//! The audit log: every change to users, accounts, contacts and settings,
//! recorded in the same transaction as the change.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use shared::audit::AuditEntry;
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::{audit_log, users};
use crate::error::AppResult;

pub struct Change<'a, T: Serialize> {
    pub workspace_id: i64,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub before: Option<&'a T>,
    pub after: Option<&'a T>,
}

pub async fn record<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    change: Change<'_, T>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record_many(conn, vec![change], now).await
}

/// [`record`] for many changes in one statement (an import's batch).
pub async fn record_many<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    changes: Vec<Change<'_, T>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let to_json = |v: Option<&T>| -> AppResult<Option<String>> {
        v.map(serde_json::to_string)
            .transpose()
            .map_err(|e| anyhow::Error::new(e).into())
    };
    let mut rows = Vec::with_capacity(changes.len());
    for change in changes {
        rows.push(audit_log::ActiveModel {
            workspace_id: Set(change.workspace_id),
            actor_id: Set(change.actor_id),
            action: Set(change.action.to_string()),
            entity_type: Set(change.entity_type.to_string()),
            entity_id: Set(change.entity_id),
            before: Set(to_json(change.before)?),
            after: Set(to_json(change.after)?),
            created_at: Set(now),
            ..Default::default()
        });
    }
    audit_log::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub use shared::filters::AuditFilter;

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: AuditFilter,
    page: PageQuery,
) -> AppResult<Page<AuditEntry>> {
    actor.require(&[Role::Admin, Role::Manager])?;
    let params = page.params()?;
    let mut query = audit_log::Entity::find()
        .filter(audit_log::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(audit_log::Column::Id)
        .limit(params.limit + 1);
    if let Some(t) = filter.entity_type.filter(|t| !t.is_empty()) {
        query = query.filter(audit_log::Column::EntityType.eq(t));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(id));
    }
    if let Some(id) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(id));
    }
    if let Some(action) = filter.action.filter(|a| !a.is_empty()) {
        query = query.filter(audit_log::Column::Action.eq(action));
    }
    if let Some(before) = params.before_id {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;

    let mut actor_ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let names: std::collections::HashMap<i64, String> = if actor_ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(users::Column::Id.is_in(actor_ids))
            .all(&db.read)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(page_of(
        rows,
        params,
        |r| r.id,
        |r| AuditEntry {
            id: r.id,
            actor_id: r.actor_id,
            actor_name: r.actor_id.and_then(|id| names.get(&id).cloned()),
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: parse(r.before),
            after: parse(r.after),
            at: r.created_at,
        },
    ))
}
