//! `/tickets`: the staff queue, a ticket, its conversation, timeline and
//! blockers.

use gloo_net::http::Method;
use shared::tickets::{
    AddBlockerRequest, Comment, CreateCommentRequest, CreateTicketRequest, EscalateRequest, Ticket,
    UpdateTicketRequest,
};
use shared::Page;

use super::client::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::tickets::TicketQuery;
use shared::tickets::TicketEvent;

pub const PAGE: u64 = 50;

pub async fn list(q: &TicketQuery, cursor: Option<&str>) -> Result<Page<Ticket>, ApiErr> {
    let path = format!("/tickets{}", q.api_query(PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

/// One page of `limit` tickets (a summary's count).
pub async fn list_sized(q: &TicketQuery, limit: u64) -> Result<Page<Ticket>, ApiErr> {
    let path = format!("/tickets{}", q.api_query(limit, None));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create(req: &CreateTicketRequest) -> Result<Ticket, ApiErr> {
    decode(&call(Method::POST, "/tickets".into(), json(req)?).await?)
}

pub async fn get(id: i64) -> Result<Tagged<Ticket>, ApiErr> {
    tagged(call(Method::GET, format!("/tickets/{id}"), None).await?)
}

pub async fn update(
    id: i64,
    req: &UpdateTicketRequest,
    etag: Option<&str>,
) -> Result<Tagged<Ticket>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/tickets/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

pub async fn escalate(id: i64, reason: String) -> Result<Tagged<Ticket>, ApiErr> {
    let body = json(&EscalateRequest { reason })?;
    tagged(call(Method::POST, format!("/tickets/{id}/escalate"), body).await?)
}

pub async fn comments(id: i64) -> Result<Vec<Comment>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/comments"), None).await?)
}

pub async fn add_comment(id: i64, body: String, internal: bool) -> Result<Comment, ApiErr> {
    let req = json(&CreateCommentRequest { body, internal })?;
    decode(&call(Method::POST, format!("/tickets/{id}/comments"), req).await?)
}

pub async fn timeline(id: i64) -> Result<Vec<TicketEvent>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/timeline"), None).await?)
}

pub async fn blockers(id: i64) -> Result<Vec<Ticket>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/blockers"), None).await?)
}

pub async fn add_blocker(id: i64, blocked_by: i64) -> Result<Tagged<Ticket>, ApiErr> {
    let body = json(&AddBlockerRequest { blocked_by })?;
    tagged(call(Method::POST, format!("/tickets/{id}/blockers"), body).await?)
}

pub async fn remove_blocker(id: i64, blocker_id: i64) -> Result<Tagged<Ticket>, ApiErr> {
    let path = format!("/tickets/{id}/blockers/{blocker_id}");
    tagged(call(Method::DELETE, path, None).await?)
}
