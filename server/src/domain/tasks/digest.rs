//! The daily digest: at 08:30 in each workspace's time zone, every staff
//! member who opted in gets one e-mail listing their overdue tasks and
//! those due today (none when nothing is due).
//!
//! Exactly once per user and day, whatever the replicas or restarts: the
//! run claims the day by inserting `(user, day)` into `digest_log` (unique)
//! and queues the mail in the same transaction; a second run, here or on
//! another replica, finds the day claimed and does nothing. The outbox row
//! carries a dedupe key of its own as a second guard. The job runs every
//! five minutes, so a server that was down at 08:30 sends when it is back.

use chrono::{DateTime, NaiveTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Serialize;
use shared::Role;

use super::my_work::{counts_in, days_in, open_due};
use super::Names;
use crate::domain::common::calendar;
use crate::entity::{digest_log, users};
use crate::error::AppResult;
use crate::mail::letters::tasks::digest as digest_letter;
use crate::state::AppState;

/// When the digest goes out, in the workspace's time zone.
pub fn send_at() -> NaiveTime {
    NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default()
}

#[derive(Debug, Default, Serialize)]
pub struct DigestReport {
    /// Digests queued by this run.
    pub sent: u64,
    /// Days claimed for users with nothing due (no mail).
    pub nothing_due: u64,
}

/// Sends today's digests that are due and not yet sent.
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<DigestReport> {
    let staff: Vec<&str> = Role::STAFF.iter().map(|r| r.as_str()).collect();
    let mut query = users::Entity::find()
        .filter(users::Column::DigestOptIn.eq(true))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in(staff))
        .order_by_asc(users::Column::WorkspaceId)
        .order_by_asc(users::Column::Id);
    if let Some(ws) = workspace {
        query = query.filter(users::Column::WorkspaceId.eq(ws));
    }
    let readers = query.all(&state.db.read).await?;
    let mut report = DigestReport::default();
    let mut zone: Option<(i64, chrono_tz::Tz)> = None;
    for user in readers {
        let tz = match zone {
            Some((ws, tz)) if ws == user.workspace_id => tz,
            _ => {
                let tz = calendar::time_zone(&state.db.read, user.workspace_id).await?;
                zone = Some((user.workspace_id, tz));
                tz
            }
        };
        let days = days_in(tz, now);
        if now.with_timezone(&tz).time() < send_at() {
            continue;
        }
        let txn = state.db.write.begin().await?;
        let claimed = digest_log::Entity::insert(digest_log::ActiveModel {
            workspace_id: Set(user.workspace_id),
            user_id: Set(user.id),
            day: Set(days.today),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([digest_log::Column::UserId, digest_log::Column::Day])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if claimed == 0 {
            continue;
        }
        let counts = counts_in(&txn, user.id, &days).await?;
        if counts.overdue + counts.today == 0 {
            txn.commit().await?;
            report.nothing_due += 1;
            continue;
        }
        let overdue = open_due(user.id, None, days.start).all(&txn).await?;
        let today = open_due(user.id, Some(days.start), days.tomorrow)
            .all(&txn)
            .await?;
        let listed = (overdue.len() + today.len()) as u64;
        let mut all = overdue.clone();
        all.extend(today.iter().cloned());
        let names = Names::of(&txn, &all).await?;
        let locale = user.mail_locale();
        let link = format!("{}/my-work", state.config.public_url.trim_end_matches('/'));
        let letter = digest_letter(
            &user.name,
            locale,
            &names.tasks(overdue)?,
            &names.tasks(today)?,
            (counts.overdue + counts.today).saturating_sub(listed),
            link,
            tz,
        );
        let mail = letter.into_mail(
            Some(user.workspace_id),
            user.email.clone(),
            Some(format!("digest:{}:{}", user.id, days.today)),
        );
        state.mailer.enqueue(&txn, mail, now).await?;
        txn.commit().await?;
        report.sent += 1;
    }
    if report.sent > 0 {
        state.mailer.kick();
    }
    Ok(report)
}
