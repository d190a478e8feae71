//! `/approvals`: changes awaiting a second manager's decision.

use gloo_net::http::Method;
use shared::approvals::{Approval, ApprovalStatus, DecisionRequest};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use shared::filters::{list_query, ApprovalFilter};

/// Approvals, optionally of one status and one subject (e.g. a ticket).
pub async fn list(
    status: Option<ApprovalStatus>,
    subject: Option<(&'static str, i64)>,
    cursor: Option<&str>,
) -> Result<Page<Approval>, ApiErr> {
    let filter = ApprovalFilter {
        status,
        subject_type: subject.map(|s| s.0.to_string()),
        subject_id: subject.map(|s| s.1),
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), cursor);
    decode(&call(Method::GET, format!("/approvals{query}"), None).await?)
}

/// Approves (`approve`) or rejects a change; a rejection needs a comment.
pub async fn decide(id: i64, approve: bool, comment: Option<String>) -> Result<Approval, ApiErr> {
    let verb = if approve { "approve" } else { "reject" };
    let body = json(&DecisionRequest { comment })?;
    decode(&call(Method::POST, format!("/approvals/{id}/{verb}"), body).await?)
}

/// Withdraws your own pending request (its maker only).
pub async fn withdraw(id: i64) -> Result<Approval, ApiErr> {
    decode(&call(Method::POST, format!("/approvals/{id}/withdraw"), None).await?)
}
