//! Webhooks an admin manages: create (the secret is shown once), list,
//! read, change, delete, the delivery log, redelivery and a test ping.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use shared::integrations::{
    validate_events, validate_url, CreateWebhook, Delivery, DeliveryStatus, EventType,
    UpdateWebhook, Webhook, WebhookCreated, MAX_TARGETS,
};
use shared::{FieldErrors, Role};

use super::events::{insert_event, queue, TARGET_WEBHOOK};
use super::{net, outbox, sign};
use crate::auth::StaffActor;
use crate::domain::common::audit::{self, Change};
use crate::entity::integrations::{deliveries, events, webhooks};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Deliveries the log shows, newest first.
pub const LOG_LIMIT: u64 = 100;

fn to_api(model: &webhooks::Model) -> Webhook {
    Webhook {
        id: model.id,
        url: model.url.clone(),
        events: serde_json::from_str(&model.events).unwrap_or_default(),
        enabled: model.enabled,
        consecutive_failures: model.consecutive_failures,
        disabled_reason: model.disabled_reason.clone(),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

/// The URL's form, then where it points (SSRF).
pub(crate) async fn check_url(state: &AppState, field: &str, url: &str) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    validate_url(field, url, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    net::check_target(url, state.integrations.allow_private())
        .await
        .map_err(|why| AppError::field(field, why))
}

fn dedup(events: &[EventType]) -> Vec<EventType> {
    let mut out: Vec<EventType> = events.to_vec();
    out.sort();
    out.dedup();
    out
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<webhooks::Model> {
    webhooks::Entity::find_by_id(id)
        .filter(webhooks::Column::WorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    new: CreateWebhook,
) -> AppResult<WebhookCreated> {
    actor.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    validate_events("events", &new.events, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_url(state, "url", &new.url).await?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let count = webhooks::Entity::find()
        .filter(webhooks::Column::WorkspaceId.eq(actor.workspace_id))
        .count(&txn)
        .await?;
    if count >= MAX_TARGETS {
        return Err(AppError::bad_request(format!(
            "a workspace may have at most {MAX_TARGETS} webhooks"
        )));
    }
    let secret = sign::new_secret();
    let model = webhooks::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        url: Set(new.url.trim().to_string()),
        secret: Set(secret.clone()),
        events: Set(serde_json::to_string(&dedup(&new.events)).unwrap_or_default()),
        enabled: Set(new.enabled),
        consecutive_failures: Set(0),
        failing_since: Set(None),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let webhook = to_api(&model);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "webhook",
            entity_id: model.id,
            before: None,
            after: Some(&webhook),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(WebhookCreated { webhook, secret })
}

pub async fn list(state: &AppState, actor: &StaffActor) -> AppResult<Vec<Webhook>> {
    actor.require(&[Role::Admin])?;
    Ok(webhooks::Entity::find()
        .filter(webhooks::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(webhooks::Column::Id)
        .all(&state.db.read)
        .await?
        .iter()
        .map(to_api)
        .collect())
}

pub async fn get(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Webhook> {
    actor.require(&[Role::Admin])?;
    Ok(to_api(&find(&state.db.read, actor, id).await?))
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    change: UpdateWebhook,
) -> AppResult<Webhook> {
    actor.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    if let Some(events) = &change.events {
        validate_events("events", events, &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    // An unknown id answers 404 before the URL is looked at.
    find(&state.db.read, actor, id).await?;
    if let Some(url) = &change.url {
        check_url(state, "url", url).await?;
    }
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor, id).await?;
    let before = to_api(&current);
    let mut model: webhooks::ActiveModel = current.clone().into();
    if let Some(url) = change.url {
        model.url = Set(url.trim().to_string());
    }
    if let Some(events) = change.events {
        model.events = Set(serde_json::to_string(&dedup(&events)).unwrap_or_default());
    }
    if let Some(enabled) = change.enabled {
        model.enabled = Set(enabled);
        if enabled && !current.enabled {
            model.consecutive_failures = Set(0);
            model.failing_since = Set(None);
            model.disabled_reason = Set(None);
        }
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let after = to_api(&updated);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "webhook",
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

/// Deletes a webhook and its delivery log (nothing more is sent to it).
pub async fn delete(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor, id).await?;
    let before = to_api(&current);
    deliveries::Entity::delete_many()
        .filter(deliveries::Column::TargetKind.eq(TARGET_WEBHOOK))
        .filter(deliveries::Column::TargetId.eq(id))
        .exec(&txn)
        .await?;
    webhooks::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "delete",
            entity_type: "webhook",
            entity_id: id,
            before: Some(&before),
            after: None::<&Webhook>,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Delivery rows as the log shows them.
pub(crate) async fn deliveries_api<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<deliveries::Model>,
) -> AppResult<Vec<Delivery>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    let events: std::collections::HashMap<i64, (String, String)> = events::Entity::find()
        .select_only()
        .column(events::Column::Id)
        .column(events::Column::Uid)
        .column(events::Column::EventType)
        .filter(events::Column::Id.is_in(ids))
        .into_tuple::<(i64, String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, uid, t)| (id, (uid, t)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let (uid, event_type) = events.get(&r.event_id).cloned().unwrap_or_default();
            Delivery {
                id: r.id,
                event_id: uid,
                event_type,
                status: r.status.parse().unwrap_or(DeliveryStatus::Pending),
                attempt: r.attempts,
                http_status: r.http_status,
                latency_ms: r.latency_ms,
                response_excerpt: r.response_excerpt,
                error: r.last_error,
                next_attempt_at: r.next_attempt_at,
                delivered_at: r.delivered_at,
                created_at: r.created_at,
            }
        })
        .collect())
}

/// The last deliveries of a target, newest first.
pub(crate) async fn log_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    target_kind: &str,
    target_id: i64,
) -> AppResult<Vec<Delivery>> {
    let rows = deliveries::Entity::find()
        .filter(deliveries::Column::WorkspaceId.eq(workspace_id))
        .filter(deliveries::Column::TargetKind.eq(target_kind))
        .filter(deliveries::Column::TargetId.eq(target_id))
        .order_by_desc(deliveries::Column::Id)
        .limit(LOG_LIMIT)
        .all(conn)
        .await?;
    deliveries_api(conn, rows).await
}

pub async fn deliveries(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Vec<Delivery>> {
    actor.require(&[Role::Admin])?;
    find(&state.db.read, actor, id).await?;
    log_of(&state.db.read, actor.workspace_id, TARGET_WEBHOOK, id).await
}

/// Reads one delivery of a target (404 unless it is one).
pub(crate) async fn delivery_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    target_kind: &str,
    target_id: i64,
    delivery_id: i64,
) -> AppResult<deliveries::Model> {
    deliveries::Entity::find_by_id(delivery_id)
        .filter(deliveries::Column::WorkspaceId.eq(workspace_id))
        .filter(deliveries::Column::TargetKind.eq(target_kind))
        .filter(deliveries::Column::TargetId.eq(target_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Queues `event_id` again for the target and sends it at once; answers
/// the new delivery as it stands after the attempt.
pub(crate) async fn send_again(
    state: &AppState,
    workspace_id: i64,
    event_id: i64,
    target_kind: &str,
    target_id: i64,
) -> AppResult<Delivery> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let delivery_id = queue(&txn, workspace_id, event_id, target_kind, target_id, now).await?;
    txn.commit().await?;
    if let Err(e) = outbox::deliver_now(state, delivery_id).await {
        // The row stays queued; the worker tries again.
        tracing::warn!(error = %e, delivery_id, "immediate delivery failed");
        state.integrations.kick();
    }
    let row = delivery_of(
        &state.db.write,
        workspace_id,
        target_kind,
        target_id,
        delivery_id,
    )
    .await?;
    deliveries_api(&state.db.write, vec![row])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

pub(crate) fn require_enabled(enabled: bool) -> AppResult<()> {
    if enabled {
        Ok(())
    } else {
        Err(AppError::conflict_on(
            "enabled",
            "it is disabled; enable it first",
        ))
    }
}

pub async fn redeliver(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    delivery_id: i64,
) -> AppResult<Delivery> {
    actor.require(&[Role::Admin])?;
    let hook = find(&state.db.read, actor, id).await?;
    let old = delivery_of(
        &state.db.read,
        actor.workspace_id,
        TARGET_WEBHOOK,
        id,
        delivery_id,
    )
    .await?;
    require_enabled(hook.enabled)?;
    send_again(state, actor.workspace_id, old.event_id, TARGET_WEBHOOK, id).await
}

/// Sends a `ping` event to the webhook now.
pub async fn test(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Delivery> {
    actor.require(&[Role::Admin])?;
    let hook = find(&state.db.read, actor, id).await?;
    require_enabled(hook.enabled)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let event_id = insert_event(
        &txn,
        actor.workspace_id,
        "ping",
        &json!({ "webhook_id": id, "message": "Steward webhook test" }),
        now,
    )
    .await?;
    txn.commit().await?;
    send_again(state, actor.workspace_id, event_id, TARGET_WEBHOOK, id).await
}
