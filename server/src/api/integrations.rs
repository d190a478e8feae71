//! `/webhooks` and `/settings/chat-bots` (admin): outgoing webhooks and
//! chat-bot notifications, their delivery logs, redelivery and tests.

use super::body::Json;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use shared::integrations::{
    ChatBot, CreateChatBot, CreateWebhook, Delivery, UpdateChatBot, UpdateWebhook, Webhook,
    WebhookCreated,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::integrations::{chat_bots, webhooks};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(webhook_deliveries)
        .service(redeliver_webhook)
        .service(test_webhook)
        .service(create_chat_bot)
        .service(list_chat_bots)
        .service(get_chat_bot)
        .service(update_chat_bot)
        .service(delete_chat_bot)
        .service(chat_bot_deliveries)
        .service(redeliver_chat_bot)
        .service(test_chat_bot);
}

/// Creates a webhook (admin). The answer carries its signing secret, shown
/// this once. A URL on a private, loopback or link-local address is
/// refused (422) unless the server allows such targets.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateWebhook>,
) -> AppResult<HttpResponse> {
    let created = webhooks::create(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The workspace's webhooks (admin).
#[utoipa::path(tag = "webhooks", responses((status = 200, body = Vec<Webhook>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<Webhook>>> {
    Ok(web::Json(webhooks::list(&state, &actor).await?))
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Webhook>> {
    Ok(web::Json(webhooks::get(&state, &actor, *id).await?))
}

/// Changes a webhook's URL, events or switch (admin); enabling one that
/// was switched off after failures starts its count afresh.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = UpdateWebhook,
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<UpdateWebhook>,
) -> AppResult<web::Json<Webhook>> {
    Ok(web::Json(
        webhooks::update(&state, &actor, *id, body.into_inner()).await?,
    ))
}

/// Deletes a webhook and its delivery log (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    webhooks::delete(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The webhook's last 100 deliveries, newest first (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = Vec<Delivery>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
async fn webhook_deliveries(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Delivery>>> {
    Ok(web::Json(webhooks::deliveries(&state, &actor, *id).await?))
}

/// Sends a delivery's event again, now, as a new delivery (admin); the
/// answer is that delivery after its first attempt. 409 while the webhook
/// is disabled.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<web::Json<Delivery>> {
    let (id, delivery_id) = path.into_inner();
    Ok(web::Json(
        webhooks::redeliver(&state, &actor, id, delivery_id).await?,
    ))
}

/// Sends a `ping` event to the webhook now (admin); the answer is the
/// delivery after its first attempt.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/test")]
async fn test_webhook(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Delivery>> {
    Ok(web::Json(webhooks::test(&state, &actor, *id).await?))
}

/// Adds a group bot (WeCom, DingTalk or Feishu) with its rules (admin).
#[utoipa::path(
    tag = "chat-bots",
    request_body = CreateChatBot,
    responses((status = 201, body = ChatBot), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/settings/chat-bots")]
async fn create_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateChatBot>,
) -> AppResult<HttpResponse> {
    let bot = chat_bots::create(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(bot))
}

/// The workspace's chat bots, tokens masked (admin).
#[utoipa::path(tag = "chat-bots", responses((status = 200, body = Vec<ChatBot>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/settings/chat-bots")]
async fn list_chat_bots(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<ChatBot>>> {
    Ok(web::Json(chat_bots::list(&state, &actor).await?))
}

#[utoipa::path(
    tag = "chat-bots",
    params(("id" = i64, Path, description = "Chat bot id")),
    responses((status = 200, body = ChatBot), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/settings/chat-bots/{id}")]
async fn get_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ChatBot>> {
    Ok(web::Json(chat_bots::get(&state, &actor, *id).await?))
}

/// Changes a chat bot; `rules` replaces every rule (admin).
#[utoipa::path(
    tag = "chat-bots",
    params(("id" = i64, Path, description = "Chat bot id")),
    request_body = UpdateChatBot,
    responses((status = 200, body = ChatBot), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/settings/chat-bots/{id}")]
async fn update_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<UpdateChatBot>,
) -> AppResult<web::Json<ChatBot>> {
    Ok(web::Json(
        chat_bots::update(&state, &actor, *id, body.into_inner()).await?,
    ))
}

#[utoipa::path(
    tag = "chat-bots",
    params(("id" = i64, Path, description = "Chat bot id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/settings/chat-bots/{id}")]
async fn delete_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    chat_bots::delete(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The bot's last 100 deliveries, newest first (admin).
#[utoipa::path(
    tag = "chat-bots",
    params(("id" = i64, Path, description = "Chat bot id")),
    responses((status = 200, body = Vec<Delivery>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/settings/chat-bots/{id}/deliveries")]
async fn chat_bot_deliveries(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Delivery>>> {
    Ok(web::Json(chat_bots::deliveries(&state, &actor, *id).await?))
}

/// Posts a delivery's event again, now (admin).
#[utoipa::path(
    tag = "chat-bots",
    params(
        ("id" = i64, Path, description = "Chat bot id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/settings/chat-bots/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<web::Json<Delivery>> {
    let (id, delivery_id) = path.into_inner();
    Ok(web::Json(
        chat_bots::redeliver(&state, &actor, id, delivery_id).await?,
    ))
}

/// Posts a test message to the bot's group now (admin); the answer is the
/// delivery after its attempt.
#[utoipa::path(
    tag = "chat-bots",
    params(("id" = i64, Path, description = "Chat bot id")),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/settings/chat-bots/{id}/test")]
async fn test_chat_bot(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Delivery>> {
    Ok(web::Json(chat_bots::test(&state, &actor, *id).await?))
}
