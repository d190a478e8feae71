//! `/audit`: the workspace's audit log (admins and managers).

use gloo_net::http::Method;
use shared::audit::AuditEntry;
use shared::filters::{list_query, AuditFilter};
use shared::Page;

use super::client::{call, decode, ApiErr};

pub const PAGE: u64 = 50;

/// A page of the log, newest first.
pub async fn list(filter: &AuditFilter, cursor: Option<&str>) -> Result<Page<AuditEntry>, ApiErr> {
    let query = list_query(filter, Some(PAGE), cursor);
    decode(&call(Method::GET, format!("/audit{query}"), None).await?)
}
