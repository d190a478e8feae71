//! Contracts of an account: dates, an exact annual value (integer cents),
//! currency, auto-renew and notice period. A change of the annual value of
//! an existing contract is a maker-checker approval (`contract_value_change`):
//! the value changes only when a manager or admin other than the maker
//! approves it. Portal users never reach contracts.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use shared::approvals::ApprovalStatus;
use shared::contracts::{
    format_cents, parse_amount, valid_currency, Contract, ContractStatus, CreateContractRequest,
    PendingValueChange, UpdateContractRequest, DEFAULT_CURRENCY, DEFAULT_NOTICE_DAYS,
};
use shared::{validation, FieldErrors, Page, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::approvals::{self, ApprovalRequest, CONTRACT_VALUE_CHANGE};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::{self, contracts};
use crate::error::{AppError, AppResult};

pub const SUBJECT: &str = "contract";
const MAX_NOTICE_DAYS: i32 = 3650;

/// What a `contract_value_change` approval carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValueChange {
    pub old_value: String,
    pub new_value: String,
    pub currency: String,
}

pub fn to_api(m: &contracts::Model, pending: Option<PendingValueChange>) -> Contract {
    Contract {
        id: m.id,
        account_id: m.account_id,
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        annual_value: format_cents(m.annual_value_cents),
        currency: m.currency.clone(),
        auto_renew: m.auto_renew,
        notice_days: m.notice_days,
        previous_contract_id: m.previous_contract_id,
        number: m.number.clone(),
        pending_approval: pending,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    }
}

/// A contract as integration events show it (`contract.created`,
/// `renewal.due_soon`).
pub(crate) fn event_json(m: &contracts::Model) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "account_id": m.account_id,
        "starts_on": m.starts_on,
        "ends_on": m.ends_on,
        "annual_value": shared::contracts::format_cents(m.annual_value_cents),
        "currency": m.currency,
        "auto_renew": m.auto_renew,
        "previous_contract_id": m.previous_contract_id,
    })
}

/// The strong ETag of a contract version.
pub fn etag(contract: &Contract) -> String {
    format!("\"c{}v{}\"", contract.id, contract.version)
}

/// Pending value changes of the given contracts, by contract id.
async fn pending_changes<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, PendingValueChange>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = entity::approvals::Entity::find()
        .filter(entity::approvals::Column::WorkspaceId.eq(workspace_id))
        .filter(entity::approvals::Column::Kind.eq(CONTRACT_VALUE_CHANGE))
        .filter(entity::approvals::Column::SubjectType.eq(SUBJECT))
        .filter(entity::approvals::Column::SubjectId.is_in(ids.to_vec()))
        .filter(entity::approvals::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|a| {
            let change: ValueChange = serde_json::from_str(a.payload.as_deref()?).ok()?;
            Some((
                a.subject_id,
                PendingValueChange {
                    approval_id: a.id,
                    annual_value: change.new_value,
                    maker_id: a.maker_id,
                    requested_at: a.created_at,
                },
            ))
        })
        .collect())
}

pub(crate) async fn with_pending<C: ConnectionTrait>(
    conn: &C,
    m: &contracts::Model,
) -> AppResult<Contract> {
    let mut pending = pending_changes(conn, m.workspace_id, &[m.id]).await?;
    Ok(to_api(m, pending.remove(&m.id)))
}

pub use shared::filters::ContractFilter;

/// Contract values and ARR are for admins, managers and CSMs; an engineer
/// works the tickets and onboarding of an account, not its money.
pub fn may_see_money(actor: &StaffActor) -> bool {
    matches!(actor.role, Role::Admin | Role::Manager | Role::Csm)
}

pub(crate) fn require_money(actor: &StaffActor) -> AppResult<()> {
    if may_see_money(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "contract values are for admins, managers and CSMs".into(),
        ))
    }
}

/// Admins, managers and CSMs read contracts (see [`may_see_money`]);
/// newest first. Filters: the account, the account's owner, the status
/// against the workspace's today and the end (renewal) date's range.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: ContractFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<Contract>> {
    require_money(actor)?;
    let params = page.params()?;
    if let (Some(from), Some(to)) = (filter.ends_from, filter.ends_to) {
        if from > to {
            let mut fields = FieldErrors::new();
            fields.insert(
                "ends_to".into(),
                shared::texts::T::NotBeforeFrom.en().to_string(),
            );
            return Err(AppError::validation(fields));
        }
    }
    let mut query = contracts::Entity::find()
        .filter(contracts::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(contracts::Column::Id)
        .limit(params.limit + 1);
    if let Some(account_id) = filter.account_id {
        accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
        query = query.filter(contracts::Column::AccountId.eq(account_id));
    }
    if let Some(owner_id) = filter.owner_id {
        use sea_orm::sea_query::Query;
        query = query.filter(
            contracts::Column::AccountId.in_subquery(
                Query::select()
                    .column(entity::accounts::Column::Id)
                    .from(entity::accounts::Entity)
                    .and_where(entity::accounts::Column::WorkspaceId.eq(actor.workspace_id))
                    .and_where(entity::accounts::Column::OwnerId.eq(owner_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(status) = filter.status {
        let today =
            crate::domain::common::calendar::today(&db.read, actor.workspace_id, now).await?;
        query = match status {
            ContractStatus::Upcoming => query.filter(contracts::Column::StartsOn.gt(today)),
            ContractStatus::Ended => query.filter(contracts::Column::EndsOn.lt(today)),
            ContractStatus::Running => query
                .filter(contracts::Column::StartsOn.lte(today))
                .filter(contracts::Column::EndsOn.gte(today)),
        };
    }
    if let Some(from) = filter.ends_from {
        query = query.filter(contracts::Column::EndsOn.gte(from));
    }
    if let Some(to) = filter.ends_to {
        query = query.filter(contracts::Column::EndsOn.lte(to));
    }
    if let Some(before) = params.before_id {
        query = query.filter(contracts::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut pending = pending_changes(&db.read, actor.workspace_id, &ids).await?;
    Ok(page_of(
        rows,
        params,
        |c| c.id,
        |c| {
            let p = pending.remove(&c.id);
            to_api(&c, p)
        },
    ))
}

pub(crate) async fn find_in_workspace<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<contracts::Model> {
    contracts::Entity::find_by_id(id)
        .filter(contracts::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Contract> {
    require_money(actor)?;
    let model = find_in_workspace(&db.read, actor.workspace_id, id).await?;
    with_pending(&db.read, &model).await
}

pub(crate) fn check_dates(fields: &mut FieldErrors, starts_on: NaiveDate, ends_on: NaiveDate) {
    for (name, date) in [("starts_on", starts_on), ("ends_on", ends_on)] {
        if !crate::domain::common::plausible_date(date) {
            fields.insert(name.into(), crate::domain::common::IMPLAUSIBLE_DATE.into());
        }
    }
    if ends_on <= starts_on && !fields.contains_key("ends_on") {
        fields.insert("ends_on".into(), "must be after starts_on".into());
    }
}

pub(crate) fn check_notice(fields: &mut FieldErrors, notice_days: i32) {
    if !(0..=MAX_NOTICE_DAYS).contains(&notice_days) {
        fields.insert(
            "notice_days".into(),
            format!("must be between 0 and {MAX_NOTICE_DAYS}"),
        );
    }
}

pub(crate) fn check_currency(fields: &mut FieldErrors, currency: &str) {
    if !valid_currency(currency) {
        fields.insert(
            "currency".into(),
            "must be three upper-case letters, e.g. CNY".into(),
        );
    }
}

/// Parses an amount field, recording why it is refused.
pub(crate) fn amount_field(fields: &mut FieldErrors, name: &str, text: &str) -> Option<i64> {
    match parse_amount(text) {
        Ok(cents) => Some(cents),
        Err(reason) => {
            fields.insert(name.into(), reason);
            None
        }
    }
}

fn finish(fields: FieldErrors) -> AppResult<()> {
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(fields))
    }
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: CreateContractRequest,
    now: DateTime<Utc>,
) -> AppResult<Contract> {
    let txn = db.write.begin().await?;
    let result = create_in(&txn, actor, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`create`] in the caller's transaction (imports run many in one).
pub(crate) async fn create_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    req: CreateContractRequest,
    now: DateTime<Utc>,
) -> AppResult<Contract> {
    let account = accounts::editable(txn, actor, req.account_id).await?;
    let mut fields = FieldErrors::new();
    check_dates(&mut fields, req.starts_on, req.ends_on);
    let cents = amount_field(&mut fields, "annual_value", &req.annual_value);
    let currency = req.currency.unwrap_or_else(|| DEFAULT_CURRENCY.into());
    check_currency(&mut fields, &currency);
    let notice_days = req.notice_days.unwrap_or(DEFAULT_NOTICE_DAYS);
    check_notice(&mut fields, notice_days);
    let number = crate::domain::common::clean_optional(req.number);
    if let Some(n) = &number {
        if let Err(reason) = validation::required_text(n, validation::MAX_CODE_LEN) {
            fields.insert("number".into(), reason.message_en());
        }
    }
    finish(fields)?;
    let model = insert(
        txn,
        NewContract {
            workspace_id: actor.workspace_id,
            account_id: account.id,
            starts_on: req.starts_on,
            ends_on: req.ends_on,
            annual_value_cents: cents.unwrap_or_default(),
            currency,
            auto_renew: req.auto_renew,
            notice_days,
            previous_contract_id: None,
            created_by: actor.user_id,
            number,
        },
        now,
    )
    .await?;
    // A contract ending within the horizon has its renewal from the start.
    crate::domain::renewals::open_if_due(txn, &model, now).await?;
    let contract = to_api(&model, None);
    Ok(contract)
}

pub(crate) struct NewContract {
    pub workspace_id: i64,
    pub account_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub annual_value_cents: i64,
    pub currency: String,
    pub auto_renew: bool,
    pub notice_days: i32,
    pub previous_contract_id: Option<i64>,
    pub created_by: i64,
    pub number: Option<String>,
}

/// Inserts and audits a contract, in the caller's transaction.
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewContract,
    now: DateTime<Utc>,
) -> AppResult<contracts::Model> {
    let model = contracts::ActiveModel {
        workspace_id: Set(new.workspace_id),
        account_id: Set(new.account_id),
        starts_on: Set(new.starts_on),
        ends_on: Set(new.ends_on),
        annual_value_cents: Set(new.annual_value_cents),
        currency: Set(new.currency),
        auto_renew: Set(new.auto_renew),
        notice_days: Set(new.notice_days),
        previous_contract_id: Set(new.previous_contract_id),
        number: Set(new.number),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let contract = to_api(&model, None);
    audit::record(
        conn,
        Change {
            workspace_id: new.workspace_id,
            actor_id: Some(new.created_by),
            action: "create",
            entity_type: SUBJECT,
            entity_id: contract.id,
            before: None,
            after: Some(&contract),
        },
        now,
    )
    .await?;
    crate::domain::integrations::events::emit(
        conn,
        model.workspace_id,
        shared::integrations::EventType::ContractCreated,
        serde_json::json!({
            "contract": event_json(&model),
            "account": crate::domain::integrations::events::account_of(
                conn,
                model.workspace_id,
                model.account_id,
            )
            .await?,
        }),
        now,
    )
    .await?;
    Ok(model)
}

/// The outcome of a PATCH: the contract as it now is, and whether a value
/// change was submitted for approval.
pub struct Updated {
    pub contract: Contract,
    pub value_change_requested: bool,
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateContractRequest,
    now: DateTime<Utc>,
) -> AppResult<Updated> {
    let txn = db.write.begin().await?;
    let result = update_in(&txn, actor, id, if_match, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`update`] in the caller's transaction (imports run many in one).
pub(crate) async fn update_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateContractRequest,
    now: DateTime<Utc>,
) -> AppResult<Updated> {
    let existing = contracts::Entity::find_by_id(id)
        .filter(contracts::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    accounts::editable(txn, actor, existing.account_id).await?;
    let before = with_pending(txn, &existing).await?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    let mut fields = FieldErrors::new();
    let starts_on = req.starts_on.unwrap_or(existing.starts_on);
    let ends_on = req.ends_on.unwrap_or(existing.ends_on);
    check_dates(&mut fields, starts_on, ends_on);
    let currency = req.currency.clone().unwrap_or(existing.currency.clone());
    check_currency(&mut fields, &currency);
    let notice_days = req.notice_days.unwrap_or(existing.notice_days);
    check_notice(&mut fields, notice_days);
    let new_cents = match &req.annual_value {
        Some(text) => amount_field(&mut fields, "annual_value", text),
        None => None,
    };
    finish(fields)?;

    let auto_renew = req.auto_renew.unwrap_or(existing.auto_renew);
    let changed = starts_on != existing.starts_on
        || ends_on != existing.ends_on
        || currency != existing.currency
        || notice_days != existing.notice_days
        || auto_renew != existing.auto_renew;
    let value_change = new_cents.filter(|c| *c != existing.annual_value_cents);
    if value_change.is_some() && before.pending_approval.is_some() {
        return Err(AppError::conflict_on(
            "annual_value",
            "a change of the annual value is already waiting for approval",
        ));
    }

    let mut current = existing.clone();
    if changed {
        let mut model: contracts::ActiveModel = existing.clone().into();
        model.starts_on = Set(starts_on);
        model.ends_on = Set(ends_on);
        model.currency = Set(currency.clone());
        model.notice_days = Set(notice_days);
        model.auto_renew = Set(auto_renew);
        model.updated_at = Set(now);
        model.version = Set(existing.version + 1);
        current = model.update(txn).await?;
        // Its renewals follow the contract's end and currency (and one is
        // opened if the end moved into the horizon).
        crate::domain::renewals::contract_changed(txn, &existing, &current, now).await?;
    }
    let mut pending = before.pending_approval.clone();
    if let Some(cents) = value_change {
        let change = ValueChange {
            old_value: format_cents(existing.annual_value_cents),
            new_value: format_cents(cents),
            currency: currency.clone(),
        };
        let approval = approvals::request(
            txn,
            ApprovalRequest {
                workspace_id: actor.workspace_id,
                kind: CONTRACT_VALUE_CHANGE,
                subject_type: SUBJECT,
                subject_id: id,
                maker_id: actor.user_id,
                summary: format!(
                    "Contract #{id}: annual value {} → {} {}",
                    change.old_value, change.new_value, change.currency
                ),
                payload: Some(
                    serde_json::to_value(&change).map_err(|e| AppError::Internal(e.into()))?,
                ),
            },
            now,
        )
        .await?;
        pending = Some(PendingValueChange {
            approval_id: approval.id,
            annual_value: change.new_value,
            maker_id: actor.user_id,
            requested_at: now,
        });
    }
    let after = to_api(&current, pending);
    if changed || value_change.is_some() {
        audit::record(
            txn,
            Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: if value_change.is_some() {
                    "request_value_change"
                } else {
                    "update"
                },
                entity_type: SUBJECT,
                entity_id: id,
                before: Some(&before),
                after: Some(&after),
            },
            now,
        )
        .await?;
    }
    Ok(Updated {
        contract: after,
        value_change_requested: value_change.is_some(),
    })
}

/// What deciding a `contract_value_change` does: approval sets the value,
/// rejection leaves the contract as it is. In the decision's transaction.
pub(crate) async fn on_value_decision<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    contract_id: i64,
    payload: Option<&str>,
    decided_by: i64,
    approve: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !approve {
        return Ok(());
    }
    let change: ValueChange = payload
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a value change without payload")))?;
    let cents =
        parse_amount(&change.new_value).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let existing = contracts::Entity::find_by_id(contract_id)
        .filter(contracts::Column::WorkspaceId.eq(workspace_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(&existing, None);
    let mut model: contracts::ActiveModel = existing.clone().into();
    model.annual_value_cents = Set(cents);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(conn).await?;
    // The renewal totals count the contract's new value.
    crate::domain::renewals::contract_changed(conn, &existing, &updated, now).await?;
    let after = to_api(&updated, None);
    audit::record(
        conn,
        Change {
            workspace_id,
            actor_id: Some(decided_by),
            action: "update",
            entity_type: SUBJECT,
            entity_id: contract_id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    Ok(())
}
