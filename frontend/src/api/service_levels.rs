//! `/service-levels` and `/settings/entitlements`: what each level entitles
//! an account to, and the rule for accounts that never had an agreement.

use gloo_net::http::Method;
use shared::service_levels::{EntitlementSettings, ServiceLevel, ServiceLevelRequest};
use shared::Page;

use super::client::{call, decode, json, ApiErr};

pub async fn list() -> Result<Vec<ServiceLevel>, ApiErr> {
    let page: Page<ServiceLevel> =
        decode(&call(Method::GET, "/service-levels".into(), None).await?)?;
    Ok(page.items)
}

pub async fn create(req: &ServiceLevelRequest) -> Result<ServiceLevel, ApiErr> {
    decode(&call(Method::POST, "/service-levels".into(), json(req)?).await?)
}

pub async fn update(id: i64, req: &ServiceLevelRequest) -> Result<ServiceLevel, ApiErr> {
    decode(&call(Method::PUT, format!("/service-levels/{id}"), json(req)?).await?)
}

pub async fn delete(id: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/service-levels/{id}"), None).await?;
    Ok(())
}

pub async fn settings() -> Result<EntitlementSettings, ApiErr> {
    decode(&call(Method::GET, "/settings/entitlements".into(), None).await?)
}

pub async fn save_settings(req: &EntitlementSettings) -> Result<EntitlementSettings, ApiErr> {
    decode(&call(Method::PUT, "/settings/entitlements".into(), json(req)?).await?)
}

/// Whether a ticket staff log for the account today is covered.
pub async fn account_entitlement(
    account_id: i64,
) -> Result<shared::service_levels::AccountEntitlement, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/accounts/{account_id}/entitlement"),
            None,
        )
        .await?,
    )
}
