//! How much mail a workspace may send: `STEWARD_MAIL_PER_WORKSPACE_PER_DAY`
//! messages in any 24 hours, counted from the outbox. Anyone can sign up
//! and would otherwise send from the vendor's address to a thousand
//! strangers per request; what a user starts that mails many (a survey,
//! invitations) is refused with 429 and the quota in the message once it
//! would pass the quota. Mail the system sends on its own (notifications,
//! reminders) is not refused: it is counted, and what users start yields
//! to it. A workspace whose sign-up address is not confirmed sends nothing
//! of what users start (403).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::entity::email_outbox;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use shared::texts::T;

/// Refuses `adding` more messages for `workspace_id` when they would pass
/// the daily quota (0: no quota).
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    workspace_id: i64,
    adding: u64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !super::workspace_may_send(conn, workspace_id).await? {
        return Err(AppError::Forbidden(T::AddressUnconfirmed.into()));
    }
    let quota = state.config.mail_per_workspace_per_day;
    if quota == 0 {
        return Ok(());
    }
    let sent = email_outbox::Entity::find()
        .filter(email_outbox::Column::WorkspaceId.eq(workspace_id))
        .filter(email_outbox::Column::CreatedAt.gt(now - Duration::days(1)))
        .count(conn)
        .await?;
    if sent + adding > quota {
        let left = quota.saturating_sub(sent);
        return Err(AppError::QuotaExceeded {
            message: format!(
                "this workspace may send {quota} e-mails a day; {left} are left today and this would send {adding}"
            ),
            retry_after_secs: 3600,
        });
    }
    Ok(())
}
