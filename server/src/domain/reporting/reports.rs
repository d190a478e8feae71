//! Reports: renewals over a period (rates, retention, months, churn
//! reasons) and staff KPIs, as JSON and as CSV.
//!
//! Who sees what: admins and managers the whole workspace; a CSM the
//! renewals of the accounts they own and their own KPI row; an engineer
//! their own KPI row (the renewal report is refused: it is about money).
//! Portal users never reach a report (`StaffActor`).
//!
//! Everything is exact: sums of integer cents printed as decimal strings,
//! rates as percentages with two decimals computed from integers
//! (`shared::reports::percent`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
};
use shared::contracts::{RenewalStage, DEFAULT_CURRENCY};
use shared::reports::{
    format_wide_cents, mean_one_decimal, percent, ChurnReasonCount, KpiReport, KpiRow,
    RenewalMonth, RenewalReport, ReportScope,
};
use shared::Role;

use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::portfolio::{wide, Portfolio};
use crate::domain::common::snapshot_cache::SnapshotCache;
use crate::entity::stored::stored;
use crate::entity::users;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The longest period a report covers.
const MAX_PERIOD_DAYS: i64 = 3660;

pub use shared::filters::ReportParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Which answer a report request asks for.
pub trait ReportFormat {
    /// `json` (default) or `csv`; 422 otherwise.
    fn format(&self) -> AppResult<Format>;
}

impl ReportFormat for ReportParams {
    fn format(&self) -> AppResult<Format> {
        match self.format.as_deref() {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(AppError::field("format", "must be json or csv")),
        }
    }
}

/// The period and the workspace's time zone.
struct Period {
    from: NaiveDate,
    to: NaiveDate,
    /// `[start, end)` instants of the period in the workspace's time zone.
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

async fn period(
    db: &Db,
    actor: &StaffActor,
    p: &ReportParams,
    now: DateTime<Utc>,
) -> AppResult<Period> {
    // Every report reads the same parameters; a bad one is refused even
    // where the report does not use it.
    currency_param(p)?;
    let tz = crate::domain::common::calendar::time_zone(&db.read, actor.workspace_id).await?;
    let today = now.with_timezone(&tz).date_naive();
    let year = today.year();
    let from = p
        .from
        .or_else(|| NaiveDate::from_ymd_opt(year, 1, 1))
        .unwrap_or(today);
    let to =
        p.to.or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
            .unwrap_or(today);
    if to < from {
        return Err(AppError::field("to", "must not be before from"));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            format!("the period may span at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    let instant = |d: NaiveDate| -> AppResult<DateTime<Utc>> {
        let local = d
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| AppError::field("from", "is out of range"))?;
        tz.from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::field("from", "is out of range"))
    };
    let after_to = to
        .checked_add_signed(Duration::days(1))
        .ok_or_else(|| AppError::field("to", "is out of range"))?;
    Ok(Period {
        from,
        to,
        start: instant(from)?,
        end: instant(after_to)?,
    })
}

/// One contract ending in the period, with its renewal (if opened).
/// A contract due in the report's period, as the CSV lists it.
#[derive(Debug, Clone)]
pub struct DueRow {
    pub account_code: String,
    pub account_name: String,
    pub owner_name: Option<String>,
    pub currency: String,
    pub figures: DueFigures,
}

/// What the renewal report adds up of a contract due.
#[derive(Debug, Clone)]
pub struct DueFigures {
    pub due_on: NaiveDate,
    /// A contract whose renewal is not opened yet counts as `upcoming`.
    pub stage: RenewalStage,
    pub value_cents: i64,
    /// The renewal's forecast; the contract's value before one exists.
    pub forecast_cents: i64,
    pub upsell_cents: i64,
    /// The value of the contract the renewal created.
    pub next_cents: Option<i64>,
    pub churn_reason: Option<String>,
}

/// The contracts of the period: with `listing`, the account and owner
/// names too, in due order (the CSV); without, only the figures, in no
/// order (the report adds them up as they come).
fn due_statement(
    db: &Db,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
    listing: bool,
) -> sea_orm::Statement {
    let mut sql = Sql::new(db.read.get_database_backend());
    sql.push("SELECT ");
    if listing {
        sql.push(
            "a.code AS account_code, a.name AS account_name, u.name AS owner_name, \
             c.currency AS currency, ",
        );
    }
    sql.push(
        "c.ends_on AS due_on, r.stage AS stage, \
         c.annual_value_cents AS value_cents, r.forecast_cents AS forecast_cents, \
         r.upsell_cents AS upsell_cents, n.annual_value_cents AS next_cents, \
         r.churn_reason AS churn_reason \
         FROM contracts c \
         JOIN accounts a ON a.id = c.account_id ",
    );
    if listing {
        sql.push("LEFT JOIN users u ON u.id = a.owner_id ");
    }
    sql.push(
        "LEFT JOIN renewals r ON r.contract_id = c.id \
         LEFT JOIN contracts n ON n.id = r.next_contract_id \
         WHERE c.workspace_id = ",
    )
    .bind(actor.workspace_id)
    .push(" AND a.workspace_id = ")
    .bind(actor.workspace_id)
    .push(" AND c.currency = ")
    .bind(currency.to_string())
    .push(" AND c.ends_on >= ")
    .bind(period.from)
    .push(" AND c.ends_on <= ")
    .bind(period.to);
    if let Portfolio::Owner(owner) = portfolio {
        sql.push(" AND a.owner_id = ").bind(owner);
    }
    if listing {
        sql.push(" ORDER BY c.ends_on, a.code, c.id");
    }
    sql.statement()
}

fn figures_of(row: &sea_orm::QueryResult) -> AppResult<DueFigures> {
    let value_cents: i64 = row.try_get("", "value_cents")?;
    let stage: Option<String> = row.try_get("", "stage")?;
    Ok(DueFigures {
        due_on: row.try_get("", "due_on")?,
        stage: stage
            .and_then(|s| s.parse().ok())
            .unwrap_or(RenewalStage::Upcoming),
        value_cents,
        forecast_cents: row
            .try_get::<Option<i64>>("", "forecast_cents")?
            .unwrap_or(value_cents),
        upsell_cents: row.try_get::<Option<i64>>("", "upsell_cents")?.unwrap_or(0),
        next_cents: row.try_get("", "next_cents")?,
        churn_reason: row.try_get("", "churn_reason")?,
    })
}

async fn due_rows(
    db: &Db,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
) -> AppResult<Vec<DueRow>> {
    let statement = due_statement(db, actor, portfolio, period, currency, true);
    let rows = db.read.query_all(statement).await?;
    rows.iter()
        .map(|row| {
            Ok(DueRow {
                account_code: row.try_get("", "account_code")?,
                account_name: row.try_get("", "account_name")?,
                owner_name: row.try_get("", "owner_name")?,
                currency: row.try_get("", "currency")?,
                figures: figures_of(row)?,
            })
        })
        .collect()
}

/// The renewal report of the period, added up row by row as the database
/// streams them: a portfolio of 100,000 contracts is never held in memory
/// (reading them all first took 30 MB per report on the 1M-ticket bench).
async fn tally_due(
    db: &Db,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
) -> AppResult<RenewalTally> {
    use futures_util::TryStreamExt;
    use sea_orm::StreamTrait;
    let statement = due_statement(db, actor, portfolio, period, currency, false);
    let mut tally = RenewalTally::new(period.from, period.to);
    let mut stream = db.read.stream(statement).await?;
    while let Some(row) = stream.try_next().await? {
        tally.add(&figures_of(&row)?);
    }
    Ok(tally)
}

fn currency_param(p: &ReportParams) -> AppResult<String> {
    let currency = p
        .currency
        .clone()
        .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
    if !shared::contracts::valid_currency(&currency) {
        return Err(AppError::field(
            "currency",
            "must be three upper-case letters, e.g. CNY",
        ));
    }
    Ok(currency)
}

fn renewal_portfolio(actor: &StaffActor) -> AppResult<Portfolio> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])?;
    Ok(Portfolio::of(actor))
}

/// The arithmetic of the renewal report over the rows of the period.
pub fn summarize_renewals(
    rows: &[DueFigures],
    from: NaiveDate,
    to: NaiveDate,
    currency: String,
    scope: ReportScope,
) -> RenewalReport {
    let mut tally = RenewalTally::new(from, to);
    for r in rows {
        tally.add(r);
    }
    tally.finish(from, to, currency, scope)
}

#[derive(Default)]
struct MonthTally {
    count: u64,
    value: i128,
    forecast: i128,
    upsell: i128,
    renewed: u64,
    churned: u64,
    open: u64,
}

/// The renewal report's sums, one contract at a time.
#[derive(Default)]
pub struct RenewalTally {
    months: BTreeMap<(i32, u32), MonthTally>,
    due_count: u64,
    due_value: i128,
    renewed_count: u64,
    renewed_value: i128,
    churned_count: u64,
    churned_value: i128,
    open_count: u64,
    open_value: i128,
    downgrade: i128,
    expansion: i128,
    reasons: BTreeMap<String, (u64, i128)>,
}

impl RenewalTally {
    /// Every month of the period is listed, those without contracts too.
    pub fn new(from: NaiveDate, to: NaiveDate) -> RenewalTally {
        let mut tally = RenewalTally::default();
        let mut cursor = NaiveDate::from_ymd_opt(from.year(), from.month(), 1);
        while let Some(first) = cursor.filter(|d| *d <= to) {
            tally
                .months
                .insert((first.year(), first.month()), MonthTally::default());
            cursor = first.checked_add_months(chrono::Months::new(1));
        }
        tally
    }

    pub fn add(&mut self, r: &DueFigures) {
        let value = i128::from(r.value_cents);
        self.due_count += 1;
        self.due_value += value;
        let month = self
            .months
            .entry((r.due_on.year(), r.due_on.month()))
            .or_default();
        month.count += 1;
        month.value += value;
        month.forecast += i128::from(r.forecast_cents);
        month.upsell += i128::from(r.upsell_cents);
        match r.stage {
            RenewalStage::Renewed => {
                self.renewed_count += 1;
                self.renewed_value += value;
                month.renewed += 1;
                let next = i128::from(r.next_cents.unwrap_or(r.value_cents));
                if next < value {
                    self.downgrade += value - next;
                } else {
                    self.expansion += next - value;
                }
            }
            RenewalStage::Churned => {
                self.churned_count += 1;
                self.churned_value += value;
                month.churned += 1;
                let reason = r.churn_reason.as_deref().unwrap_or("other");
                let entry = match self.reasons.get_mut(reason) {
                    Some(entry) => entry,
                    None => self.reasons.entry(reason.to_string()).or_default(),
                };
                entry.0 += 1;
                entry.1 += value;
            }
            _ => {
                self.open_count += 1;
                self.open_value += value;
                month.open += 1;
            }
        }
    }

    pub fn finish(
        self,
        from: NaiveDate,
        to: NaiveDate,
        currency: String,
        scope: ReportScope,
    ) -> RenewalReport {
        let RenewalTally {
            months,
            due_count,
            due_value,
            renewed_count,
            renewed_value,
            churned_count,
            churned_value,
            open_count,
            open_value,
            downgrade,
            expansion,
            reasons,
        } = self;
        let starting = renewed_value + churned_value;
        let retained = starting - churned_value - downgrade;
        let mut churn_reasons: Vec<ChurnReasonCount> = reasons
            .into_iter()
            .map(|(reason, (count, value))| ChurnReasonCount {
                reason,
                count,
                annual_value: format_wide_cents(value),
            })
            .collect();
        churn_reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        RenewalReport {
            from,
            to,
            currency,
            scope,
            due_count,
            due_value: format_wide_cents(due_value),
            renewed_count,
            renewed_value: format_wide_cents(renewed_value),
            churned_count,
            churned_value: format_wide_cents(churned_value),
            open_count,
            open_value: format_wide_cents(open_value),
            renewal_rate_by_count: percent(
                i128::from(renewed_count),
                i128::from(renewed_count + churned_count),
            ),
            renewal_rate_by_value: percent(renewed_value, starting),
            starting_arr: format_wide_cents(starting),
            churned_arr: format_wide_cents(churned_value),
            downgrade_arr: format_wide_cents(downgrade),
            expansion_arr: format_wide_cents(expansion),
            gross_revenue_retention: percent(retained, starting),
            net_revenue_retention: percent(retained + expansion, starting),
            by_month: months
                .into_iter()
                .map(|((y, m), s)| RenewalMonth {
                    month: format!("{y:04}-{m:02}"),
                    count: s.count,
                    annual_value: format_wide_cents(s.value),
                    forecast_amount: format_wide_cents(s.forecast),
                    upsell_amount: format_wide_cents(s.upsell),
                    renewed_count: s.renewed,
                    churned_count: s.churned,
                    open_count: s.open,
                })
                .collect(),
            churn_reasons,
            computed_at: None,
        }
    }
}

/// Below this many contracts due in the period, the renewal report is
/// computed for every request; from it on, served from a snapshot.
pub const RENEWAL_REPORT_CACHE_MIN_ROWS: usize = 1000;

/// (application instance, workspace, portfolio, from, to, currency).
type RenewalReportKey = (usize, i64, Portfolio, NaiveDate, NaiveDate, String);

fn renewal_report_cache() -> &'static SnapshotCache<RenewalReportKey, RenewalReport> {
    static CACHE: std::sync::OnceLock<SnapshotCache<RenewalReportKey, RenewalReport>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| SnapshotCache::new(KPI_CACHE_TTL, 256))
}

/// `GET /reports/renewals` as the API serves it: a big portfolio's report
/// (`RENEWAL_REPORT_CACHE_MIN_ROWS` contracts due or more) comes from a
/// snapshot up to `KPI_CACHE_TTL` old, computed once for all the requests
/// that ask meanwhile (`computed_at` says when); a small one's is computed
/// for every request.
pub async fn renewals_snapshot(
    state: &AppState,
    actor: &StaffActor,
    params: &ReportParams,
) -> AppResult<RenewalReport> {
    let db = &state.db;
    let now = state.clock.now();
    let portfolio = renewal_portfolio(actor)?;
    let currency = currency_param(params)?;
    let p = period(db, actor, params, now).await?;
    let key: RenewalReportKey = (
        Arc::as_ptr(&state.config) as usize,
        actor.workspace_id,
        portfolio,
        p.from,
        p.to,
        currency.clone(),
    );
    let report = renewal_report_cache()
        .get(key, || async {
            let tally = tally_due(db, actor, portfolio, &p, &currency).await?;
            let big = tally.due_count >= RENEWAL_REPORT_CACHE_MIN_ROWS as u64;
            let mut report = tally.finish(p.from, p.to, currency.clone(), portfolio.scope());
            report.computed_at = Some(now);
            Ok((report, big))
        })
        .await?;
    Ok((*report).clone())
}

/// `GET /reports/renewals?format=csv`: one line per contract due in the
/// period.
pub async fn renewals_csv(
    db: &Db,
    actor: &StaffActor,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let portfolio = renewal_portfolio(actor)?;
    let currency = currency_param(params)?;
    let period = period(db, actor, params, now).await?;
    let rows = due_rows(db, actor, portfolio, &period, &currency).await?;
    let mut csv = Csv::new(&[
        "account_code",
        "account_name",
        "owner",
        "due_on",
        "stage",
        "currency",
        "annual_value",
        "forecast_amount",
        "upsell_amount",
        "next_annual_value",
        "churn_reason",
    ]);
    for r in &rows {
        csv.row(&[
            Cell::Text(&r.account_code),
            Cell::Text(&r.account_name),
            Cell::Text(r.owner_name.as_deref().unwrap_or("")),
            Cell::Plain(&r.figures.due_on.to_string()),
            Cell::Plain(r.figures.stage.as_str()),
            Cell::Plain(&r.currency),
            Cell::Plain(&format_wide_cents(i128::from(r.figures.value_cents))),
            Cell::Plain(&format_wide_cents(i128::from(r.figures.forecast_cents))),
            Cell::Plain(&format_wide_cents(i128::from(r.figures.upsell_cents))),
            Cell::Plain(
                &r.figures
                    .next_cents
                    .map(|c| format_wide_cents(i128::from(c)))
                    .unwrap_or_default(),
            ),
            Cell::Text(r.figures.churn_reason.as_deref().unwrap_or("")),
        ]);
    }
    Ok(csv.finish())
}

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
    let mut resolved: HashMap<i64, (u64, u64)> = HashMap::new();
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
             THEN 1 ELSE 0 END), 0) AS within FROM tickets WHERE workspace_id = ",
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
            resolved.insert(
                assignee,
                (
                    u64::try_from(n).unwrap_or(0),
                    u64::try_from(within).unwrap_or(0),
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
            let (tickets_resolved, within) = resolved.get(&u.id).copied().unwrap_or_default();
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
                sla_compliance: percent(i128::from(within), i128::from(tickets_resolved)),
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
/// How long a KPI snapshot is served.
pub const KPI_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// (application instance, workspace, the user of an "own" report, from, to).
type KpiKey = (usize, i64, Option<i64>, NaiveDate, NaiveDate);

fn kpi_cache() -> &'static SnapshotCache<KpiKey, KpiReport> {
    static CACHE: std::sync::OnceLock<SnapshotCache<KpiKey, KpiReport>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| SnapshotCache::new(KPI_CACHE_TTL, 256))
}

/// `GET /reports/kpi`: a big workspace's figures come from a snapshot up to
/// `KPI_CACHE_TTL` old (`computed_at` says when; they are exact as of
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
    let report = kpi_cache()
        .get(key, || async {
            let report = kpi(db, actor, params, now).await?;
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

/// A CSV cell: `Plain` values are ours (numbers, dates, codes); `Text`
/// came from users and is guarded against spreadsheet formulas.
pub enum Cell<'a> {
    Plain(&'a str),
    Text(&'a str),
}

/// RFC 4180 CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel
/// reads Chinese correctly), CRLF line ends, a field quoted when it holds a
/// comma, quote or line break (quotes doubled). Text from users that starts
/// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a spreadsheet
/// shows it instead of evaluating it.
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Csv {
        let mut csv = Csv {
            out: String::from("\u{feff}"),
        };
        let cells: Vec<Cell> = header.iter().map(|h| Cell::Plain(h)).collect();
        csv.row(&cells);
        csv
    }

    pub fn row(&mut self, cells: &[Cell]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let (text, guard) = match cell {
                Cell::Plain(t) => (*t, false),
                Cell::Text(t) => (*t, t.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            };
            let field = if guard {
                format!("'{text}")
            } else {
                text.to_string()
            };
            if field.contains([',', '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(&field);
            }
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stage: RenewalStage, due: (i32, u32, u32), value: i64, next: Option<i64>) -> DueFigures {
        DueFigures {
            due_on: NaiveDate::from_ymd_opt(due.0, due.1, due.2).unwrap(),
            stage,
            value_cents: value,
            forecast_cents: value,
            upsell_cents: 0,
            next_cents: next,
            churn_reason: (stage == RenewalStage::Churned).then(|| "price".into()),
        }
    }

    #[test]
    fn retention_follows_the_formulas() {
        // Starting 100 + 50 + 30 = 180; churned 30; downgrade 10; upsell 20.
        let rows = vec![
            row(RenewalStage::Renewed, (2027, 1, 10), 10_000, Some(12_000)),
            row(RenewalStage::Renewed, (2027, 1, 20), 5_000, Some(4_000)),
            row(RenewalStage::Churned, (2027, 3, 1), 3_000, None),
            row(RenewalStage::Upcoming, (2027, 3, 5), 7_000, None),
        ];
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        let r = summarize_renewals(&rows, from, to, "CNY".into(), ReportScope::Workspace);
        assert_eq!(r.starting_arr, "180.00");
        assert_eq!(r.churned_arr, "30.00");
        assert_eq!(r.downgrade_arr, "10.00");
        assert_eq!(r.expansion_arr, "20.00");
        // (180 − 30 − 10) / 180 = 77.78 %; + 20 → 88.89 %.
        assert_eq!(r.gross_revenue_retention.as_deref(), Some("77.78"));
        assert_eq!(r.net_revenue_retention.as_deref(), Some("88.89"));
        assert_eq!(r.renewal_rate_by_count.as_deref(), Some("66.67"));
        assert_eq!(r.renewal_rate_by_value.as_deref(), Some("83.33"));
        assert_eq!(r.by_month.len(), 3);
        assert_eq!(r.by_month[1].count, 0);
        assert_eq!(r.by_month[2].open_count, 1);
        assert_eq!(r.open_value, "70.00");
    }

    #[test]
    fn medians_of_whole_minutes() {
        assert_eq!(median_minutes(vec![]), None);
        assert_eq!(median_minutes(vec![7]).as_deref(), Some("7.0"));
        assert_eq!(
            median_minutes(vec![30, 10, 20, 15]).as_deref(),
            Some("17.5")
        );
    }

    #[test]
    fn csv_quotes_and_guards() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&[Cell::Text("华为，有限公司, \"总部\""), Cell::Text("=1+1")]);
        csv.row(&[Cell::Plain("-0.05"), Cell::Text("x")]);
        assert_eq!(
            csv.finish(),
            "\u{feff}a,b\r\n\"华为，有限公司, \"\"总部\"\"\",'=1+1\r\n-0.05,x\r\n"
        );
    }
}
