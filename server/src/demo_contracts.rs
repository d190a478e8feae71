//! The contract side of `steward seed-demo`: a maintenance contract per
//! account, with ends spread from two months ago to well over a year ahead,
//! so the renewals pipeline, its forecast totals, the dashboard's "due in
//! 30/60/90 days" and the renewal report have something to show. Created
//! through the domain (validation, audit) as the demo admin, then the
//! renewals in the horizon are opened and a few moved along the pipeline.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::contracts::{CreateContractRequest, RenewalStage, UpdateRenewalRequest};
use shared::Role;

use crate::auth::extract::{Actor, StaffActor};
use crate::db::Db;
use crate::domain::{contracts, reminders, renewals};
use crate::entity::renewals as renewal_rows;

/// Annual values in yuan, cycled over the accounts.
const VALUES: &[i64] = &[
    86_000, 128_000, 45_500, 312_000, 64_800, 198_000, 52_000, 240_000, 99_000, 150_000,
];

pub async fn seed(
    db: &Db,
    workspace_id: i64,
    admin_id: i64,
    account_ids: &[i64],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let admin = StaffActor::try_from_actor(Actor {
        user_id: admin_id,
        workspace_id,
        role: Role::Admin,
        session_id: 0,
    })?;
    let today = renewals::today(&db.read, workspace_id, now).await?;
    for (i, &account_id) in account_ids.iter().enumerate() {
        let step = i64::try_from(i)?;
        // Every 17 days from 40 days ago: a dozen fall in the 180-day horizon.
        let ends_on = today + Duration::days(step * 17 - 40);
        let value = VALUES[i % VALUES.len()];
        contracts::create(
            db,
            &admin,
            CreateContractRequest {
                account_id,
                starts_on: ends_on - Duration::days(365),
                ends_on,
                annual_value: format!("{value}.00"),
                currency: None,
                auto_renew: i % 3 == 0,
                notice_days: Some(if i % 2 == 0 { 30 } else { 60 }),
            },
            now,
        )
        .await
        .with_context(|| format!("contract of account {account_id}"))?;
    }
    let settings = reminders::load(&db.read, workspace_id).await?;
    renewals::open_due(db, workspace_id, today, settings.renewal_horizon_days, now).await?;
    // A pipeline in motion: the nearest renewals are furthest along.
    let open = renewal_rows::Entity::find()
        .filter(renewal_rows::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(renewal_rows::Column::DueOn)
        .all(&db.read)
        .await?;
    let moves: &[(RenewalStage, i32)] = &[
        (RenewalStage::Committed, 90),
        (RenewalStage::InNegotiation, 70),
        (RenewalStage::InNegotiation, 50),
        (RenewalStage::Committed, 85),
        (RenewalStage::InNegotiation, 60),
    ];
    for (renewal, &(stage, probability)) in open.iter().zip(moves) {
        renewals::update(
            db,
            &admin,
            renewal.id,
            None,
            UpdateRenewalRequest {
                stage: Some(stage),
                probability: Some(probability),
                ..Default::default()
            },
            now,
        )
        .await
        .with_context(|| format!("renewal {}", renewal.id))?;
    }
    Ok(())
}
