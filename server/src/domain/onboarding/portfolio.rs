//! The staff portfolio of accounts in onboarding (progress and status of
//! each plan, filtered and sorted), and the customer portal's view of its
//! own plan (titles, due dates, status: no owners, no notes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use shared::onboarding::{
    OnboardingPortfolioItem, PlanStatus, PortalOnboarding, PortalOnboardingTask, TaskStatus,
};
use shared::Page;

use super::load;
use super::summary::{
    self, rank_of, status_at, IN_PORTFOLIO, NO_DATE, NO_PROGRESS, RANK_BEHIND, RANK_NO_PLAN,
    RANK_STUCK,
};
use crate::auth::{PortalActor, StaffActor};
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::calendar;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{decode_key_cursor, encode_key_cursor, PageQuery};
use crate::entity::onboarding_plans;
use crate::error::{AppError, AppResult};

pub use shared::filters::PortfolioFilter;

/// The portfolio's orders. Every one ends with the account's name, then
/// its id, and puts accounts without a plan (or without the value sorted
/// on) last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Stuck, behind, on track, no plan; then least progress.
    Status,
    Progress,
    ProgressDesc,
    GoLive,
    Name,
}

impl Order {
    fn parse(sort: Option<&str>) -> AppResult<Order> {
        Ok(match sort.unwrap_or("status") {
            "status" => Order::Status,
            "progress" => Order::Progress,
            "-progress" => Order::ProgressDesc,
            "go_live" => Order::GoLive,
            "name" => Order::Name,
            _ => {
                return Err(AppError::field(
                    "sort",
                    "must be one of status, progress, -progress, go_live, name",
                ))
            }
        })
    }

    /// The stored columns that lead the order; `name, id` follow.
    fn key(self) -> &'static [&'static str] {
        match self {
            Order::Status => &["onboarding_rank", "onboarding_progress"],
            Order::Progress => &["onboarding_progress"],
            Order::ProgressDesc => &["onboarding_progress_desc"],
            Order::GoLive => &["onboarding_go_live"],
            Order::Name => &[],
        }
    }

    /// The cursor prefix: a cursor of one order is refused by another.
    fn prefix(self) -> &'static str {
        match self {
            Order::Status => "pf.status",
            Order::Progress => "pf.progress",
            Order::ProgressDesc => "pf.-progress",
            Order::GoLive => "pf.go_live",
            Order::Name => "pf.name",
        }
    }
}

/// One account of the page, with its stored summary, its plan, its
/// owner's name and, for a late plan, its overdue tasks: all read in one
/// statement and one aggregated row (see [`crate::db::fetch_all_in_one_row`]).
#[derive(Debug, Deserialize, sea_orm::FromQueryResult)]
struct Row {
    id: i64,
    name: String,
    code: String,
    owner_id: Option<i64>,
    onboarding_rank: i32,
    onboarding_progress: i32,
    onboarding_progress_desc: i32,
    onboarding_go_live: NaiveDate,
    onboarding_next_due: NaiveDate,
    onboarding_active_at: Option<DateTime<Utc>>,
    onboarding_tasks_total: i32,
    onboarding_tasks_done: i32,
    owner_name: Option<String>,
    plan_id: Option<i64>,
    starts_on: Option<NaiveDate>,
    planned_go_live: Option<NaiveDate>,
    actual_go_live: Option<NaiveDate>,
    last_activity_at: Option<DateTime<Utc>>,
    overdue_tasks: i64,
    /// The row's place in the page, in the database's own order (names
    /// compare by its collation), since the aggregation keeps no order.
    ord: i64,
}

/// The columns of the page statement, as [`Row`] names them.
const ROW_FIELDS: &[&str] = &[
    "id",
    "name",
    "code",
    "owner_id",
    "onboarding_rank",
    "onboarding_progress",
    "onboarding_progress_desc",
    "onboarding_go_live",
    "onboarding_next_due",
    "onboarding_active_at",
    "onboarding_tasks_total",
    "onboarding_tasks_done",
    "owner_name",
    "plan_id",
    "starts_on",
    "planned_go_live",
    "actual_go_live",
    "last_activity_at",
    "overdue_tasks",
    "ord",
];

const COLUMNS: &str = "id, name, code, owner_id, onboarding_rank, onboarding_progress, \
     onboarding_progress_desc, onboarding_go_live, onboarding_next_due, onboarding_active_at, \
     onboarding_tasks_total, onboarding_tasks_done";

/// A position in an order: the last row's sort key.
#[derive(Debug, Clone)]
enum KeyPart {
    Int(i32),
    Date(NaiveDate),
}

struct After {
    key: Vec<KeyPart>,
    name: String,
    id: i64,
}

fn cursor_of(order: Order, row: &Row) -> String {
    let mut parts: Vec<String> = order
        .key()
        .iter()
        .map(|column| match *column {
            "onboarding_rank" => row.onboarding_rank.to_string(),
            "onboarding_progress" => row.onboarding_progress.to_string(),
            "onboarding_progress_desc" => row.onboarding_progress_desc.to_string(),
            _ => row.onboarding_go_live.to_string(),
        })
        .collect();
    // Names may hold the cursor's separator.
    parts.push(URL_SAFE_NO_PAD.encode(&row.name));
    parts.push(row.id.to_string());
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    encode_key_cursor(order.prefix(), &parts)
}

fn parse_cursor(order: Order, cursor: &str) -> AppResult<After> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let columns = order.key();
    let parts = decode_key_cursor(cursor, order.prefix(), columns.len() + 2)?;
    let mut key = Vec::new();
    for (column, part) in columns.iter().zip(&parts) {
        key.push(match *column {
            "onboarding_go_live" => KeyPart::Date(part.parse().map_err(|_| bad())?),
            "onboarding_rank" => match part.parse() {
                Ok(rank) if (0..=RANK_NO_PLAN).contains(&rank) => KeyPart::Int(rank),
                _ => return Err(bad()),
            },
            _ => match part.parse() {
                Ok(p) if (0..=NO_PROGRESS).contains(&p) => KeyPart::Int(p),
                _ => return Err(bad()),
            },
        });
    }
    let name = URL_SAFE_NO_PAD
        .decode(&parts[columns.len()])
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(bad)?;
    let id = parts[columns.len() + 1].parse().map_err(|_| bad())?;
    Ok(After { key, name, id })
}

/// The page's rows: `limit + 1` accounts of the workspace's portfolio
/// after the cursor, in the order, with their plans, owners' names and
/// late plans' overdue tasks. Every filter and order has its index (see
/// the migration), so the inner `SELECT` reads one index range, in order;
/// the rest is joined by key for those rows only.
async fn page_rows<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    filter: &PortfolioFilter,
    order: Order,
    after: Option<&After>,
    limit: u64,
    today: NaiveDate,
) -> AppResult<Vec<Row>> {
    let mut key: Vec<&str> = order.key().to_vec();
    key.extend(["name", "id"]);
    let key = key.join(", ");
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(&format!(
        "SELECT x.*, row_number() OVER (ORDER BY {key}) AS ord FROM (\
         SELECT a.*, u.name AS owner_name, p.id AS plan_id, p.starts_on, \
         p.planned_go_live, p.actual_go_live, p.last_activity_at, \
         CASE WHEN p.id IS NOT NULL AND a.onboarding_rank IN ({RANK_STUCK}, {RANK_BEHIND}) \
         THEN (SELECT count(*) FROM onboarding_tasks k WHERE k.plan_id = p.id \
         AND k.workspace_id = "
    ))
    .bind(workspace_id)
    .push(" AND k.status NOT IN (")
    .bind(TaskStatus::Done.as_str())
    .push(", ")
    .bind(TaskStatus::Skipped.as_str())
    .push(") AND k.due_on < ")
    .bind(today)
    .push(&format!(
        ") ELSE 0 END AS overdue_tasks FROM (SELECT {COLUMNS} FROM accounts WHERE workspace_id = "
    ))
    .bind(workspace_id)
    .push(&format!(" AND {IN_PORTFOLIO}"));
    if let Some(owner) = filter.owner_id {
        sql.push(" AND owner_id = ").bind(owner);
    }
    if let Some(status) = filter.status {
        sql.push(" AND onboarding_rank = ")
            .bind(rank_of(Some(status)));
    }
    if let Some(after) = after {
        sql.push(&format!(" AND ({key}) > ("));
        for part in &after.key {
            match part {
                KeyPart::Int(n) => sql.bind(*n),
                KeyPart::Date(d) => sql.bind(*d),
            };
            sql.push(", ");
        }
        sql.bind(after.name.clone())
            .push(", ")
            .bind(after.id)
            .push(")");
    }
    sql.push(&format!(" ORDER BY {key} LIMIT "))
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .push(") a LEFT JOIN onboarding_plans p ON p.workspace_id = ")
        .bind(workspace_id)
        .push(" AND p.account_id = a.id LEFT JOIN users u ON u.workspace_id = ")
        .bind(workspace_id)
        .push(" AND u.id = a.owner_id) x");
    let mut rows: Vec<Row> =
        crate::db::fetch_statement_in_one_row(conn, sql.statement(), ROW_FIELDS).await?;
    rows.sort_unstable_by_key(|r| r.ord);
    Ok(rows)
}

/// Accounts in the `onboarding` stage (not archived) with their plan's
/// progress and status, paged by a key of the order. Reads one page of
/// accounts from an index with its plans, owners and, for late plans,
/// their overdue tasks, in one statement: never the whole portfolio.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: PortfolioFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<OnboardingPortfolioItem>> {
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let order = Order::parse(filter.sort.as_deref())?;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(parse_cursor(order, cursor)?),
        None => None,
    };
    let ws = actor.workspace_id;
    let today = calendar::today(&db.read, ws, now).await?;
    summary::settle(db, ws, today, now).await?;
    // Planned once (see `Db::generic`): each sort reads its own index.
    let mut rows = page_rows(
        &db.generic,
        ws,
        &filter,
        order,
        after.as_ref(),
        limit,
        today,
    )
    .await?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if has_more {
        rows.last().map(|row| cursor_of(order, row))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| {
            // The status the row has now, from its stored inputs.
            let status = r
                .onboarding_active_at
                .map(|at| status_at(r.onboarding_next_due, at, today, now));
            let has_plan = r.plan_id.is_some();
            let late = matches!(status, Some(PlanStatus::Behind | PlanStatus::Stuck));
            OnboardingPortfolioItem {
                account_id: r.id,
                account_name: r.name,
                account_code: r.code,
                owner_id: r.owner_id,
                owner_name: r.owner_id.and(r.owner_name),
                plan_id: r.plan_id,
                starts_on: r.starts_on,
                planned_go_live: r.planned_go_live,
                actual_go_live: r.actual_go_live,
                progress: has_plan.then_some(r.onboarding_progress),
                status: if has_plan { status } else { None },
                overdue_tasks: if has_plan && late {
                    i32::try_from(r.overdue_tasks).unwrap_or(i32::MAX)
                } else {
                    0
                },
                tasks_total: if has_plan {
                    r.onboarding_tasks_total
                } else {
                    0
                },
                tasks_done: if has_plan { r.onboarding_tasks_done } else { 0 },
                next_due_on: (has_plan && r.onboarding_next_due != NO_DATE)
                    .then_some(r.onboarding_next_due),
                last_activity_at: r.last_activity_at,
            }
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The portal user's account's plan: progress and the tasks' titles, due
/// dates and status. 404 while the account has no plan.
pub async fn portal(
    db: &Db,
    actor: &PortalActor,
    now: DateTime<Utc>,
) -> AppResult<PortalOnboarding> {
    let account_id = crate::domain::common::portal::own_account(&db.read, actor).await?;
    let plan = onboarding_plans::Entity::find()
        .filter(onboarding_plans::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(onboarding_plans::Column::AccountId.eq(account_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let full = load(&db.read, &plan, now).await?;
    Ok(PortalOnboarding {
        starts_on: full.starts_on,
        planned_go_live: full.planned_go_live,
        actual_go_live: full.actual_go_live,
        progress: full.progress,
        tasks: full
            .tasks
            .into_iter()
            .map(|t| PortalOnboardingTask {
                stage: t.stage,
                title_zh: t.title_zh,
                title_en: t.title_en,
                module: t.module,
                due_on: t.due_on,
                status: t.status,
            })
            .collect(),
    })
}
