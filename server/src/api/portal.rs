//! `/portal/*`: what customers' users reach.

use super::body::Json;
use actix_web::{get, post, web, HttpResponse};
use shared::accounts::PortalAccount;
use shared::tickets::{
    Comment, CreateCommentRequest, PortalCreateTicketRequest, PortalTicket, SatisfactionRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::PortalActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::common::portal as domain;
use crate::domain::tickets;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(portal_account)
        .service(list_portal_tickets)
        .service(create_portal_ticket)
        .service(get_portal_ticket)
        .service(list_portal_comments)
        .service(add_portal_comment)
        .service(rate_portal_ticket);
}

/// The portal user's own account, without internal data.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = PortalAccount), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/account")]
async fn portal_account(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<PortalAccount>> {
    Ok(web::Json(domain::account(&state.db, &actor).await?))
}

/// The user's tickets (a `customer_admin`: all of the account's).
#[utoipa::path(
    tag = "portal",
    params(PageQuery),
    responses((status = 200, body = Page<PortalTicket>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/tickets")]
async fn list_portal_tickets(
    state: web::Data<AppState>,
    actor: PortalActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<PortalTicket>>> {
    Ok(web::Json(
        tickets::portal_list(&state.db, &actor, page.into_inner()).await?,
    ))
}

/// Raises a ticket for the user's own account.
#[utoipa::path(
    tag = "portal",
    request_body = PortalCreateTicketRequest,
    responses((status = 201, body = PortalTicket), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/portal/tickets")]
async fn create_portal_ticket(
    state: web::Data<AppState>,
    actor: PortalActor,
    body: Json<PortalCreateTicketRequest>,
) -> AppResult<HttpResponse> {
    let ticket = tickets::portal_create(&state, &actor, body.into_inner()).await?;
    if ticket.priority == shared::tickets::TicketPriority::P1 {
        super::playbook_events::after_ticket_id(&state, actor.workspace_id, ticket.id).await;
    }
    Ok(HttpResponse::Created().json(ticket))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = PortalTicket), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/tickets/{id}")]
async fn get_portal_ticket(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<PortalTicket>> {
    Ok(web::Json(
        tickets::portal_get(&state.db, &actor, *id).await?,
    ))
}

/// The public conversation of the ticket (never internal notes).
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/tickets/{id}/comments")]
async fn list_portal_comments(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Comment>>> {
    Ok(web::Json(
        tickets::portal_comments(&state.db, &actor, *id).await?,
    ))
}

/// Replies on the ticket; a reply reopens a ticket pending on the customer,
/// or one resolved within the last 7 days.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = CreateCommentRequest,
    responses((status = 201, body = Comment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/portal/tickets/{id}/comments")]
async fn add_portal_comment(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
    body: Json<CreateCommentRequest>,
) -> AppResult<HttpResponse> {
    let comment = tickets::portal_comment(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(comment))
}

/// The requester rates the resolution, 1–5, once.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = SatisfactionRequest,
    responses(
        (status = 200, body = PortalTicket),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Rated already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/portal/tickets/{id}/satisfaction")]
async fn rate_portal_ticket(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
    body: Json<SatisfactionRequest>,
) -> AppResult<web::Json<PortalTicket>> {
    Ok(web::Json(
        tickets::portal_rate(&state, &actor, *id, body.into_inner()).await?,
    ))
}
