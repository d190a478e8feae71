//! Stage moves. Every stage an account goes through — its lifecycle stage
//! (`onboarding` → `adoption` → `renewal` → `renewed`/`churned`) and the
//! stage of each contract's renewal (`upcoming` → … → `renewed`/`churned`)
//! — moves through [`move_stage`], which writes the audit entry and, when
//! the stage changed, the timeline event, in the caller's transaction.
//! [`set_lifecycle_stage`] is the one place that moves an account's
//! lifecycle stage on its own (go-live, a renewal opened, renewed or
//! churned).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter};
use sea_orm::{EntityTrait, QuerySelect};
use serde::Serialize;
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::LifecycleStage;

use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::entity::accounts as account_rows;
use crate::error::{AppError, AppResult};

/// Which stage moved: the kind of its timeline event and what the entry
/// is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The account's lifecycle stage.
    Account,
    /// The renewal (of a contract) with this id.
    Renewal(i64),
}

impl Subject {
    fn kind(self) -> TimelineKind {
        match self {
            Subject::Account => TimelineKind::StageChanged,
            Subject::Renewal(_) => TimelineKind::RenewalStageChanged,
        }
    }
}

/// A change of a record that has a stage: the audit entry's parts, and the
/// stage before and after (equal when only other fields changed).
pub struct StageMove<'a, B: Serialize> {
    pub workspace_id: i64,
    pub account_id: i64,
    pub actor_id: Option<i64>,
    pub subject: Subject,
    /// The audit action (`update`, `renew`, `churn`, `stage_change`).
    pub action: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub before: &'a B,
    pub after: &'a B,
}

/// Audits the change and, when the stage moved, puts `from → to` on the
/// account's timeline. Call inside the change's transaction.
pub async fn move_stage<C: ConnectionTrait, B: Serialize>(
    conn: &C,
    mv: StageMove<'_, B>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (entity_type, entity_id) = match mv.subject {
        Subject::Account => ("account", mv.account_id),
        Subject::Renewal(id) => ("renewal", id),
    };
    audit::record(
        conn,
        Change {
            workspace_id: mv.workspace_id,
            actor_id: mv.actor_id,
            action: mv.action,
            entity_type,
            entity_id,
            before: Some(mv.before),
            after: Some(mv.after),
        },
        now,
    )
    .await?;
    if mv.from == mv.to {
        return Ok(());
    }
    let summary = Msg::new(T::TimelineStage)
        .with("from", mv.from)
        .with("to", mv.to)
        .en();
    let event = NewEvent {
        workspace_id: mv.workspace_id,
        account_id: mv.account_id,
        kind: mv.subject.kind(),
        occurred_at: now,
        actor_id: mv.actor_id,
        summary,
        body: None,
        entity: Some((entity_type, entity_id)),
    };
    timeline::record(conn, event, now).await?;
    Ok(())
}

/// Moves the account to `to` (audited, on the timeline, announced as
/// `account.stage_changed`) unless it is there already, or — with
/// `only_from` — unless it is in that stage now. Returns whether it moved.
pub async fn set_lifecycle_stage<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    only_from: Option<LifecycleStage>,
    to: LifecycleStage,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let existing = account_rows::Entity::find_by_id(account_id)
        .filter(account_rows::Column::WorkspaceId.eq(workspace_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if existing.stage == to.as_str() || only_from.is_some_and(|s| s.as_str() != existing.stage) {
        return Ok(false);
    }
    let before = super::to_api(&existing)?;
    let mut model: account_rows::ActiveModel = existing.clone().into();
    model.stage = Set(to.as_str().into());
    model.stage_entered_at = Set(now);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(conn).await?;
    emit_account_stage(conn, &existing, &updated, now).await?;
    let after = super::to_api(&updated)?;
    move_stage(
        conn,
        StageMove {
            workspace_id,
            account_id,
            actor_id,
            subject: Subject::Account,
            action: "stage_change",
            from: &existing.stage,
            to: &updated.stage,
            before: &before,
            after: &after,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// `account.stage_changed` for integrations, when the stage moved.
pub(crate) async fn emit_account_stage<C: ConnectionTrait>(
    conn: &C,
    before: &account_rows::Model,
    after: &account_rows::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::domain::integrations::events::{account_json, emit};
    if before.stage == after.stage {
        return Ok(());
    }
    emit(
        conn,
        after.workspace_id,
        shared::integrations::EventType::AccountStageChanged,
        serde_json::json!({
            "account": account_json(after),
            "changes": { "stage": { "from": before.stage, "to": after.stage } },
        }),
        now,
    )
    .await?;
    Ok(())
}
