//! The story's last page: what the server's own jobs would have done by
//! today. The mails of past events went out back then (marked sent, so a
//! first `serve` does not send months of history at once); the SLA monitor
//! makes its pass over today's tickets (breaches recorded, assignees and
//! managers told, tiers raised); and the nightly health job's snapshots of
//! the last 60 days (daily for the last 30) are taken as it would have
//! taken them, then today's.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::story::{chapter, Story};
use crate::domain::health::snapshots::{run_workspace, HealthRun};
use crate::entity::{email_outbox, health_snapshots};

/// Days of daily health snapshots before today.
const SNAPSHOT_DAYS: i64 = 60;

pub(super) async fn settle(story: &Story<'_>) -> anyhow::Result<()> {
    let db = &story.state.db;
    let ws = story.cast.workspace_id;
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value("sent"))
        .col_expr(
            email_outbox::Column::SentAt,
            Expr::col(email_outbox::Column::CreatedAt).into(),
        )
        .filter(email_outbox::Column::WorkspaceId.eq(ws))
        .filter(email_outbox::Column::Status.eq("pending"))
        .filter(email_outbox::Column::CreatedAt.lt(story.now - Duration::hours(1)))
        .exec(&db.write)
        .await?;
    crate::domain::tickets::sla_monitor::run(story.state, story.now, None).await?;
    let mut report = HealthRun::default();
    // Daily over the trend's 30 days, every third day before that.
    let days = (1..=SNAPSHOT_DAYS).filter(|d| *d <= 30 || d % 3 == 0);
    for days_ago in days.rev() {
        // The nightly run of that day (02:00 in the workspace's zone).
        let at = story.local(days_ago, 2, 0);
        run_workspace(db, ws, at, &mut report).await?;
    }
    // The nightly job knew no account before it existed.
    for i in 0..story.cast.account_ids.len() {
        let joined = chapter(i).joined;
        if joined < SNAPSHOT_DAYS {
            health_snapshots::Entity::delete_many()
                .filter(health_snapshots::Column::AccountId.eq(story.account(i)?))
                .filter(health_snapshots::Column::Day.lt(story.day(joined)))
                .exec(&db.write)
                .await?;
        }
    }
    let mut today = HealthRun::default();
    run_workspace(db, ws, story.now, &mut today).await?;
    println!(
        "  health today: {} green, {} yellow, {} red",
        today.green, today.yellow, today.red
    );
    Ok(())
}
