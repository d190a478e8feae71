//! `/accounts/{id}/licenses`: an account's licences.

use gloo_net::http::Method;
use shared::onboarding::{CreateLicenseRequest, License, UpdateLicenseRequest};

use super::client::{call, decode, json, ApiErr};

pub async fn list(account_id: i64) -> Result<Vec<License>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/accounts/{account_id}/licenses"),
            None,
        )
        .await?,
    )
}

pub async fn create(account_id: i64, req: &CreateLicenseRequest) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update(
    account_id: i64,
    id: i64,
    req: &UpdateLicenseRequest,
) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

pub async fn register(account_id: i64, id: i64) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}/register");
    decode(&call(Method::POST, path, None).await?)
}

/// A registered licence's registrations, first to last.
pub async fn registrations(
    account_id: i64,
    id: i64,
) -> Result<Vec<shared::onboarding::LicenseRegistration>, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}/registrations");
    decode(&call(Method::GET, path, None).await?)
}

/// Registers a registered licence again: an upgrade or an extension.
pub async fn re_register(
    account_id: i64,
    id: i64,
    req: &shared::onboarding::ReRegisterLicenseRequest,
) -> Result<shared::onboarding::LicenseRegistration, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}/registrations");
    decode(&call(Method::POST, path, json(req)?).await?)
}

/// Seats in use (distinct users of the last 30 days) against seats.
pub async fn seat_use(account_id: i64) -> Result<shared::onboarding::SeatUse, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/seat-use");
    decode(&call(Method::GET, path, None).await?)
}

/// Asks to split a registered licence's dongle; a manager approves it.
pub async fn split(
    account_id: i64,
    id: i64,
    req: &shared::onboarding::SplitLicenseRequest,
) -> Result<shared::approvals::Approval, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}/split");
    decode(&call(Method::POST, path, json(req)?).await?)
}
