//! Sent mail does not keep live links for ever. Invitations, survey links
//! and password resets carry one-time tokens; once a message has been sent
//! (or has failed for good) for longer than `mail_retention_days`, its
//! bodies and attachment are replaced by a note. The row stays (recipient,
//! subject, status and times), so "was it sent?" can still be answered. In
//! local mode the delivered `.eml` files of that age are deleted too.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::entity::email_outbox;
use crate::state::AppState;

/// What a purged message's text becomes.
pub const REMOVED: &str = "(removed after the retention period)";

#[derive(Debug, Default, Serialize)]
pub struct RetentionReport {
    /// Messages whose text was removed in this run.
    pub redacted: u64,
    /// `.eml` files deleted (local mode, platform runs only).
    pub files_removed: u64,
}

/// Purges what has aged past the retention period, in `workspace` only
/// when given (a workspace admin's run; the `.eml` files are the
/// platform's and are left to the scheduler's runs).
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> anyhow::Result<RetentionReport> {
    let days = state.config.mail_retention_days;
    if days == 0 {
        return Ok(RetentionReport::default());
    }
    let cutoff = now - Duration::days(i64::from(days));
    let aged = Condition::any()
        .add(email_outbox::Column::SentAt.lt(cutoff))
        .add(
            Condition::all()
                .add(email_outbox::Column::SentAt.is_null())
                .add(email_outbox::Column::CreatedAt.lt(cutoff)),
        );
    let mut update = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::BodyText, Expr::value(REMOVED))
        .col_expr(email_outbox::Column::BodyHtml, Expr::value(None::<String>))
        .col_expr(
            email_outbox::Column::AttachmentBody,
            Expr::value(None::<String>),
        )
        .filter(email_outbox::Column::Status.is_in(["sent", "failed"]))
        .filter(aged)
        .filter(email_outbox::Column::BodyText.ne(REMOVED));
    if let Some(id) = workspace {
        update = update.filter(email_outbox::Column::WorkspaceId.eq(id));
    }
    let redacted = update.exec(&state.db.write).await?.rows_affected;
    let files_removed = match (workspace, &state.config.smtp_url) {
        (None, None) => remove_old_files(&state.config.data_dir.join("outbox"), cutoff)?,
        _ => 0,
    };
    Ok(RetentionReport {
        redacted,
        files_removed,
    })
}

fn remove_old_files(dir: &std::path::Path, cutoff: DateTime<Utc>) -> anyhow::Result<u64> {
    let cutoff = std::time::SystemTime::from(cutoff);
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "eml") {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified());
        if modified.is_ok_and(|at| at < cutoff) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}
