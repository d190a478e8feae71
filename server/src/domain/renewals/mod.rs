//! Renewals: one per contract entering the horizon (default 180 days before
//! its end). Stages `upcoming` → `in_negotiation` → `committed` →
//! `renewed` / `churned`; renewing creates the next contract. The account's
//! lifecycle follows: `renewal` while one is open, `renewed` or `churned`
//! after.
//!
//! Renewals are opened by writes, never by reads: creating or renewing a
//! contract, moving its end, or widening the horizon opens the renewals
//! that are due at once, and the scheduler opens the ones that time brings
//! into the horizon (`open_all_due` hourly, the `renewal-reminders` job
//! daily). Lists and totals only read.
//!
//! Opening is idempotent: the unique index on `renewals.contract_id` and
//! `ON CONFLICT DO NOTHING` make concurrent openers (requests, job runs,
//! replicas) create one renewal, and only that one insert moves the account
//! and the totals (`renewal_sums`).
//!
//! Every write here that changes what a renewal contributes to the totals
//! moves `renewal_sums` in the same transaction.

pub mod contracts;
pub mod expiry_run;
pub mod reminder_run;
pub mod reminders;
pub mod sums;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;
use shared::contracts::{
    format_cents, CurrencyTotal, RenewOutcome, RenewRequest, Renewal, RenewalStage, RenewalTotals,
    StageTotal, UpdateRenewalRequest, MAX_CENTS,
};
use shared::{FieldErrors, LifecycleStage, Page};

use crate::auth::StaffActor;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::stages::{move_stage, set_lifecycle_stage, StageMove, Subject};
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{decode_key_cursor, encode_key_cursor, PageQuery};
use crate::domain::renewals::contracts::{self as contracts_domain, amount_field, NewContract};
use crate::domain::renewals::sums::Share;
use crate::entity::stored::stored;
use crate::entity::{accounts as account_rows, contracts as contract_rows, renewals};
use crate::error::{AppError, AppResult};

/// Contracts that ended up to this many days ago still get a renewal (to
/// record a late renewal or the churn).
const GRACE_DAYS: i64 = 90;
/// A new renewal's probability.
const DEFAULT_PROBABILITY: i32 = 50;
const MAX_DUE_WITHIN_DAYS: i64 = 3650;

/// The workspace's date today (its business calendar's time zone).
use crate::domain::common::calendar::today;

/// The strong ETag of a renewal version.
pub fn etag(renewal: &Renewal) -> String {
    format!("\"r{}v{}\"", renewal.id, renewal.version)
}

/// Contracts read per batch while opening due renewals.
const OPEN_BATCH: u64 = 500;

/// Opens a renewal for every contract of the workspace that ends within
/// `horizon_days` of `today` (and did not end long ago) and has none yet.
/// Returns how many were opened by this call. Reads the due contracts a
/// batch at a time (by id), so memory stays bounded however many are due.
pub async fn open_due(
    db: &Db,
    workspace_id: i64,
    today: NaiveDate,
    horizon_days: i32,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut opened = 0;
    let mut after_id = 0i64;
    loop {
        let has_renewal = Query::select()
            .column(renewals::Column::ContractId)
            .from(renewals::Entity)
            .and_where(renewals::Column::WorkspaceId.eq(workspace_id))
            .to_owned();
        let due = contract_rows::Entity::find()
            .filter(contract_rows::Column::WorkspaceId.eq(workspace_id))
            .filter(
                contract_rows::Column::EndsOn.lte(today + Duration::days(i64::from(horizon_days))),
            )
            .filter(contract_rows::Column::EndsOn.gte(today - Duration::days(GRACE_DAYS)))
            .filter(contract_rows::Column::Id.gt(after_id))
            .filter(contract_rows::Column::Id.not_in_subquery(has_renewal))
            .order_by_asc(contract_rows::Column::Id)
            .limit(OPEN_BATCH)
            .all(&db.read)
            .await?;
        let Some(last) = due.last() else { break };
        after_id = last.id;
        let full = due.len() as u64 == OPEN_BATCH;
        for contract in due {
            let txn = db.write.begin().await?;
            if open_one(&txn, &contract, now).await? {
                opened += 1;
            }
            txn.commit().await?;
        }
        if !full {
            break;
        }
    }
    Ok(opened)
}

/// Opens the renewals that are due today in every workspace (the
/// scheduler's hourly pass: contracts that time brought into the horizon).
pub async fn open_all_due(db: &Db, now: DateTime<Utc>) -> AppResult<u64> {
    let workspaces: Vec<i64> = contract_rows::Entity::find()
        .select_only()
        .column(contract_rows::Column::WorkspaceId)
        .distinct()
        .into_tuple()
        .all(&db.read)
        .await?;
    let mut opened = 0;
    for workspace_id in workspaces {
        let settings = reminders::load(&db.read, workspace_id).await?;
        let today = today(&db.read, workspace_id, now).await?;
        opened += open_due(db, workspace_id, today, settings.renewal_horizon_days, now).await?;
    }
    Ok(opened)
}

/// Whether a contract ending on `ends_on` is due a renewal on `today`.
fn in_horizon(ends_on: NaiveDate, today: NaiveDate, horizon_days: i32) -> bool {
    ends_on <= today + Duration::days(i64::from(horizon_days))
        && ends_on >= today - Duration::days(GRACE_DAYS)
}

/// Opens the contract's renewal if it is due today, in the caller's
/// transaction (the write that created the contract or moved its end).
pub(crate) async fn open_if_due<C: ConnectionTrait>(
    conn: &C,
    contract: &contract_rows::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let settings = reminders::load(conn, contract.workspace_id).await?;
    let today = today(conn, contract.workspace_id, now).await?;
    if !in_horizon(contract.ends_on, today, settings.renewal_horizon_days) {
        return Ok(false);
    }
    open_one(conn, contract, now).await
}

/// Inserts the contract's renewal unless it exists; the one insert that
/// happens moves the account to `renewal`.
async fn open_one<C: ConnectionTrait>(
    conn: &C,
    contract: &contract_rows::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let row = renewals::ActiveModel {
        workspace_id: Set(contract.workspace_id),
        contract_id: Set(contract.id),
        account_id: Set(contract.account_id),
        due_on: Set(contract.ends_on),
        stage: Set(RenewalStage::Upcoming.as_str().into()),
        forecast_cents: Set(contract.annual_value_cents),
        probability: Set(DEFAULT_PROBABILITY),
        upsell_cents: Set(0),
        churn_reason: Set(None),
        next_contract_id: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let inserted = match renewals::Entity::insert(row)
        .on_conflict(
            OnConflict::column(renewals::Column::ContractId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
    {
        Ok(rows) => rows > 0,
        Err(sea_orm::DbErr::RecordNotInserted) => false,
        Err(e) => return Err(e.into()),
    };
    if inserted {
        let share = Share {
            due_on: contract.ends_on,
            stage: RenewalStage::Upcoming.as_str().into(),
            currency: contract.currency.clone(),
            value: contract.annual_value_cents,
            forecast: contract.annual_value_cents,
            upsell: 0,
        };
        sums::change(conn, contract.workspace_id, None, Some(&share)).await?;
        set_lifecycle_stage(
            conn,
            contract.workspace_id,
            contract.account_id,
            None,
            LifecycleStage::Renewal,
            None,
            now,
        )
        .await?;
    }
    Ok(inserted)
}

/// A renewal as integration events show it (`renewal.stage_changed`,
/// `renewal.due_soon`).
pub(crate) fn event_json(r: &renewals::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "contract_id": r.contract_id,
        "account_id": r.account_id,
        "due_on": r.due_on,
        "stage": r.stage,
        "probability": r.probability,
        "churn_reason": r.churn_reason,
    })
}

/// `renewal.stage_changed` when the stage moved.
async fn emit_stage_change<C: ConnectionTrait>(
    conn: &C,
    before: &renewals::Model,
    after: &renewals::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::domain::integrations::events::{account_of, emit};
    if before.stage == after.stage {
        return Ok(());
    }
    let account = account_of(conn, after.workspace_id, after.account_id).await?;
    emit(
        conn,
        after.workspace_id,
        shared::integrations::EventType::RenewalStageChanged,
        serde_json::json!({
            "renewal": event_json(after),
            "account": account,
            "changes": { "stage": { "from": before.stage, "to": after.stage } },
        }),
        now,
    )
    .await?;
    Ok(())
}

/// A contract changed (`before` → `after`, in the caller's transaction):
/// its open renewals are due at its new end, every renewal of it counts
/// with its new currency and value in the totals, and a contract whose end
/// moved into the horizon gets its renewal.
pub(crate) async fn contract_changed<C: ConnectionTrait>(
    conn: &C,
    before: &contract_rows::Model,
    after: &contract_rows::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let moved = before.ends_on != after.ends_on;
    if !moved
        && before.currency == after.currency
        && before.annual_value_cents == after.annual_value_cents
    {
        return Ok(());
    }
    // One contract has one renewal (unique index): a handful of rows.
    let rows = renewals::Entity::find()
        .filter(renewals::Column::WorkspaceId.eq(after.workspace_id))
        .filter(renewals::Column::ContractId.eq(after.id))
        .order_by_asc(renewals::Column::Id)
        .all(conn)
        .await?;
    for row in rows {
        let old_share = Share::of(&row, before);
        let stage: RenewalStage = stored("renewals", row.id, "stage", &row.stage)?;
        let current = if moved && stage.is_open() {
            let mut model: renewals::ActiveModel = row.clone().into();
            model.due_on = Set(after.ends_on);
            model.updated_at = Set(now);
            model.version = Set(row.version + 1);
            model.update(conn).await?
        } else {
            row
        };
        let new_share = Share::of(&current, after);
        sums::change(conn, after.workspace_id, Some(&old_share), Some(&new_share)).await?;
    }
    if moved {
        open_if_due(conn, after, now).await?;
    }
    Ok(())
}

/// Renewals with their contract's value and their account's name and owner.
async fn hydrate<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: Vec<renewals::Model>,
) -> AppResult<Vec<Renewal>> {
    let contract_ids: Vec<i64> = rows.iter().map(|r| r.contract_id).collect();
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let mut contracts_by_id = HashMap::new();
    let mut accounts_by_id = HashMap::new();
    for chunk in contract_ids.chunks(500) {
        for c in contract_rows::Entity::find()
            .filter(contract_rows::Column::WorkspaceId.eq(workspace_id))
            .filter(contract_rows::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            contracts_by_id.insert(c.id, c);
        }
    }
    for chunk in account_ids.chunks(500) {
        for a in account_rows::Entity::find()
            .filter(account_rows::Column::WorkspaceId.eq(workspace_id))
            .filter(account_rows::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            accounts_by_id.insert(a.id, a);
        }
    }
    rows.into_iter()
        .map(|r| {
            let contract = contracts_by_id.get(&r.contract_id);
            let account = accounts_by_id.get(&r.account_id);
            to_api(&r, contract, account)
        })
        .collect()
}

fn to_api(
    r: &renewals::Model,
    contract: Option<&contract_rows::Model>,
    account: Option<&account_rows::Model>,
) -> AppResult<Renewal> {
    Ok(Renewal {
        id: r.id,
        contract_id: r.contract_id,
        account_id: r.account_id,
        account_name: account.map(|a| a.name.clone()).unwrap_or_default(),
        owner_id: account.and_then(|a| a.owner_id),
        due_on: r.due_on,
        stage: stored("renewals", r.id, "stage", &r.stage)?,
        annual_value: format_cents(contract.map(|c| c.annual_value_cents).unwrap_or_default()),
        currency: contract.map(|c| c.currency.clone()).unwrap_or_default(),
        forecast_amount: format_cents(r.forecast_cents),
        probability: r.probability,
        upsell_amount: format_cents(r.upsell_cents),
        churn_reason: r.churn_reason.clone(),
        next_contract_id: r.next_contract_id,
        closed_at: r.closed_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    })
}

async fn one<C: ConnectionTrait>(conn: &C, r: renewals::Model) -> AppResult<Renewal> {
    let workspace_id = r.workspace_id;
    hydrate(conn, workspace_id, vec![r])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

pub use shared::filters::RenewalFilter;

/// The last due day `due_within_days` selects, or a 422.
async fn due_until(
    db: &Db,
    actor: &StaffActor,
    filter: &RenewalFilter,
    now: DateTime<Utc>,
) -> AppResult<Option<NaiveDate>> {
    let Some(days) = filter.due_within_days else {
        return Ok(None);
    };
    if !(0..=MAX_DUE_WITHIN_DAYS).contains(&days) {
        return Err(AppError::field(
            "due_within_days",
            format!("must be between 0 and {MAX_DUE_WITHIN_DAYS}"),
        ));
    }
    let today = today(&db.read, actor.workspace_id, now).await?;
    Ok(Some(today + Duration::days(days)))
}

/// The keyset of the renewal list: the due date, then the id.
fn encode_due_cursor(due_on: NaiveDate, id: i64) -> String {
    encode_key_cursor("due", &[&due_on.to_string(), &id.to_string()])
}

fn decode_due_cursor(cursor: &str) -> AppResult<(NaiveDate, i64)> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let parts = decode_key_cursor(cursor, "due", 2)?;
    let day = parts[0].parse::<NaiveDate>().map_err(|_| bad())?;
    let id = parts[1].parse::<i64>().map_err(|_| bad())?;
    Ok((day, id))
}

/// A renewal as the list reads it: with its contract's value and currency
/// and its account's name and owner, in one query.
/// The columns `list` selects, as `ListedRow` names them.
const LISTED_COLUMNS: &[&str] = &[
    "id",
    "contract_id",
    "account_id",
    "due_on",
    "stage",
    "forecast_cents",
    "probability",
    "upsell_cents",
    "churn_reason",
    "next_contract_id",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
    "account_name",
    "owner_id",
    "annual_value_cents",
    "currency",
];

#[derive(Debug, Deserialize, sea_orm::FromQueryResult)]
struct ListedRow {
    id: i64,
    contract_id: i64,
    account_id: i64,
    due_on: NaiveDate,
    stage: String,
    forecast_cents: i64,
    probability: i32,
    upsell_cents: i64,
    churn_reason: Option<String>,
    next_contract_id: Option<i64>,
    closed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    account_name: Option<String>,
    owner_id: Option<i64>,
    annual_value_cents: Option<i64>,
    currency: Option<String>,
}

impl ListedRow {
    fn into_api(self) -> AppResult<Renewal> {
        Ok(Renewal {
            id: self.id,
            contract_id: self.contract_id,
            account_id: self.account_id,
            account_name: self.account_name.unwrap_or_default(),
            owner_id: self.owner_id,
            due_on: self.due_on,
            stage: stored("renewals", self.id, "stage", &self.stage)?,
            annual_value: format_cents(self.annual_value_cents.unwrap_or_default()),
            currency: self.currency.unwrap_or_default(),
            forecast_amount: format_cents(self.forecast_cents),
            probability: self.probability,
            upsell_amount: format_cents(self.upsell_cents),
            churn_reason: self.churn_reason,
            next_contract_id: self.next_contract_id,
            closed_at: self.closed_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Every staff member reads renewals; the most urgent first: the nearest
/// contract end (overdue ones, already past it, lead), then by id. Keyset
/// pagination on `(due_on, id)`, read from the index of the filter
/// (`(workspace, due_on, id)`, `(workspace, stage, due_on, id)` or
/// `(workspace, account, due_on, id)`), the contract and account joined
/// by primary key. A read: nothing is opened here.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: RenewalFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<Renewal>> {
    crate::domain::renewals::contracts::require_money(actor)?;
    // The size rules of every list; the cursor is this list's own.
    let limit = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?
    .limit;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(decode_due_cursor(cursor)?),
        None => None,
    };
    let until = due_until(db, actor, &filter, now).await?;
    let ws = actor.workspace_id;
    let backend = db.read.get_database_backend();
    let mut sql = Sql::new(backend);
    // The renewals drive the join (CROSS JOIN keeps that order on SQLite),
    // so a page reads its rows in index order and stops.
    sql.push(
        "SELECT r.id, r.contract_id, r.account_id, r.due_on, r.stage, \
         r.forecast_cents, r.probability, r.upsell_cents, r.churn_reason, r.next_contract_id, \
         r.closed_at, r.created_at, r.updated_at, r.version, a.name AS account_name, \
         a.owner_id AS owner_id, c.annual_value_cents AS annual_value_cents, \
         c.currency AS currency \
         FROM renewals r CROSS JOIN accounts a CROSS JOIN contracts c \
         WHERE a.id = r.account_id AND c.id = r.contract_id AND r.workspace_id = ",
    )
    .bind(ws)
    .push(" AND a.workspace_id = ")
    .bind(ws)
    .push(" AND c.workspace_id = ")
    .bind(ws);
    if let Some(stage) = filter.stage {
        sql.push(" AND r.stage = ").bind(stage.as_str());
    }
    if let Some(account_id) = filter.account_id {
        sql.push(" AND r.account_id = ").bind(account_id);
    }
    if let Some(owner) = filter.owner_id {
        sql.push(" AND a.owner_id = ").bind(owner);
    }
    if let Some(until) = until {
        sql.push(" AND r.due_on <= ").bind(until);
    }
    if let Some((due_on, id)) = after {
        // A row-value comparison, so the (…, due date, id) index serves it.
        sql.push(" AND (r.due_on, r.id) > (")
            .bind(due_on)
            .push(", ")
            .bind(id)
            .push(")");
    }
    sql.push(" ORDER BY r.due_on, r.id LIMIT ")
        .push(&(limit + 1).to_string());
    // One aggregated row per page (see `db::fetch_all_in_one_row`); the
    // aggregation keeps no order, so the page is sorted again here. Planned
    // once (see `Db::generic`): the limit is written in, and each filter
    // has its (…, due date, id) index whatever its value.
    let mut rows: Vec<ListedRow> =
        crate::db::fetch_statement_in_one_row(&db.generic, sql.statement(), LISTED_COLUMNS).await?;
    rows.sort_by_key(|r| (r.due_on, r.id));
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| rows.last().map(|r| encode_due_cursor(r.due_on, r.id)))
        .flatten();
    Ok(Page {
        items: rows
            .into_iter()
            .map(ListedRow::into_api)
            .collect::<AppResult<Vec<_>>>()?,
        next_cursor,
    })
}

/// Sums of what `list` selects, per currency and stage; exact. The
/// workspace's pipeline (any stage, any due date) reads the sums kept on
/// write (`renewal_sums`); an account's or an owner's renewals are summed
/// from their own rows, through the account index.
pub async fn totals(
    db: &Db,
    actor: &StaffActor,
    filter: RenewalFilter,
    now: DateTime<Utc>,
) -> AppResult<RenewalTotals> {
    crate::domain::renewals::contracts::require_money(actor)?;
    let until = due_until(db, actor, &filter, now).await?;
    let stage = filter.stage.map(|s| s.as_str());
    let ws = actor.workspace_id;
    let sums = if filter.account_id.is_none() && filter.owner_id.is_none() {
        sums::read(&db.read, ws, stage, until).await?
    } else {
        let backend = db.read.get_database_backend();
        let split = "1000000000";
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT c.currency AS currency, r.stage AS stage, COUNT(*) AS n, \
             CAST(SUM(c.annual_value_cents / {split}) AS BIGINT) AS vh, \
             CAST(SUM(c.annual_value_cents % {split}) AS BIGINT) AS vl, \
             CAST(SUM(r.forecast_cents / {split}) AS BIGINT) AS fh, \
             CAST(SUM(r.forecast_cents % {split}) AS BIGINT) AS fl, \
             CAST(SUM(r.upsell_cents / {split}) AS BIGINT) AS uh, \
             CAST(SUM(r.upsell_cents % {split}) AS BIGINT) AS ul \
             FROM renewals r JOIN contracts c ON c.id = r.contract_id \
             WHERE r.workspace_id = "
        ))
        .bind(ws)
        .push(" AND c.workspace_id = ")
        .bind(ws);
        if let Some(account_id) = filter.account_id {
            sql.push(" AND r.account_id = ").bind(account_id);
        }
        if let Some(owner) = filter.owner_id {
            sql.push(" AND r.account_id IN (SELECT id FROM accounts WHERE workspace_id = ")
                .bind(ws)
                .push(" AND owner_id = ")
                .bind(owner)
                .push(")");
        }
        if let Some(stage) = stage {
            sql.push(" AND r.stage = ").bind(stage.to_string());
        }
        if let Some(until) = until {
            sql.push(" AND r.due_on <= ").bind(until);
        }
        sql.push(" GROUP BY c.currency, r.stage");
        let mut sums = BTreeMap::new();
        sums::collect(&db.read, sql, &mut sums).await?;
        sums
    };
    #[derive(Default)]
    struct Sum {
        count: u64,
        value: i128,
        forecast: i128,
        upsell: i128,
        stages: BTreeMap<RenewalStage, (u64, i128)>,
    }
    let mut by_currency: BTreeMap<String, Sum> = BTreeMap::new();
    for ((currency, stage), s) in sums {
        let count = u64::try_from(s.count).unwrap_or(0);
        if count == 0 {
            continue;
        }
        let sum = by_currency.entry(currency).or_default();
        sum.count += count;
        sum.value += s.value;
        sum.forecast += s.forecast;
        sum.upsell += s.upsell;
        let stage: RenewalStage = stored("renewals", "(a stage total)", "stage", &stage)?;
        let entry = sum.stages.entry(stage).or_default();
        entry.0 += count;
        entry.1 += s.forecast;
    }
    Ok(RenewalTotals {
        totals: by_currency
            .into_iter()
            .map(|(currency, s)| CurrencyTotal {
                currency,
                count: s.count,
                annual_value: format_wide(s.value),
                forecast_amount: format_wide(s.forecast),
                upsell_amount: format_wide(s.upsell),
                by_stage: s
                    .stages
                    .into_iter()
                    .map(|(stage, (count, forecast))| StageTotal {
                        stage,
                        count,
                        forecast_amount: format_wide(forecast),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// Cents summed beyond `i64` still print exactly.
fn format_wide(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Renewal> {
    crate::domain::renewals::contracts::require_money(actor)?;
    let row = renewals::Entity::find_by_id(id)
        .filter(renewals::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    one(&db.read, row).await
}

async fn locked<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<renewals::Model> {
    let row = renewals::Entity::find_by_id(id)
        .filter(renewals::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Admins, managers and the account's owner CSM work a renewal.
    accounts::editable(conn, actor, row.account_id).await?;
    Ok(row)
}

fn closed_conflict(stage: &str) -> AppError {
    AppError::Conflict {
        message: format!("the renewal is already {stage}"),
        fields: Default::default(),
    }
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateRenewalRequest,
    now: DateTime<Utc>,
) -> AppResult<Renewal> {
    let settings = reminders::load(&db.read, actor.workspace_id).await?;
    let txn = db.write.begin().await?;
    let existing = locked(&txn, actor, id).await?;
    let before = one(&txn, existing.clone()).await?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    if !before.stage.is_open() {
        return Err(closed_conflict(before.stage.as_str()));
    }
    let mut fields = FieldErrors::new();
    let forecast = match &req.forecast_amount {
        Some(t) => amount_field(&mut fields, "forecast_amount", t),
        None => None,
    };
    let upsell = match &req.upsell_amount {
        Some(t) => amount_field(&mut fields, "upsell_amount", t),
        None => None,
    };
    if let Some(p) = req.probability {
        if !(0..=100).contains(&p) {
            fields.insert("probability".into(), "must be between 0 and 100".into());
        }
    }
    let stage = req.stage.unwrap_or(before.stage);
    if stage == RenewalStage::Renewed {
        fields.insert(
            "stage".into(),
            "renew through POST /api/v1/renewals/{id}/renew, which creates the next contract"
                .into(),
        );
    }
    let reason = req
        .churn_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match (stage, reason) {
        (RenewalStage::Churned, None) => {
            fields.insert(
                "churn_reason".into(),
                format!(
                    "say why the customer churned: one of {}",
                    settings.churn_reasons.join(", ")
                ),
            );
        }
        (RenewalStage::Churned, Some(r)) if !settings.churn_reasons.iter().any(|c| c == r) => {
            fields.insert(
                "churn_reason".into(),
                format!("must be one of {}", settings.churn_reasons.join(", ")),
            );
        }
        (s, Some(_)) if s != RenewalStage::Churned => {
            fields.insert(
                "churn_reason".into(),
                "only a churned renewal has a churn reason".into(),
            );
        }
        _ => {}
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let mut model: renewals::ActiveModel = existing.clone().into();
    model.stage = Set(stage.as_str().into());
    if let Some(c) = forecast {
        model.forecast_cents = Set(c);
    }
    if let Some(c) = upsell {
        model.upsell_cents = Set(c);
    }
    if let Some(p) = req.probability {
        model.probability = Set(p);
    }
    if stage == RenewalStage::Churned {
        model.churn_reason = Set(reason.map(str::to_string));
        model.closed_at = Set(Some(now));
        model.probability = Set(0);
    }
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    emit_stage_change(&txn, &existing, &updated, now).await?;
    let contract =
        contracts_domain::find_in_workspace(&txn, actor.workspace_id, existing.contract_id).await?;
    sums::change(
        &txn,
        actor.workspace_id,
        Some(&Share::of(&existing, &contract)),
        Some(&Share::of(&updated, &contract)),
    )
    .await?;
    let after = one(&txn, updated.clone()).await?;
    move_stage(
        &txn,
        StageMove {
            workspace_id: actor.workspace_id,
            account_id: existing.account_id,
            actor_id: Some(actor.user_id),
            subject: Subject::Renewal(id),
            action: if stage == RenewalStage::Churned {
                "churn"
            } else {
                "update"
            },
            from: &existing.stage,
            to: &updated.stage,
            before: &before,
            after: &after,
        },
        now,
    )
    .await?;
    if stage == RenewalStage::Churned {
        set_lifecycle_stage(
            &txn,
            actor.workspace_id,
            existing.account_id,
            None,
            LifecycleStage::Churned,
            Some(actor.user_id),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// The next contract's dates: it starts the day after the old one ends and
/// runs as long (whole months when the old one ran whole months).
fn next_term(starts_on: NaiveDate, ends_on: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let start = ends_on.succ_opt()?;
    for months in 1..=120u32 {
        let end = starts_on
            .checked_add_months(Months::new(months))?
            .pred_opt()?;
        if end == ends_on {
            return Some((
                start,
                start.checked_add_months(Months::new(months))?.pred_opt()?,
            ));
        }
        if end > ends_on {
            break;
        }
    }
    Some((start, start + (ends_on - starts_on)))
}

/// Renews: creates the next contract and marks the renewal `renewed`; the
/// account becomes `renewed`.
pub async fn renew(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    req: RenewRequest,
    now: DateTime<Utc>,
) -> AppResult<RenewOutcome> {
    let txn = db.write.begin().await?;
    let existing = locked(&txn, actor, id).await?;
    let before = one(&txn, existing.clone()).await?;
    if !before.stage.is_open() {
        return Err(closed_conflict(before.stage.as_str()));
    }
    let mut fields = FieldErrors::new();
    let value = match &req.annual_value {
        Some(text) => amount_field(&mut fields, "annual_value", text),
        None => {
            let sum = existing.forecast_cents + existing.upsell_cents;
            if sum > MAX_CENTS {
                fields.insert(
                    "annual_value".into(),
                    "forecast plus upsell is too large; give the value".into(),
                );
            }
            Some(sum)
        }
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let old =
        contracts_domain::find_in_workspace(&txn, actor.workspace_id, existing.contract_id).await?;
    let (starts_on, ends_on) = next_term(old.starts_on, old.ends_on)
        .ok_or_else(|| AppError::field("ends_on", "the next term is out of range"))?;
    let next = contracts_domain::insert(
        &txn,
        NewContract {
            workspace_id: actor.workspace_id,
            account_id: old.account_id,
            starts_on,
            ends_on,
            annual_value_cents: value.unwrap_or(old.annual_value_cents),
            currency: old.currency.clone(),
            auto_renew: old.auto_renew,
            notice_days: old.notice_days,
            previous_contract_id: Some(old.id),
            created_by: actor.user_id,
            number: None,
        },
        now,
    )
    .await?;
    let mut model: renewals::ActiveModel = existing.clone().into();
    model.stage = Set(RenewalStage::Renewed.as_str().into());
    model.next_contract_id = Set(Some(next.id));
    model.closed_at = Set(Some(now));
    model.probability = Set(100);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    emit_stage_change(&txn, &existing, &updated, now).await?;
    sums::change(
        &txn,
        actor.workspace_id,
        Some(&Share::of(&existing, &old)),
        Some(&Share::of(&updated, &old)),
    )
    .await?;
    let after = one(&txn, updated.clone()).await?;
    move_stage(
        &txn,
        StageMove {
            workspace_id: actor.workspace_id,
            account_id: existing.account_id,
            actor_id: Some(actor.user_id),
            subject: Subject::Renewal(id),
            action: "renew",
            from: &existing.stage,
            to: &updated.stage,
            before: &before,
            after: &after,
        },
        now,
    )
    .await?;
    set_lifecycle_stage(
        &txn,
        actor.workspace_id,
        old.account_id,
        None,
        LifecycleStage::Renewed,
        Some(actor.user_id),
        now,
    )
    .await?;
    // The agreements of the old contract are renewed with it.
    let today = today(&txn, actor.workspace_id, now).await?;
    crate::domain::tickets::agreements::renew_with_contract(&txn, actor, old.id, &next, today, now)
        .await?;
    // A short term's next contract may be due a renewal already.
    open_if_due(&txn, &next, now).await?;
    txn.commit().await?;
    Ok(RenewOutcome {
        renewal: after,
        contract: contracts_domain::to_api(&next, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_next_term_runs_as_long_as_the_last() {
        assert_eq!(
            next_term(d(2027, 1, 1), d(2027, 12, 31)),
            Some((d(2028, 1, 1), d(2028, 12, 31)))
        );
        assert_eq!(
            next_term(d(2027, 3, 15), d(2028, 3, 14)),
            Some((d(2028, 3, 15), d(2029, 3, 14)))
        );
        // Not whole months: the same number of days.
        assert_eq!(
            next_term(d(2027, 1, 1), d(2027, 1, 20)),
            Some((d(2027, 1, 21), d(2027, 2, 9)))
        );
    }

    #[test]
    fn wide_sums_print_exactly() {
        assert_eq!(format_wide(30), "0.30");
        assert_eq!(
            format_wide(i128::from(i64::MAX) * 10),
            "922337203685477580.70"
        );
    }
}
