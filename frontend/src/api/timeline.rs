//! `/accounts/{id}/timeline` and `/accounts/{id}/activities`: the account's
//! timeline and logging an activity on it.

use gloo_net::http::Method;
use shared::filters::{list_query, TimelineFilter};
use shared::timeline::{CreateActivityRequest, Timeline, TimelineEvent, TimelineKind};

use super::client::{call, decode, json, ApiErr};

pub const PAGE: u64 = 20;

/// A page of the account's timeline, of `kinds` only unless empty.
pub async fn of_account(
    account_id: i64,
    kinds: &[TimelineKind],
    cursor: Option<&str>,
) -> Result<Timeline, ApiErr> {
    let filter = TimelineFilter {
        kind: (!kinds.is_empty()).then(|| {
            kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }),
    };
    let path = format!(
        "/accounts/{account_id}/timeline{}",
        list_query(&filter, Some(PAGE), cursor)
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
