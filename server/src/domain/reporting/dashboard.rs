//! `GET /dashboard`: the caller's portfolio at a glance — every figure one
//! grouped query on an index, so the page stays fast with 100,000 accounts
//! and a million tickets.
//!
//! Figures: accounts by stage, open renewals due in 30/60/90 days with
//! value and forecast, open tickets by module and breaches, onboarding
//! behind/stuck, recent NPS, and from the latest health snapshots the
//! accounts by band, the ARR at risk (red accounts' running contracts) and
//! the lowest-scoring accounts with their 30-day trends.
//!
//! Portfolio: admins, managers (and engineers, read-only) see the whole
//! workspace; a CSM the accounts they own. Portal users never reach it.
//!
//! A big portfolio (at least `CACHE_MIN_ACCOUNTS` accounts) is served from
//! a per-process cache for up to `CACHE_TTL`: the grouped queries scan
//! hundreds of thousands of index entries, too much to run for every page
//! view of every manager. When an entry expires, it is recomputed in the
//! background while requests keep getting the previous figures
//! (stale-while-revalidate, [`SnapshotCache`]). `computed_at` says how old the figures are.
//! Small portfolios are always computed fresh.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::contracts::RenewalStage;
use shared::health::{HealthBand, HealthComponent, TrendPoint};
use shared::onboarding::STUCK_AFTER_DAYS;
use shared::reports::{
    format_wide_cents, AtRiskAccount, BandCount, CurrencyAmount, Dashboard, ModuleTickets,
    MoneyTotal, OnboardingCounts, RecentNps, RenewalWindow, StageCount,
};
use shared::tickets::TicketStatus;
use shared::{ErpModule, LifecycleStage};

use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::portfolio::{owned_accounts, wide, Portfolio};
use crate::domain::common::snapshot_cache::{SnapshotCache, Stored};
use crate::domain::health::TREND_DAYS;
use crate::entity::stored::stored;
use crate::entity::{accounts, health_snapshots, tickets};
use crate::error::AppResult;
use crate::state::AppState;

/// The renewal windows shown, in days from today.
pub const WINDOWS: [i64; 3] = [30, 60, 90];
/// Contracts that ended up to this many days ago and are still open count
/// as due (overdue).
const OVERDUE_DAYS: i64 = 90;
/// NPS over the responses of this many days.
pub const NPS_DAYS: i64 = 90;
/// At most this many at-risk accounts are listed.
pub const AT_RISK_LIMIT: u64 = 10;

/// Portfolios with at least this many accounts are cached.
pub const CACHE_MIN_ACCOUNTS: u64 = 1000;
/// How long cached figures are served.
pub const CACHE_TTL: StdDuration = super::SNAPSHOT_TTL;

/// (application instance, workspace, portfolio, day). The instance keeps
/// two applications in one process (tests) from sharing figures.
type Key = (usize, i64, Portfolio, NaiveDate);

fn cache() -> &'static SnapshotCache<Key, Dashboard> {
    static CACHE: OnceLock<SnapshotCache<Key, Dashboard>> = OnceLock::new();
    CACHE.get_or_init(|| SnapshotCache::new(CACHE_TTL, 1024))
}

/// The caller's dashboard: from the cache for a big portfolio (see the
/// module's documentation), computed otherwise.
/// The dashboard as `actor` may see it: an engineer sees counts, never
/// contract values or ARR.
pub async fn get(state: &AppState, actor: &StaffActor) -> AppResult<Dashboard> {
    let mut dashboard = figures(state, actor).await?;
    if !crate::domain::renewals::contracts::may_see_money(actor) {
        dashboard.at_risk_arr.clear();
        for window in &mut dashboard.renewals_due {
            window.totals.clear();
        }
    }
    Ok(dashboard)
}

async fn figures(state: &AppState, actor: &StaffActor) -> AppResult<Dashboard> {
    let db = &state.db;
    let now = state.clock.now();
    let portfolio = Portfolio::of(actor);
    let ws = actor.workspace_id;
    let today = crate::domain::common::calendar::today(&db.read, ws, now).await?;
    let instance = Arc::as_ptr(&state.config) as usize;
    let key: Key = (instance, ws, portfolio, today);
    let stored = Stored {
        workspace_id: ws,
        kind: "dashboard",
        key: format!("{}:{today}", portfolio.key()),
    };
    let db = db.clone();
    let dashboard = cache()
        .get_stored(&state.db, stored, key, move || async move {
            let dashboard = compute(&db, ws, portfolio, today, now).await?;
            let big = dashboard.accounts_total >= CACHE_MIN_ACCOUNTS;
            Ok((dashboard, big))
        })
        .await?;
    Ok((*dashboard).clone())
}

/// Computes the figures: one grouped query per block.
pub async fn compute(
    db: &Db,
    ws: i64,
    portfolio: Portfolio,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Dashboard> {
    let conn = &db.read;

    // Accounts by stage.
    let mut query = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Stage)
        // `COUNT(*)`, not of a column the index lacks: an index-only scan.
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(accounts::Column::WorkspaceId.eq(ws))
        .filter(accounts::Column::Archived.eq(false))
        .group_by(accounts::Column::Stage);
    if let Portfolio::Owner(owner) = portfolio {
        query = query.filter(accounts::Column::OwnerId.eq(owner));
    }
    let by_stage = query.into_tuple::<(String, i64)>().all(conn).await?;
    let accounts_by_stage: Vec<StageCount> = LifecycleStage::ALL
        .iter()
        .map(|stage| StageCount {
            stage: *stage,
            count: by_stage
                .iter()
                .filter(|(s, _)| s == stage.as_str())
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .sum(),
        })
        .collect();
    let accounts_total = by_stage
        .iter()
        .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
        .sum();

    // Renewals due: open (or not yet opened) renewals of contracts ending
    // by today + N days, per currency.
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT c.currency AS currency");
    for days in WINDOWS {
        let until = today + Duration::days(days);
        sql.push(", SUM(CASE WHEN c.ends_on <= ")
            .bind(until)
            .push(&format!(" THEN 1 ELSE 0 END) AS n{days}"));
        sql.push(", CAST(SUM(CASE WHEN c.ends_on <= ")
            .bind(until)
            .push(&format!(
                " THEN c.annual_value_cents ELSE 0 END) AS TEXT) AS v{days}"
            ));
        sql.push(", CAST(SUM(CASE WHEN c.ends_on <= ")
            .bind(until)
            .push(&format!(
                " THEN COALESCE(r.forecast_cents, c.annual_value_cents) ELSE 0 END) AS TEXT) AS f{days}"
            ));
    }
    sql.push(
        " FROM contracts c LEFT JOIN renewals r ON r.contract_id = c.id \
         WHERE c.workspace_id = ",
    )
    .bind(ws)
    .push(" AND c.ends_on >= ")
    .bind(today - Duration::days(OVERDUE_DAYS))
    .push(" AND c.ends_on <= ")
    .bind(today + Duration::days(WINDOWS[WINDOWS.len() - 1]))
    .push(" AND (r.id IS NULL OR r.stage IN (")
    .bind_list(RenewalStage::OPEN.iter().map(|stage| stage.as_str()))
    .push("))");
    if let Portfolio::Owner(owner) = portfolio {
        sql.push(" AND c.account_id IN (SELECT id FROM accounts WHERE workspace_id = ")
            .bind(ws)
            .push(" AND owner_id = ")
            .bind(owner)
            .push(")");
    }
    sql.push(" GROUP BY c.currency ORDER BY c.currency");
    let rows = conn.query_all(sql.statement()).await?;
    let mut renewals_due: Vec<RenewalWindow> = WINDOWS
        .iter()
        .map(|days| RenewalWindow {
            within_days: *days,
            count: 0,
            totals: Vec::new(),
        })
        .collect();
    for row in &rows {
        let currency: String = row.try_get("", "currency")?;
        for window in renewals_due.iter_mut() {
            let d = window.within_days;
            let n: Option<i64> = row.try_get("", &format!("n{d}"))?;
            let n = u64::try_from(n.unwrap_or(0)).unwrap_or(0);
            if n == 0 {
                continue;
            }
            window.count += n;
            window.totals.push(MoneyTotal {
                currency: currency.clone(),
                annual_value: format_wide_cents(wide(row, &format!("v{d}"))?),
                forecast_amount: format_wide_cents(wide(row, &format!("f{d}"))?),
            });
        }
    }

    // Open tickets by module, with current breaches.
    let open: Vec<&str> = TicketStatus::ALL
        .iter()
        .filter(|s| !matches!(s, TicketStatus::Resolved | TicketStatus::Closed))
        .map(|s| s.as_str())
        .collect();
    let mut query = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Module)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust(
                "SUM(CASE WHEN first_response_breached_at IS NOT NULL \
                 OR resolution_breached_at IS NOT NULL THEN 1 ELSE 0 END)",
            ),
            "b",
        )
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::Status.is_in(open))
        .group_by(tickets::Column::Module);
    if let Portfolio::Owner(owner) = portfolio {
        query = query.filter(tickets::Column::AccountId.in_subquery(owned_accounts(ws, owner)));
    }
    let by_module = query
        .into_tuple::<(String, i64, Option<i64>)>()
        .all(conn)
        .await?;
    let mut open_tickets = 0;
    let mut breached_tickets = 0;
    let mut open_tickets_by_module = Vec::new();
    for module in ErpModule::ALL {
        let (n, b) = by_module
            .iter()
            .filter(|(m, _, _)| m == module.as_str())
            .fold((0u64, 0u64), |(n, b), (_, rn, rb)| {
                (
                    n + u64::try_from(*rn).unwrap_or(0),
                    b + u64::try_from(rb.unwrap_or(0)).unwrap_or(0),
                )
            });
        open_tickets += n;
        breached_tickets += b;
        open_tickets_by_module.push(ModuleTickets {
            module: *module,
            open: n,
            breached: b,
        });
    }

    // Onboarding: accounts in the stage, plans with an overdue open task
    // (`behind`), and of those the idle ones (`stuck`), as the portfolio
    // computes them.
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT COUNT(*) AS accounts, COUNT(p.id) AS with_plan, \
         COALESCE(SUM(CASE WHEN o.plan_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS overdue, \
         COALESCE(SUM(CASE WHEN o.plan_id IS NOT NULL AND p.last_activity_at <= ",
    )
    .bind(now - Duration::days(STUCK_AFTER_DAYS))
    .push(
        " THEN 1 ELSE 0 END), 0) AS stuck \
         FROM accounts a \
         LEFT JOIN onboarding_plans p ON p.account_id = a.id AND p.workspace_id = a.workspace_id \
         LEFT JOIN (SELECT DISTINCT t.plan_id AS plan_id FROM onboarding_tasks t \
         WHERE t.workspace_id = ",
    )
    .bind(ws)
    .push(" AND t.status IN (")
    .bind("todo")
    .push(", ")
    .bind("in_progress")
    .push(") AND t.due_on < ")
    .bind(today)
    .push(") o ON o.plan_id = p.id WHERE a.workspace_id = ")
    .bind(ws)
    .push(" AND a.archived = ")
    .bind(false)
    .push(" AND a.stage = ")
    .bind(LifecycleStage::Onboarding.as_str());
    if let Portfolio::Owner(owner) = portfolio {
        sql.push(" AND a.owner_id = ").bind(owner);
    }
    let row = conn.query_one(sql.statement()).await?;
    let count = |name: &str| -> AppResult<u64> {
        Ok(match &row {
            Some(row) => {
                u64::try_from(row.try_get::<Option<i64>>("", name)?.unwrap_or(0)).unwrap_or(0)
            }
            None => 0,
        })
    };
    let overdue = count("overdue")?;
    let stuck = count("stuck")?;
    let onboarding = OnboardingCounts {
        accounts: count("accounts")?,
        with_plan: count("with_plan")?,
        behind: overdue.saturating_sub(stuck),
        stuck,
    };

    let owner = match portfolio {
        Portfolio::Owner(owner) => Some(owner),
        Portfolio::Workspace => None,
    };
    let Health {
        day: health_day,
        bands: accounts_by_band,
        at_risk_arr,
        at_risk_accounts,
    } = health(db, ws, owner, today).await?;
    let summary =
        crate::domain::surveys::recent_nps(conn, ws, owner, now - Duration::days(NPS_DAYS)).await?;

    Ok(Dashboard {
        scope: portfolio.scope(),
        today,
        computed_at: now,
        accounts_total,
        accounts_by_stage,
        renewals_due,
        open_tickets,
        breached_tickets,
        open_tickets_by_module,
        onboarding,
        nps: RecentNps {
            days: NPS_DAYS,
            summary,
        },
        health_day,
        accounts_by_band,
        at_risk_arr,
        at_risk_accounts,
    })
}

/// The day of the workspace's latest health snapshots on or before `day`.
pub(crate) async fn latest_health_day<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    day: NaiveDate,
) -> AppResult<Option<NaiveDate>> {
    Ok(health_snapshots::Entity::find()
        .select_only()
        .column(health_snapshots::Column::Day)
        .filter(health_snapshots::Column::WorkspaceId.eq(ws))
        .filter(health_snapshots::Column::Day.lte(day))
        .order_by_desc(health_snapshots::Column::Day)
        .limit(1)
        .into_tuple::<NaiveDate>()
        .one(conn)
        .await?)
}

/// The health figures of the dashboard, from one day's snapshots.
struct Health {
    day: Option<NaiveDate>,
    bands: Vec<BandCount>,
    at_risk_arr: Vec<CurrencyAmount>,
    at_risk_accounts: Vec<AtRiskAccount>,
}

/// Accounts by band, the ARR at risk and the at-risk accounts, from the
/// workspace's latest health snapshots.
async fn health(db: &Db, ws: i64, owner: Option<i64>, today: NaiveDate) -> AppResult<Health> {
    let conn = &db.read;
    let day = latest_health_day(conn, ws, today).await?;
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut at_risk = Vec::new();
    let mut at_risk_accounts = Vec::new();
    if let Some(day) = day {
        let backend = conn.get_database_backend();
        // The day's snapshots of the portfolio's (not archived) accounts.
        // The accounts are a list the snapshots are checked against (the
        // few archived ones, or a CSM's own), not a join: the workspace's
        // figures then read only the (workspace, day, score, band, account)
        // index.
        let scope = |sql: &mut Sql| {
            sql.push(" WHERE s.workspace_id = ")
                .bind(ws)
                .push(" AND s.day = ")
                .bind(day);
            match owner {
                Some(owner) => sql
                    .push(" AND s.account_id IN (SELECT id FROM accounts WHERE workspace_id = ")
                    .bind(ws)
                    .push(" AND owner_id = ")
                    .bind(owner)
                    .push(" AND archived = ")
                    .bind(false)
                    .push(")"),
                None => sql
                    .push(" AND s.account_id NOT IN (SELECT id FROM accounts WHERE workspace_id = ")
                    .bind(ws)
                    .push(" AND archived = ")
                    .bind(true)
                    .push(")"),
            };
        };
        let mut sql = Sql::new(backend);
        sql.push("SELECT s.band AS band, COUNT(*) AS n FROM health_snapshots s");
        scope(&mut sql);
        sql.push(" GROUP BY s.band");
        for row in conn.query_all(sql.statement()).await? {
            let band: String = row.try_get("", "band")?;
            let n: i64 = row.try_get("", "n")?;
            *counts.entry(band).or_default() += u64::try_from(n).unwrap_or(0);
        }
        // From the red accounts to their contracts (CROSS JOIN keeps that
        // order on SQLite; the running-today test sits in the sums so that
        // no date index tempts the planner to scan every contract instead).
        let mut sql = Sql::new(backend);
        let running = |sql: &mut Sql| {
            sql.push("c.starts_on <= ")
                .bind(today)
                .push(" AND c.ends_on >= ")
                .bind(today);
        };
        sql.push("SELECT c.currency AS currency, CAST(SUM(CASE WHEN ");
        running(&mut sql);
        sql.push(" THEN c.annual_value_cents ELSE 0 END) AS TEXT) AS v, COUNT(DISTINCT CASE WHEN ");
        running(&mut sql);
        sql.push(" THEN s.account_id END) AS n FROM health_snapshots s CROSS JOIN contracts c");
        scope(&mut sql);
        sql.push(
            " AND c.workspace_id = s.workspace_id AND c.account_id = s.account_id AND s.band = ",
        )
        .bind(HealthBand::Red.as_str())
        .push(" GROUP BY c.currency ORDER BY c.currency");
        for row in conn.query_all(sql.statement()).await? {
            let n: i64 = row.try_get("", "n")?;
            if n == 0 {
                // Red accounts whose contracts in this currency all ended.
                continue;
            }
            at_risk.push(CurrencyAmount {
                currency: row.try_get("", "currency")?,
                amount: format_wide_cents(wide(&row, "v")?),
                accounts: u64::try_from(n).unwrap_or(0),
            });
        }
        at_risk_accounts = lowest_scoring(conn, ws, day, scope).await?;
    }
    let bands = HealthBand::ALL
        .iter()
        .map(|band| BandCount {
            band: *band,
            count: counts.get(band.as_str()).copied().unwrap_or(0),
        })
        .collect();
    Ok(Health {
        day,
        bands,
        at_risk_arr: at_risk,
        at_risk_accounts,
    })
}

/// The portfolio's lowest-scoring accounts below green on `day` (lowest
/// first, ties by name then id), each with its snapshots of the 30 days up
/// to `day`. Two queries: the ten walk the (workspace, day, score) index
/// from the bottom and stop, the trends read ten accounts' (account, day)
/// ranges.
async fn lowest_scoring<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    day: NaiveDate,
    scope: impl Fn(&mut Sql),
) -> AppResult<Vec<AtRiskAccount>> {
    // Below the green threshold: also bounds the index walk when fewer
    // than ten accounts are at risk.
    let green_min = crate::domain::health::model_of(conn, ws).await?.green_min;
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT s.account_id AS account_id, a.name AS name, s.score AS score, \
         s.band AS band, s.weakest AS weakest FROM health_snapshots s \
         JOIN accounts a ON a.id = s.account_id",
    );
    scope(&mut sql);
    sql.push(" AND a.workspace_id = ").bind(ws);
    // Green is not at risk, whatever its rank.
    sql.push(" AND s.band <> ")
        .bind(HealthBand::Green.as_str())
        .push(" AND s.score < ")
        .bind(green_min)
        .push(" ORDER BY s.score, a.name, s.account_id LIMIT ")
        .push(&AT_RISK_LIMIT.to_string());
    let mut listed = Vec::new();
    for row in conn.query_all(sql.statement()).await? {
        let band: String = row.try_get("", "band")?;
        let weakest: Option<String> = row.try_get("", "weakest")?;
        let account_id: i64 = row.try_get("", "account_id")?;
        listed.push(AtRiskAccount {
            account_id,
            account_name: row.try_get("", "name")?,
            score: row.try_get("", "score")?,
            band: stored(
                "health_snapshots",
                format!("of account {account_id}"),
                "band",
                &band,
            )?,
            weakest: weakest.and_then(|w| w.parse::<HealthComponent>().ok()),
            trend: Vec::new(),
        });
    }
    if listed.is_empty() {
        return Ok(listed);
    }
    let ids: Vec<i64> = listed.iter().map(|a| a.account_id).collect();
    let points = health_snapshots::Entity::find()
        .select_only()
        .column(health_snapshots::Column::AccountId)
        .column(health_snapshots::Column::Day)
        .column(health_snapshots::Column::Score)
        .filter(health_snapshots::Column::WorkspaceId.eq(ws))
        .filter(health_snapshots::Column::AccountId.is_in(ids))
        .filter(health_snapshots::Column::Day.gt(day - Duration::days(TREND_DAYS)))
        .filter(health_snapshots::Column::Day.lte(day))
        .order_by_asc(health_snapshots::Column::AccountId)
        .order_by_asc(health_snapshots::Column::Day)
        .into_tuple::<(i64, NaiveDate, i32)>()
        .all(conn)
        .await?;
    let mut trends: HashMap<i64, Vec<TrendPoint>> = HashMap::new();
    for (account_id, day, score) in points {
        trends
            .entry(account_id)
            .or_default()
            .push(TrendPoint { day, score });
    }
    for account in &mut listed {
        account.trend = trends.remove(&account.account_id).unwrap_or_default();
    }
    Ok(listed)
}
