//! How billable time consumes an account's packages, oldest first: the
//! entries in the order of their date (then of their id) each take minutes
//! from the packages valid on their date, the one valid from earliest (then
//! the one created first) before the next; the minutes no package has
//! left are overage. The result is stored (`time_entries.covered_minutes`,
//! `time_packages.used_minutes`) and recomputed for the whole account on
//! every change, so an edit or a deletion of an old entry moves later
//! entries' minutes to where they now belong.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::time_log::Package;

use crate::entity::{accounts, time_entries, time_packages};
use crate::error::{AppError, AppResult};

/// A package as consumption sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub id: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub capacity: i64,
}

/// A billable entry as consumption sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    pub id: i64,
    pub date: NaiveDate,
    pub minutes: i32,
}

/// The minutes each package covers and each entry has covered. `slots`
/// and `work` may come in any order.
pub fn allocate(slots: &[Slot], work: &[Work]) -> (HashMap<i64, i64>, HashMap<i64, i32>) {
    let mut slots = slots.to_vec();
    slots.sort_by_key(|s| (s.valid_from, s.id));
    let mut work = work.to_vec();
    work.sort_by_key(|w| (w.date, w.id));
    let mut used: HashMap<i64, i64> = slots.iter().map(|s| (s.id, 0)).collect();
    let mut covered = HashMap::new();
    for w in &work {
        let mut left = i64::from(w.minutes.max(0));
        for s in slots
            .iter()
            .filter(|s| s.valid_from <= w.date && w.date <= s.valid_to)
        {
            if left == 0 {
                break;
            }
            let taken = used.entry(s.id).or_default();
            let take = left.min(s.capacity - *taken).max(0);
            *taken += take;
            left -= take;
        }
        covered.insert(w.id, w.minutes.max(0) - i32::try_from(left).unwrap_or(0));
    }
    (used, covered)
}

/// Locks the account's row for the rest of the transaction (every writer
/// of its time or packages takes this lock first); 404 unless it is of
/// the workspace.
pub async fn lock_account<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<accounts::Model> {
    accounts::Entity::find_by_id(account_id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Recomputes the account's consumption (under [`lock_account`]) and
/// stores what changed; returns the account's packages as they are now.
pub async fn recompute<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<time_packages::Model>> {
    let mut packages = time_packages::Entity::find()
        .filter(time_packages::Column::WorkspaceId.eq(workspace_id))
        .filter(time_packages::Column::AccountId.eq(account_id))
        .order_by_asc(time_packages::Column::ValidFrom)
        .order_by_asc(time_packages::Column::Id)
        .all(txn)
        .await?;
    let entries: Vec<(i64, NaiveDate, i32, bool, i32)> = time_entries::Entity::find()
        .select_only()
        .column(time_entries::Column::Id)
        .column(time_entries::Column::WorkDate)
        .column(time_entries::Column::Minutes)
        .column(time_entries::Column::Billable)
        .column(time_entries::Column::CoveredMinutes)
        .filter(time_entries::Column::WorkspaceId.eq(workspace_id))
        .filter(time_entries::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    let slots: Vec<Slot> = packages
        .iter()
        .map(|p| Slot {
            id: p.id,
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            capacity: Package::capacity(p.days),
        })
        .collect();
    let work: Vec<Work> = entries
        .iter()
        .filter(|e| e.3)
        .map(|e| Work {
            id: e.0,
            date: e.1,
            minutes: e.2,
        })
        .collect();
    let (used, covered) = allocate(&slots, &work);
    for (id, _, _, _, stored) in &entries {
        let now_covered = covered.get(id).copied().unwrap_or(0);
        if now_covered != *stored {
            time_entries::Entity::update_many()
                .col_expr(
                    time_entries::Column::CoveredMinutes,
                    Expr::value(now_covered),
                )
                .filter(time_entries::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    for p in &mut packages {
        let now_used = used.get(&p.id).copied().unwrap_or(0);
        if now_used != p.used_minutes {
            time_packages::Entity::update_many()
                .col_expr(time_packages::Column::UsedMinutes, Expr::value(now_used))
                .col_expr(time_packages::Column::UpdatedAt, Expr::value(now))
                .filter(time_packages::Column::Id.eq(p.id))
                .exec(txn)
                .await?;
            p.used_minutes = now_used;
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, day).unwrap()
    }

    fn slot(id: i64, from: NaiveDate, to: NaiveDate, days: i64) -> Slot {
        Slot {
            id,
            valid_from: from,
            valid_to: to,
            capacity: days * 480,
        }
    }

    #[test]
    fn the_oldest_valid_package_is_used_first_and_the_rest_is_overage() {
        let older = slot(2, d(1, 1), d(6, 30), 1);
        let newer = slot(1, d(3, 1), d(12, 31), 1);
        let work = [
            Work {
                id: 10,
                date: d(4, 1),
                minutes: 300,
            },
            Work {
                id: 11,
                date: d(4, 2),
                minutes: 300,
            },
            Work {
                id: 12,
                date: d(4, 3),
                minutes: 500,
            },
        ];
        let (used, covered) = allocate(&[newer, older], &work);
        // 300 from the older, then 180 older + 120 newer, then 360 newer + 140 over.
        assert_eq!(used[&2], 480);
        assert_eq!(used[&1], 480);
        assert_eq!(covered[&10], 300);
        assert_eq!(covered[&11], 300);
        assert_eq!(covered[&12], 360);
    }

    #[test]
    fn a_package_not_valid_on_the_day_is_not_touched() {
        let march = slot(1, d(3, 1), d(3, 31), 10);
        let work = [Work {
            id: 1,
            date: d(4, 1),
            minutes: 60,
        }];
        let (used, covered) = allocate(&[march], &work);
        assert_eq!(used[&1], 0);
        assert_eq!(covered[&1], 0);
    }

    #[test]
    fn earlier_days_are_served_first_whatever_the_order_logged() {
        let p = slot(1, d(1, 1), d(12, 31), 1);
        let work = [
            Work {
                id: 1,
                date: d(5, 1),
                minutes: 400,
            },
            Work {
                id: 2,
                date: d(2, 1),
                minutes: 400,
            },
        ];
        let (_, covered) = allocate(&[p], &work);
        assert_eq!(covered[&2], 400);
        assert_eq!(covered[&1], 80);
    }
}
