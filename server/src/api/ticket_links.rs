//! `/tickets/{id}/merge`, `/tickets/{id}/links`, `/tickets/{id}/link-candidates`
//! and `/tickets/{id}/resolve-children`: merging duplicates, linking
//! tickets, and resolving a problem ticket's children with one reply.

use super::body::Json;
use actix_web::{delete, get, post, web, HttpResponse};
use shared::ticket_links::{
    AddLinkRequest, CandidateQuery, MergeOutcome, MergeTicketRequest, ResolveChildrenOutcome,
    ResolveChildrenRequest, TicketLink, TicketRef,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::tickets::{candidates, children, links, merge};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(merge_ticket)
        .service(list_links)
        .service(add_link)
        .service(remove_link)
        .service(link_candidates)
        .service(resolve_children);
}

/// Merges this ticket (a duplicate) into `into_ticket_id` (`into` is read
/// too), a ticket of the same account that is not closed: its comments and
/// attachments move there, it is closed pointing at the target, both get a
/// system comment and its requester one e-mail. A ticket merged already
/// answers 409 (a repeated request sends no second mail); a merge into
/// itself, into a closed or merged ticket or one of another account 422;
/// a ticket of another workspace 404.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "The duplicate's id")),
    request_body = MergeTicketRequest,
    responses(
        (status = 200, body = MergeOutcome),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/merge")]
async fn merge_ticket(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<MergeTicketRequest>,
) -> AppResult<web::Json<MergeOutcome>> {
    Ok(web::Json(
        merge::merge(&state, &actor, *id, body.into_inner()).await?,
    ))
}

/// The ticket's links: its parent, its children and related tickets, each
/// with what it is to this ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<TicketLink>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/links")]
async fn list_links(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<TicketLink>>> {
    Ok(web::Json(links::list(&state.db, &actor, *id).await?))
}

/// Links another ticket of the workspace: `kind` says what it is to this
/// one (`related`, `parent`, `child`). 201 with the link; the same link
/// again answers 200 and changes nothing; another link between the two, a
/// second parent (409), itself or a cycle of parents (422) are refused.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AddLinkRequest,
    responses(
        (status = 201, body = TicketLink),
        (status = 200, body = TicketLink),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/links")]
async fn add_link(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AddLinkRequest>,
) -> AppResult<HttpResponse> {
    let (link, created) = links::add(&state, &actor, *id, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(link)
    } else {
        HttpResponse::Ok().json(link)
    })
}

/// Removes the link between this ticket and `other`, whatever its kind.
#[utoipa::path(
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("other" = i64, Path, description = "The linked ticket's id"),
    ),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/tickets/{id}/links/{other}")]
async fn remove_link(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, other) = path.into_inner();
    links::remove(&state, &actor, id, other).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Tickets a picker offers for this one (at most 20, newest first), by
/// number (`42`, `#42`) or words of the subject: `purpose=merge` the
/// account's tickets that are not closed, else any ticket of the workspace.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), CandidateQuery),
    responses(
        (status = 200, body = Vec<TicketRef>),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/link-candidates")]
async fn link_candidates(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    query: web::Query<CandidateQuery>,
) -> AppResult<web::Json<Vec<TicketRef>>> {
    Ok(web::Json(
        candidates::candidates(&state.db, &actor, *id, query.into_inner()).await?,
    ))
}

/// Once this (parent) ticket is resolved or closed: each child that is not
/// resolved yet receives `reply` as a public reply (its requester is
/// mailed) and is resolved through the usual transition. Children whose
/// state does not allow it are listed under `skipped`, unchanged; children
/// already resolved are left alone, so a repeated request replies to none.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "The parent ticket's id")),
    request_body = ResolveChildrenRequest,
    responses(
        (status = 200, body = ResolveChildrenOutcome),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/resolve-children")]
async fn resolve_children(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<ResolveChildrenRequest>,
) -> AppResult<web::Json<ResolveChildrenOutcome>> {
    Ok(web::Json(
        children::resolve_children(&state, &actor, *id, body.into_inner()).await?,
    ))
}
