//! Deciding an approval: approve or reject (a manager or admin who is not
//! its maker) or withdraw (its maker), and what that does to the subject.
//! This sits above the subjects (tickets, contracts, health overrides),
//! which record their requests through the area's `request`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use shared::approvals::{Approval, ApprovalStatus, DecisionRequest};
use shared::texts::{Msg, T};
use shared::{validation, Role};

use super::{to_api, CONTRACT_VALUE_CHANGE, HEALTH_OVERRIDE, LICENSE_SPLIT, TICKET_MASTER_DATA};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::approvals;
use crate::error::{AppError, AppResult};

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
    let before = to_api(&current)?;
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
    let after = to_api(&decided)?;
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
            crate::domain::tickets::on_master_data_decision(
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
            crate::domain::renewals::contracts::on_value_decision(
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
            crate::domain::health::on_override_decision(
                txn,
                current.workspace_id,
                current.payload.as_deref(),
                decider,
                approve,
                now,
            )
            .await?
        }
        LICENSE_SPLIT => {
            crate::domain::accounts::licenses::on_split_decision(
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
            message: Msg::new(T::AlreadyDecided)
                .with("state", &current.status)
                .into(),
            fields: Default::default(),
        });
    }
    let before = to_api(&current)?;
    let mut model: approvals::ActiveModel = current.clone().into();
    model.status = Set(ApprovalStatus::Withdrawn.as_str().into());
    model.decided_by = Set(Some(actor.user_id));
    model.decided_at = Set(Some(now));
    let withdrawn = model.update(&txn).await?;
    apply_outcome(&txn, &current, actor.user_id, false, Some("withdrawn"), now).await?;
    let after = to_api(&withdrawn)?;
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
