//! Usage as the customers' ERP servers report it: an API key like the one
//! a vendor installs, and three months of usage events (who used which
//! module on which day) pushed through the same ingestion as
//! `POST /usage-events`. The share of licensed seats in use follows the
//! account's chapter: steady, fading (trend down), growing (trend up),
//! barely used, only key users while onboarding, nothing after churn.

use chrono::Duration;
use sea_orm::EntityTrait;
use shared::health::{CreateApiKey, UsageEvent, UsageEventBatch, MAX_USAGE_EVENTS};

use super::onboarding::seats;
use super::story::{chapter, Arc, Chapter, Mood, Story};
use crate::domain::common::modules_from_db;
use crate::domain::health::keys;
use crate::entity::accounts;

/// Days of usage history (the 30-day window of each of the last 60 days).
const DAYS: i64 = 90;

/// The share of seats in use `days_ago` days before today.
fn share(c: Chapter, days_ago: i64) -> f64 {
    let d = days_ago as f64;
    // Nobody before the account went live, except key users while onboarding.
    let live_for = c.joined - 30 - days_ago;
    match c.arc {
        Arc::OnTrack => return if days_ago < 8 { 0.25 } else { 0.0 },
        Arc::Behind => return if days_ago < 15 { 0.2 } else { 0.0 },
        Arc::Stuck => return 0.0,
        // Use faded out weeks before the customer said no.
        Arc::Churned(_) if days_ago < c.closed + 20 => return 0.0,
        _ if live_for < 0 => return 0.0,
        _ => {}
    }
    match c.mood {
        Mood::Thriving => 0.9,
        Mood::Steady => 0.62,
        Mood::Slipping => 0.1 + 0.8 * d / DAYS as f64,
        Mood::Recovering => 0.9 - 0.6 * d / DAYS as f64,
        Mood::AtRisk => 0.12,
    }
}

pub(super) async fn seed(story: &Story<'_>) -> anyhow::Result<()> {
    let db = &story.state.db;
    let key = keys::create(
        db,
        &story.admin()?,
        CreateApiKey {
            name: "K/3 服务器使用数据采集".into(),
        },
        story.at(super::story::HISTORY_DAYS - 2, 9, 0),
    )
    .await?;
    let mut events = Vec::new();
    for i in 0..story.cast.account_ids.len() {
        let c = chapter(i);
        let account_id = story.account(i)?;
        let modules = match accounts::Entity::find_by_id(account_id)
            .one(&db.read)
            .await?
        {
            Some(a) => modules_from_db(&a.modules),
            None => continue,
        };
        if modules.is_empty() {
            continue;
        }
        let seats = i64::from(seats(i));
        for days_ago in 0..DAYS {
            // The same people day after day: user u is in while u < share × seats.
            let users = (share(c, days_ago) * seats as f64).round() as i64;
            for u in (0..users).filter(|u| (u + days_ago) % 3 == 0) {
                let minutes = (u * 17) % 480;
                events.push(UsageEvent {
                    account_code: None,
                    account_id: Some(account_id),
                    user_ref: format!("u{:03}", u + 1),
                    module: modules[usize::try_from(u)? % modules.len()],
                    occurred_at: (story.at(days_ago, 9, 0) + Duration::minutes(minutes))
                        .min(story.now - Duration::minutes(1)),
                });
            }
        }
    }
    let key = keys::authenticate(db, Some(&key.secret)).await?;
    for chunk in events.chunks(MAX_USAGE_EVENTS) {
        keys::ingest(
            db,
            &key,
            UsageEventBatch {
                events: chunk.to_vec(),
            },
            story.now,
        )
        .await?;
    }
    Ok(())
}
