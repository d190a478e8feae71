//! `/contracts`: an account's contracts. Amounts stay the API's decimal
//! strings.

use gloo_net::http::Method;
use shared::contracts::{Contract, CreateContractRequest, UpdateContractRequest};
use shared::Page;

use super::client::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use shared::filters::{list_query, ContractFilter};

/// The account's contracts, newest first (up to 200).
pub async fn list(account_id: i64) -> Result<Vec<Contract>, ApiErr> {
    let filter = ContractFilter {
        account_id: Some(account_id),
        ..Default::default()
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), None);
    decode::<Page<Contract>>(&call(Method::GET, format!("/contracts{query}"), None).await?)
        .map(|p| p.items)
}

pub async fn get(id: i64) -> Result<Tagged<Contract>, ApiErr> {
    tagged(call(Method::GET, format!("/contracts/{id}"), None).await?)
}

pub async fn create(req: &CreateContractRequest) -> Result<Contract, ApiErr> {
    decode(&call(Method::POST, "/contracts".into(), json(req)?).await?)
}

/// A new `annual_value` answers 202 with `pending_approval` set: the value
/// changes once another manager or admin approves.
pub async fn update(
    id: i64,
    req: &UpdateContractRequest,
    etag: Option<&str>,
) -> Result<Contract, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/contracts/{id}"))
        .json(req)?
        .if_match(etag);
    decode(&exchange(call, true).await?)
}

/// A page of the workspace's contracts under `filter`, newest first.
pub async fn page(filter: &ContractFilter, cursor: Option<&str>) -> Result<Page<Contract>, ApiErr> {
    let query = list_query(filter, Some(super::accounts::PAGE), cursor);
    decode(&call(Method::GET, format!("/contracts{query}"), None).await?)
}
