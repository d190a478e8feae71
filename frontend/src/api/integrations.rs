//! `/webhooks` and `/settings/chat-bots`: outgoing webhooks, chat bots,
//! their delivery logs, redelivery and test messages.

use gloo_net::http::Method;
use shared::integrations::{
    ChatBot, CreateChatBot, CreateWebhook, Delivery, UpdateChatBot, UpdateWebhook, Webhook,
    WebhookCreated,
};

use super::client::{call, decode, json, ApiErr};

pub async fn list_webhooks() -> Result<Vec<Webhook>, ApiErr> {
    decode(&call(Method::GET, "/webhooks".into(), None).await?)
}

/// Creates a webhook; the answer holds its secret, shown this once.
pub async fn create_webhook(req: &CreateWebhook) -> Result<WebhookCreated, ApiErr> {
    decode(&call(Method::POST, "/webhooks".into(), json(req)?).await?)
}

pub async fn update_webhook(id: i64, req: &UpdateWebhook) -> Result<Webhook, ApiErr> {
    decode(&call(Method::PATCH, format!("/webhooks/{id}"), json(req)?).await?)
}

pub async fn webhook_deliveries(id: i64) -> Result<Vec<Delivery>, ApiErr> {
    decode(&call(Method::GET, format!("/webhooks/{id}/deliveries"), None).await?)
}

pub async fn redeliver_webhook(id: i64, delivery: i64) -> Result<Delivery, ApiErr> {
    let path = format!("/webhooks/{id}/deliveries/{delivery}/redeliver");
    decode(&call(Method::POST, path, None).await?)
}

pub async fn test_webhook(id: i64) -> Result<Delivery, ApiErr> {
    decode(&call(Method::POST, format!("/webhooks/{id}/test"), None).await?)
}

pub async fn list_chat_bots() -> Result<Vec<ChatBot>, ApiErr> {
    decode(&call(Method::GET, "/settings/chat-bots".into(), None).await?)
}

pub async fn create_chat_bot(req: &CreateChatBot) -> Result<ChatBot, ApiErr> {
    decode(&call(Method::POST, "/settings/chat-bots".into(), json(req)?).await?)
}

pub async fn update_chat_bot(id: i64, req: &UpdateChatBot) -> Result<ChatBot, ApiErr> {
    decode(
        &call(
            Method::PATCH,
            format!("/settings/chat-bots/{id}"),
            json(req)?,
        )
        .await?,
    )
}

pub async fn chat_bot_deliveries(id: i64) -> Result<Vec<Delivery>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/settings/chat-bots/{id}/deliveries"),
            None,
        )
        .await?,
    )
}

pub async fn redeliver_chat_bot(id: i64, delivery: i64) -> Result<Delivery, ApiErr> {
    let path = format!("/settings/chat-bots/{id}/deliveries/{delivery}/redeliver");
    decode(&call(Method::POST, path, None).await?)
}

pub async fn test_chat_bot(id: i64) -> Result<Delivery, ApiErr> {
    decode(&call(Method::POST, format!("/settings/chat-bots/{id}/test"), None).await?)
}
