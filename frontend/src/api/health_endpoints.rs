//! Account health: one function per endpoint.

use gloo_net::http::Method;
use shared::health::AccountHealth;

use super::{call, decode, ApiErr};

pub async fn account_health(account_id: i64) -> Result<AccountHealth, ApiErr> {
    decode(&call(Method::GET, format!("/accounts/{account_id}/health"), None).await?)
}
