//! A ticket's service figures, kept on the row when they happen so the
//! service report reads them instead of recomputing business time for a
//! million tickets (migration `m20261213_000500_ticket_sla_figures`):
//!
//! - `first_response_minutes` / `resolution_minutes`: business minutes on
//!   the workspace calendar from opening to the first public staff reply /
//!   to resolution (wall business time: a pause waiting on the customer
//!   counts here, though it moves the due time);
//! - `first_response_met` / `resolution_met`: `Some(true)` when the event
//!   came by its (pause-shifted) due time and the target was never marked
//!   missed, `Some(false)` once missed (the event came late, or the SLA
//!   monitor marked the breach), `None` while still running — and always
//!   `None` outside agreement, where there is no SLA to meet.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::db::Db;
use crate::domain::common::business_time::{BusinessCalendar, BusinessTime};
use crate::entity::tickets;
use crate::error::AppResult;

/// The SLA outcome of one target.
pub fn outcome(
    outside_agreement: bool,
    at: Option<DateTime<Utc>>,
    due: DateTime<Utc>,
    breached_at: Option<DateTime<Utc>>,
) -> Option<bool> {
    if outside_agreement {
        return None;
    }
    match at {
        Some(at) => Some(breached_at.is_none() && at <= due),
        None => breached_at.map(|_| false),
    }
}

/// Business minutes from `from` to `to` (0 if the calendar cannot count).
pub fn minutes(calendar: &BusinessCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    calendar.business_minutes_between(from, to).unwrap_or(0)
}

/// The four figures of a ticket as its row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub first_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub first_response_met: Option<bool>,
    pub resolution_met: Option<bool>,
}

pub fn figures(calendar: &BusinessCalendar, t: &tickets::Model) -> Figures {
    Figures {
        first_response_minutes: t
            .first_responded_at
            .map(|at| minutes(calendar, t.created_at, at)),
        resolution_minutes: t.resolved_at.map(|at| minutes(calendar, t.created_at, at)),
        first_response_met: outcome(
            t.outside_agreement,
            t.first_responded_at,
            t.first_response_due_at,
            t.first_response_breached_at,
        ),
        resolution_met: outcome(
            t.outside_agreement,
            t.resolved_at,
            t.resolution_due_at,
            t.resolution_breached_at,
        ),
    }
}

impl Figures {
    pub fn set(self, model: &mut tickets::ActiveModel) {
        model.first_response_minutes = Set(self.first_response_minutes);
        model.resolution_minutes = Set(self.resolution_minutes);
        model.first_response_met = Set(self.first_response_met);
        model.resolution_met = Set(self.resolution_met);
    }
}

/// Sets the first-response figures on a ticket answered at `now`.
pub async fn on_first_response<C: ConnectionTrait>(
    conn: &C,
    current: &tickets::Model,
    model: &mut tickets::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let calendar =
        crate::domain::common::calendar::business_calendar(conn, current.workspace_id).await?;
    model.first_response_minutes = Set(Some(minutes(&calendar, current.created_at, now)));
    model.first_response_met = Set(outcome(
        current.outside_agreement,
        Some(now),
        current.first_response_due_at,
        current.first_response_breached_at,
    ));
    Ok(())
}

/// Sets the resolution figures on a ticket resolved at `now` against
/// `due` (its due time after any pause just ended).
pub fn on_resolved(
    calendar: &BusinessCalendar,
    current: &tickets::Model,
    model: &mut tickets::ActiveModel,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    model.resolution_minutes = Set(Some(minutes(calendar, current.created_at, now)));
    model.resolution_met = Set(outcome(
        current.outside_agreement,
        Some(now),
        due,
        current.resolution_breached_at,
    ));
}

/// Clears the resolution figures of a reopened ticket (a breach stays).
pub fn on_reopened(current: &tickets::Model, model: &mut tickets::ActiveModel) {
    model.resolution_minutes = Set(None);
    model.resolution_met = Set(outcome(
        current.outside_agreement,
        None,
        current.resolution_due_at,
        current.resolution_breached_at,
    ));
}

const BATCH: u64 = 500;

/// Fills in the figures of every ticket (of one workspace, or all) from
/// its timestamps: after the migration that added them, and after seeding
/// rows directly. Reads by id in batches; writes only rows that change.
pub async fn backfill(db: &Db, workspace: Option<i64>) -> AppResult<u64> {
    let mut after = 0i64;
    let mut changed = 0u64;
    let mut calendars: std::collections::HashMap<i64, BusinessCalendar> = Default::default();
    loop {
        let mut query = tickets::Entity::find()
            .filter(tickets::Column::Id.gt(after))
            .order_by_asc(tickets::Column::Id)
            .limit(BATCH);
        if let Some(ws) = workspace {
            query = query.filter(tickets::Column::WorkspaceId.eq(ws));
        }
        let rows = query.all(&db.write).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let txn = db.write.begin().await?;
        for t in &rows {
            let calendar = match calendars.entry(t.workspace_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    crate::domain::common::calendar::business_calendar(&txn, t.workspace_id)
                        .await?,
                ),
            };
            let calendar = &*calendar;
            let f = figures(calendar, t);
            let now = Figures {
                first_response_minutes: t.first_response_minutes,
                resolution_minutes: t.resolution_minutes,
                first_response_met: t.first_response_met,
                resolution_met: t.resolution_met,
            };
            if f != now {
                let mut model: tickets::ActiveModel = t.clone().into();
                f.set(&mut model);
                let updated = model.update(&txn).await?;
                crate::domain::tickets::service_rollup::change(&txn, Some(t), Some(&updated))
                    .await?;
                changed += 1;
            }
        }
        txn.commit().await?;
        if (rows.len() as u64) < BATCH {
            break;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, d, h, 0, 0).unwrap()
    }

    #[test]
    fn outcomes() {
        let due = at(5, 10);
        assert_eq!(outcome(false, Some(at(5, 9)), due, None), Some(true));
        assert_eq!(outcome(false, Some(due), due, None), Some(true));
        assert_eq!(outcome(false, Some(at(5, 11)), due, None), Some(false));
        // Marked missed, then answered in time after a pause moved the
        // due time: still breached.
        assert_eq!(
            outcome(false, Some(at(5, 9)), due, Some(at(4, 1))),
            Some(false)
        );
        assert_eq!(outcome(false, None, due, None), None);
        assert_eq!(outcome(false, None, due, Some(due)), Some(false));
        assert_eq!(outcome(true, Some(at(5, 11)), due, None), None);
    }
}
