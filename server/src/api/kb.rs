//! The knowledge base: `/kb/articles` for staff (reads carry an `ETag`;
//! updates honour `If-Match`), `/portal/kb/*` for customers' users (published
//! public articles only), and `/tickets/{id}/to-article`, which drafts an
//! article from a resolved ticket.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::kb::{
    CreateKbArticleRequest, KbArticle, KbArticleSummary, PortalKbArticle, UpdateKbArticleRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::kb::{self as domain, etag, KbFilter, PortalKbFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_kb_articles)
        .service(create_kb_article)
        .service(get_kb_article)
        .service(update_kb_article)
        .service(archive_kb_article)
        .service(ticket_to_article)
        .service(portal_kb_search)
        .service(portal_kb_article);
}

fn with_etag(status: StatusCode, article: KbArticle) -> HttpResponse {
    super::tagged(status, etag(&article), &article)
}

/// Lists and searches articles: every word of `q` must occur in the title,
/// body or FAQ (Chinese included); title matches rank first, then the newest.
#[utoipa::path(
    tag = "kb",
    params(KbFilter, PageQuery),
    responses(
        (status = 200, body = Page<KbArticleSummary>),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/kb/articles")]
async fn list_kb_articles(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<KbFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<KbArticleSummary>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Writes an article (Markdown body). Defaults: `internal`, `draft`.
#[utoipa::path(
    tag = "kb",
    request_body = CreateKbArticleRequest,
    responses(
        (status = 201, body = KbArticle, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/kb/articles")]
async fn create_kb_article(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateKbArticleRequest>,
) -> AppResult<HttpResponse> {
    let article = domain::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(StatusCode::CREATED, article))
}

/// One article with its body rendered to safe HTML (`body_html`).
#[utoipa::path(
    tag = "kb",
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 200, body = KbArticle, headers(("ETag" = String))),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/kb/articles/{id}")]
async fn get_kb_article(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let article = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, article))
}

/// Changes an article; `status` publishes, unpublishes or restores it.
/// Send `If-Match` with the `ETag` you read: a stale one answers 412.
#[utoipa::path(
    tag = "kb",
    params(
        ("id" = i64, Path, description = "Article id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateKbArticleRequest,
    responses(
        (status = 200, body = KbArticle, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/kb/articles/{id}")]
async fn update_kb_article(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateKbArticleRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let article = domain::update(
        &state.db,
        &actor,
        *id,
        if_match,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, article))
}

/// Archives an article: it leaves lists (unless `status=archived`) and the
/// portal. `PATCH` with another `status` restores it.
#[utoipa::path(
    tag = "kb",
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 200, body = KbArticle, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/kb/articles/{id}/archive")]
async fn archive_kb_article(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let article = domain::archive(&state.db, &actor, *id, state.clock.now()).await?;
    Ok(with_etag(StatusCode::OK, article))
}

/// Drafts an internal article from a resolved or closed ticket: its subject,
/// its description as the problem, the staff's public replies as the
/// solution. 422 when the ticket is not resolved; 409 when a (not archived)
/// article was already drafted from it.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 201, body = KbArticle, headers(("ETag" = String))),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/to-article")]
async fn ticket_to_article(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let article = domain::draft_from_ticket(&state.db, &actor, *id, state.clock.now()).await?;
    Ok(with_etag(StatusCode::CREATED, article))
}

/// Published public articles matching what the customer types ("check the
/// manual first"); every word of `q` must occur, Chinese included.
#[utoipa::path(
    tag = "portal",
    params(PortalKbFilter, PageQuery),
    responses(
        (status = 200, body = Page<PortalKbArticle>),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/portal/kb/search")]
async fn portal_kb_search(
    state: web::Data<AppState>,
    actor: PortalActor,
    filter: web::Query<PortalKbFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<PortalKbArticle>>> {
    Ok(web::Json(
        domain::portal_search(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// One published public article.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, body = PortalKbArticle), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/kb/articles/{id}")]
async fn portal_kb_article(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<PortalKbArticle>> {
    Ok(web::Json(domain::portal_get(&state.db, &actor, *id).await?))
}
