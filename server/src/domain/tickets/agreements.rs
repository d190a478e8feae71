//! Service agreements (维护服务协议) of an account. The active agreement's
//! level selects the SLA policy of the account's tickets.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::tickets::{AgreementRequest, ServiceAgreement};
use shared::timeline::TimelineKind;
use shared::validation::{self, Collector};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::tickets::service_levels;
use crate::entity::{contracts, service_agreements};
use crate::error::{AppError, AppResult};

fn to_api(m: &service_agreements::Model) -> ServiceAgreement {
    ServiceAgreement {
        id: m.id,
        account_id: m.account_id,
        level: m.level.clone(),
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        signed_on: m.signed_on,
        service_content: m.service_content.clone(),
        complaint_procedure: m.complaint_procedure.clone(),
        service_process: m.service_process.clone(),
        contract_id: m.contract_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
) -> AppResult<Vec<ServiceAgreement>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let rows = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .order_by_desc(service_agreements::Column::StartsOn)
        .all(&db.read)
        .await?;
    Ok(rows.iter().map(to_api).collect())
}

pub(crate) async fn validate<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    req: &AgreementRequest,
) -> AppResult<()> {
    validate_for(conn, workspace_id, None, req).await
}

/// [`validate`], and for an account: the contract named must be one of
/// that account's.
async fn validate_for<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: Option<i64>,
    req: &AgreementRequest,
) -> AppResult<()> {
    let mut c = Collector::default();
    c.check("level", validation::required_text(&req.level, 40))
        .check(
            "service_content",
            validation::optional_text(&req.service_content, 20_000),
        )
        .check(
            "complaint_procedure",
            validation::optional_text(&req.complaint_procedure, 20_000),
        )
        .check(
            "service_process",
            validation::optional_text(&req.service_process, 20_000),
        );
    if req.ends_on < req.starts_on {
        c.fields
            .insert("ends_on".into(), "must not be before starts_on".into());
    }
    if !c.fields.contains_key("level") {
        let levels = service_levels::names(conn, workspace_id).await?;
        if !levels.iter().any(|l| l == req.level.trim()) {
            c.fields.insert(
                "level".into(),
                format!(
                    "must be one of the workspace's levels: {}",
                    levels.join(", ")
                ),
            );
        }
    }
    if let Some(contract_id) = req.contract_id {
        let mut query = contracts::Entity::find_by_id(contract_id)
            .filter(contracts::Column::WorkspaceId.eq(workspace_id));
        if let Some(account_id) = account_id {
            query = query.filter(contracts::Column::AccountId.eq(account_id));
        }
        if query.one(conn).await?.is_none() {
            c.fields.insert(
                "contract_id".into(),
                Msg::new(T::AgreementContractNotAccounts).en(),
            );
        }
    }
    c.finish().map_err(AppError::validation)
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: AgreementRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceAgreement> {
    let txn = db.write.begin().await?;
    let result = create_in(&txn, actor, account_id, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`create`] in the caller's transaction (imports run many in one).
pub(crate) async fn create_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    req: AgreementRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceAgreement> {
    accounts::editable(txn, actor, account_id).await?;
    validate_for(txn, actor.workspace_id, Some(account_id), &req).await?;
    let model = service_agreements::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        level: Set(req.level.trim().to_string()),
        starts_on: Set(req.starts_on),
        ends_on: Set(req.ends_on),
        signed_on: Set(req.signed_on),
        service_content: Set(req.service_content),
        complaint_procedure: Set(req.complaint_procedure),
        service_process: Set(req.service_process),
        contract_id: Set(req.contract_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let agreement = to_api(&model);
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "agreement",
            entity_id: agreement.id,
            before: None,
            after: Some(&agreement),
        },
        now,
    )
    .await?;
    let event = agreement_event(actor, &agreement, TimelineKind::AgreementCreated, now);
    timeline::record(txn, event, now).await?;
    Ok(agreement)
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    req: AgreementRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceAgreement> {
    let txn = db.write.begin().await?;
    let result = update_in(&txn, actor, account_id, id, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`update`] in the caller's transaction (imports run many in one).
pub(crate) async fn update_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    id: i64,
    req: AgreementRequest,
    now: DateTime<Utc>,
) -> AppResult<ServiceAgreement> {
    accounts::editable(txn, actor, account_id).await?;
    let existing = service_agreements::Entity::find_by_id(id)
        .filter(service_agreements::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    validate_for(txn, actor.workspace_id, Some(account_id), &req).await?;
    let before = to_api(&existing);
    let mut model: service_agreements::ActiveModel = existing.into();
    model.level = Set(req.level.trim().to_string());
    model.starts_on = Set(req.starts_on);
    model.ends_on = Set(req.ends_on);
    model.signed_on = Set(req.signed_on);
    model.service_content = Set(req.service_content);
    model.complaint_procedure = Set(req.complaint_procedure);
    model.service_process = Set(req.service_process);
    model.contract_id = Set(req.contract_id);
    model.updated_at = Set(now);
    let after = to_api(&model.update(txn).await?);
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "agreement",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    let events = agreement_changes(actor, &before, &after, now);
    timeline::record_many(txn, events, now).await?;
    Ok(after)
}

/// A timeline entry about `agreement`: its level and term.
fn agreement_event(
    actor: &StaffActor,
    agreement: &ServiceAgreement,
    kind: TimelineKind,
    now: DateTime<Utc>,
) -> NewEvent {
    let summary = Msg::new(T::TimelineAgreement)
        .with("level", &agreement.level)
        .with("starts_on", agreement.starts_on)
        .with("ends_on", agreement.ends_on)
        .en();
    NewEvent::new(
        actor.workspace_id,
        agreement.account_id,
        kind,
        actor.user_id,
        summary,
        now,
    )
    .about("agreement", agreement.id)
}

/// What an agreement's update puts on the timeline: a level change
/// (`gold → silver`), and a term that now ends later (renewed) or earlier
/// (ended early). Other edits (content, signing date) are only audited.
fn agreement_changes(
    actor: &StaffActor,
    before: &ServiceAgreement,
    after: &ServiceAgreement,
    now: DateTime<Utc>,
) -> Vec<NewEvent> {
    let mut events = Vec::new();
    if before.level != after.level {
        let summary = Msg::new(T::TimelineStage)
            .with("from", &before.level)
            .with("to", &after.level)
            .en();
        events.push(
            NewEvent::new(
                actor.workspace_id,
                after.account_id,
                TimelineKind::AgreementLevelChanged,
                actor.user_id,
                summary,
                now,
            )
            .about("agreement", after.id),
        );
    }
    let term = match after.ends_on.cmp(&before.ends_on) {
        std::cmp::Ordering::Greater => Some(TimelineKind::AgreementRenewed),
        std::cmp::Ordering::Less => Some(TimelineKind::AgreementEnded),
        std::cmp::Ordering::Equal => None,
    };
    events.extend(term.map(|kind| agreement_event(actor, after, kind, now)));
    events
}

/// The level of the account's agreement in force on `today` (the latest
/// starting one when several overlap).
pub async fn active_level<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    today: NaiveDate,
) -> AppResult<Option<String>> {
    Ok(service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
        .filter(service_agreements::Column::AccountId.eq(account_id))
        .filter(service_agreements::Column::StartsOn.lte(today))
        .filter(service_agreements::Column::EndsOn.gte(today))
        .order_by_desc(service_agreements::Column::StartsOn)
        .one(conn)
        .await?
        .map(|a| a.level))
}

/// Renewing a contract renews the agreements that belong to it: each gets
/// a successor at the same level and terms, from the day after it ends to
/// the end of the `next` contract, signed on the day of the renewal and
/// belonging to the next contract. In the renewal's transaction.
pub(crate) async fn renew_with_contract<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    old_contract_id: i64,
    next: &contracts::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Vec<ServiceAgreement>> {
    let linked = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(service_agreements::Column::ContractId.eq(old_contract_id))
        .order_by_asc(service_agreements::Column::Id)
        .all(txn)
        .await?;
    let mut renewed = Vec::new();
    for old in linked {
        let Some(starts_on) = old.ends_on.succ_opt() else {
            continue;
        };
        if next.ends_on < starts_on {
            continue;
        }
        let model = service_agreements::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            account_id: Set(old.account_id),
            level: Set(old.level.clone()),
            starts_on: Set(starts_on),
            ends_on: Set(next.ends_on),
            signed_on: Set(Some(today)),
            service_content: Set(old.service_content.clone()),
            complaint_procedure: Set(old.complaint_procedure.clone()),
            service_process: Set(old.service_process.clone()),
            contract_id: Set(Some(next.id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let agreement = to_api(&model);
        audit::record(
            txn,
            Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: "renew",
                entity_type: "agreement",
                entity_id: agreement.id,
                before: Some(&to_api(&old)),
                after: Some(&agreement),
            },
            now,
        )
        .await?;
        let event = agreement_event(actor, &agreement, TimelineKind::AgreementRenewed, now);
        timeline::record(txn, event, now).await?;
        renewed.push(agreement);
    }
    Ok(renewed)
}
