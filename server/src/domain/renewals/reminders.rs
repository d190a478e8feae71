//! Renewal-reminder settings of a workspace (`/settings/reminders`): the
//! offsets before a contract's end, whether the customer's admins hear too,
//! the renewal horizon, the escalation point and the churn reasons.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};
use shared::contracts::{ReminderSettings, UpdateReminderSettings};
use shared::{FieldErrors, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::reminder_settings;
use crate::error::{AppError, AppResult};

const MAX_OFFSETS: usize = 10;
const MAX_OFFSET_DAYS: i32 = 365;
const MAX_HORIZON_DAYS: i32 = 730;
const MAX_CHURN_REASONS: usize = 30;
const MAX_CHURN_REASON_LEN: usize = 100;

fn from_row(row: &reminder_settings::Model) -> ReminderSettings {
    let defaults = ReminderSettings::default();
    ReminderSettings {
        offsets_days: serde_json::from_str(&row.offsets_days).unwrap_or(defaults.offsets_days),
        notify_customer: row.notify_customer,
        renewal_horizon_days: row.horizon_days,
        escalation_days: row.escalation_days,
        churn_reasons: serde_json::from_str(&row.churn_reasons).unwrap_or(defaults.churn_reasons),
    }
}

/// The workspace's settings, or the defaults when never changed.
pub async fn load<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<ReminderSettings> {
    Ok(reminder_settings::Entity::find()
        .filter(reminder_settings::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .map(|r| from_row(&r))
        .unwrap_or_default())
}

/// Every staff member reads them (the renewal forms need the churn reasons).
pub async fn get(db: &Db, actor: &StaffActor) -> AppResult<ReminderSettings> {
    load(&db.read, actor.workspace_id).await
}

fn validate(s: &ReminderSettings) -> Result<(), FieldErrors> {
    let mut fields = FieldErrors::new();
    let mut offsets = s.offsets_days.clone();
    offsets.sort_unstable();
    offsets.dedup();
    if s.offsets_days.is_empty() || s.offsets_days.len() > MAX_OFFSETS {
        fields.insert(
            "offsets_days".into(),
            format!("give between 1 and {MAX_OFFSETS} offsets"),
        );
    } else if s
        .offsets_days
        .iter()
        .any(|o| !(1..=MAX_OFFSET_DAYS).contains(o))
    {
        fields.insert(
            "offsets_days".into(),
            format!("each offset must be between 1 and {MAX_OFFSET_DAYS} days"),
        );
    } else if offsets.len() != s.offsets_days.len() {
        fields.insert("offsets_days".into(), "offsets must be distinct".into());
    }
    if !(1..=MAX_OFFSET_DAYS).contains(&s.escalation_days) {
        fields.insert(
            "escalation_days".into(),
            format!("must be between 1 and {MAX_OFFSET_DAYS}"),
        );
    }
    let longest = offsets.last().copied().unwrap_or(0).max(s.escalation_days);
    if !(1..=MAX_HORIZON_DAYS).contains(&s.renewal_horizon_days) {
        fields.insert(
            "renewal_horizon_days".into(),
            format!("must be between 1 and {MAX_HORIZON_DAYS}"),
        );
    } else if s.renewal_horizon_days < longest {
        fields.insert(
            "renewal_horizon_days".into(),
            format!("must be at least the longest offset or escalation point ({longest} days)"),
        );
    }
    let mut reasons: Vec<&str> = s.churn_reasons.iter().map(|r| r.as_str()).collect();
    if reasons.is_empty() || reasons.len() > MAX_CHURN_REASONS {
        fields.insert(
            "churn_reasons".into(),
            format!("give between 1 and {MAX_CHURN_REASONS} reasons"),
        );
    } else if reasons
        .iter()
        .any(|r| r.is_empty() || r.chars().count() > MAX_CHURN_REASON_LEN)
    {
        fields.insert(
            "churn_reasons".into(),
            format!("each reason must be 1 to {MAX_CHURN_REASON_LEN} characters"),
        );
    } else {
        reasons.sort_unstable();
        reasons.dedup();
        if reasons.len() != s.churn_reasons.len() {
            fields.insert("churn_reasons".into(), "reasons must be distinct".into());
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(fields)
    }
}

/// Changes the fields given (admin only).
pub async fn update(
    db: &Db,
    actor: &StaffActor,
    req: UpdateReminderSettings,
    now: DateTime<Utc>,
) -> AppResult<ReminderSettings> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let row = reminder_settings::Entity::find()
        .filter(reminder_settings::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?;
    let before = row.as_ref().map(from_row).unwrap_or_default();
    let mut after = before.clone();
    if let Some(mut offsets) = req.offsets_days {
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        after.offsets_days = offsets;
    }
    if let Some(v) = req.notify_customer {
        after.notify_customer = v;
    }
    if let Some(v) = req.renewal_horizon_days {
        after.renewal_horizon_days = v;
    }
    if let Some(v) = req.escalation_days {
        after.escalation_days = v;
    }
    if let Some(reasons) = req.churn_reasons {
        after.churn_reasons = reasons.into_iter().map(|r| r.trim().to_string()).collect();
    }
    validate(&after).map_err(AppError::validation)?;
    let offsets = serde_json::Value::from(after.offsets_days.clone()).to_string();
    let reasons = serde_json::Value::from(after.churn_reasons.clone()).to_string();
    // One row per workspace: the first change inserts it.
    let mut model: reminder_settings::ActiveModel = match row {
        Some(existing) => existing.into(),
        None => reminder_settings::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            ..Default::default()
        },
    };
    model.offsets_days = Set(offsets);
    model.notify_customer = Set(after.notify_customer);
    model.horizon_days = Set(after.renewal_horizon_days);
    model.escalation_days = Set(after.escalation_days);
    model.churn_reasons = Set(reasons);
    model.updated_at = Set(now);
    model.save(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "reminder_settings",
            entity_id: actor.workspace_id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    // A wider horizon: the contracts it now reaches get their renewals.
    if after.renewal_horizon_days > before.renewal_horizon_days {
        let today =
            crate::domain::common::calendar::today(&db.read, actor.workspace_id, now).await?;
        crate::domain::renewals::open_due(
            db,
            actor.workspace_id,
            today,
            after.renewal_horizon_days,
            now,
        )
        .await?;
    }
    Ok(after)
}
