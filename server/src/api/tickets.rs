//! `/tickets`: the staff side of service tickets.

use super::body::Json;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use shared::tickets::{
    AddBlockerRequest, Comment, CreateCommentRequest, CreateTicketRequest, EscalateRequest, Ticket,
    TicketEvent, UpdateTicketRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::tickets::blockers;
use crate::domain::tickets::{self as domain, etag, TicketFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_tickets)
        .service(create_ticket)
        .service(get_ticket)
        .service(update_ticket)
        .service(escalate_ticket)
        .service(list_comments)
        .service(add_comment)
        .service(ticket_timeline)
        .service(list_blockers)
        .service(add_blocker)
        .service(remove_blocker);
}

fn with_etag(status: actix_web::http::StatusCode, ticket: Ticket) -> HttpResponse {
    super::tagged(status, etag(&ticket), &ticket)
}

/// The ticket queue, newest first, filtered.
#[utoipa::path(
    tag = "tickets",
    params(TicketFilter, PageQuery),
    responses((status = 200, body = Page<Ticket>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets")]
async fn list_tickets(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<TicketFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let body = domain::list_json(
        &state.db,
        &actor,
        filter.into_inner(),
        page.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// Opens a ticket for an account; it is routed to the module's owner (tier 1)
/// and gets SLA due times from the account's agreement.
#[utoipa::path(
    tag = "tickets",
    request_body = CreateTicketRequest,
    responses((status = 201, body = Ticket), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/tickets")]
async fn create_ticket(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateTicketRequest>,
) -> AppResult<HttpResponse> {
    let ticket = domain::create(&state, &actor, body.into_inner()).await?;
    super::playbook_events::after_ticket_write(
        &state,
        actor.workspace_id,
        ticket.account_id,
        ticket.priority,
    )
    .await;
    Ok(with_etag(actix_web::http::StatusCode::CREATED, ticket))
}

#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}")]
async fn get_ticket(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ticket = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, ticket))
}

/// Changes status (transitions enforced: an illegal one is 422 with the
/// reason), assignee, priority, module or subject. Honours `If-Match`.
#[utoipa::path(
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, body = Ticket),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/tickets/{id}")]
async fn update_ticket(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateTicketRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let req = body.into_inner();
    let priority_set = req.priority.is_some();
    let ticket = domain::update(&state, &actor, *id, if_match, req).await?;
    if priority_set {
        super::playbook_events::after_ticket_write(
            &state,
            actor.workspace_id,
            ticket.account_id,
            ticket.priority,
        )
        .await;
    }
    Ok(with_etag(actix_web::http::StatusCode::OK, ticket))
}

/// Raises the tier: 1 (module owner) → 2 (ERP engineers) → 3 (manager).
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = EscalateRequest,
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/escalate")]
async fn escalate_ticket(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<EscalateRequest>,
) -> AppResult<HttpResponse> {
    let ticket = domain::escalate(&state, &actor, *id, body.into_inner()).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, ticket))
}

/// The conversation, internal notes included.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/comments")]
async fn list_comments(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Comment>>> {
    Ok(web::Json(domain::comments(&state.db, &actor, *id).await?))
}

/// Replies publicly (the customer sees it) or adds an internal note.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = CreateCommentRequest,
    responses((status = 201, body = Comment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/comments")]
async fn add_comment(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateCommentRequest>,
) -> AppResult<HttpResponse> {
    let comment = domain::comment(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(comment))
}

/// Every change of the ticket, oldest first.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<TicketEvent>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/timeline")]
async fn ticket_timeline(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<TicketEvent>>> {
    Ok(web::Json(domain::timeline(&state.db, &actor, *id).await?))
}

/// The tickets this one waits for.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<Ticket>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/blockers")]
async fn list_blockers(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Ticket>>> {
    Ok(web::Json(blockers::list(&state.db, &actor, *id).await?))
}

/// Marks the ticket blocked by another (no cycles, not itself): it stays
/// `blocked`, its SLA clock paused, until every blocker is resolved.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AddBlockerRequest,
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/blockers")]
async fn add_blocker(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AddBlockerRequest>,
) -> AppResult<HttpResponse> {
    let ticket =
        blockers::add(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, ticket))
}

/// Removes a blocker; with none left the ticket reopens.
#[utoipa::path(
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("blocker_id" = i64, Path, description = "The blocking ticket's id"),
    ),
    responses((status = 200, body = Ticket), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/tickets/{id}/blockers/{blocker_id}")]
async fn remove_blocker(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, blocker_id) = path.into_inner();
    let ticket = blockers::remove(&state, &actor, id, blocker_id).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, ticket))
}
