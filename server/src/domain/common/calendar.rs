//! The workspace's calendar: its business hours and holidays, its time
//! zone, and the one "today" every date rule counts from.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use crate::domain::common::business_time::BusinessCalendar;
use crate::domain::common::business_time::BusinessTime;
use crate::entity::workspaces;
use crate::error::{AppError, AppResult};

/// The workspace's business calendar (the default one until it sets its own).
pub async fn business_calendar<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> AppResult<BusinessCalendar> {
    let stored: Option<Option<String>> = workspaces::Entity::find_by_id(workspace_id)
        .select_only()
        .column(workspaces::Column::BusinessCalendar)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(from_stored(stored.ok_or(AppError::NotFound)?))
}

/// The calendar a workspace row stores (`None`, or a value that does not
/// read, is the default calendar).
pub fn from_stored(stored: Option<String>) -> BusinessCalendar {
    stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Today's date in `calendar`'s time zone (see [`today`]).
pub fn today_in(calendar: &BusinessCalendar, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&calendar.zone()).date_naive()
}

/// The workspace's time zone (its business calendar's).
pub async fn time_zone<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<Tz> {
    Ok(business_calendar(conn, workspace_id).await?.zone())
}

/// Today's date in the workspace's time zone: the one "today" of every
/// date rule (due dates, reminders, onboarding, health windows).
pub async fn today<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    now: DateTime<Utc>,
) -> AppResult<NaiveDate> {
    Ok(now
        .with_timezone(&time_zone(conn, workspace_id).await?)
        .date_naive())
}
