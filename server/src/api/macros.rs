//! `/macros`: canned replies for staff, and applying one to a ticket.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use shared::filters::MacroFilter;
use shared::macros::{
    AppliedMacro, ApplyMacroRequest, CreateMacroRequest, Macro, UpdateMacroRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::macros::{self as domain, etag};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_macros)
        .service(create_macro)
        .service(get_macro)
        .service(update_macro)
        .service(delete_macro)
        .service(apply_macro);
}

fn with_etag(status: StatusCode, m: Macro) -> HttpResponse {
    super::tagged(status, etag(&m), &m)
}

/// The caller's personal macros and the workspace's shared ones, newest
/// first; `q` searches names and texts.
#[utoipa::path(
    tag = "macros",
    params(MacroFilter, PageQuery),
    responses((status = 200, body = Page<Macro>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/macros")]
async fn list_macros(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<MacroFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Macro>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Makes a macro: `personal` (default; any staff member) or `shared`
/// (admins and managers). Placeholders other than `{{contact.name}}`,
/// `{{ticket.number}}`, `{{account.name}}` and `{{agent.name}}` are
/// refused (422 naming the allowed ones).
#[utoipa::path(
    tag = "macros",
    request_body = CreateMacroRequest,
    responses((status = 201, body = Macro), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/macros")]
async fn create_macro(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateMacroRequest>,
) -> AppResult<HttpResponse> {
    let m = domain::create(&state, &actor, body.into_inner()).await?;
    Ok(with_etag(StatusCode::CREATED, m))
}

/// A macro the caller sees (another's personal macro is 404).
#[utoipa::path(
    tag = "macros",
    params(("id" = i64, Path, description = "Macro id")),
    responses((status = 200, body = Macro), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/macros/{id}")]
async fn get_macro(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let m = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, m))
}

/// Changes a macro: one's own personal macro, or (admins and managers) a
/// shared one. Honours `If-Match`.
#[utoipa::path(
    tag = "macros",
    params(
        ("id" = i64, Path, description = "Macro id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateMacroRequest,
    responses(
        (status = 200, body = Macro),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/macros/{id}")]
async fn update_macro(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateMacroRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let m = domain::update(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, m))
}

#[utoipa::path(
    tag = "macros",
    params(("id" = i64, Path, description = "Macro id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/macros/{id}")]
async fn delete_macro(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    domain::delete(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Renders the macro for a ticket (in the requester's language, else the
/// other) and runs its actions there through the ticket workflow: an
/// internal note, escalation to its tier, its status and priority. The
/// text is not sent: it is for the reply box. An action the ticket's
/// state refuses answers 422 and changes nothing.
#[utoipa::path(
    tag = "macros",
    params(("id" = i64, Path, description = "Macro id")),
    request_body = ApplyMacroRequest,
    responses((status = 200, body = AppliedMacro), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/macros/{id}/apply")]
async fn apply_macro(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<ApplyMacroRequest>,
) -> AppResult<web::Json<AppliedMacro>> {
    let req = body.into_inner();
    let ticket_id = req.ticket_id;
    let applied = domain::apply(&state, &actor, *id, req).await?;
    // A macro may have raised the ticket to P1.
    super::playbook_events::after_ticket_id(&state, actor.workspace_id, ticket_id).await;
    Ok(web::Json(applied))
}
