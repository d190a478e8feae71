//! The contract side of `steward seed-demo`: each account's maintenance
//! contract (a year from the day it bought), created through the domain
//! (validation, audit) by its owner; renewals opened as the daily job
//! would have opened them on the way (a pass every 30 days of the story),
//! then moved, renewed (the next contract, higher or lower) or churned on
//! the day the CSM did it. The closed ones give the renewal report its
//! rates and retention; a churned account keeps no contract in force.

use anyhow::Context;
use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::contracts::{CreateContractRequest, RenewRequest, RenewalStage, UpdateRenewalRequest};

use crate::auth::extract::StaffActor;
use crate::domain::renewals;
use crate::domain::renewals::contracts;
use crate::domain::renewals::reminders;
use crate::entity::renewals as renewal_rows;
use crate::state::AppState;

/// Annual values in yuan, cycled over the accounts.
const VALUES: &[i64] = &[
    86_000, 128_000, 45_500, 312_000, 64_800, 198_000, 52_000, 240_000, 99_000, 150_000,
];

/// Where an account's first contract ends up.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// Still running, no renewal yet (or one not touched).
    Running,
    /// Its renewal is open, moved to this stage and probability.
    Open(RenewalStage, i32),
    /// Renewed; the next contract is worth this many percent more (or less).
    Renewed(i64),
    /// Churned for this reason.
    Churned(&'static str),
}

pub struct AccountPlan {
    pub account_id: i64,
    pub owner: StaffActor,
    pub starts_on: NaiveDate,
    /// When the contract was signed (created).
    pub signed_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// When the renewal was moved or closed.
    pub moved_at: DateTime<Utc>,
}

pub struct Plan {
    pub workspace_id: i64,
    pub today: NaiveDate,
    /// The days (and times) the renewal job opened renewals, oldest first.
    pub checkpoints: Vec<(NaiveDate, DateTime<Utc>)>,
    pub accounts: Vec<AccountPlan>,
}

/// The annual value of the `i`-th demo account's first contract, in yuan.
pub fn annual_value(i: usize) -> i64 {
    VALUES[i % VALUES.len()]
}

enum Step<'a> {
    Open(NaiveDate),
    Move(usize, &'a AccountPlan),
}

pub async fn seed(plan: &Plan, state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let db = &state.db;
    for (i, a) in plan.accounts.iter().enumerate() {
        let ends_on = a
            .starts_on
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .context("contract end out of range")?;
        contracts::create(
            db,
            &a.owner,
            CreateContractRequest {
                account_id: a.account_id,
                starts_on: a.starts_on,
                ends_on,
                annual_value: format!("{}.00", annual_value(i)),
                currency: None,
                auto_renew: i % 3 == 0,
                notice_days: Some(if i % 2 == 0 { 30 } else { 60 }),
                number: Some(format!("HT-{}-{:04}", a.starts_on.format("%Y"), i + 1)),
            },
            a.signed_at.min(now),
        )
        .await
        .with_context(|| format!("contract of account {}", a.account_id))?;
    }
    let settings = reminders::load(&db.read, plan.workspace_id).await?;
    // Every step at its time, oldest first: the job's passes and the CSMs' moves.
    let mut steps: Vec<(DateTime<Utc>, Step<'_>)> = plan
        .checkpoints
        .iter()
        .map(|(day, at)| (*at, Step::Open(*day)))
        .collect();
    for (i, a) in plan.accounts.iter().enumerate() {
        if !matches!(a.outcome, Outcome::Running) {
            steps.push((a.moved_at, Step::Move(i, a)));
        }
    }
    steps.sort_by_key(|(at, _)| *at);
    for (at, step) in steps {
        match step {
            Step::Open(day) => {
                renewals::open_due(
                    db,
                    plan.workspace_id,
                    day.min(plan.today),
                    settings.renewal_horizon_days,
                    at,
                )
                .await?;
            }
            Step::Move(i, a) => move_renewal(state, i, a, at)
                .await
                .with_context(|| format!("renewal of account {}", a.account_id))?,
        }
    }
    Ok(())
}

async fn move_renewal(
    state: &AppState,
    i: usize,
    a: &AccountPlan,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let db = &state.db;
    let renewal = renewal_rows::Entity::find()
        .filter(renewal_rows::Column::WorkspaceId.eq(a.owner.workspace_id))
        .filter(renewal_rows::Column::AccountId.eq(a.account_id))
        .one(&db.read)
        .await?
        .context("the renewal was not opened before it moved")?;
    match a.outcome {
        Outcome::Running => {}
        Outcome::Open(stage, probability) => {
            renewals::update(
                db,
                &a.owner,
                renewal.id,
                None,
                UpdateRenewalRequest {
                    stage: Some(stage),
                    probability: Some(probability),
                    ..Default::default()
                },
                at,
            )
            .await?;
        }
        Outcome::Renewed(percent) => {
            let value = annual_value(i) * (100 + percent) / 100;
            renewals::renew(
                db,
                &a.owner,
                renewal.id,
                RenewRequest {
                    annual_value: Some(format!("{value}.00")),
                },
                at,
            )
            .await?;
        }
        Outcome::Churned(reason) => {
            renewals::update(
                db,
                &a.owner,
                renewal.id,
                None,
                UpdateRenewalRequest {
                    stage: Some(RenewalStage::Churned),
                    churn_reason: Some(reason.to_string()),
                    ..Default::default()
                },
                at,
            )
            .await?;
        }
    }
    Ok(())
}
