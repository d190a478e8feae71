//! Maker-checker (录入 → 审核) as one mechanism: a change is recorded as a
//! pending approval and takes effect only when a manager or admin who is not
//! its maker approves it. Each kind of change says, in `decide`, what
//! approval and rejection do: the master-data-change ticket and the change
//! of a contract's annual value.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;
use shared::approvals::{Approval, ApprovalStatus, DecisionRequest};
use shared::texts::{Msg, T};
use shared::{validation, Page, Role};

use super::audit::{self, Change};
use super::pagination::{page_of, PageQuery};
use super::tickets;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::entity::approvals;
use crate::error::{AppError, AppResult};

/// A master-data change requested by a ticket (`master_data_change`).
pub const TICKET_MASTER_DATA: &str = "ticket_master_data";
/// A change of a contract's annual value (payload: old and new value).
pub const CONTRACT_VALUE_CHANGE: &str = "contract_value_change";
/// An override of an account's health score (payload: the override).
pub const HEALTH_OVERRIDE: &str = "health_override";

fn to_api(m: &approvals::Model) -> Approval {
    Approval {
        id: m.id,
        kind: m.kind.clone(),
        subject_type: m.subject_type.clone(),
        subject_id: m.subject_id,
        maker_id: m.maker_id,
        summary: m.summary.clone(),
        status: m.status.parse().unwrap_or(ApprovalStatus::Pending),
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        comment: m.comment.clone(),
        created_at: m.created_at,
    }
}

pub struct ApprovalRequest<'a> {
    pub workspace_id: i64,
    pub kind: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub maker_id: i64,
    pub summary: String,
    pub payload: Option<serde_json::Value>,
}

/// Records a pending approval, in the caller's transaction.
pub async fn request<C: ConnectionTrait>(
    conn: &C,
    req: ApprovalRequest<'_>,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    let model = approvals::ActiveModel {
        workspace_id: Set(req.workspace_id),
        kind: Set(req.kind.to_string()),
        subject_type: Set(req.subject_type.to_string()),
        subject_id: Set(req.subject_id),
        maker_id: Set(req.maker_id),
        summary: Set(req.summary),
        payload: Set(req.payload.map(|p| p.to_string())),
        status: Set(ApprovalStatus::Pending.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(to_api(&model))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
    pub subject_type: Option<String>,
    pub subject_id: Option<i64>,
}

/// Every staff member sees the approvals of the workspace (makers follow
/// theirs; managers decide).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: ApprovalFilter,
    page: PageQuery,
) -> AppResult<Page<Approval>> {
    let params = page.params()?;
    let mut query = approvals::Entity::find()
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(approvals::Column::Id)
        .limit(params.limit + 1);
    if let Some(status) = filter.status {
        query = query.filter(approvals::Column::Status.eq(status.as_str()));
    }
    if let Some(t) = filter.subject_type.filter(|t| !t.is_empty()) {
        query = query.filter(approvals::Column::SubjectType.eq(t));
    }
    if let Some(id) = filter.subject_id {
        query = query.filter(approvals::Column::SubjectId.eq(id));
    }
    if let Some(before) = params.before_id {
        query = query.filter(approvals::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    Ok(page_of(rows, params, |a| a.id, |a| to_api(&a)))
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Approval> {
    approvals::Entity::find_by_id(id)
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&db.read)
        .await?
        .map(|a| to_api(&a))
        .ok_or(AppError::NotFound)
}

/// Approves (`approve = true`) or rejects a pending approval. Only a manager
/// or admin who is not the maker may; a rejection needs a comment.
pub async fn decide(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    approve: bool,
    req: DecisionRequest,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    actor.require(&[Role::Admin, Role::Manager])?;
    let comment = req
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if let Some(c) = &comment {
        validation::optional_text(c, 2000)
            .map_err(|r| AppError::field("comment", r.message_en()))?;
    }
    if !approve && comment.is_none() {
        return Err(AppError::field("comment", T::SayWhyRejected));
    }
    let txn = db.write.begin().await?;
    let current = approvals::Entity::find_by_id(id)
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.maker_id == actor.user_id {
        return Err(AppError::Forbidden(T::MakerCannotDecide.into()));
    }
    if current.status != ApprovalStatus::Pending.as_str() {
        return Err(AppError::Conflict {
            message: Msg::new(T::AlreadyDecided)
                .with("state", &current.status)
                .into(),
            fields: Default::default(),
        });
    }
    let before = to_api(&current);
    let status = if approve {
        ApprovalStatus::Approved
    } else {
        ApprovalStatus::Rejected
    };
    let mut model: approvals::ActiveModel = current.clone().into();
    model.status = Set(status.as_str().into());
    model.decided_by = Set(Some(actor.user_id));
    model.decided_at = Set(Some(now));
    model.comment = Set(comment.clone());
    let decided = model.update(&txn).await?;
    apply_outcome(
        &txn,
        &current,
        actor.user_id,
        approve,
        comment.as_deref(),
        now,
    )
    .await?;
    let after = to_api(&decided);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: if approve { "approve" } else { "reject" },
            entity_type: "approval",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// What a decision does to its subject, per kind of change. A rejection and
/// a withdrawal do the same: the change never takes effect.
async fn apply_outcome<C: ConnectionTrait>(
    txn: &C,
    current: &approvals::Model,
    decider: i64,
    approve: bool,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    // What the decision does, per kind of change.
    match current.kind.as_str() {
        TICKET_MASTER_DATA => {
            tickets::on_master_data_decision(
                txn,
                current.workspace_id,
                current.subject_id,
                decider,
                approve,
                comment,
                now,
            )
            .await?
        }
        CONTRACT_VALUE_CHANGE => {
            super::contracts::on_value_decision(
                txn,
                current.workspace_id,
                current.subject_id,
                current.payload.as_deref(),
                decider,
                approve,
                now,
            )
            .await?
        }
        HEALTH_OVERRIDE => {
            super::health::on_override_decision(
                txn,
                current.workspace_id,
                current.payload.as_deref(),
                decider,
                approve,
                now,
            )
            .await?
        }
        other => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "no handler for approvals of kind {other}"
            )))
        }
    }
    Ok(())
}

/// Withdraws a pending approval: only its maker may, whatever their role,
/// and the change it asked for never takes effect.
pub async fn withdraw(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    let txn = db.write.begin().await?;
    let current = approvals::Entity::find_by_id(id)
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.maker_id != actor.user_id {
        return Err(AppError::Forbidden(T::MakerWithdraws.into()));
    }
    if current.status != ApprovalStatus::Pending.as_str() {
        return Err(AppError::Conflict {
            message: format!("the approval was already {}", current.status),
            fields: Default::default(),
        });
    }
    let before = to_api(&current);
    let mut model: approvals::ActiveModel = current.clone().into();
    model.status = Set(ApprovalStatus::Withdrawn.as_str().into());
    model.decided_by = Set(Some(actor.user_id));
    model.decided_at = Set(Some(now));
    let withdrawn = model.update(&txn).await?;
    apply_outcome(&txn, &current, actor.user_id, false, Some("withdrawn"), now).await?;
    let after = to_api(&withdrawn);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "withdraw",
            entity_type: "approval",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
