//! `/accounts/{id}/installations` (the installed base and its upgrades),
//! `/advisories`, `/portal/installations`.

use gloo_net::http::Method;
use shared::installed_base::{
    Advisory, AdvisoryPreview, AdvisoryProgress, AdvisoryRequest, Installation,
    InstallationRequest, PortalInstallation, Upgrade, UpgradeRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};

pub async fn list(account_id: i64) -> Result<Vec<Installation>, ApiErr> {
    let path = format!("/accounts/{account_id}/installations");
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create(account_id: i64, req: &InstallationRequest) -> Result<Installation, ApiErr> {
    let path = format!("/accounts/{account_id}/installations");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update(
    account_id: i64,
    id: i64,
    req: &InstallationRequest,
) -> Result<Installation, ApiErr> {
    let path = format!("/accounts/{account_id}/installations/{id}");
    decode(&call(Method::PUT, path, json(req)?).await?)
}

pub async fn upgrades(account_id: i64, id: i64) -> Result<Vec<Upgrade>, ApiErr> {
    let path = format!("/accounts/{account_id}/installations/{id}/upgrades");
    decode(&call(Method::GET, path, None).await?)
}

pub async fn upgrade(account_id: i64, id: i64, req: &UpgradeRequest) -> Result<Upgrade, ApiErr> {
    let path = format!("/accounts/{account_id}/installations/{id}/upgrades");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn portal_list() -> Result<Vec<PortalInstallation>, ApiErr> {
    decode(&call(Method::GET, "/portal/installations".to_string(), None).await?)
}

pub async fn advisories() -> Result<Page<Advisory>, ApiErr> {
    decode(&call(Method::GET, "/advisories".to_string(), None).await?)
}

pub async fn preview(req: &AdvisoryRequest) -> Result<AdvisoryPreview, ApiErr> {
    decode(&call(Method::POST, "/advisories/preview".to_string(), json(req)?).await?)
}

pub async fn create_advisory(req: &AdvisoryRequest) -> Result<Advisory, ApiErr> {
    decode(&call(Method::POST, "/advisories".to_string(), json(req)?).await?)
}

/// Sends to the next batch of accounts; call again until `done`.
pub async fn send(id: i64) -> Result<AdvisoryProgress, ApiErr> {
    decode(&call(Method::POST, format!("/advisories/{id}/send"), None).await?)
}
