//! The staff portfolio of accounts in onboarding (progress and status of
//! each plan, filtered and sorted), and the customer portal's view of its
//! own plan (titles, due dates, status: no owners, no notes).

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use shared::onboarding::{
    OnboardingPortfolioItem, PlanStatus, PortalOnboarding, PortalOnboardingTask, TaskStatus,
};
use shared::{LifecycleStage, Page};

use super::progress::{summarize, TaskState};
use super::{load, workspace_today};
use crate::auth::{PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::pagination::PageQuery;
use crate::entity::{accounts, contacts, onboarding_plans, onboarding_tasks, users};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PortfolioFilter {
    /// `on_track`, `behind` or `stuck` (accounts without a plan never match).
    pub status: Option<PlanStatus>,
    pub owner_id: Option<i64>,
    /// `status` (default: stuck, behind, on track, no plan; then least
    /// progress), `progress`, `-progress`, `go_live` or `name`.
    pub sort: Option<String>,
}

fn severity(status: Option<PlanStatus>) -> u8 {
    match status {
        Some(PlanStatus::Stuck) => 0,
        Some(PlanStatus::Behind) => 1,
        Some(PlanStatus::OnTrack) => 2,
        None => 3,
    }
}

fn sort(items: &mut [OnboardingPortfolioItem], key: &str) -> AppResult<()> {
    let by_name = |a: &OnboardingPortfolioItem, b: &OnboardingPortfolioItem| {
        a.account_name
            .cmp(&b.account_name)
            .then(a.account_id.cmp(&b.account_id))
    };
    match key {
        "status" => items.sort_by(|a, b| {
            severity(a.status)
                .cmp(&severity(b.status))
                .then(a.progress.cmp(&b.progress))
                .then_with(|| by_name(a, b))
        }),
        // Accounts without a plan last either way.
        "progress" => items.sort_by(|a, b| {
            a.progress
                .is_none()
                .cmp(&b.progress.is_none())
                .then(a.progress.cmp(&b.progress))
                .then_with(|| by_name(a, b))
        }),
        "-progress" => items.sort_by(|a, b| {
            a.progress
                .is_none()
                .cmp(&b.progress.is_none())
                .then(b.progress.cmp(&a.progress))
                .then_with(|| by_name(a, b))
        }),
        "go_live" => items.sort_by(|a, b| {
            a.planned_go_live
                .is_none()
                .cmp(&b.planned_go_live.is_none())
                .then(a.planned_go_live.cmp(&b.planned_go_live))
                .then_with(|| by_name(a, b))
        }),
        "name" => items.sort_by(by_name),
        _ => {
            return Err(AppError::field(
                "sort",
                "must be one of status, progress, -progress, go_live, name",
            ))
        }
    }
    Ok(())
}

fn decode_offset(cursor: &str) -> AppResult<usize> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("at:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

/// Accounts in the `onboarding` stage with their plan's progress and status.
/// Status is computed, so the list is sorted in memory and the cursor is a
/// position in it.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: PortfolioFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<OnboardingPortfolioItem>> {
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let offset = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => decode_offset(cursor)?,
        None => 0,
    };
    let mut query = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(accounts::Column::Stage.eq(LifecycleStage::Onboarding.as_str()))
        .filter(accounts::Column::Archived.eq(false))
        .order_by_asc(accounts::Column::Id);
    if let Some(owner) = filter.owner_id {
        query = query.filter(accounts::Column::OwnerId.eq(owner));
    }
    let accounts = query.all(&db.read).await?;
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let (plans, tasks, owners) = if ids.is_empty() {
        Default::default()
    } else {
        let plans: HashMap<i64, onboarding_plans::Model> = onboarding_plans::Entity::find()
            .filter(onboarding_plans::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(onboarding_plans::Column::AccountId.is_in(ids.clone()))
            .all(&db.read)
            .await?
            .into_iter()
            .map(|p| (p.account_id, p))
            .collect();
        let mut tasks: HashMap<i64, Vec<TaskState>> = HashMap::new();
        for t in onboarding_tasks::Entity::find()
            .filter(onboarding_tasks::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(onboarding_tasks::Column::AccountId.is_in(ids))
            .all(&db.read)
            .await?
        {
            tasks.entry(t.plan_id).or_default().push(TaskState {
                status: t.status.parse().unwrap_or(TaskStatus::Todo),
                due_on: t.due_on,
            });
        }
        let owner_ids: Vec<i64> = accounts.iter().filter_map(|a| a.owner_id).collect();
        let owners: HashMap<i64, String> = users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(users::Column::Id.is_in(owner_ids))
            .all(&db.read)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        (plans, tasks, owners)
    };
    let today = workspace_today(&db.read, actor.workspace_id, now).await?;
    let mut items: Vec<OnboardingPortfolioItem> = accounts
        .iter()
        .map(|a| {
            let plan = plans.get(&a.id);
            let states = plan
                .and_then(|p| tasks.get(&p.id))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let summary = plan.map(|p| summarize(states, today, p.last_activity_at, now));
            let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
            OnboardingPortfolioItem {
                account_id: a.id,
                account_name: a.name.clone(),
                account_code: a.code.clone(),
                owner_id: a.owner_id,
                owner_name: a.owner_id.and_then(|id| owners.get(&id).cloned()),
                plan_id: plan.map(|p| p.id),
                starts_on: plan.map(|p| p.starts_on),
                planned_go_live: plan.and_then(|p| p.planned_go_live),
                actual_go_live: plan.and_then(|p| p.actual_go_live),
                progress: summary.map(|s| s.progress),
                status: summary.map(|s| s.status),
                overdue_tasks: summary.map_or(0, |s| s.overdue),
                tasks_total: count(states.len()),
                tasks_done: count(
                    states
                        .iter()
                        .filter(|t| t.status == TaskStatus::Done)
                        .count(),
                ),
                next_due_on: states
                    .iter()
                    .filter(|t| !t.status.is_finished())
                    .map(|t| t.due_on)
                    .min(),
                last_activity_at: plan.map(|p| p.last_activity_at),
            }
        })
        .filter(|item| filter.status.is_none() || item.status == filter.status)
        .collect();
    sort(&mut items, filter.sort.as_deref().unwrap_or("status"))?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit);
    let next_cursor = (end < items.len()).then(|| URL_SAFE_NO_PAD.encode(format!("at:{end}")));
    Ok(Page {
        items: items.into_iter().skip(offset).take(limit).collect(),
        next_cursor,
    })
}

/// The portal user's account's plan: progress and the tasks' titles, due
/// dates and status. 404 while the account has no plan.
pub async fn portal(
    db: &Db,
    actor: &PortalActor,
    now: DateTime<Utc>,
) -> AppResult<PortalOnboarding> {
    let contact = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(contacts::Column::PortalUserId.eq(actor.user_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = onboarding_plans::Entity::find()
        .filter(onboarding_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(onboarding_plans::Column::AccountId.eq(contact.account_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let full = load(&db.read, &plan, now).await?;
    Ok(PortalOnboarding {
        starts_on: full.starts_on,
        planned_go_live: full.planned_go_live,
        actual_go_live: full.actual_go_live,
        progress: full.progress,
        tasks: full
            .tasks
            .into_iter()
            .map(|t| PortalOnboardingTask {
                stage: t.stage,
                title_zh: t.title_zh,
                title_en: t.title_en,
                module: t.module,
                due_on: t.due_on,
                status: t.status,
            })
            .collect(),
    })
}
