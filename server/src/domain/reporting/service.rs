//! `GET /reports/service`: SLA attainment, business-hour times, backlog and
//! CSAT over the tickets opened in a period (see `shared::service_report`
//! for the definitions), and its per-ticket CSV.
//!
//! Speed: once the workspace's rollup is built (`service_rollup`, kept by
//! the ticket writers), every figure is read from its day and month rows
//! (`service_rollup_read`): a year of a million tickets is a few thousand
//! rows. Until then (after the migration, after a change of time zone),
//! the figures are read from the per-ticket columns
//! (`domain::tickets::sla_figures`) through one covering index,
//! `ix_tickets_service_report`: one grouped scan for the attainment and
//! CSAT breakdowns and one per time distribution, run concurrently, plus
//! the backlog's counts from the resolution and opening indexes. Both give
//! the same figures (the rollup's distributions are exact).
//!
//! Who sees what: admins and managers the workspace (optionally filtered
//! by module, level, assignee); an engineer only the tickets assigned to
//! them; CSMs are refused (403), portal users never reach it.

use std::collections::{BTreeMap, HashMap};

use actix_web::web::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::reports::{mean_one_decimal, percent, ReportScope};
use shared::service_report::{
    percentile_of_counts, Attainment, Csat, ServiceFigures, ServiceGroup, ServiceMonth,
    ServiceReport, ServiceReportParams, Times,
};
use shared::Role;

use super::csv::{Cell, Csv};
use super::period::{period, ReportParams};
use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::entity::{accounts, service_centres, tickets, users};
use crate::error::{AppError, AppResult};

/// The longest period of the service report, in months.
pub const MAX_MONTHS: usize = 24;

/// A month of the period: its label and `[start, end)`.
pub type Month = (String, DateTime<Utc>, DateTime<Utc>);

/// The checked request: the period, its months and the filters.
#[derive(Debug, Clone)]
pub struct Scope {
    pub workspace_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `[start, end)` of each month's part of the period, with its label.
    pub months: Vec<Month>,
    pub module: Option<String>,
    pub level: Option<String>,
    pub assignee_id: Option<i64>,
    pub own: bool,
    /// The workspace's time zone (the months' and the rollup's days).
    pub tz: Tz,
}

/// Checks the role and the parameters (403 / 422 before anything is read).
pub async fn scope(
    db: &Db,
    actor: &StaffActor,
    params: &ServiceReportParams,
    now: DateTime<Utc>,
) -> AppResult<Scope> {
    actor.require(&[Role::Admin, Role::Manager, Role::Engineer])?;
    let own = actor.role == Role::Engineer;
    if own && params.assignee_id.is_some_and(|id| id != actor.user_id) {
        return Err(AppError::forbidden());
    }
    if let Some(level) = &params.level {
        if level.trim().is_empty() || level.chars().count() > 40 {
            return Err(AppError::field("level", "must be 1 to 40 characters"));
        }
    }
    let p = period(
        db,
        actor,
        &ReportParams {
            from: params.from,
            to: params.to,
            ..Default::default()
        },
        now,
    )
    .await?;
    let tz = crate::domain::common::calendar::time_zone(&db.read, actor.workspace_id).await?;
    let months = months(tz, p.from, p.to, p.start, p.end)?;
    if months.len() > MAX_MONTHS {
        return Err(AppError::field(
            "to",
            format!("the service report covers at most {MAX_MONTHS} months"),
        ));
    }
    Ok(Scope {
        workspace_id: actor.workspace_id,
        from: p.from,
        to: p.to,
        start: p.start,
        end: p.end,
        months,
        module: params.module.map(|m| m.as_str().to_string()),
        level: params.level.as_ref().map(|l| l.trim().to_string()),
        assignee_id: if own {
            Some(actor.user_id)
        } else {
            params.assignee_id
        },
        own,
        tz,
    })
}

/// The calendar months the period touches, clipped to it.
fn months(
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<Vec<Month>> {
    let bad = || AppError::field("to", "is out of range");
    let mut out = Vec::new();
    let mut first = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).ok_or_else(bad)?;
    while first <= to {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(bad)?;
        let instant = |d: NaiveDate| -> AppResult<DateTime<Utc>> {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(bad)
        };
        let s = instant(first)?.max(start);
        let e = instant(next)?.min(end);
        out.push((format!("{:04}-{:02}", first.year(), first.month()), s, e));
        first = next;
        if out.len() > MAX_MONTHS {
            break;
        }
    }
    Ok(out)
}

impl Scope {
    /// ` AND …` of the filters (after `workspace_id = ` has been bound).
    pub(super) fn push_filters(&self, sql: &mut Sql) {
        if let Some(m) = &self.module {
            sql.push(" AND module = ").bind(m.clone());
        }
        if let Some(l) = &self.level {
            sql.push(" AND service_level = ").bind(l.clone());
        }
        if let Some(a) = self.assignee_id {
            sql.push(" AND assignee_id = ").bind(a);
        }
    }

    /// `CAST(CASE WHEN col < b1 THEN 0 … ELSE n-1 END AS BIGINT)`: the
    /// month index of a timestamp inside the period.
    fn push_month(&self, sql: &mut Sql, column: &str) {
        if self.months.len() < 2 {
            sql.push("CAST(0 AS BIGINT)");
            return;
        }
        sql.push("CAST(CASE");
        for (i, (_, _, end)) in self.months.iter().enumerate() {
            if i + 1 == self.months.len() {
                sql.push(&format!(" ELSE {i}"));
            } else {
                sql.push(&format!(" WHEN {column} < "))
                    .bind(*end)
                    .push(&format!(" THEN {i}"));
            }
        }
        sql.push(" END AS BIGINT)");
    }

    /// `FROM tickets WHERE` the workspace, opened in the period, filtered.
    fn push_opened(&self, sql: &mut Sql) {
        sql.push(" FROM tickets WHERE workspace_id = ")
            .bind(self.workspace_id)
            .push(" AND created_at >= ")
            .bind(self.start)
            .push(" AND created_at < ")
            .bind(self.end);
        self.push_filters(sql);
    }
}

/// What one grouped row adds to a set of figures.
#[derive(Clone, Copy)]
struct Cohort {
    n: u64,
    outside: bool,
    first_response: Option<bool>,
    resolution: Option<bool>,
    csat_sum: i64,
    csat_n: u64,
}

#[derive(Default, Clone)]
pub(super) struct Tally {
    tickets: u64,
    outside: u64,
    fr: [u64; 3],
    res: [u64; 3],
    csat_sum: i128,
    csat_n: u64,
}

impl Tally {
    fn add(&mut self, c: &Cohort) {
        self.tickets += c.n;
        self.csat_sum += i128::from(c.csat_sum);
        self.csat_n += c.csat_n;
        if c.outside {
            self.outside += c.n;
            return;
        }
        let slot = |o: Option<bool>| match o {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        self.fr[slot(c.first_response)] += c.n;
        self.res[slot(c.resolution)] += c.n;
    }

    /// Adds a rollup row's counters (`service_rollup::COUNTS`).
    pub(super) fn add_counts(&mut self, c: &[i64; 12]) {
        use crate::domain::tickets::service_rollup::{CSAT_N, CSAT_SUM, FR, OPENED, OUTSIDE, RES};
        let n = |i: usize| u64::try_from(c[i]).unwrap_or(0);
        self.tickets += n(OPENED);
        self.outside += n(OUTSIDE);
        self.csat_n += n(CSAT_N);
        self.csat_sum += i128::from(c[CSAT_SUM]);
        for k in 0..3 {
            self.fr[k] += n(FR + k);
            self.res[k] += n(RES + k);
        }
    }

    fn figures(&self) -> ServiceFigures {
        let attainment = |a: [u64; 3]| Attainment {
            met: a[0],
            breached: a[1],
            pending: a[2],
            rate: percent(i128::from(a[0]), i128::from(a[0] + a[1])),
        };
        ServiceFigures {
            tickets: self.tickets,
            outside_agreement: self.outside,
            first_response: attainment(self.fr),
            resolution: attainment(self.res),
            csat: Csat {
                responses: self.csat_n,
                average: mean_one_decimal(self.csat_sum, i128::from(self.csat_n)),
            },
        }
    }
}

fn count(row: &sea_orm::QueryResult, column: &str) -> AppResult<u64> {
    let n: i64 = row.try_get("", column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The grouped rows of the tickets opened in the period:
/// (month, module, level, assignee, cohort).
async fn cohorts(
    db: &Db,
    s: &Scope,
) -> AppResult<Vec<(usize, String, String, Option<i64>, Cohort)>> {
    let backend = db.read.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT ");
    s.push_month(&mut sql, "created_at");
    sql.push(
        " AS m, module, service_level, assignee_id, outside_agreement, first_response_met, \
         resolution_met, COUNT(*) AS n, COALESCE(SUM(csat_rating), 0) AS csat_sum, \
         COUNT(csat_rating) AS csat_n",
    );
    s.push_opened(&mut sql);
    sql.push(
        " GROUP BY m, module, service_level, assignee_id, outside_agreement, \
         first_response_met, resolution_met",
    );
    let rows = db.read.query_all(sql.statement()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let m: i64 = row.try_get("", "m")?;
        let csat_sum: i64 = row.try_get("", "csat_sum")?;
        out.push((
            usize::try_from(m).unwrap_or(0),
            row.try_get("", "module")?,
            row.try_get("", "service_level")?,
            row.try_get("", "assignee_id")?,
            Cohort {
                n: count(&row, "n")?,
                outside: row.try_get("", "outside_agreement")?,
                first_response: row.try_get("", "first_response_met")?,
                resolution: row.try_get("", "resolution_met")?,
                csat_sum,
                csat_n: count(&row, "csat_n")?,
            },
        ));
    }
    Ok(out)
}

/// Per month, the distribution `(minutes, tickets)` of a time column over
/// the tickets within agreement, sorted by minutes.
async fn distribution(db: &Db, s: &Scope, column: &str) -> AppResult<Vec<Vec<(i64, u64)>>> {
    let backend = db.read.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT ");
    s.push_month(&mut sql, "created_at");
    sql.push(&format!(" AS m, {column} AS v, COUNT(*) AS n"));
    s.push_opened(&mut sql);
    sql.push(" AND outside_agreement = ")
        .bind(false)
        .push(&format!(" AND {column} IS NOT NULL GROUP BY m, v"));
    let mut out = vec![Vec::new(); s.months.len()];
    for row in db.read.query_all(sql.statement()).await? {
        let m: i64 = row.try_get("", "m")?;
        let v: i64 = row.try_get("", "v")?;
        if let Some(month) = out.get_mut(usize::try_from(m).unwrap_or(0)) {
            month.push((v, count(&row, "n")?));
        }
    }
    for month in &mut out {
        month.sort_unstable();
    }
    Ok(out)
}

fn times(sorted: &[(i64, u64)]) -> Times {
    Times {
        count: sorted.iter().map(|(_, n)| n).sum(),
        median_minutes: percentile_of_counts(sorted, 50),
        p90_minutes: percentile_of_counts(sorted, 90),
    }
}

/// Merges sorted per-month distributions into one sorted distribution.
fn merged(months: &[Vec<(i64, u64)>]) -> Vec<(i64, u64)> {
    let mut all: BTreeMap<i64, u64> = BTreeMap::new();
    for month in months {
        for (v, n) in month {
            *all.entry(*v).or_default() += n;
        }
    }
    all.into_iter().collect()
}

/// The backlog: tickets resolved (or closed unresolved) per month, and
/// the tickets open when the period starts.
async fn backlog(db: &Db, s: &Scope) -> AppResult<(Vec<u64>, i128)> {
    let backend = db.read.get_database_backend();
    let mut done = vec![0u64; s.months.len()];
    // Resolved in each month; closed without a resolution (merged
    // duplicates) in each month.
    for (column, unresolved) in [("resolved_at", false), ("closed_at", true)] {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ");
        s.push_month(&mut sql, column);
        sql.push(" AS m, COUNT(*) AS n FROM tickets WHERE workspace_id = ")
            .bind(s.workspace_id)
            .push(&format!(" AND {column} >= "))
            .bind(s.start)
            .push(&format!(" AND {column} < "))
            .bind(s.end);
        if unresolved {
            sql.push(" AND resolved_at IS NULL");
        }
        s.push_filters(&mut sql);
        sql.push(" GROUP BY m");
        for row in db.read.query_all(sql.statement()).await? {
            let m: i64 = row.try_get("", "m")?;
            if let Some(slot) = done.get_mut(usize::try_from(m).unwrap_or(0)) {
                *slot += count(&row, "n")?;
            }
        }
    }
    // Open at the start: opened before it, less those resolved or closed
    // unresolved before it.
    let mut before = 0i128;
    for (column, sign, unresolved) in [
        ("created_at", 1, false),
        ("resolved_at", -1, false),
        ("closed_at", -1, true),
    ] {
        let mut sql = Sql::new(backend);
        sql.push("SELECT COUNT(*) AS n FROM tickets WHERE workspace_id = ")
            .bind(s.workspace_id)
            .push(&format!(" AND {column} < "))
            .bind(s.start);
        if unresolved {
            sql.push(" AND resolved_at IS NULL");
        }
        s.push_filters(&mut sql);
        if let Some(row) = db.read.query_one(sql.statement()).await? {
            before += sign * i128::from(count(&row, "n")?);
        }
    }
    Ok((done, before))
}

/// What the report is made of, however it was read.
pub(super) struct Parts {
    pub total: Tally,
    pub by_month: Vec<Tally>,
    pub by_module: BTreeMap<String, Tally>,
    pub by_level: BTreeMap<String, Tally>,
    pub by_engineer: BTreeMap<Option<i64>, Tally>,
    /// Per month, the sorted distributions of the business minutes.
    pub first: Vec<Vec<(i64, u64)>>,
    pub resolution: Vec<Vec<(i64, u64)>>,
    /// Per month, resolved or closed unresolved; open when the period starts.
    pub backlog: (Vec<u64>, i128),
}

impl Parts {
    pub(super) fn new(s: &Scope) -> Parts {
        Parts {
            total: Tally::default(),
            by_month: vec![Tally::default(); s.months.len()],
            by_module: BTreeMap::new(),
            by_level: BTreeMap::new(),
            by_engineer: BTreeMap::new(),
            first: Vec::new(),
            resolution: Vec::new(),
            backlog: (vec![0; s.months.len()], 0),
        }
    }
}

/// `GET /reports/service`: from the rollup once the workspace's is built
/// (`service_rollup`), from the tickets until then.
pub async fn report(db: &Db, s: &Scope, now: DateTime<Utc>) -> AppResult<ServiceReport> {
    if crate::domain::tickets::service_rollup::ready(&db.read, s.workspace_id, s.tz).await? {
        let parts = super::service_rollup_read::parts(db, s).await?;
        return assemble(db, s, now, parts).await;
    }
    report_from_tickets(db, s, now).await
}

/// The report computed from the tickets' own figures (before the rollup
/// is built, and as the tests' reference).
pub async fn report_from_tickets(
    db: &Db,
    s: &Scope,
    now: DateTime<Utc>,
) -> AppResult<ServiceReport> {
    let (cohorts, first, resolution, backlog) = tokio::try_join!(
        cohorts(db, s),
        distribution(db, s, "first_response_minutes"),
        distribution(db, s, "resolution_minutes"),
        backlog(db, s),
    )?;
    let mut p = Parts::new(s);
    for (m, module, level, assignee, c) in &cohorts {
        p.total.add(c);
        if let Some(t) = p.by_month.get_mut(*m) {
            t.add(c);
        }
        p.by_module.entry(module.clone()).or_default().add(c);
        p.by_level.entry(level.clone()).or_default().add(c);
        p.by_engineer.entry(*assignee).or_default().add(c);
    }
    p.first = first;
    p.resolution = resolution;
    p.backlog = backlog;
    assemble(db, s, now, p).await
}

async fn assemble(db: &Db, s: &Scope, now: DateTime<Utc>, p: Parts) -> AppResult<ServiceReport> {
    let Parts {
        total,
        by_month,
        by_module,
        by_level,
        by_engineer,
        first,
        resolution,
        backlog,
    } = p;
    let ids: Vec<i64> = by_engineer.keys().flatten().copied().collect();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Name)
            .filter(users::Column::WorkspaceId.eq(s.workspace_id))
            .filter(users::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&db.read)
            .await?;
        names.extend(rows);
    }
    let by_centre = by_centre(db, s).await?;
    let (done, mut open) = backlog;
    let months = s
        .months
        .iter()
        .enumerate()
        .map(|(i, (label, start, end))| {
            let figures = by_month[i].figures();
            open += i128::from(figures.tickets) - i128::from(done[i]);
            ServiceMonth {
                month: label.clone(),
                start: *start,
                end: *end,
                first_response_time: times(&first[i]),
                resolution_time: times(&resolution[i]),
                opened: figures.tickets,
                resolved: done[i],
                open_at_end: u64::try_from(open.max(0)).unwrap_or(0),
                figures,
            }
        })
        .collect();
    let group = |key: Option<String>, name: Option<String>, t: &Tally| ServiceGroup {
        key,
        name,
        figures: t.figures(),
    };
    Ok(ServiceReport {
        from: s.from,
        to: s.to,
        scope: if s.own {
            ReportScope::Own
        } else {
            ReportScope::Workspace
        },
        start: s.start,
        end: s.end,
        totals: total.figures(),
        first_response_time: times(&merged(&first)),
        resolution_time: times(&merged(&resolution)),
        months,
        by_module: by_module
            .iter()
            .map(|(k, t)| group(Some(k.clone()), None, t))
            .collect(),
        by_level: by_level
            .iter()
            .map(|(k, t)| group(Some(k.clone()), None, t))
            .collect(),
        by_engineer: by_engineer
            .iter()
            .map(|(k, t)| {
                group(
                    k.map(|id| id.to_string()),
                    k.and_then(|id| names.get(&id).cloned()),
                    t,
                )
            })
            .collect(),
        by_centre: by_centre
            .into_iter()
            .map(|(id, name, t)| group(Some(id.to_string()), Some(name), &t))
            .collect(),
        computed_at: now,
    })
}

/// The tickets opened in the period (under the report's filters) that an
/// authorised service centre escalated to this workspace, per centre link:
/// (link id, centre name, figures), in name order. Escalated tickets are
/// few beside the rest, so they are read from the tickets themselves,
/// found through the links (`ticket_bridges`), rollup or not. `CROSS
/// JOIN` keeps SQLite walking the links and looking each ticket up by id:
/// left to choose, it scanned the workspace's tickets of the period (1.6 s
/// over a million, with no link at all).
async fn by_centre(db: &Db, s: &Scope) -> AppResult<Vec<(i64, String, Tally)>> {
    let backend = db.read.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT b.centre_link_id AS centre, t.outside_agreement, t.first_response_met, \
         t.resolution_met, COUNT(*) AS n, COALESCE(SUM(t.csat_rating), 0) AS csat_sum, \
         COUNT(t.csat_rating) AS csat_n \
         FROM ticket_bridges b CROSS JOIN tickets t \
         WHERE t.id = b.vendor_ticket_id AND b.vendor_workspace_id = ",
    )
    .bind(s.workspace_id)
    .push(" AND t.workspace_id = ")
    .bind(s.workspace_id)
    .push(" AND t.created_at >= ")
    .bind(s.start)
    .push(" AND t.created_at < ")
    .bind(s.end);
    if let Some(m) = &s.module {
        sql.push(" AND t.module = ").bind(m.clone());
    }
    if let Some(l) = &s.level {
        sql.push(" AND t.service_level = ").bind(l.clone());
    }
    if let Some(a) = s.assignee_id {
        sql.push(" AND t.assignee_id = ").bind(a);
    }
    sql.push(
        " GROUP BY b.centre_link_id, t.outside_agreement, t.first_response_met, \
         t.resolution_met",
    );
    let rows = db.read.query_all(sql.statement()).await?;
    let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
    for row in rows {
        let centre: i64 = row.try_get("", "centre")?;
        tallies.entry(centre).or_default().add(&Cohort {
            n: count(&row, "n")?,
            outside: row.try_get("", "outside_agreement")?,
            first_response: row.try_get("", "first_response_met")?,
            resolution: row.try_get("", "resolution_met")?,
            csat_sum: row.try_get("", "csat_sum")?,
            csat_n: count(&row, "csat_n")?,
        });
    }
    if tallies.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i64, String> = service_centres::Entity::find()
        .select_only()
        .column(service_centres::Column::Id)
        .column(service_centres::Column::Name)
        .filter(service_centres::Column::VendorWorkspaceId.eq(s.workspace_id))
        .filter(service_centres::Column::Id.is_in(tallies.keys().copied()))
        .into_tuple::<(i64, String)>()
        .all(&db.read)
        .await?
        .into_iter()
        .collect();
    let mut out: Vec<(i64, String, Tally)> = tallies
        .into_iter()
        .filter_map(|(id, t)| names.get(&id).map(|n| (id, n.clone(), t)))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The CSV's columns.
const CSV_HEADER: &[&str] = &[
    "number",
    "subject",
    "account",
    "module",
    "service_level",
    "priority",
    "status",
    "assignee",
    "outside_agreement",
    "opened_at",
    "first_response_due_at",
    "first_responded_at",
    "first_response_business_minutes",
    "first_response_sla",
    "resolution_due_at",
    "resolved_at",
    "resolution_business_minutes",
    "resolution_sla",
    "csat",
];

/// Tickets per CSV chunk.
const CSV_BATCH: u64 = 1000;

fn outcome_text(outside: bool, met: Option<bool>) -> &'static str {
    match (outside, met) {
        (true, _) => "none",
        (false, Some(true)) => "met",
        (false, Some(false)) => "breached",
        (false, None) => "pending",
    }
}

fn instant(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One chunk of the CSV: the tickets after `after` (opening time, id) in
/// the period, oldest first; the chunk's text and where the next begins.
async fn csv_chunk(
    db: &Db,
    s: &Scope,
    after: Option<(DateTime<Utc>, i64)>,
    header: bool,
) -> AppResult<(String, Option<(DateTime<Utc>, i64)>)> {
    let mut query = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(s.workspace_id))
        .filter(tickets::Column::CreatedAt.gte(s.start))
        .filter(tickets::Column::CreatedAt.lt(s.end))
        .order_by_asc(tickets::Column::CreatedAt)
        .order_by_asc(tickets::Column::Id)
        .limit(CSV_BATCH);
    if let Some(m) = &s.module {
        query = query.filter(tickets::Column::Module.eq(m.as_str()));
    }
    if let Some(l) = &s.level {
        query = query.filter(tickets::Column::ServiceLevel.eq(l.as_str()));
    }
    if let Some(a) = s.assignee_id {
        query = query.filter(tickets::Column::AssigneeId.eq(a));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            sea_orm::Condition::any()
                .add(tickets::Column::CreatedAt.gt(at))
                .add(
                    sea_orm::Condition::all()
                        .add(tickets::Column::CreatedAt.eq(at))
                        .add(tickets::Column::Id.gt(id)),
                ),
        );
    }
    let rows = query.all(&db.read).await?;
    let account_ids: Vec<i64> = rows.iter().map(|t| t.account_id).collect();
    let user_ids: Vec<i64> = rows.iter().filter_map(|t| t.assignee_id).collect();
    let accounts: HashMap<i64, String> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .column(accounts::Column::Name)
        .filter(accounts::Column::WorkspaceId.eq(s.workspace_id))
        .filter(accounts::Column::Id.is_in(account_ids))
        .into_tuple::<(i64, String)>()
        .all(&db.read)
        .await?
        .into_iter()
        .collect();
    let people: HashMap<i64, String> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Name)
        .filter(users::Column::WorkspaceId.eq(s.workspace_id))
        .filter(users::Column::Id.is_in(user_ids))
        .into_tuple::<(i64, String)>()
        .all(&db.read)
        .await?
        .into_iter()
        .collect();
    let mut csv = if header {
        Csv::new(CSV_HEADER)
    } else {
        Csv::empty()
    };
    for t in &rows {
        let outside = t.outside_agreement;
        // Outside agreement the due times are a placeholder far ahead.
        let due = |d: DateTime<Utc>| {
            if outside {
                String::new()
            } else {
                instant(Some(d))
            }
        };
        let minutes = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
        csv.row(&[
            Cell::Plain(&t.number.to_string()),
            Cell::Text(&t.subject),
            Cell::Text(accounts.get(&t.account_id).map_or("", String::as_str)),
            Cell::Plain(&t.module),
            Cell::Text(&t.service_level),
            Cell::Plain(&t.priority),
            Cell::Plain(&t.status),
            Cell::Text(
                t.assignee_id
                    .and_then(|id| people.get(&id))
                    .map_or("", String::as_str),
            ),
            Cell::Plain(if outside { "true" } else { "false" }),
            Cell::Plain(&instant(Some(t.created_at))),
            Cell::Plain(&due(t.first_response_due_at)),
            Cell::Plain(&instant(t.first_responded_at)),
            Cell::Plain(&minutes(t.first_response_minutes)),
            Cell::Plain(outcome_text(outside, t.first_response_met)),
            Cell::Plain(&due(t.resolution_due_at)),
            Cell::Plain(&instant(t.resolved_at)),
            Cell::Plain(&minutes(t.resolution_minutes)),
            Cell::Plain(outcome_text(outside, t.resolution_met)),
            Cell::Plain(&t.csat_rating.map(|r| r.to_string()).unwrap_or_default()),
        ]);
    }
    let next = match rows.last() {
        Some(last) if rows.len() as u64 == CSV_BATCH => Some((last.created_at, last.id)),
        _ => None,
    };
    Ok((csv.finish(), next))
}

/// The per-ticket CSV, streamed a chunk of tickets at a time (the first
/// chunk is read before answering, so a failure is still an error status).
pub async fn csv_stream(
    db: Db,
    s: Scope,
) -> AppResult<impl futures_util::Stream<Item = Result<Bytes, AppError>>> {
    let (first, next) = csv_chunk(&db, &s, None, true).await?;
    enum State {
        Next((DateTime<Utc>, i64)),
        Done,
    }
    let rest = futures_util::stream::unfold(
        (db, s, next.map_or(State::Done, State::Next)),
        |(db, s, state)| async move {
            let State::Next(after) = state else {
                return None;
            };
            match csv_chunk(&db, &s, Some(after), false).await {
                Ok((text, next)) => Some((
                    Ok(Bytes::from(text)),
                    (db, s, next.map_or(State::Done, State::Next)),
                )),
                Err(e) => Some((Err(e), (db, s, State::Done))),
            }
        },
    );
    Ok(futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok(Bytes::from(first)) }),
        rest,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DatabaseBackend;

    #[test]
    fn months_are_clipped_to_the_period() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let from = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let to = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let start = Utc.with_ymd_and_hms(2027, 1, 14, 16, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2027, 3, 10, 16, 0, 0).unwrap();
        let m = months(tz, from, to, start, end).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].0, "2027-01");
        assert_eq!(m[0].1, start);
        assert_eq!(m[0].2, Utc.with_ymd_and_hms(2027, 1, 31, 16, 0, 0).unwrap());
        assert_eq!(m[2].0, "2027-03");
        assert_eq!(m[2].2, end);
    }

    #[test]
    fn outcome_texts() {
        assert_eq!(outcome_text(true, Some(true)), "none");
        assert_eq!(outcome_text(false, Some(false)), "breached");
        assert_eq!(outcome_text(false, None), "pending");
    }

    #[test]
    fn a_backend_is_named() {
        // The month index is cast for PostgreSQL's integer types.
        let scope = Scope {
            workspace_id: 1,
            from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
            start: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap(),
            months: vec![
                (
                    "2027-01".into(),
                    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
                    Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
                ),
                (
                    "2027-02".into(),
                    Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
                    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap(),
                ),
            ],
            module: None,
            level: None,
            assignee_id: None,
            own: false,
            tz: chrono_tz::Asia::Shanghai,
        };
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        scope.push_month(&mut sql, "created_at");
        assert_eq!(
            sql.text,
            "CAST(CASE WHEN created_at < $1 THEN 0 ELSE 1 END AS BIGINT)"
        );
    }
}
