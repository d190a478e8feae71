//! The on-site visits an account's agreement includes, counted per
//! agreement year: the year runs from the agreement's start date, a year
//! at a time, and ends with the agreement. A visit that is not cancelled
//! counts in the year of its day. Past what the level includes — or
//! without an agreement in force on that day — a visit is billable: it is
//! never refused (a service centre bills on-site days), and its mark is
//! decided when it is requested.
//!
//! Cancelling an included visit gives its place back: the visits of the
//! same agreement year requested after it that were marked billable become
//! included, in the order they were requested, as many as the level now
//! leaves free ([`after_cancel`]). Cancelling a billable visit changes no
//! other mark, and no mark ever turns from included to billable.

use chrono::{Months, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use shared::visits::{VisitEntitlement, VisitStatus};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::tickets::{entitlement::today_of, service_levels};
use crate::entity::{service_agreements, visits};
use crate::error::AppResult;

/// The agreement year holding `day`, if an agreement is in force then:
/// its level and first and last day.
pub(crate) async fn year_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    day: NaiveDate,
) -> AppResult<Option<(String, NaiveDate, NaiveDate)>> {
    let agreement = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .filter(service_agreements::Column::StartsOn.lte(day))
        .filter(service_agreements::Column::EndsOn.gte(day))
        .order_by_desc(service_agreements::Column::StartsOn)
        .one(conn)
        .await?;
    let Some(a) = agreement else {
        return Ok(None);
    };
    Ok(agreement_year(a.starts_on, a.ends_on, day).map(|(from, to)| (a.level, from, to)))
}

/// The year of an agreement from `starts_on` to `ends_on` that holds `day`.
fn agreement_year(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    day: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    if day < starts_on || day > ends_on {
        return None;
    }
    // Agreements run a few years; 200 bounds the loop whatever the dates.
    for k in 0..200u32 {
        let from = starts_on.checked_add_months(Months::new(12 * k))?;
        let next = starts_on.checked_add_months(Months::new(12 * (k + 1)))?;
        if day < next {
            return Some((from, next.pred_opt()?.min(ends_on)));
        }
    }
    None
}

/// Visits of the account that count in `from..=to` (not cancelled), of
/// either mark or only billable ones.
async fn counted<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    billable: Option<bool>,
) -> AppResult<i32> {
    let mut query = visits::Entity::find()
        .filter(visits::Column::WorkspaceId.eq(workspace_id))
        .filter(visits::Column::AccountId.eq(account_id))
        .filter(visits::Column::Status.ne(VisitStatus::Cancelled.as_str()))
        .filter(visits::Column::VisitDate.gte(from))
        .filter(visits::Column::VisitDate.lte(to));
    if let Some(b) = billable {
        query = query.filter(visits::Column::Billable.eq(b));
    }
    Ok(i32::try_from(query.count(conn).await?).unwrap_or(i32::MAX))
}

/// The entitlement for the year holding `day`.
pub(crate) async fn on_day<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    day: NaiveDate,
) -> AppResult<VisitEntitlement> {
    let Some((level, from, to)) = year_of(conn, workspace_id, account_id, day).await? else {
        return Ok(VisitEntitlement {
            account_id,
            level: None,
            year_from: None,
            year_to: None,
            included: 0,
            used: 0,
            billable: 0,
        });
    };
    let included = service_levels::entitlement_of(conn, workspace_id, &level)
        .await?
        .onsite_visits_per_year;
    Ok(VisitEntitlement {
        account_id,
        level: Some(level),
        year_from: Some(from),
        year_to: Some(to),
        included,
        used: counted(conn, workspace_id, account_id, from, to, None).await?,
        billable: counted(conn, workspace_id, account_id, from, to, Some(true)).await?,
    })
}

/// Whether one more visit on `day` is billable (call in the request's
/// transaction, before inserting it).
pub(crate) async fn next_is_billable<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    day: NaiveDate,
) -> AppResult<bool> {
    let e = on_day(conn, workspace_id, account_id, day).await?;
    Ok(e.level.is_none() || e.used >= e.included)
}

/// After `cancelled` (an included visit, already marked cancelled in this
/// transaction) the billable visits of its agreement year requested after
/// it become included, oldest request first, while the level leaves room.
/// Returns each such visit before and after (version bumped) for the
/// caller's audit log; nothing when the cancelled visit was billable.
pub(crate) async fn after_cancel<C: ConnectionTrait>(
    conn: &C,
    cancelled: &visits::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<(visits::Model, visits::Model)>> {
    if cancelled.billable {
        return Ok(Vec::new());
    }
    let (ws, account) = (cancelled.workspace_id, cancelled.account_id);
    let Some((level, from, to)) = year_of(conn, ws, account, cancelled.visit_date).await? else {
        return Ok(Vec::new());
    };
    let included = service_levels::entitlement_of(conn, ws, &level)
        .await?
        .onsite_visits_per_year;
    let taken = counted(conn, ws, account, from, to, Some(false)).await?;
    let free = u64::try_from(included.saturating_sub(taken)).unwrap_or(0);
    if free == 0 {
        return Ok(Vec::new());
    }
    let next = visits::Entity::find()
        .filter(visits::Column::WorkspaceId.eq(ws))
        .filter(visits::Column::AccountId.eq(account))
        .filter(visits::Column::Status.ne(VisitStatus::Cancelled.as_str()))
        .filter(visits::Column::Billable.eq(true))
        .filter(visits::Column::VisitDate.gte(from))
        .filter(visits::Column::VisitDate.lte(to))
        .filter(visits::Column::Id.gt(cancelled.id))
        .order_by_asc(visits::Column::Id)
        .limit(free)
        .lock_exclusive()
        .all(conn)
        .await?;
    let mut changed = Vec::with_capacity(next.len());
    for before in next {
        let mut model: visits::ActiveModel = before.clone().into();
        model.billable = Set(false);
        model.updated_at = Set(now);
        model.version = Set(before.version + 1);
        let after = model.update(conn).await?;
        changed.push((before, after));
    }
    Ok(changed)
}

/// `GET /accounts/{id}/visit-entitlement?on=`.
pub async fn get(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    on: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<VisitEntitlement> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let day = match on {
        Some(day) => day,
        None => today_of(&db.read, actor.workspace_id, now).await?,
    };
    on_day(&db.read, actor.workspace_id, account_id, day).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_year_runs_from_the_agreement_start_and_ends_with_it() {
        let (s, e) = (d(2026, 7, 1), d(2028, 3, 31));
        assert_eq!(
            agreement_year(s, e, d(2026, 7, 1)),
            Some((d(2026, 7, 1), d(2027, 6, 30)))
        );
        assert_eq!(
            agreement_year(s, e, d(2027, 7, 1)),
            Some((d(2027, 7, 1), d(2028, 3, 31)))
        );
        assert_eq!(
            agreement_year(s, e, d(2027, 6, 30)),
            Some((d(2026, 7, 1), d(2027, 6, 30)))
        );
    }
}
