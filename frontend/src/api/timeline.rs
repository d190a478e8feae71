//! `/accounts/{id}/timeline` and `/accounts/{id}/activities`: the account's
//! timeline and logging an activity on it.

use gloo_net::http::Method;
use shared::timeline::{CreateActivityRequest, Timeline, TimelineEvent};

use super::client::{call, decode, json, ApiErr};
use crate::logic::query::page_query;

pub const PAGE: u64 = 20;

pub async fn of_account(account_id: i64, cursor: Option<&str>) -> Result<Timeline, ApiErr> {
    let path = format!(
        "/accounts/{account_id}/timeline{}",
        page_query(PAGE, cursor)
    );
    decode(&call(Method::GET, path, None).await?)
}

pub async fn log_activity(
    account_id: i64,
    req: &CreateActivityRequest,
) -> Result<TimelineEvent, ApiErr> {
    let path = format!("/accounts/{account_id}/activities");
    decode(&call(Method::POST, path, json(req)?).await?)
}
