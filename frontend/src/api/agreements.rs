//! `/accounts/{id}/agreements`: an account's service agreements.

use gloo_net::http::Method;
use shared::tickets::{AgreementRequest, ServiceAgreement};

use super::client::{call, decode, json, ApiErr};

pub async fn list(account_id: i64) -> Result<Vec<ServiceAgreement>, ApiErr> {
    let path = format!("/accounts/{account_id}/agreements");
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create(account_id: i64, req: &AgreementRequest) -> Result<ServiceAgreement, ApiErr> {
    let path = format!("/accounts/{account_id}/agreements");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update(
    account_id: i64,
    id: i64,
    req: &AgreementRequest,
) -> Result<ServiceAgreement, ApiErr> {
    let path = format!("/accounts/{account_id}/agreements/{id}");
    decode(&call(Method::PUT, path, json(req)?).await?)
}
