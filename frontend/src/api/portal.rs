//! `/portal`: the customer's account, tickets and their conversation.

use gloo_net::http::Method;
use shared::accounts::PortalAccount;
use shared::tickets::{
    Comment, CreateCommentRequest, PortalCreateTicketRequest, PortalTicket, SatisfactionRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use crate::logic::query::page_query;

pub async fn account() -> Result<PortalAccount, ApiErr> {
    decode(&call(Method::GET, "/portal/account".into(), None).await?)
}

/// Whether the account may open a ticket here, and if not why.
pub async fn entitlement() -> Result<shared::service_levels::PortalEntitlement, ApiErr> {
    decode(&call(Method::GET, "/portal/entitlement".into(), None).await?)
}

pub const TICKETS_PAGE: u64 = 25;

pub async fn tickets(cursor: Option<&str>) -> Result<Page<PortalTicket>, ApiErr> {
    let path = format!("/portal/tickets{}", page_query(TICKETS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create_ticket(req: &PortalCreateTicketRequest) -> Result<PortalTicket, ApiErr> {
    decode(&call(Method::POST, "/portal/tickets".into(), json(req)?).await?)
}

pub async fn ticket(id: i64) -> Result<PortalTicket, ApiErr> {
    decode(&call(Method::GET, format!("/portal/tickets/{id}"), None).await?)
}

pub async fn comments(id: i64) -> Result<Vec<Comment>, ApiErr> {
    decode(&call(Method::GET, format!("/portal/tickets/{id}/comments"), None).await?)
}

pub async fn reply(id: i64, req: &CreateCommentRequest) -> Result<Comment, ApiErr> {
    let path = format!("/portal/tickets/{id}/comments");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn rate(id: i64, req: &SatisfactionRequest) -> Result<PortalTicket, ApiErr> {
    let path = format!("/portal/tickets/{id}/satisfaction");
    decode(&call(Method::POST, path, json(req)?).await?)
}
