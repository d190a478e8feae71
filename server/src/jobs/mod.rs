//! Scheduled jobs. A job is a thin trigger: the work and its idempotency
//! live in the database (conditional updates claim each item, outbox rows
//! carry dedupe keys), so running a job twice, concurrently, or on several
//! replicas never does the work twice. tokio-cron-scheduler only decides
//! when to trigger; its own stores do not prevent duplicate runs across
//! replicas, and nothing here relies on them.

pub mod renewal_reminders;
pub mod sla_monitor;

use std::time::Instant;

use serde::Serialize;
use tokio_cron_scheduler::{Job, JobScheduler};

use shared::Role;

use crate::auth::StaffActor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The jobs that can run, by name.
pub const JOBS: &[&str] = &[
    "renewal-reminders",
    "health-scores",
    "sla-monitor",
    "email-outbox",
    "mail-retention",
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobReport {
    pub job: String,
    pub duration_ms: u64,
    /// What the run did, job-specific counters.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

/// Whose data a run covers. Only the scheduler and the CLI (`steward jobs
/// run`) run a job over the whole platform; a run started through the API
/// by a workspace admin covers that workspace and reports only its figures,
/// since anyone who signs up is the admin of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Platform,
    Workspace(i64),
}

impl Scope {
    /// The one workspace the run is limited to, if any.
    pub fn workspace(self) -> Option<i64> {
        match self {
            Scope::Platform => None,
            Scope::Workspace(id) => Some(id),
        }
    }
}

/// Runs a job on demand (admins), over the admin's own workspace.
pub async fn run_as(state: &AppState, actor: &StaffActor, name: &str) -> AppResult<JobReport> {
    actor.require(&[Role::Admin])?;
    run_in(state, name, Scope::Workspace(actor.workspace_id)).await
}

/// Runs a job over the whole platform (the scheduler, the CLI).
pub async fn run(state: &AppState, name: &str) -> AppResult<JobReport> {
    run_in(state, name, Scope::Platform).await
}

pub async fn run_in(state: &AppState, name: &str, scope: Scope) -> AppResult<JobReport> {
    let started = Instant::now();
    let now = state.clock.now();
    let workspace = scope.workspace();
    let summary = match name {
        "sla-monitor" => to_summary(sla_monitor::run(state, now, workspace).await?)?,
        "renewal-reminders" => to_summary(renewal_reminders::run(state, now, workspace).await?)?,
        "health-scores" => {
            to_summary(crate::domain::health::snapshots::run(state, now, workspace).await?)?
        }
        "email-outbox" => {
            let sent = state
                .mailer
                .deliver_pending_of(&state.db, state.clock.as_ref(), workspace)
                .await?;
            serde_json::json!({ "sent": sent })
        }
        "mail-retention" => to_summary(crate::mail::retention::run(state, now, workspace).await?)?,
        _ => {
            return Err(AppError::NotFound);
        }
    };
    Ok(JobReport {
        job: name.to_string(),
        duration_ms: started.elapsed().as_millis() as u64,
        summary,
    })
}

fn to_summary<T: Serialize>(report: T) -> AppResult<serde_json::Value> {
    serde_json::to_value(report).map_err(|e| AppError::Internal(e.into()))
}

/// Starts the schedule: the SLA monitor every minute, the outbox every ten
/// seconds (the outbox is also delivered at once after each change), the
/// purge of old mail text hourly.
pub async fn start_scheduler(state: AppState) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    for (name, cron) in [
        ("sla-monitor", "0 * * * * *"),
        ("email-outbox", "*/10 * * * * *"),
        ("mail-retention", "0 17 * * * *"),
    ] {
        let state = state.clone();
        scheduler
            .add(Job::new_async(cron, move |_id, _scheduler| {
                let state = state.clone();
                Box::pin(async move {
                    match run(&state, name).await {
                        Ok(report) => tracing::debug!(job = name, ?report.summary, "job ran"),
                        Err(e) => tracing::warn!(job = name, error = %e, "job failed"),
                    }
                })
            })?)
            .await?;
    }
    // Renewal reminders (daily) and health scores (nightly), on their
    // configured crons in Asia/Shanghai; the reminders also run once at
    // start, so a server that was down sends what it missed.
    for (name, cron) in [
        ("renewal-reminders", &state.config.renewal_reminders_cron),
        ("health-scores", &state.config.health_scores_cron),
    ] {
        let state = state.clone();
        scheduler
            .add(Job::new_async_tz(
                cron.as_str(),
                chrono_tz::Asia::Shanghai,
                move |_id, _scheduler| {
                    let state = state.clone();
                    Box::pin(async move { run_logged(&state, name).await })
                },
            )?)
            .await?;
    }
    // Contracts that time brings into the renewal horizon get their renewal
    // within the hour (reads never open one; the daily job does too).
    let hourly = state.clone();
    scheduler
        .add(Job::new_async("0 5 * * * *", move |_id, _scheduler| {
            let state = hourly.clone();
            Box::pin(async move {
                let now = state.clock.now();
                match crate::domain::renewals::open_all_due(&state.db, now).await {
                    Ok(opened) => tracing::debug!(opened, "due renewals opened"),
                    Err(e) => tracing::warn!(error = %e, "opening due renewals failed"),
                }
            })
        })?)
        .await?;
    let start_state = state.clone();
    tokio::spawn(async move { run_logged(&start_state, "renewal-reminders").await });
    scheduler.start().await?;
    Ok(scheduler)
}

async fn run_logged(state: &AppState, name: &str) {
    match run(state, name).await {
        Ok(report) => tracing::info!(job = name, ?report.summary, "job ran"),
        Err(e) => tracing::warn!(job = name, error = %e, "job failed"),
    }
}
