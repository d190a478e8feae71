//! Renewals: one per contract entering the horizon (default 180 days before
//! its end), opened by the `renewal-reminders` job and, lazily, when the
//! renewals are listed. Stages `upcoming` → `in_negotiation` → `committed`
//! → `renewed` / `churned`; renewing creates the next contract. The
//! account's lifecycle follows: `renewal` while one is open, `renewed` or
//! `churned` after.
//!
//! Opening is idempotent: the unique index on `renewals.contract_id` and
//! `ON CONFLICT DO NOTHING` make concurrent openers (requests, job runs,
//! replicas) create one renewal, and only that one insert moves the account.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
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

use super::audit::{self, Change};
use super::contracts::{self as contracts_domain, amount_field, NewContract};
use super::pagination::{decode_key_cursor, encode_key_cursor, PageQuery};
use super::{accounts, reminders};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::entity::{accounts as account_rows, contracts, renewals};
use crate::error::{AppError, AppResult};

/// Contracts that ended up to this many days ago still get a renewal (to
/// record a late renewal or the churn).
const GRACE_DAYS: i64 = 90;
/// A new renewal's probability.
const DEFAULT_PROBABILITY: i32 = 50;
const MAX_DUE_WITHIN_DAYS: i64 = 3650;

/// The workspace's date today (its business calendar's time zone).
pub(crate) use super::sla::today;

/// The strong ETag of a renewal version.
pub fn etag(renewal: &Renewal) -> String {
    format!("\"r{}v{}\"", renewal.id, renewal.version)
}

/// Opens a renewal for every contract of the workspace that ends within
/// `horizon_days` of `today` (and did not end long ago) and has none yet.
/// Returns how many were opened by this call.
pub async fn open_due(
    db: &Db,
    workspace_id: i64,
    today: NaiveDate,
    horizon_days: i32,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let has_renewal = Query::select()
        .column(renewals::Column::ContractId)
        .from(renewals::Entity)
        .and_where(renewals::Column::WorkspaceId.eq(workspace_id))
        .to_owned();
    let due = contracts::Entity::find()
        .filter(contracts::Column::WorkspaceId.eq(workspace_id))
        .filter(contracts::Column::EndsOn.lte(today + Duration::days(i64::from(horizon_days))))
        .filter(contracts::Column::EndsOn.gte(today - Duration::days(GRACE_DAYS)))
        .filter(contracts::Column::Id.not_in_subquery(has_renewal))
        .order_by_asc(contracts::Column::Id)
        .all(&db.read)
        .await?;
    let mut opened = 0;
    for contract in due {
        let txn = db.write.begin().await?;
        if open_one(&txn, &contract, now).await? {
            opened += 1;
        }
        txn.commit().await?;
    }
    Ok(opened)
}

/// Inserts the contract's renewal unless it exists; the one insert that
/// happens moves the account to `renewal`.
async fn open_one<C: ConnectionTrait>(
    conn: &C,
    contract: &contracts::Model,
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
        set_account_stage(
            conn,
            contract.workspace_id,
            contract.account_id,
            LifecycleStage::Renewal,
            None,
            now,
        )
        .await?;
    }
    Ok(inserted)
}

/// Moves the account to `stage` (audited), unless it is there already.
async fn set_account_stage<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    stage: LifecycleStage,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing = account_rows::Entity::find_by_id(account_id)
        .filter(account_rows::Column::WorkspaceId.eq(workspace_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if existing.stage == stage.as_str() {
        return Ok(());
    }
    let before = accounts::to_api(&existing);
    let mut model: account_rows::ActiveModel = existing.clone().into();
    model.stage = Set(stage.as_str().into());
    model.stage_entered_at = Set(now);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = accounts::to_api(&model.update(conn).await?);
    audit::record(
        conn,
        Change {
            workspace_id,
            actor_id,
            action: "update",
            entity_type: "account",
            entity_id: account_id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    Ok(())
}

/// A contract's end moved: its open renewal is due then.
pub(crate) async fn contract_end_moved<C: ConnectionTrait>(
    conn: &C,
    contract: &contracts::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let open: Vec<&str> = RenewalStage::OPEN.iter().map(|s| s.as_str()).collect();
    renewals::Entity::update_many()
        .col_expr(
            renewals::Column::DueOn,
            sea_orm::sea_query::Expr::value(contract.ends_on),
        )
        .col_expr(
            renewals::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            renewals::Column::Version,
            sea_orm::sea_query::Expr::col(renewals::Column::Version).add(1),
        )
        .filter(renewals::Column::ContractId.eq(contract.id))
        .filter(renewals::Column::Stage.is_in(open))
        .exec(conn)
        .await?;
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
        for c in contracts::Entity::find()
            .filter(contracts::Column::WorkspaceId.eq(workspace_id))
            .filter(contracts::Column::Id.is_in(chunk.to_vec()))
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
    Ok(rows
        .into_iter()
        .map(|r| {
            let contract = contracts_by_id.get(&r.contract_id);
            let account = accounts_by_id.get(&r.account_id);
            to_api(&r, contract, account)
        })
        .collect())
}

fn to_api(
    r: &renewals::Model,
    contract: Option<&contracts::Model>,
    account: Option<&account_rows::Model>,
) -> Renewal {
    Renewal {
        id: r.id,
        contract_id: r.contract_id,
        account_id: r.account_id,
        account_name: account.map(|a| a.name.clone()).unwrap_or_default(),
        owner_id: account.and_then(|a| a.owner_id),
        due_on: r.due_on,
        stage: r.stage.parse().unwrap_or(RenewalStage::Upcoming),
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
    }
}

async fn one<C: ConnectionTrait>(conn: &C, r: renewals::Model) -> AppResult<Renewal> {
    let workspace_id = r.workspace_id;
    hydrate(conn, workspace_id, vec![r])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RenewalFilter {
    /// Due (contract end) within this many days from today; overdue open
    /// renewals are included.
    pub due_within_days: Option<i64>,
    pub stage: Option<RenewalStage>,
    /// The account owner.
    pub owner_id: Option<i64>,
    pub account_id: Option<i64>,
}

async fn filtered(
    db: &Db,
    actor: &StaffActor,
    filter: &RenewalFilter,
    now: DateTime<Utc>,
) -> AppResult<sea_orm::Select<renewals::Entity>> {
    let settings = reminders::load(&db.read, actor.workspace_id).await?;
    let today = today(&db.read, actor.workspace_id, now).await?;
    // Lazily: contracts that entered the horizon since the last job run.
    open_due(
        db,
        actor.workspace_id,
        today,
        settings.renewal_horizon_days,
        now,
    )
    .await?;
    let mut query =
        renewals::Entity::find().filter(renewals::Column::WorkspaceId.eq(actor.workspace_id));
    if let Some(days) = filter.due_within_days {
        if !(0..=MAX_DUE_WITHIN_DAYS).contains(&days) {
            return Err(AppError::field(
                "due_within_days",
                format!("must be between 0 and {MAX_DUE_WITHIN_DAYS}"),
            ));
        }
        query = query.filter(renewals::Column::DueOn.lte(today + Duration::days(days)));
    }
    if let Some(stage) = filter.stage {
        query = query.filter(renewals::Column::Stage.eq(stage.as_str()));
    }
    if let Some(account_id) = filter.account_id {
        query = query.filter(renewals::Column::AccountId.eq(account_id));
    }
    if let Some(owner) = filter.owner_id {
        query = query.filter(
            renewals::Column::AccountId.in_subquery(
                Query::select()
                    .column(account_rows::Column::Id)
                    .from(account_rows::Entity)
                    .and_where(account_rows::Column::WorkspaceId.eq(actor.workspace_id))
                    .and_where(account_rows::Column::OwnerId.eq(owner))
                    .to_owned(),
            ),
        );
    }
    Ok(query)
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

/// Every staff member reads renewals; the most urgent first: the nearest
/// contract end (overdue ones, already past it, lead), then by id. Keyset
/// pagination on `(due_on, id)`.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: RenewalFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<Renewal>> {
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
    let mut query = filtered(db, actor, &filter, now)
        .await?
        .order_by_asc(renewals::Column::DueOn)
        .order_by_asc(renewals::Column::Id)
        .limit(limit + 1);
    if let Some((due_on, id)) = after {
        // A row-value comparison, so the (due date, id) index serves it.
        let key = Expr::tuple([
            Expr::col(renewals::Column::DueOn).into(),
            Expr::col(renewals::Column::Id).into(),
        ]);
        query = query.filter(key.gt(Expr::tuple([
            Expr::val(due_on).into(),
            Expr::val(id).into(),
        ])));
    }
    let mut rows = query.all(&db.read).await?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| rows.last().map(|r| encode_due_cursor(r.due_on, r.id)))
        .flatten();
    let items = hydrate(&db.read, actor.workspace_id, rows).await?;
    Ok(Page { items, next_cursor })
}

/// Sums of what `list` selects, per currency and stage; exact.
pub async fn totals(
    db: &Db,
    actor: &StaffActor,
    filter: RenewalFilter,
    now: DateTime<Utc>,
) -> AppResult<RenewalTotals> {
    let rows = filtered(db, actor, &filter, now)
        .await?
        .order_by_asc(renewals::Column::Id)
        .all(&db.read)
        .await?;
    let items = hydrate(&db.read, actor.workspace_id, rows.clone()).await?;
    #[derive(Default)]
    struct Sum {
        count: u64,
        value: i128,
        forecast: i128,
        upsell: i128,
        stages: BTreeMap<RenewalStage, (u64, i128)>,
    }
    let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
    for (row, item) in rows.iter().zip(items.iter()) {
        let sum = sums.entry(item.currency.clone()).or_default();
        sum.count += 1;
        sum.value +=
            i128::from(shared::contracts::parse_amount(&item.annual_value).unwrap_or_default());
        sum.forecast += i128::from(row.forecast_cents);
        sum.upsell += i128::from(row.upsell_cents);
        let stage = sum.stages.entry(item.stage).or_default();
        stage.0 += 1;
        stage.1 += i128::from(row.forecast_cents);
    }
    Ok(RenewalTotals {
        totals: sums
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
    crate::domain::require_current(if_match, &etag(&before))?;
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
    let after = one(&txn, updated).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: if stage == RenewalStage::Churned {
                "churn"
            } else {
                "update"
            },
            entity_type: "renewal",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    if stage == RenewalStage::Churned {
        set_account_stage(
            &txn,
            actor.workspace_id,
            existing.account_id,
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
    let after = one(&txn, model.update(&txn).await?).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "renew",
            entity_type: "renewal",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    set_account_stage(
        &txn,
        actor.workspace_id,
        old.account_id,
        LifecycleStage::Renewed,
        Some(actor.user_id),
        now,
    )
    .await?;
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
