//! `/accounts/{id}/health`, `/health-model` and `/api-keys`: account health,
//! the workspace's health model, override requests and the API keys usage
//! events are sent with.

use gloo_net::http::Method;
use shared::approvals::{Approval, ApprovalStatus};
use shared::health::{
    AccountHealth, ApiKey, CreateApiKey, CreatedApiKey, HealthModel, OverrideRequest,
    UpdateHealthModel,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use crate::logic::query::page_query;

/// API keys per page of the list.
pub const API_KEYS_PAGE: u64 = 50;

/// The approvals' kind of an override request.
pub const HEALTH_OVERRIDE: &str = "health_override";

pub async fn of_account(account_id: i64) -> Result<AccountHealth, ApiErr> {
    decode(&call(Method::GET, format!("/accounts/{account_id}/health"), None).await?)
}

pub async fn model() -> Result<HealthModel, ApiErr> {
    decode(&call(Method::GET, "/health-model".into(), None).await?)
}

/// Saves the weights and thresholds (admins). The API takes no `If-Match`
/// here: the model is one small document an admin saves whole.
pub async fn update_model(req: &UpdateHealthModel) -> Result<HealthModel, ApiErr> {
    decode(&call(Method::PUT, "/health-model".into(), json(req)?).await?)
}

/// Asks for an override; it applies once another manager or admin approves.
pub async fn request_override(account_id: i64, req: &OverrideRequest) -> Result<Approval, ApiErr> {
    let path = format!("/accounts/{account_id}/health/override");
    decode(&call(Method::POST, path, json(req)?).await?)
}

/// The account's override requests still awaiting a decision, newest first.
pub async fn pending_overrides(account_id: i64) -> Result<Vec<Approval>, ApiErr> {
    let page = super::approvals::list(
        Some(ApprovalStatus::Pending),
        Some(("account", account_id)),
        None,
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .filter(|a| a.kind == HEALTH_OVERRIDE)
        .collect())
}

pub async fn list_api_keys(cursor: Option<&str>) -> Result<Page<ApiKey>, ApiErr> {
    let path = format!("/api-keys{}", page_query(API_KEYS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

/// Creates a key; the answer holds its secret, which is never shown again.
pub async fn create_api_key(req: &CreateApiKey) -> Result<CreatedApiKey, ApiErr> {
    decode(&call(Method::POST, "/api-keys".into(), json(req)?).await?)
}

pub async fn revoke_api_key(id: i64) -> Result<ApiKey, ApiErr> {
    decode(&call(Method::POST, format!("/api-keys/{id}/revoke"), None).await?)
}
