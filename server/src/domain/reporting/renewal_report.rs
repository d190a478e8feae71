//! The renewal report over a period: rates, gross and net retention,
//! months and churn reasons, exact, as JSON (snapshot-cached when big) and CSV.
//!
//! Who sees it: admins and managers the whole workspace; a CSM the renewals
//! of the accounts they own; engineers are refused (it is about money).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use shared::contracts::RenewalStage;
use shared::reports::{
    format_wide_cents, percent, ChurnReasonCount, RenewalMonth, RenewalReport, ReportScope,
};
use shared::Role;

use super::csv::{Cell, Csv};
use super::period::{currency_param, period, Period, ReportParams};
use super::SNAPSHOT_TTL;
use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::portfolio::{wide, Portfolio};
use crate::domain::common::snapshot_cache::{SnapshotCache, Stored};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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

/// The contracts of the period, for the CSV: the account and owner names
/// too, in due order.
fn due_statement(
    db: &Db,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
) -> sea_orm::Statement {
    let mut sql = Sql::new(db.read.get_database_backend());
    sql.push(
        "SELECT a.code AS account_code, a.name AS account_name, u.name AS owner_name, \
         c.currency AS currency, c.ends_on AS due_on, r.stage AS stage, \
         c.annual_value_cents AS value_cents, r.forecast_cents AS forecast_cents, \
         r.upsell_cents AS upsell_cents, n.annual_value_cents AS next_cents, \
         r.churn_reason AS churn_reason",
    );
    due_from(&mut sql, actor, portfolio, period, currency, true);
    sql.push(" ORDER BY c.ends_on, a.code, c.id");
    sql.statement()
}

/// `FROM … WHERE …` of the contracts due in the period in `currency`, with
/// their renewal `r` and the contract `n` it created; with `names`, their
/// account `a` and its owner `u`.
fn due_from(
    sql: &mut Sql,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
    names: bool,
) {
    sql.push(" FROM contracts c ");
    // The account only for its names or its owner: a contract's account
    // is in the contract's workspace, and the whole workspace's figures
    // need not look up each of its tens of thousands of contracts' accounts.
    let by_account = names || matches!(portfolio, Portfolio::Owner(_));
    if by_account {
        sql.push("JOIN accounts a ON a.id = c.account_id ");
    }
    if names {
        sql.push("LEFT JOIN users u ON u.id = a.owner_id ");
    }
    sql.push(
        "LEFT JOIN renewals r ON r.contract_id = c.id \
         LEFT JOIN contracts n ON n.id = r.next_contract_id \
         WHERE c.workspace_id = ",
    )
    .bind(actor.workspace_id);
    if by_account {
        sql.push(" AND a.workspace_id = ").bind(actor.workspace_id);
    }
    sql.push(" AND c.currency = ")
        .bind(currency.to_string())
        .push(" AND c.ends_on >= ")
        .bind(period.from)
        .push(" AND c.ends_on <= ")
        .bind(period.to);
    if let Portfolio::Owner(owner) = portfolio {
        sql.push(" AND a.owner_id = ").bind(owner);
    }
}

fn figures_of(row: &sea_orm::QueryResult) -> AppResult<DueFigures> {
    let value_cents: i64 = row.try_get("", "value_cents")?;
    let stage: Option<String> = row.try_get("", "stage")?;
    Ok(DueFigures {
        due_on: row.try_get("", "due_on")?,
        stage: stage_of(stage.as_deref()),
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
    let statement = due_statement(db, actor, portfolio, period, currency);
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

/// The renewal report of the period, added up by the database: one row
/// per month, stage and churn reason (a few dozen), each added as its
/// contracts would be one by one. Streaming the contracts themselves (tens
/// of thousands in a year of a big workspace) kept a refresh busy for
/// 80–160 ms on PostgreSQL and 200 ms on SQLite, slowing every request
/// beside it.
async fn tally_due(
    db: &Db,
    actor: &StaffActor,
    portfolio: Portfolio,
    period: &Period,
    currency: &str,
) -> AppResult<RenewalTally> {
    let backend = db.read.get_database_backend();
    // `YYYY-MM` of the due date (SQLite keeps dates as `YYYY-MM-DD` text).
    let month = match backend {
        DatabaseBackend::Postgres => "to_char(c.ends_on, 'YYYY-MM')",
        _ => "substr(c.ends_on, 1, 7)",
    };
    let next = "COALESCE(n.annual_value_cents, c.annual_value_cents)";
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {month} AS month, r.stage AS stage, r.churn_reason AS churn_reason, \
         COUNT(*) AS n, CAST(SUM(c.annual_value_cents) AS TEXT) AS value_cents, \
         CAST(SUM(COALESCE(r.forecast_cents, c.annual_value_cents)) AS TEXT) AS forecast_cents, \
         CAST(SUM(COALESCE(r.upsell_cents, 0)) AS TEXT) AS upsell_cents, \
         CAST(SUM(CASE WHEN {next} < c.annual_value_cents \
         THEN c.annual_value_cents - {next} ELSE 0 END) AS TEXT) AS downgrade_cents, \
         CAST(SUM(CASE WHEN {next} >= c.annual_value_cents \
         THEN {next} - c.annual_value_cents ELSE 0 END) AS TEXT) AS expansion_cents"
    ));
    due_from(&mut sql, actor, portfolio, period, currency, false);
    sql.push(&format!(" GROUP BY {month}, r.stage, r.churn_reason"));
    let mut tally = RenewalTally::new(period.from, period.to);
    for row in db.read.query_all(sql.statement()).await? {
        let month: String = row.try_get("", "month")?;
        let bad_month = || AppError::Internal(anyhow::anyhow!("a due month '{month}'"));
        let (year, number) = month.split_once('-').ok_or_else(bad_month)?;
        let month = (
            year.parse().map_err(|_| bad_month())?,
            number.parse().map_err(|_| bad_month())?,
        );
        let stage: Option<String> = row.try_get("", "stage")?;
        let churn_reason: Option<String> = row.try_get("", "churn_reason")?;
        let count: i64 = row.try_get("", "n")?;
        tally.add_group(
            month,
            stage_of(stage.as_deref()),
            churn_reason.as_deref(),
            &GroupSums {
                count: u64::try_from(count).unwrap_or(0),
                value: wide(&row, "value_cents")?,
                forecast: wide(&row, "forecast_cents")?,
                upsell: wide(&row, "upsell_cents")?,
                downgrade: wide(&row, "downgrade_cents")?,
                expansion: wide(&row, "expansion_cents")?,
            },
        );
    }
    Ok(tally)
}

/// A stored renewal stage; a contract whose renewal is not opened yet
/// (no stage) counts as `upcoming`.
fn stage_of(stage: Option<&str>) -> RenewalStage {
    stage
        .and_then(|s| s.parse().ok())
        .unwrap_or(RenewalStage::Upcoming)
}

/// The sums of a group of contracts due in one month at one stage.
pub struct GroupSums {
    pub count: u64,
    pub value: i128,
    pub forecast: i128,
    pub upsell: i128,
    /// What the renewed contracts lost against their renewal's value.
    pub downgrade: i128,
    /// What they gained.
    pub expansion: i128,
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
        let next = i128::from(r.next_cents.unwrap_or(r.value_cents));
        self.add_group(
            (r.due_on.year(), r.due_on.month()),
            r.stage,
            r.churn_reason.as_deref(),
            &GroupSums {
                count: 1,
                value,
                forecast: i128::from(r.forecast_cents),
                upsell: i128::from(r.upsell_cents),
                downgrade: (value - next).max(0),
                expansion: (next - value).max(0),
            },
        );
    }

    /// Adds a group of contracts due in `month` at `stage` at once, as
    /// [`RenewalTally::add`] would one by one.
    pub fn add_group(
        &mut self,
        month: (i32, u32),
        stage: RenewalStage,
        churn_reason: Option<&str>,
        sums: &GroupSums,
    ) {
        let GroupSums {
            count,
            value,
            forecast,
            upsell,
            downgrade,
            expansion,
        } = *sums;
        self.due_count += count;
        self.due_value += value;
        let month = self.months.entry(month).or_default();
        month.count += count;
        month.value += value;
        month.forecast += forecast;
        month.upsell += upsell;
        match stage {
            RenewalStage::Renewed => {
                self.renewed_count += count;
                self.renewed_value += value;
                month.renewed += count;
                self.downgrade += downgrade;
                self.expansion += expansion;
            }
            RenewalStage::Churned => {
                self.churned_count += count;
                self.churned_value += value;
                month.churned += count;
                let reason = churn_reason.unwrap_or("other");
                let entry = match self.reasons.get_mut(reason) {
                    Some(entry) => entry,
                    None => self.reasons.entry(reason.to_string()).or_default(),
                };
                entry.0 += count;
                entry.1 += value;
            }
            _ => {
                self.open_count += count;
                self.open_value += value;
                month.open += count;
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
    CACHE.get_or_init(|| SnapshotCache::new(SNAPSHOT_TTL, 256))
}

/// `GET /reports/renewals` as the API serves it: a big portfolio's report
/// (`RENEWAL_REPORT_CACHE_MIN_ROWS` contracts due or more) comes from a
/// snapshot up to `SNAPSHOT_TTL` old, refreshed in the background once
/// stale (`computed_at` says when); a small one's is computed for every
/// request.
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
    let stored = Stored {
        workspace_id: actor.workspace_id,
        kind: "renewals",
        key: format!("{}:{}:{}:{currency}", portfolio.key(), p.from, p.to),
    };
    let (db, actor) = (db.clone(), *actor);
    let report = renewal_report_cache()
        .get_stored(&state.db, stored, key, move || async move {
            let tally = tally_due(&db, &actor, portfolio, &p, &currency).await?;
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
}
