//! Scheduled jobs. A job is a thin trigger: the work and its idempotency
//! live in the database (conditional updates claim each item, outbox rows
//! carry dedupe keys, leases in `job_claims` ([`crate::domain::common::leases`]) guard what must not run twice
//! at once), so running a job twice, concurrently, or on several replicas
//! never does the work twice. tokio-cron-scheduler only decides when to
//! trigger; its own stores do not prevent duplicate runs across replicas,
//! and nothing here relies on them. The README's jobs table says, job by
//! job, what makes each unit of work happen once.
//!
//! Daily jobs follow each workspace's time zone (its business calendar's):
//! their cron is read in that zone, the scheduler ticks every five
//! minutes (`daily_tick_cron`), and each workspace's latest slot that has come is claimed once
//! ([`run_due`]) and run over that workspace alone.

use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde::Serialize;
use tokio_cron_scheduler::{Job, JobScheduler};

use shared::Role;

use crate::auth::StaffActor;
use crate::config::Config;
use crate::domain::common::business_time::BusinessTime;
use crate::domain::common::leases as claims;
use crate::entity::workspaces;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// When a job runs.
#[derive(Debug, Clone, Copy)]
pub enum Schedule {
    /// A fixed cron (with seconds), in UTC.
    Every(&'static str),
    /// A cron from the configuration, read in each workspace's time zone:
    /// each workspace's slot runs once, over that workspace ([`run_due`]).
    Daily(fn(&Config) -> &str),
}

/// One scheduled job: its name (for `steward jobs run` and
/// `POST /api/v1/jobs/{name}/run`), when it runs, and what it does.
pub struct JobSpec {
    pub name: &'static str,
    pub schedule: Schedule,
    /// Also run once when the server starts (work missed while it was down).
    pub at_start: bool,
    /// Whether an admin may run it on demand over their workspace; a job
    /// that cannot be limited to one workspace runs on its schedule only.
    pub on_demand: bool,
    pub what: &'static str,
}

/// Every job, in one place: the scheduler starts these, `run_in` runs them.
pub const REGISTRY: &[JobSpec] = &[
    JobSpec {
        name: "renewal-reminders",
        schedule: Schedule::Daily(|c| &c.renewal_reminders_cron),
        at_start: true,
        on_demand: true,
        what: "renewal reminders and escalations, each exactly once",
    },
    JobSpec {
        name: "expiry-reminders",
        schedule: Schedule::Daily(|c| &c.renewal_reminders_cron),
        at_start: true,
        on_demand: true,
        what: "agreements and licences ending in 60, 30 and 7 days remind the owner and the customer's admins, each exactly once",
    },
    JobSpec {
        name: "health-scores",
        schedule: Schedule::Daily(|c| &c.health_scores_cron),
        at_start: false,
        on_demand: true,
        what: "each account's health score of the day",
    },
    JobSpec {
        name: "sla-monitor",
        schedule: Schedule::Every("0 * * * * *"),
        at_start: false,
        on_demand: true,
        what: "marks missed SLA targets, escalates and notifies",
    },
    JobSpec {
        name: "email-outbox",
        schedule: Schedule::Every("*/10 * * * * *"),
        at_start: false,
        on_demand: true,
        what: "delivers queued mail (also woken at once after each change)",
    },
    JobSpec {
        name: "integrations-outbox",
        schedule: Schedule::Every("*/10 * * * * *"),
        at_start: false,
        on_demand: true,
        what: "delivers webhook and chat-bot events (also woken at once after each event)",
    },
    JobSpec {
        name: "mail-retention",
        schedule: Schedule::Every("0 17 * * * *"),
        at_start: false,
        on_demand: true,
        what: "purges the text of old delivered mail",
    },
    JobSpec {
        name: "imports",
        schedule: Schedule::Every("30 * * * * *"),
        at_start: true,
        on_demand: true,
        what: "goes on with imports a stopped server or replica left unfinished",
    },
    JobSpec {
        name: "mail-fetch",
        schedule: Schedule::Every("30 * * * * *"),
        at_start: false,
        on_demand: true,
        what: "fetches unseen mail of each IMAP mail channel into tickets and comments",
    },
    JobSpec {
        name: "visit-reports",
        schedule: Schedule::Every("45 */10 * * * *"),
        at_start: true,
        on_demand: true,
        what: "delivers the PDF of visit reports signed while the server had no CJK font, once it has one",
    },
    JobSpec {
        name: "playbooks",
        schedule: Schedule::Every("15 * * * * *"),
        at_start: false,
        on_demand: true,
        what: "fires each active playbook once per account and occurrence of its trigger, and ends runs whose tasks are closed",
    },
    JobSpec {
        name: "daily-digest",
        schedule: Schedule::Every("0 */5 * * * *"),
        at_start: true,
        on_demand: true,
        what: "e-mails each opted-in staff member their due tasks at 08:30 in the workspace's time zone, once a day",
    },
    JobSpec {
        name: "certification-reminders",
        schedule: Schedule::Daily(|c| &c.renewal_reminders_cron),
        at_start: true,
        on_demand: true,
        what: "reminds the admins of each certification expiring within 30 days, once",
    },
    JobSpec {
        name: "renewals-open",
        schedule: Schedule::Every("0 5 * * * *"),
        at_start: false,
        on_demand: false,
        what: "opens the renewal of each contract time brings into the horizon",
    },
];

/// The names of the jobs an admin (or the CLI) may run on demand.
pub fn names() -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|j| j.on_demand)
        .map(|j| j.name)
        .collect()
}

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
    if !names().contains(&name) {
        return Err(AppError::NotFound);
    }
    run_spec(state, name, scope).await
}

/// Runs a registered job (on demand or not) over `scope`.
async fn run_spec(state: &AppState, name: &str, scope: Scope) -> AppResult<JobReport> {
    let started = Instant::now();
    let now = state.clock.now();
    let workspace = scope.workspace();
    let summary = match name {
        "sla-monitor" => {
            let marked = crate::domain::tickets::sla_monitor::run(state, now, workspace).await?;
            // A target just missed fires its playbooks now, not at the next sweep.
            let playbooks = crate::domain::playbooks::sweep_triggers(
                state,
                now,
                workspace,
                &[shared::playbooks::PlaybookTrigger::SlaBreach],
            )
            .await?;
            with_playbooks(to_summary(marked)?, playbooks)?
        }
        "renewal-reminders" => {
            to_summary(crate::domain::renewals::reminder_run::run(state, now, workspace).await?)?
        }
        "expiry-reminders" => {
            to_summary(crate::domain::renewals::expiry_run::run(state, now, workspace).await?)?
        }
        "health-scores" => {
            let scores = crate::domain::health::snapshots::run(state, now, workspace).await?;
            // A band that fell fires its playbooks now, not at the next sweep.
            let playbooks = crate::domain::playbooks::sweep_triggers(
                state,
                now,
                workspace,
                &[
                    shared::playbooks::PlaybookTrigger::HealthBandDrop,
                    shared::playbooks::PlaybookTrigger::HealthScoreDrop,
                ],
            )
            .await?;
            with_playbooks(to_summary(scores)?, playbooks)?
        }
        "email-outbox" => {
            let sent = state
                .mailer
                .deliver_pending_of(&state.db, state.clock.as_ref(), workspace)
                .await?;
            serde_json::json!({ "sent": sent })
        }
        "imports" => to_summary(crate::domain::imports::run_pending(state, workspace).await?)?,
        "integrations-outbox" => {
            to_summary(crate::domain::integrations::outbox::run(state, workspace).await?)?
        }
        "mail-fetch" => {
            to_summary(crate::domain::mail_in::imap_fetch::run(state, workspace).await?)?
        }
        "visit-reports" => {
            to_summary(crate::domain::visits::sign::deliver_pending(state, workspace).await?)?
        }
        "playbooks" => to_summary(crate::domain::playbooks::sweep(state, now, workspace).await?)?,
        "daily-digest" => {
            to_summary(crate::domain::tasks::digest::run(state, now, workspace).await?)?
        }
        "mail-retention" => to_summary(crate::mail::retention::run(state, now, workspace).await?)?,
        "certification-reminders" => to_summary(
            crate::domain::centres::certifications::run_reminders(state, now, workspace).await?,
        )?,
        "renewals-open" if workspace.is_none() => {
            let opened = crate::domain::renewals::open_all_due(&state.db, now).await?;
            serde_json::json!({ "opened": opened })
        }
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

/// A job's summary with the playbooks it fired at once under `playbooks`.
fn with_playbooks(
    mut summary: serde_json::Value,
    playbooks: shared::playbooks::SweepReport,
) -> AppResult<serde_json::Value> {
    if let Some(fields) = summary.as_object_mut() {
        fields.insert("playbooks".into(), to_summary(playbooks)?);
    }
    Ok(summary)
}

fn to_summary<T: Serialize>(report: T) -> AppResult<serde_json::Value> {
    serde_json::to_value(report).map_err(|e| AppError::Internal(e.into()))
}

/// Done slots are remembered this long.
const SLOTS_KEPT_DAYS: i64 = 8;

/// The cron of a daily job, parsed as tokio-cron-scheduler parses it.
fn daily_cron(state: &AppState, name: &str) -> AppResult<Option<croner::Cron>> {
    let Some(spec) = REGISTRY.iter().find(|j| j.name == name) else {
        return Err(AppError::NotFound);
    };
    let Schedule::Daily(cron_of) = spec.schedule else {
        return Ok(None);
    };
    let cron = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .build()
        .parse(cron_of(&state.config))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the cron of {name}: {e}")))?;
    Ok(Some(cron))
}

/// The latest slot of `cron` that has come by `now` in `tz` (local time),
/// named to the minute.
pub fn latest_slot(cron: &croner::Cron, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<String> {
    let local = now.with_timezone(&tz);
    cron.find_previous_occurrence(&local, true)
        .ok()
        .map(|slot| slot.naive_local().format("%Y-%m-%dT%H:%M").to_string())
}

#[derive(Debug, Default, Serialize)]
pub struct DueReport {
    /// Workspaces whose slot this run claimed and ran.
    pub ran: Vec<i64>,
    /// Of those, the ones whose run failed (their slot is retried).
    pub failed: Vec<i64>,
}

/// The scheduler's run of a daily job: every workspace whose latest slot
/// of the job's cron (read in the workspace's time zone) has come and is
/// not done gets it claimed (a lease on `job:ws:id:slot`), run over that
/// workspace alone, and marked done; a slot another replica holds or has
/// done is left alone. A slot whose run failed is given back and retried
/// at the next tick. A server that was down runs the latest slot it
/// missed, once. A job that is not daily runs over the platform.
pub async fn run_due(state: &AppState, name: &str) -> AppResult<JobReport> {
    let Some(cron) = daily_cron(state, name)? else {
        return run_spec(state, name, Scope::Platform).await;
    };
    let started = Instant::now();
    let now = state.clock.now();
    let calendars: Vec<(i64, Option<String>)> = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .column(workspaces::Column::BusinessCalendar)
        .order_by_asc(workspaces::Column::Id)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    let slots: Vec<(i64, String)> = calendars
        .into_iter()
        .filter_map(|(id, stored)| {
            let tz = crate::domain::common::calendar::from_stored(stored).zone();
            latest_slot(&cron, tz, now).map(|slot| (id, format!("{name}:ws:{id}:{slot}")))
        })
        .collect();
    let keys: Vec<String> = slots.iter().map(|(_, key)| key.clone()).collect();
    let done = claims::done_of(&state.db, &keys).await?;
    let mut report = DueReport::default();
    for (workspace, key) in slots {
        if done.contains(&key) {
            continue;
        }
        // Held (renewed) while the run lasts; a replica that dies gives
        // the slot up to the others within `job_lease_seconds`.
        let ttl = state.config.job_lease();
        let holder = claims::holder(&state.config);
        let lease =
            claims::Lease::acquire(&state.db, &holder, &key, state.clock.now(), ttl).await?;
        let Some(lease) = lease else {
            continue;
        };
        report.ran.push(workspace);
        let run = run_spec(state, name, Scope::Workspace(workspace));
        match lease.hold(&state.db, state.clock.as_ref(), ttl, run).await {
            Ok(_) => {
                lease.finish(&state.db, state.clock.now()).await?;
            }
            Err(e) => {
                tracing::warn!(job = name, workspace, error = %e, "a workspace's daily run failed");
                report.failed.push(workspace);
                lease.release(&state.db).await?;
            }
        }
    }
    claims::purge(&state.db, now, SLOTS_KEPT_DAYS).await?;
    Ok(JobReport {
        job: name.to_string(),
        duration_ms: started.elapsed().as_millis() as u64,
        summary: to_summary(report)?,
    })
}

/// Starts the schedule of every job in [`REGISTRY`]; the jobs marked
/// `at_start` also run once now.
pub async fn start_scheduler(state: AppState) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    for spec in REGISTRY {
        let name = spec.name;
        let job_state = state.clone();
        let run = move |_id, _scheduler| {
            let state = job_state.clone();
            Box::pin(async move { run_logged(&state, name).await })
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        };
        let job = match spec.schedule {
            Schedule::Every(cron) => Job::new_async(cron, run)?,
            Schedule::Daily(cron_of) => {
                // Refuse a bad cron at start, not at the first tick.
                daily_cron(&state, name)
                    .map_err(|e| anyhow::anyhow!("{e}: {}", cron_of(&state.config)))?;
                Job::new_async(state.config.daily_tick_cron.as_str(), run)?
            }
        };
        scheduler.add(job).await?;
        if spec.at_start {
            let start_state = state.clone();
            tokio::spawn(async move { run_logged(&start_state, name).await });
        }
    }
    scheduler.start().await?;
    Ok(scheduler)
}

async fn run_logged(state: &AppState, name: &str) {
    match run_due(state, name).await {
        Ok(report) => tracing::info!(job = name, ?report.summary, "job ran"),
        Err(e) => tracing::warn!(job = name, error = %e, "job failed"),
    }
}
