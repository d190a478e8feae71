//! `/reports/time` (time per account, engineer or month) and
//! `/reports/packages` (every package's balance), as JSON or CSV. Admins
//! and managers see the workspace, a CSM the accounts they own; engineers
//! are refused.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::texts::{Msg, T};
use shared::time_log::{
    days_text, PackageBalance, PackageReport, PackageReportParams, TimeGroup, TimeReport,
    TimeReportParams, TimeReportRow,
};
use shared::Role;

use super::entries::user_names;
use super::packages::to_api;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::calendar;
use crate::domain::common::portfolio::{owned_accounts, Portfolio};
use crate::domain::reporting::csv::{Cell, Csv};
use crate::entity::{accounts, time_entries, time_packages};
use crate::error::{AppError, AppResult};

/// The longest period a time report covers.
const MAX_PERIOD_DAYS: i64 = 3660;

/// `json` or `csv` (422 otherwise): whether CSV is asked for.
pub fn wants_csv(format: Option<&str>) -> AppResult<bool> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(AppError::field("format", Msg::new(T::JsonOrCsv).en())),
    }
}

fn portfolio(actor: &StaffActor) -> AppResult<Portfolio> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(Portfolio::Workspace),
        Role::Csm => Ok(Portfolio::Owner(actor.user_id)),
        _ => Err(AppError::Forbidden(T::TimeReportsRoles.into())),
    }
}

fn in_portfolio(
    portfolio: Portfolio,
    workspace_id: i64,
    column: impl ColumnTrait,
) -> Option<SimpleExpr> {
    match portfolio {
        Portfolio::Workspace => None,
        Portfolio::Owner(owner) => Some(column.in_subquery(owned_accounts(workspace_id, owner))),
    }
}

/// Sums the period's time per account, engineer or month.
pub async fn time_report(
    db: &Db,
    actor: &StaffActor,
    params: &TimeReportParams,
    now: DateTime<Utc>,
) -> AppResult<TimeReport> {
    let scope = portfolio(actor)?;
    wants_csv(params.format.as_deref())?;
    let group = match params.group.as_deref() {
        None => TimeGroup::Account,
        Some(text) => TimeGroup::parse(text)
            .ok_or_else(|| AppError::field("group", Msg::new(T::TimeGroup).en()))?,
    };
    let today = calendar::today(&db.read, actor.workspace_id, now).await?;
    let from = params
        .from
        .or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1))
        .unwrap_or(today);
    let to = params
        .to
        .or_else(|| NaiveDate::from_ymd_opt(today.year(), 12, 31))
        .unwrap_or(today);
    if to < from {
        return Err(AppError::field("to", Msg::new(T::NotBeforeFrom).en()));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            Msg::new(T::PeriodTooLong)
                .with("days", MAX_PERIOD_DAYS)
                .en(),
        ));
    }
    let key_column = match group {
        TimeGroup::Account => time_entries::Column::AccountId,
        TimeGroup::Engineer => time_entries::Column::UserId,
        TimeGroup::Month => time_entries::Column::WorkDate,
    };
    let mut query = time_entries::Entity::find()
        .select_only()
        .column(key_column)
        .column_as(Expr::col(time_entries::Column::Minutes).sum(), "minutes")
        .column_as(
            Expr::cust("SUM(CASE WHEN billable THEN minutes ELSE 0 END)"),
            "billable_minutes",
        )
        .column_as(
            Expr::cust("SUM(CASE WHEN billable THEN covered_minutes ELSE 0 END)"),
            "covered_minutes",
        )
        .filter(time_entries::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(time_entries::Column::WorkDate.gte(from))
        .filter(time_entries::Column::WorkDate.lte(to))
        .group_by(key_column);
    if let Some(cond) = in_portfolio(scope, actor.workspace_id, time_entries::Column::AccountId) {
        query = query.filter(cond);
    }
    let mut sums: BTreeMap<String, (i64, [i64; 3])> = BTreeMap::new();
    let mut add = |key: String, id: i64, m: i64, b: i64, c: i64| {
        let e = sums.entry(key).or_insert((id, [0; 3]));
        e.1[0] += m;
        e.1[1] += b;
        e.1[2] += c;
    };
    match group {
        TimeGroup::Month => {
            for (day, m, b, c) in query
                .into_tuple::<(NaiveDate, i64, i64, i64)>()
                .all(&db.read)
                .await?
            {
                add(day.format("%Y-%m").to_string(), 0, m, b, c);
            }
        }
        _ => {
            for (id, m, b, c) in query
                .into_tuple::<(i64, i64, i64, i64)>()
                .all(&db.read)
                .await?
            {
                add(id.to_string(), id, m, b, c);
            }
        }
    }
    let ids: Vec<i64> = sums.values().map(|(id, _)| *id).collect();
    let names: HashMap<i64, String> = match group {
        TimeGroup::Account => account_names(db, actor.workspace_id, ids).await?,
        TimeGroup::Engineer => user_names(&db.read, actor.workspace_id, ids).await?,
        TimeGroup::Month => HashMap::new(),
    };
    let mut rows: Vec<TimeReportRow> = sums
        .into_iter()
        .map(|(key, (id, [minutes, billable, covered]))| TimeReportRow {
            label: match group {
                TimeGroup::Month => key.clone(),
                _ => names.get(&id).cloned().unwrap_or_default(),
            },
            key,
            minutes,
            billable_minutes: billable,
            covered_minutes: covered,
            uncovered_minutes: billable - covered,
        })
        .collect();
    if group != TimeGroup::Month {
        rows.sort_by(|a, b| a.label.cmp(&b.label).then(a.key.cmp(&b.key)));
    }
    Ok(TimeReport {
        group: group.as_str().to_string(),
        from,
        to,
        rows,
    })
}

async fn account_names(
    db: &Db,
    workspace_id: i64,
    ids: Vec<i64>,
) -> AppResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .column(accounts::Column::Name)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(&db.read)
        .await?
        .into_iter()
        .collect())
}

pub fn time_csv(report: &TimeReport) -> String {
    let mut csv = Csv::new(&[
        report.group.as_str(),
        "name",
        "minutes",
        "billable_minutes",
        "covered_minutes",
        "uncovered_minutes",
        "billable_person_days",
    ]);
    for r in &report.rows {
        let numbers = [
            r.minutes.to_string(),
            r.billable_minutes.to_string(),
            r.covered_minutes.to_string(),
            r.uncovered_minutes.to_string(),
            days_text(r.billable_minutes),
        ];
        let mut cells = vec![Cell::Plain(&r.key), Cell::Text(&r.label)];
        cells.extend(numbers.iter().map(|n| Cell::Plain(n)));
        csv.row(&cells);
    }
    csv.finish()
}

/// Every package of the caller's accounts, by account then validity.
pub async fn package_report(
    db: &Db,
    actor: &StaffActor,
    params: &PackageReportParams,
) -> AppResult<PackageReport> {
    let scope = portfolio(actor)?;
    wants_csv(params.format.as_deref())?;
    let mut query = time_packages::Entity::find()
        .filter(time_packages::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(time_packages::Column::AccountId)
        .order_by_asc(time_packages::Column::ValidFrom)
        .order_by_asc(time_packages::Column::Id);
    if let Some(cond) = in_portfolio(scope, actor.workspace_id, time_packages::Column::AccountId) {
        query = query.filter(cond);
    }
    let rows = query.all(&db.read).await?;
    let names = account_names(
        db,
        actor.workspace_id,
        rows.iter().map(|p| p.account_id).collect(),
    )
    .await?;
    let mut packages: Vec<PackageBalance> = rows
        .iter()
        .map(|p| PackageBalance {
            account_name: names.get(&p.account_id).cloned().unwrap_or_default(),
            package: to_api(p),
        })
        .collect();
    packages.sort_by(|a, b| {
        a.account_name
            .cmp(&b.account_name)
            .then(a.package.account_id.cmp(&b.package.account_id))
    });
    Ok(PackageReport { packages })
}

pub fn package_csv(report: &PackageReport) -> String {
    let mut csv = Csv::new(&[
        "package_id",
        "account_id",
        "account",
        "package",
        "days",
        "valid_from",
        "valid_to",
        "capacity_minutes",
        "used_minutes",
        "remaining_minutes",
        "used_percent",
        "remaining_person_days",
    ]);
    for b in &report.packages {
        let p = &b.package;
        let plain = [
            p.id.to_string(),
            p.account_id.to_string(),
            p.days.to_string(),
            p.valid_from.to_string(),
            p.valid_to.to_string(),
            p.capacity_minutes.to_string(),
            p.used_minutes.to_string(),
            p.remaining_minutes.to_string(),
            p.used_percent.to_string(),
            days_text(p.remaining_minutes),
        ];
        let mut cells = vec![
            Cell::Plain(&plain[0]),
            Cell::Plain(&plain[1]),
            Cell::Text(&b.account_name),
            Cell::Text(&p.name),
        ];
        cells.extend(plain[2..].iter().map(|n| Cell::Plain(n)));
        csv.row(&cells);
    }
    csv.finish()
}
