//! The endpoints of the portal (tickets, attachments, knowledge base), the
//! staff knowledge base and the SLA settings: one function each.

use gloo_net::http::Method;
use shared::kb::UpdateKbArticleRequest;
use shared::kb::{CreateKbArticleRequest, KbArticle, KbArticleSummary, PortalKbArticle};
use shared::tickets::{
    Attachment, Comment, CreateCommentRequest, ModuleOwners, PortalCreateTicketRequest,
    PortalTicket, SatisfactionRequest, SlaPolicies,
};
use shared::{ErpModule, Page};

use super::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::kb::KbFilter;
use crate::logic::portal::kb_search_query;
use crate::logic::query::page_query;
use crate::logic::sla_form::Calendar;

pub const PORTAL_TICKETS_PAGE: u64 = 25;
pub const KB_PAGE: u64 = 25;

// ---------- portal tickets ----------

pub async fn portal_tickets(cursor: Option<&str>) -> Result<Page<PortalTicket>, ApiErr> {
    let path = format!("/portal/tickets{}", page_query(PORTAL_TICKETS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn portal_create_ticket(req: &PortalCreateTicketRequest) -> Result<PortalTicket, ApiErr> {
    decode(&call(Method::POST, "/portal/tickets".into(), json(req)?).await?)
}

pub async fn portal_ticket(id: i64) -> Result<PortalTicket, ApiErr> {
    decode(&call(Method::GET, format!("/portal/tickets/{id}"), None).await?)
}

pub async fn portal_comments(id: i64) -> Result<Vec<Comment>, ApiErr> {
    decode(&call(Method::GET, format!("/portal/tickets/{id}/comments"), None).await?)
}

pub async fn portal_reply(id: i64, req: &CreateCommentRequest) -> Result<Comment, ApiErr> {
    let path = format!("/portal/tickets/{id}/comments");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn portal_rate(id: i64, req: &SatisfactionRequest) -> Result<PortalTicket, ApiErr> {
    let path = format!("/portal/tickets/{id}/satisfaction");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn portal_attachments(id: i64) -> Result<Vec<Attachment>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/portal/tickets/{id}/attachments"),
            None,
        )
        .await?,
    )
}

// ---------- portal knowledge base ----------

pub async fn portal_kb_search(
    q: &str,
    module: Option<ErpModule>,
    limit: u64,
    cursor: Option<&str>,
) -> Result<Page<PortalKbArticle>, ApiErr> {
    let path = format!(
        "/portal/kb/search{}",
        kb_search_query(q, module, limit, cursor)
    );
    decode(&call(Method::GET, path, None).await?)
}

/// Suggestions for a sentence being typed: the search page's request (a
/// sentence finds the articles sharing its words, best first), with the
/// chosen module ranking first.
pub async fn portal_kb_suggest(
    q: &str,
    module: Option<ErpModule>,
    limit: u64,
) -> Result<Page<PortalKbArticle>, ApiErr> {
    portal_kb_search(q, module, limit, None).await
}

pub async fn portal_kb_article(id: i64) -> Result<PortalKbArticle, ApiErr> {
    decode(&call(Method::GET, format!("/portal/kb/articles/{id}"), None).await?)
}

// ---------- staff knowledge base ----------

pub async fn kb_articles(
    filter: &KbFilter,
    cursor: Option<&str>,
) -> Result<Page<KbArticleSummary>, ApiErr> {
    let path = format!("/kb/articles{}", filter.query(KB_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn kb_article(id: i64) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::GET, format!("/kb/articles/{id}"), None).await?)
}

pub async fn create_kb_article(req: &CreateKbArticleRequest) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::POST, "/kb/articles".into(), json(req)?).await?)
}

pub async fn update_kb_article(
    id: i64,
    req: &UpdateKbArticleRequest,
    etag: Option<&str>,
) -> Result<Tagged<KbArticle>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/kb/articles/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

pub async fn archive_kb_article(id: i64) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::POST, format!("/kb/articles/{id}/archive"), None).await?)
}

// ---------- SLA settings ----------

pub async fn sla_policies() -> Result<SlaPolicies, ApiErr> {
    decode(&call(Method::GET, "/sla-policies".into(), None).await?)
}

pub async fn put_sla_policies(req: &SlaPolicies) -> Result<SlaPolicies, ApiErr> {
    decode(&call(Method::PUT, "/sla-policies".into(), json(req)?).await?)
}

pub async fn calendar() -> Result<Calendar, ApiErr> {
    decode(&call(Method::GET, "/calendar".into(), None).await?)
}

pub async fn put_calendar(req: &Calendar) -> Result<Calendar, ApiErr> {
    decode(&call(Method::PUT, "/calendar".into(), json(req)?).await?)
}

pub async fn module_owners() -> Result<ModuleOwners, ApiErr> {
    decode(&call(Method::GET, "/settings/module-owners".into(), None).await?)
}

pub async fn put_module_owners(req: &ModuleOwners) -> Result<ModuleOwners, ApiErr> {
    decode(&call(Method::PUT, "/settings/module-owners".into(), json(req)?).await?)
}

// ---------- attachments (the raw-body calls of `ticket_endpoints`) ----------

/// Attaches `file` to one of the user's tickets.
pub async fn portal_upload(ticket_id: i64, file: &web_sys::File) -> Result<Attachment, ApiErr> {
    super::upload_file(&format!("/portal/tickets/{ticket_id}/attachments"), file).await
}

/// Downloads an attachment as a file to save.
pub async fn portal_download(attachment: &Attachment) -> Result<(), ApiErr> {
    let path = format!("/portal/attachments/{}", attachment.id);
    super::download_file(&path, &attachment.file_name).await
}
