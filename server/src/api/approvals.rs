//! `/approvals`: the maker-checker inbox.

use super::body::{Json, OptionalJson};
use actix_web::{get, post, web};
use shared::approvals::{Approval, DecisionRequest};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::approvals::{self as domain, ApprovalFilter};
use crate::domain::common::pagination::PageQuery;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_approvals)
        .service(get_approval)
        .service(approve)
        .service(reject)
        .service(withdraw);
}

/// Approvals of the workspace, newest first (`?status=pending` for the inbox).
#[utoipa::path(
    tag = "approvals",
    params(ApprovalFilter, PageQuery),
    responses((status = 200, body = Page<Approval>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/approvals")]
async fn list_approvals(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<ApprovalFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Approval>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Approval id")),
    responses((status = 200, body = Approval), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/approvals/{id}")]
async fn get_approval(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Approval>> {
    Ok(web::Json(domain::get(&state.db, &actor, *id).await?))
}

/// Approves the change (a manager or admin other than its maker).
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Approval id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = Approval),
        (status = 403, description = "Not a manager, or the maker", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already decided", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/approvals/{id}/approve")]
async fn approve(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: OptionalJson<DecisionRequest>,
) -> AppResult<web::Json<Approval>> {
    let req = body.into_inner().unwrap_or_default();
    Ok(web::Json(
        domain::decide::decide(&state.db, &actor, *id, true, req, state.clock.now()).await?,
    ))
}

/// Rejects the change, with a comment saying why.
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Approval id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = Approval),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "No comment", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/approvals/{id}/reject")]
async fn reject(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<DecisionRequest>,
) -> AppResult<web::Json<Approval>> {
    Ok(web::Json(
        domain::decide::decide(
            &state.db,
            &actor,
            *id,
            false,
            body.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Withdraws your own pending request; the change never takes effect.
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Approval id")),
    responses(
        (status = 200, body = Approval),
        (status = 403, description = "Not the maker", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already decided or withdrawn", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/approvals/{id}/withdraw")]
async fn withdraw(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Approval>> {
    Ok(web::Json(
        domain::decide::withdraw(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}
