//! `/tickets/{id}/merge`, `/links`, `/link-candidates` and
//! `/resolve-children`: merging a duplicate, linking tickets, and
//! resolving a parent's children with one reply.

use gloo_net::http::Method;
use shared::filters::ToQuery;
use shared::ticket_links::{
    AddLinkRequest, CandidatePurpose, CandidateQuery, LinkKind, MergeOutcome, MergeTicketRequest,
    ResolveChildrenOutcome, ResolveChildrenRequest, TicketLink, TicketRef,
};

use super::client::{call, decode, json, ApiErr};

pub async fn merge(id: i64, into_ticket_id: i64) -> Result<MergeOutcome, ApiErr> {
    let body = json(&MergeTicketRequest { into_ticket_id })?;
    decode(&call(Method::POST, format!("/tickets/{id}/merge"), body).await?)
}

pub async fn links(id: i64) -> Result<Vec<TicketLink>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/links"), None).await?)
}

pub async fn add_link(id: i64, ticket_id: i64, kind: LinkKind) -> Result<TicketLink, ApiErr> {
    let body = json(&AddLinkRequest { ticket_id, kind })?;
    decode(&call(Method::POST, format!("/tickets/{id}/links"), body).await?)
}

pub async fn remove_link(id: i64, other: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/tickets/{id}/links/{other}"), None)
        .await
        .map(drop)
}

/// Tickets a picker offers for ticket `id` (a merge target, or a link's
/// other end), by number or words of the subject.
pub async fn candidates(
    id: i64,
    q: &str,
    purpose: CandidatePurpose,
) -> Result<Vec<TicketRef>, ApiErr> {
    let query = CandidateQuery {
        q: Some(q.trim().to_string()).filter(|q| !q.is_empty()),
        purpose: Some(purpose),
    };
    let path = format!("/tickets/{id}/link-candidates?{}", query.to_query());
    decode(&call(Method::GET, path, None).await?)
}

pub async fn resolve_children(id: i64, reply: String) -> Result<ResolveChildrenOutcome, ApiErr> {
    let body = json(&ResolveChildrenRequest { reply })?;
    decode(
        &call(
            Method::POST,
            format!("/tickets/{id}/resolve-children"),
            body,
        )
        .await?,
    )
}
