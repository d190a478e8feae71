//! Chat bots an admin manages (企业微信, 钉钉, 飞书 group robots) with the
//! rules that choose which events each posts, their delivery log, and a
//! test message.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::json;
use shared::integrations::{
    validate_name, validate_rules, ChatBot, CreateChatBot, Delivery, UpdateChatBot, MAX_TARGETS,
};
use shared::{FieldErrors, Locale, Role};

use super::events::{insert_event, TARGET_CHAT_BOT};
use super::webhooks::{check_url, delivery_of, log_of, require_enabled, send_again};
use crate::auth::StaffActor;
use crate::domain::common::audit::{self, Change};
use crate::entity::integrations::{chat_bots, deliveries};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The address with its token hidden: query values and a long last path
/// segment (Feishu's hook id) become `***`.
pub fn masked(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "***".into();
    };
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, _)| (k.into_owned(), "***".to_string()))
        .collect();
    if pairs.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let segments: Vec<String> = parsed
        .path_segments()
        .map(|s| s.map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(last) = segments.last().filter(|s| s.len() >= 16) {
        let path = parsed.path().trim_end_matches(last.as_str()).to_string() + "***";
        parsed.set_path(&path);
    }
    parsed.to_string().replace("%2A%2A%2A", "***")
}

fn to_api(model: &chat_bots::Model) -> ChatBot {
    ChatBot {
        id: model.id,
        name: model.name.clone(),
        kind: model
            .kind
            .parse()
            .unwrap_or(shared::integrations::ChatBotKind::Wecom),
        webhook_url: masked(&model.webhook_url),
        has_secret: model.secret.is_some(),
        locale: model.locale.parse().unwrap_or(Locale::DEFAULT),
        enabled: model.enabled,
        rules: serde_json::from_str(&model.rules).unwrap_or_default(),
        consecutive_failures: model.consecutive_failures,
        disabled_reason: model.disabled_reason.clone(),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<chat_bots::Model> {
    chat_bots::Entity::find_by_id(id)
        .filter(chat_bots::Column::WorkspaceId.eq(actor.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn secret_of(secret: Option<String>) -> Option<String> {
    secret
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn check_secret(secret: &Option<String>, errors: &mut FieldErrors) {
    if secret.as_ref().is_some_and(|s| s.len() > 200) {
        errors.insert("secret".into(), "must be at most 200 characters".into());
    }
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    new: CreateChatBot,
) -> AppResult<ChatBot> {
    actor.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    validate_name(&new.name, &mut errors);
    validate_rules(&new.rules, &mut errors);
    check_secret(&new.secret, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_url(state, "webhook_url", &new.webhook_url).await?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let count = chat_bots::Entity::find()
        .filter(chat_bots::Column::WorkspaceId.eq(actor.workspace_id))
        .count(&txn)
        .await?;
    if count >= MAX_TARGETS {
        return Err(AppError::bad_request(format!(
            "a workspace may have at most {MAX_TARGETS} chat bots"
        )));
    }
    let model = chat_bots::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(new.name.trim().to_string()),
        kind: Set(new.kind.as_str().to_string()),
        webhook_url: Set(new.webhook_url.trim().to_string()),
        secret: Set(secret_of(new.secret)),
        locale: Set(new.locale.unwrap_or(Locale::DEFAULT).as_str().to_string()),
        enabled: Set(new.enabled),
        rules: Set(serde_json::to_string(&new.rules).unwrap_or_else(|_| "[]".into())),
        consecutive_failures: Set(0),
        failing_since: Set(None),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let bot = to_api(&model);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "chat_bot",
            entity_id: model.id,
            before: None,
            after: Some(&bot),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(bot)
}

pub async fn list(state: &AppState, actor: &StaffActor) -> AppResult<Vec<ChatBot>> {
    actor.require(&[Role::Admin])?;
    Ok(chat_bots::Entity::find()
        .filter(chat_bots::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(chat_bots::Column::Id)
        .all(&state.db.read)
        .await?
        .iter()
        .map(to_api)
        .collect())
}

pub async fn get(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<ChatBot> {
    actor.require(&[Role::Admin])?;
    Ok(to_api(&find(&state.db.read, actor, id).await?))
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    change: UpdateChatBot,
) -> AppResult<ChatBot> {
    actor.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    if let Some(name) = &change.name {
        validate_name(name, &mut errors);
    }
    if let Some(rules) = &change.rules {
        validate_rules(rules, &mut errors);
    }
    check_secret(&change.secret, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    find(&state.db.read, actor, id).await?;
    if let Some(url) = &change.webhook_url {
        check_url(state, "webhook_url", url).await?;
    }
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor, id).await?;
    let before = to_api(&current);
    let mut model: chat_bots::ActiveModel = current.clone().into();
    if let Some(name) = change.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(url) = change.webhook_url {
        model.webhook_url = Set(url.trim().to_string());
    }
    if let Some(secret) = change.secret {
        model.secret = Set(secret_of(Some(secret)));
    }
    if let Some(locale) = change.locale {
        model.locale = Set(locale.as_str().to_string());
    }
    if let Some(rules) = change.rules {
        model.rules = Set(serde_json::to_string(&rules).unwrap_or_else(|_| "[]".into()));
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
            entity_type: "chat_bot",
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

pub async fn delete(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find(&txn, actor, id).await?;
    let before = to_api(&current);
    deliveries::Entity::delete_many()
        .filter(deliveries::Column::TargetKind.eq(TARGET_CHAT_BOT))
        .filter(deliveries::Column::TargetId.eq(id))
        .exec(&txn)
        .await?;
    chat_bots::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "delete",
            entity_type: "chat_bot",
            entity_id: id,
            before: Some(&before),
            after: None::<&ChatBot>,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn deliveries(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Vec<Delivery>> {
    actor.require(&[Role::Admin])?;
    find(&state.db.read, actor, id).await?;
    log_of(&state.db.read, actor.workspace_id, TARGET_CHAT_BOT, id).await
}

pub async fn redeliver(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    delivery_id: i64,
) -> AppResult<Delivery> {
    actor.require(&[Role::Admin])?;
    let bot = find(&state.db.read, actor, id).await?;
    let old = delivery_of(
        &state.db.read,
        actor.workspace_id,
        TARGET_CHAT_BOT,
        id,
        delivery_id,
    )
    .await?;
    require_enabled(bot.enabled)?;
    send_again(state, actor.workspace_id, old.event_id, TARGET_CHAT_BOT, id).await
}

/// Posts a test message to the group now.
pub async fn test(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Delivery> {
    actor.require(&[Role::Admin])?;
    let bot = find(&state.db.read, actor, id).await?;
    require_enabled(bot.enabled)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let event_id = insert_event(
        &txn,
        actor.workspace_id,
        "ping",
        &json!({ "chat_bot_id": id }),
        now,
    )
    .await?;
    txn.commit().await?;
    send_again(state, actor.workspace_id, event_id, TARGET_CHAT_BOT, id).await
}
