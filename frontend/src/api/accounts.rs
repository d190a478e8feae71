//! `/accounts`: the account list, one account, and the pickers' lookups.

use gloo_net::http::Method;
use shared::accounts::{Account, CreateAccountRequest, UpdateAccountRequest};
use shared::Page;

use super::client::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::query::{page_query, AccountFilter};

pub const PAGE: u64 = 50;

pub async fn list(filter: &AccountFilter, cursor: Option<&str>) -> Result<Page<Account>, ApiErr> {
    let path = format!("/accounts{}", filter.query(PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

/// The roll-up of a group account (it and every company below it).
pub async fn group(id: i64) -> Result<shared::account_groups::GroupRollup, ApiErr> {
    decode(&call(Method::GET, format!("/accounts/{id}/group"), None).await?)
}

pub async fn get(id: i64) -> Result<Tagged<Account>, ApiErr> {
    tagged(call(Method::GET, format!("/accounts/{id}"), None).await?)
}

pub async fn create(req: &CreateAccountRequest) -> Result<Account, ApiErr> {
    decode(&call(Method::POST, "/accounts".into(), json(req)?).await?)
}

pub async fn update(
    id: i64,
    req: &UpdateAccountRequest,
    etag: Option<&str>,
) -> Result<Tagged<Account>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/accounts/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

/// Archives an account (its body is not needed: the page leaves).
pub async fn archive(id: i64) -> Result<(), ApiErr> {
    call(Method::POST, format!("/accounts/{id}/archive"), None)
        .await
        .map(drop)
}

/// The newest accounts (a page), for pickers on ticket pages; a search
/// finds the others, and [`by_ids`] names them.
pub async fn options() -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let path = format!("/accounts{}", page_query(PAGE, None));
    decode::<Page<shared::accounts::Account>>(&call(Method::GET, path, None).await?)
        .map(|p| p.items)
}

/// These accounts (at most 200 ids), archived ones included: the names of
/// the accounts a page lists that the pickers' page lacks.
pub async fn by_ids(ids: &[i64]) -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let filter = shared::filters::AccountFilter {
        ids: Some(ids.join(",")),
        include_archived: Some(true),
        ..Default::default()
    };
    let query = shared::filters::list_query(&filter, Some(super::MAX_PAGE), None);
    decode::<Page<shared::accounts::Account>>(
        &call(Method::GET, format!("/accounts{query}"), None).await?,
    )
    .map(|p| p.items)
}

/// Accounts whose name or code matches `q` (at most 50), for pickers in
/// workspaces with more accounts than [`options`] holds.
pub async fn matching(q: String) -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let filter = crate::logic::query::AccountFilter {
        q,
        ..Default::default()
    };
    list(&filter, None).await.map(|p| p.items)
}

/// Brings an archived account back.
pub async fn restore(id: i64) -> Result<(), ApiErr> {
    call(Method::POST, format!("/accounts/{id}/restore"), None)
        .await
        .map(drop)
}
