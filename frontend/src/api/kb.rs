//! `/kb/articles` and `/portal/kb`: the staff knowledge base, the portal's
//! search and articles, and drafting an article from a ticket.

use gloo_net::http::Method;
use shared::kb::{
    CreateKbArticleRequest, KbArticle, KbArticleSummary, PortalKbArticle, UpdateKbArticleRequest,
};
use shared::{ErpModule, Page};

use super::client::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::kb::KbFilter;
use crate::logic::portal::kb_search_query;

/// Drafts an internal KB article from a resolved ticket.
pub async fn from_ticket(id: i64) -> Result<KbArticle, ApiErr> {
    decode(&call(Method::POST, format!("/tickets/{id}/to-article"), None).await?)
}

pub const PAGE: u64 = 25;

pub async fn portal_search(
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
pub async fn portal_suggest(
    q: &str,
    module: Option<ErpModule>,
    limit: u64,
) -> Result<Page<PortalKbArticle>, ApiErr> {
    portal_search(q, module, limit, None).await
}

pub async fn portal_article(id: i64) -> Result<PortalKbArticle, ApiErr> {
    decode(&call(Method::GET, format!("/portal/kb/articles/{id}"), None).await?)
}

pub async fn list(
    filter: &KbFilter,
    cursor: Option<&str>,
) -> Result<Page<KbArticleSummary>, ApiErr> {
    let path = format!("/kb/articles{}", filter.query(PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn get(id: i64) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::GET, format!("/kb/articles/{id}"), None).await?)
}

pub async fn create(req: &CreateKbArticleRequest) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::POST, "/kb/articles".into(), json(req)?).await?)
}

pub async fn update(
    id: i64,
    req: &UpdateKbArticleRequest,
    etag: Option<&str>,
) -> Result<Tagged<KbArticle>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/kb/articles/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

pub async fn archive(id: i64) -> Result<Tagged<KbArticle>, ApiErr> {
    tagged(call(Method::POST, format!("/kb/articles/{id}/archive"), None).await?)
}
