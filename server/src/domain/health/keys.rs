//! API keys of a workspace (admins create and revoke them; the secret is
//! shown once and only its SHA-256 is kept) and the usage events pushed with
//! them, which feed the usage component of the health score.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use shared::health::{
    ApiKey, CreateApiKey, CreatedApiKey, UsageEventBatch, UsageEventsAccepted, MAX_USAGE_EVENTS,
};
use shared::{validation, FieldErrors, Page, Role};

use crate::auth::tokens::{hash_token, random_token};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::{accounts, api_keys, usage_events};
use crate::error::{AppError, AppResult};

/// Every secret starts so, to be recognisable in configuration files.
pub const SECRET_PREFIX: &str = "stw_";
/// Longest `user_ref`.
pub const MAX_USER_REF: usize = 200;
/// Usage older than this says nothing of an account's health today; an
/// event dated earlier is a mistake (a wrong year, a zero timestamp).
pub const MAX_USAGE_EVENT_AGE_DAYS: i64 = 366;
/// Rows per INSERT of usage events.
const CHUNK: usize = 500;

fn to_api(m: &api_keys::Model) -> ApiKey {
    ApiKey {
        id: m.id,
        name: m.name.clone(),
        prefix: m.prefix.clone(),
        created_by: m.created_by,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
        last_used_at: m.last_used_at,
    }
}

pub async fn list(db: &Db, actor: &StaffActor, page: PageQuery) -> AppResult<Page<ApiKey>> {
    actor.require(&[Role::Admin])?;
    let params = page.params()?;
    let mut query = api_keys::Entity::find()
        .filter(api_keys::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(api_keys::Column::Id)
        .limit(params.limit + 1);
    if let Some(before) = params.before_id {
        query = query.filter(api_keys::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    Ok(page_of(rows, params, |k| k.id, |k| to_api(&k)))
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: CreateApiKey,
    now: DateTime<Utc>,
) -> AppResult<CreatedApiKey> {
    actor.require(&[Role::Admin])?;
    let name = req.name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            "name the key (e.g. the ERP server it is for)",
        ));
    }
    validation::optional_text(&name, 200).map_err(|r| AppError::field("name", r.message_en()))?;
    let secret = format!("{SECRET_PREFIX}{}", random_token(32));
    let prefix: String = secret.chars().take(SECRET_PREFIX.len() + 6).collect();
    let txn = db.write.begin().await?;
    let row = api_keys::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(name),
        prefix: Set(prefix),
        secret_hash: Set(hash_token(&secret)),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let key = to_api(&row);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "api_key",
            entity_id: row.id,
            before: None,
            after: Some(&key),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedApiKey { key, secret })
}

pub async fn revoke(db: &Db, actor: &StaffActor, id: i64, now: DateTime<Utc>) -> AppResult<ApiKey> {
    actor.require(&[Role::Admin])?;
    let txn = db.write.begin().await?;
    let row = api_keys::Entity::find_by_id(id)
        .filter(api_keys::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.revoked_at.is_some() {
        return Ok(to_api(&row));
    }
    let before = to_api(&row);
    let mut m: api_keys::ActiveModel = row.into();
    m.revoked_at = Set(Some(now));
    let after = to_api(&m.update(&txn).await?);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "revoke",
            entity_type: "api_key",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The live key a secret names; anything else is 401.
pub async fn authenticate(db: &Db, secret: Option<&str>) -> AppResult<api_keys::Model> {
    let unauthorized =
        || AppError::Unauthorized("send a valid, unrevoked API key in X-Api-Key".into());
    let secret = secret
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(unauthorized)?;
    api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(hash_token(secret)))
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(&db.read)
        .await?
        .ok_or_else(unauthorized)
}

/// Records a batch of usage events for accounts of the key's workspace. The
/// batch is all or nothing: one event naming an account outside the
/// workspace (or none) refuses it with 422.
pub async fn ingest(
    db: &Db,
    key: &api_keys::Model,
    batch: UsageEventBatch,
    now: DateTime<Utc>,
) -> AppResult<UsageEventsAccepted> {
    let events = batch.events;
    if events.is_empty() || events.len() > MAX_USAGE_EVENTS {
        return Err(AppError::field(
            "events",
            format!("send between 1 and {MAX_USAGE_EVENTS} events"),
        ));
    }
    let mut codes: Vec<String> = events
        .iter()
        .filter_map(|e| e.account_code.as_ref().map(|c| c.trim().to_string()))
        .collect();
    codes.sort();
    codes.dedup();
    let mut ids: Vec<i64> = events.iter().filter_map(|e| e.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut by_code: HashMap<String, i64> = HashMap::new();
    let mut known_ids: std::collections::HashSet<i64> = Default::default();
    if !codes.is_empty() {
        let rows: Vec<(i64, String)> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .column(accounts::Column::Code)
            .filter(accounts::Column::WorkspaceId.eq(key.workspace_id))
            .filter(accounts::Column::Code.is_in(codes))
            .into_tuple()
            .all(&db.read)
            .await?;
        by_code.extend(rows.into_iter().map(|(id, code)| (code, id)));
    }
    if !ids.is_empty() {
        let rows: Vec<i64> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .filter(accounts::Column::WorkspaceId.eq(key.workspace_id))
            .filter(accounts::Column::Id.is_in(ids))
            .into_tuple()
            .all(&db.read)
            .await?;
        known_ids.extend(rows);
    }
    let mut fields = FieldErrors::new();
    let mut rows = Vec::with_capacity(events.len());
    let latest = now + Duration::hours(1);
    let earliest = now - Duration::days(MAX_USAGE_EVENT_AGE_DAYS);
    for (i, e) in events.into_iter().enumerate() {
        let code_id = e
            .account_code
            .as_ref()
            .map(|c| by_code.get(c.trim()).copied());
        let account = match (e.account_id, code_id) {
            (None, None) => {
                fields.insert(
                    format!("events[{i}].account_id"),
                    "give account_id or account_code".into(),
                );
                continue;
            }
            (Some(id), Some(Some(by_code))) if id != by_code => {
                fields.insert(
                    format!("events[{i}].account_code"),
                    "names another account than account_id".into(),
                );
                continue;
            }
            (Some(id), _) if known_ids.contains(&id) => id,
            (None, Some(Some(id))) => id,
            _ => {
                fields.insert(
                    format!("events[{i}].account_id"),
                    "no such account in this workspace".into(),
                );
                continue;
            }
        };
        let user_ref = e.user_ref.trim().to_string();
        if user_ref.is_empty() || user_ref.chars().count() > MAX_USER_REF {
            fields.insert(
                format!("events[{i}].user_ref"),
                format!("must be 1 to {MAX_USER_REF} characters"),
            );
            continue;
        }
        if e.occurred_at > latest {
            fields.insert(
                format!("events[{i}].occurred_at"),
                "is in the future".into(),
            );
            continue;
        }
        if e.occurred_at < earliest {
            fields.insert(
                format!("events[{i}].occurred_at"),
                format!("is more than {MAX_USAGE_EVENT_AGE_DAYS} days ago"),
            );
            continue;
        }
        rows.push(usage_events::ActiveModel {
            workspace_id: Set(key.workspace_id),
            account_id: Set(account),
            user_ref: Set(user_ref),
            module: Set(e.module.as_str().to_string()),
            occurred_at: Set(e.occurred_at),
            api_key_id: Set(key.id),
            received_at: Set(now),
            ..Default::default()
        });
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let accepted = rows.len();
    let txn = db.write.begin().await?;
    let mut rest = rows;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(CHUNK));
        usage_events::Entity::insert_many(rest)
            .exec_without_returning(&txn)
            .await?;
        rest = tail;
    }
    let mut m: api_keys::ActiveModel = key.clone().into();
    m.last_used_at = Set(Some(now));
    m.update(&txn).await?;
    txn.commit().await?;
    Ok(UsageEventsAccepted { accepted })
}
