//! Staff KPIs over a period, per CSM and engineer: accounts owned, average
//! health, renewals closed and renewed, tickets resolved within SLA, first
//! responses and their median; as JSON (snapshot-cached) and CSV. A CSM or
//! an engineer sees their own row.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
};
use shared::contracts::RenewalStage;
use shared::reports::{mean_one_decimal, percent, KpiReport, KpiRow, ReportScope};
use shared::Role;

use super::csv::{Cell, Csv};
use super::period::{period, ReportParams};
use super::SNAPSHOT_TTL;
use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::portfolio::wide;
use crate::domain::common::snapshot_cache::{SnapshotCache, Stored};
use crate::entity::stored::stored;
use crate::entity::users;
use crate::error::AppResult;
use crate::state::AppState;

/// The median of `(value, how many times)` pairs, with one decimal.
pub fn median_of_counts(mut counts: Vec<(i64, u64)>) -> Option<String> {
    counts.retain(|(_, n)| *n > 0);
    counts.sort_unstable();
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The k-th smallest value (0-based).
    let nth = |k: u64| -> i64 {
        let mut seen = 0;
        for (value, n) in &counts {
            seen += n;
            if k < seen {
                return *value;
            }
        }
        counts.last().map_or(0, |(v, _)| *v)
    };
    if total % 2 == 1 {
        median_minutes(vec![nth(total / 2)])
    } else {
        median_minutes(vec![nth(total / 2 - 1), nth(total / 2)])
    }
}

/// The median of whole minutes, with one decimal (`"12.5"`).
pub fn median_minutes(mut minutes: Vec<i64>) -> Option<String> {
    if minutes.is_empty() {
        return None;
    }
    minutes.sort_unstable();
    let n = minutes.len();
    let twice = if n % 2 == 1 {
        2 * i128::from(minutes[n / 2])
    } else {
        i128::from(minutes[n / 2 - 1]) + i128::from(minutes[n / 2])
    };
    let sign = if twice < 0 { "-" } else { "" };
    let abs = twice.unsigned_abs();
    Some(format!(
        "{sign}{}.{}",
        abs / 2,
        if abs % 2 == 1 { 5 } else { 0 }
    ))
}

/// `GET /reports/kpi`.
pub async fn kpi(
    db: &Db,
    actor: &StaffActor,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> AppResult<KpiReport> {
    let period = period(db, actor, params, now).await?;
    let own = !matches!(actor.role, Role::Admin | Role::Manager);
    let ws = actor.workspace_id;
    let mut people = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in([Role::Csm.as_str(), Role::Engineer.as_str()]));
    if own {
        people = people.filter(users::Column::Id.eq(actor.user_id));
    }
    let people = people.order_by_asc(users::Column::Id).all(&db.read).await?;

    // Every figure is of these people: their accounts (by the owner
    // index), their renewals (by the account index), their tickets (by the
    // assignee indexes). Nobody to report on: nothing to read.
    let ids: Vec<i64> = people.iter().map(|u| u.id).collect();
    let backend = db.read.get_database_backend();
    let health_day = match ids.is_empty() {
        true => None,
        false => {
            crate::domain::reporting::dashboard::latest_health_day(&db.read, ws, period.to).await?
        }
    };
    let mut owned: HashMap<i64, i64> = HashMap::new();
    let mut health: HashMap<i64, (i128, i128)> = HashMap::new();
    let mut closed: HashMap<i64, (u64, u64)> = HashMap::new();
    for chunk in ids.chunks(500) {
        // Accounts owned now (not archived), from the index alone.
        let mut sql = Sql::new(backend);
        sql.push("SELECT owner_id, COUNT(*) AS n FROM accounts WHERE workspace_id = ")
            .bind(ws)
            .push(" AND owner_id IN (")
            .bind_list(chunk.iter().copied())
            .push(") AND archived = ")
            .bind(false)
            .push(" GROUP BY owner_id");
        for row in db.read.query_all(sql.statement()).await? {
            owned.insert(row.try_get("", "owner_id")?, row.try_get("", "n")?);
        }

        // Mean health of each owner's accounts, latest snapshots up to `to`:
        // from each account to its snapshot of that day (CROSS JOIN keeps
        // that order on SQLite).
        if let Some(day) = health_day {
            let mut sql = Sql::new(backend);
            sql.push(
                "SELECT a.owner_id AS owner_id, CAST(SUM(s.score) AS TEXT) AS total, \
                 COUNT(*) AS n FROM accounts a CROSS JOIN health_snapshots s \
                 WHERE a.workspace_id = ",
            )
            .bind(ws)
            .push(" AND a.owner_id IN (")
            .bind_list(chunk.iter().copied())
            .push(") AND a.archived = ")
            .bind(false)
            .push(" AND s.account_id = a.id AND s.day = ")
            .bind(day)
            .push(" AND s.workspace_id = ")
            .bind(ws)
            .push(" GROUP BY a.owner_id");
            for row in db.read.query_all(sql.statement()).await? {
                let owner: i64 = row.try_get("", "owner_id")?;
                let n: i64 = row.try_get("", "n")?;
                health.insert(owner, (wide(&row, "total")?, i128::from(n)));
            }
        }

        // Closed renewals of each owner's accounts, due in the period.
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT a.owner_id AS owner_id, COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN r.stage = ",
        )
        .bind(RenewalStage::Renewed.as_str())
        .push(
            " THEN 1 ELSE 0 END), 0) AS renewed \
             FROM accounts a CROSS JOIN renewals r WHERE a.workspace_id = ",
        )
        .bind(ws)
        .push(" AND a.owner_id IN (")
        .bind_list(chunk.iter().copied())
        .push(") AND r.workspace_id = ")
        .bind(ws)
        .push(" AND r.account_id = a.id AND r.due_on >= ")
        .bind(period.from)
        .push(" AND r.due_on <= ")
        .bind(period.to)
        .push(" AND r.stage IN (")
        .bind_list([
            RenewalStage::Renewed.as_str(),
            RenewalStage::Churned.as_str(),
        ])
        .push(") GROUP BY a.owner_id");
        for row in db.read.query_all(sql.statement()).await? {
            let owner: i64 = row.try_get("", "owner_id")?;
            let n: i64 = row.try_get("", "n")?;
            let renewed: i64 = row.try_get("", "renewed")?;
            closed.insert(
                owner,
                (
                    u64::try_from(n).unwrap_or(0),
                    u64::try_from(renewed).unwrap_or(0),
                ),
            );
        }
    }

    // Tickets resolved and first answered in the period, by assignee:
    // grouped in the database (a year holds hundreds of thousands), read
    // from the (workspace, assignee, time, …) indexes alone.
    let mut resolved: HashMap<i64, (u64, u64, u64)> = HashMap::new();
    let mut responses: HashMap<i64, Vec<(i64, u64)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let assignees = |sql: &mut Sql| {
            sql.push(" AND assignee_id IN (")
                .bind_list(chunk.iter().copied())
                .push(")");
        };
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT assignee_id, COUNT(*) AS n, COALESCE(SUM(CASE WHEN \
             resolution_breached_at IS NULL AND resolved_at <= resolution_due_at \
             AND NOT outside_agreement THEN 1 ELSE 0 END), 0) AS within, \
             COALESCE(SUM(CASE WHEN outside_agreement THEN 1 ELSE 0 END), 0) AS outside \
             FROM tickets WHERE workspace_id = ",
        )
        .bind(ws)
        .push(" AND resolved_at >= ")
        .bind(period.start)
        .push(" AND resolved_at < ")
        .bind(period.end);
        assignees(&mut sql);
        sql.push(" GROUP BY assignee_id");
        for row in db.read.query_all(sql.statement()).await? {
            let assignee: i64 = row.try_get("", "assignee_id")?;
            let n: i64 = row.try_get("", "n")?;
            let within: i64 = row.try_get("", "within")?;
            let outside: i64 = row.try_get("", "outside")?;
            resolved.insert(
                assignee,
                (
                    u64::try_from(n).unwrap_or(0),
                    u64::try_from(within).unwrap_or(0),
                    u64::try_from(outside).unwrap_or(0),
                ),
            );
        }
        // Whole minutes from creation to the first response, to the
        // millisecond on SQLite and the microsecond on PostgreSQL.
        let minutes = match backend {
            DatabaseBackend::Postgres => {
                "CAST(FLOOR(EXTRACT(EPOCH FROM (first_responded_at - created_at)) / 60) AS BIGINT)"
            }
            _ => {
                "(CAST(ROUND((julianday(first_responded_at) - julianday(created_at)) * 86400000) \
                 AS INTEGER) / 60000)"
            }
        };
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT assignee_id, {minutes} AS minutes, COUNT(*) AS n FROM tickets WHERE workspace_id = "
        ))
        .bind(ws)
        .push(" AND first_responded_at >= ")
        .bind(period.start)
        .push(" AND first_responded_at < ")
        .bind(period.end);
        assignees(&mut sql);
        sql.push(" GROUP BY assignee_id, minutes");
        for row in db.read.query_all(sql.statement()).await? {
            let assignee: i64 = row.try_get("", "assignee_id")?;
            let minutes: i64 = row.try_get("", "minutes")?;
            let n: i64 = row.try_get("", "n")?;
            responses
                .entry(assignee)
                .or_default()
                .push((minutes.max(0), u64::try_from(n).unwrap_or(0)));
        }
    }

    let rows = people
        .into_iter()
        .map(|u| {
            let (renewals_closed, renewals_renewed) =
                closed.get(&u.id).copied().unwrap_or_default();
            let (tickets_resolved, within, outside) =
                resolved.get(&u.id).copied().unwrap_or_default();
            let minutes = responses.remove(&u.id).unwrap_or_default();
            let first_responses = minutes.iter().map(|(_, n)| n).sum();
            Ok(KpiRow {
                user_id: u.id,
                name: u.name,
                role: stored("users", u.id, "role", &u.role)?,
                accounts_owned: owned
                    .get(&u.id)
                    .copied()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                average_health: health
                    .get(&u.id)
                    .and_then(|(sum, n)| mean_one_decimal(*sum, *n)),
                renewals_closed,
                renewals_renewed,
                renewal_rate: percent(i128::from(renewals_renewed), i128::from(renewals_closed)),
                tickets_resolved,
                resolved_within_sla: within,
                resolved_outside_agreement: outside,
                sla_compliance: percent(
                    i128::from(within),
                    i128::from(tickets_resolved.saturating_sub(outside)),
                ),
                first_responses,
                median_first_response_minutes: median_of_counts(minutes),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(KpiReport {
        from: period.from,
        to: period.to,
        scope: if own {
            ReportScope::Own
        } else {
            ReportScope::Workspace
        },
        rows,
        computed_at: Some(now),
    })
}

/// KPI figures at least this big (accounts, closed renewals, tickets and
/// first responses counted) are kept in the snapshot cache.
pub const KPI_CACHE_MIN_ITEMS: u64 = 1000;

/// (application instance, workspace, the user of an "own" report, from, to).
type KpiKey = (usize, i64, Option<i64>, NaiveDate, NaiveDate);

fn kpi_cache() -> &'static SnapshotCache<KpiKey, KpiReport> {
    static CACHE: std::sync::OnceLock<SnapshotCache<KpiKey, KpiReport>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| SnapshotCache::new(SNAPSHOT_TTL, 256))
}

/// `GET /reports/kpi`: a big workspace's figures come from a snapshot up to
/// `SNAPSHOT_TTL` old (`computed_at` says when; they are exact as of
/// then), refreshed stale-while-revalidate; a small one's are computed
/// for every request.
pub async fn kpi_snapshot(
    state: &AppState,
    actor: &StaffActor,
    params: &ReportParams,
) -> AppResult<KpiReport> {
    let db = &state.db;
    let now = state.clock.now();
    // The period is checked (and defaulted) before anything is cached.
    let p = period(db, actor, params, now).await?;
    let own = !matches!(actor.role, Role::Admin | Role::Manager);
    let key: KpiKey = (
        Arc::as_ptr(&state.config) as usize,
        actor.workspace_id,
        own.then_some(actor.user_id),
        p.from,
        p.to,
    );
    let stored = Stored {
        workspace_id: actor.workspace_id,
        kind: "kpi",
        key: match own {
            true => format!("user:{}:{}:{}", actor.user_id, p.from, p.to),
            false => format!("workspace:{}:{}", p.from, p.to),
        },
    };
    let (db, actor, params) = (db.clone(), *actor, params.clone());
    let report = kpi_cache()
        .get_stored(&state.db, stored, key, move || async move {
            let report = kpi(&db, &actor, &params, now).await?;
            let size: u64 = report
                .rows
                .iter()
                .map(|r| {
                    r.accounts_owned + r.renewals_closed + r.tickets_resolved + r.first_responses
                })
                .sum();
            Ok((report, size >= KPI_CACHE_MIN_ITEMS))
        })
        .await?;
    Ok((*report).clone())
}

pub fn kpi_csv(report: &KpiReport) -> String {
    let mut csv = Csv::new(&[
        "user_id",
        "name",
        "role",
        "accounts_owned",
        "average_health",
        "renewals_closed",
        "renewals_renewed",
        "renewal_rate_percent",
        "tickets_resolved",
        "resolved_within_sla",
        "sla_compliance_percent",
        "first_responses",
        "median_first_response_minutes",
    ]);
    for r in &report.rows {
        csv.row(&[
            Cell::Plain(&r.user_id.to_string()),
            Cell::Text(&r.name),
            Cell::Plain(r.role.as_str()),
            Cell::Plain(&r.accounts_owned.to_string()),
            Cell::Plain(r.average_health.as_deref().unwrap_or("")),
            Cell::Plain(&r.renewals_closed.to_string()),
            Cell::Plain(&r.renewals_renewed.to_string()),
            Cell::Plain(r.renewal_rate.as_deref().unwrap_or("")),
            Cell::Plain(&r.tickets_resolved.to_string()),
            Cell::Plain(&r.resolved_within_sla.to_string()),
            Cell::Plain(r.sla_compliance.as_deref().unwrap_or("")),
            Cell::Plain(&r.first_responses.to_string()),
            Cell::Plain(r.median_first_response_minutes.as_deref().unwrap_or("")),
        ]);
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_whole_minutes() {
        assert_eq!(median_minutes(vec![]), None);
        assert_eq!(median_minutes(vec![7]).as_deref(), Some("7.0"));
        assert_eq!(
            median_minutes(vec![30, 10, 20, 15]).as_deref(),
            Some("17.5")
        );
    }
}
