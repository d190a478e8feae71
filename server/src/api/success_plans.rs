//! `/accounts/{id}/success-plans`, `/success-plans/*`: success plans for
//! staff; `/portal/success-plans/*`: the plan as the customer's
//! administrator sees it (shared objectives, public comments).

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use shared::success_plans::{
    CreateMilestoneRequest, CreateObjectiveRequest, CreatePlanCommentRequest, CreatePlanRequest,
    Milestone, Objective, PlanComment, PortalSuccessPlan, SuccessPlan, SuccessPlanSummary,
    UpdateMilestoneRequest, UpdateObjectiveRequest, UpdatePlanRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::success_plans::{
    self as domain, comments, items, milestone_etag, objective_etag, plan_etag, plans,
};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_plans)
        .service(create_plan)
        .service(get_plan)
        .service(update_plan)
        .service(archive_plan)
        .service(add_objective)
        .service(update_objective)
        .service(delete_objective)
        .service(add_milestone)
        .service(update_milestone)
        .service(delete_milestone)
        .service(add_comment)
        .service(portal_plans)
        .service(portal_plan)
        .service(portal_comment)
        .service(portal_mark_done);
}

fn plan_answer(status: StatusCode, p: SuccessPlan) -> HttpResponse {
    super::tagged(status, plan_etag(&p), &p)
}

/// An account's success plans, newest first, with their progress.
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Account id"), PageQuery),
    responses((status = 200, body = Page<SuccessPlanSummary>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/success-plans")]
async fn list_plans(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<SuccessPlanSummary>>> {
    Ok(web::Json(
        plans::list(&state.db, &actor, *id, page.into_inner()).await?,
    ))
}

/// Starts a success plan for the account (its owner CSM, a manager or an admin).
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Account id")),
    request_body = CreatePlanRequest,
    responses(
        (status = 201, body = SuccessPlan),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/success-plans")]
async fn create_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreatePlanRequest>,
) -> AppResult<HttpResponse> {
    let plan = plans::create(&state, &actor, *id, body.into_inner()).await?;
    Ok(plan_answer(StatusCode::CREATED, plan))
}

/// The plan with every objective, milestone and comment (internal ones too).
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = SuccessPlan), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/success-plans/{id}")]
async fn get_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let plan = plans::get(&state.db, &actor, *id).await?;
    Ok(plan_answer(StatusCode::OK, plan))
}

/// Changes the plan's title, staff note or status. Honours `If-Match`.
#[utoipa::path(
    tag = "success-plans",
    params(
        ("id" = i64, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdatePlanRequest,
    responses(
        (status = 200, body = SuccessPlan),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/success-plans/{id}")]
async fn update_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdatePlanRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let plan = plans::update(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(plan_answer(StatusCode::OK, plan))
}

/// Archives the plan: it leaves the portal and the health score and stays
/// readable here (PATCH `status: active` brings it back).
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = SuccessPlan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/success-plans/{id}")]
async fn archive_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let plan = plans::archive(&state, &actor, *id).await?;
    Ok(plan_answer(StatusCode::OK, plan))
}

/// Adds an objective in the customer's words; `shared_with_customer`
/// (default false) shows it in the portal.
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = CreateObjectiveRequest,
    responses(
        (status = 201, body = Objective),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/success-plans/{id}/objectives")]
async fn add_objective(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateObjectiveRequest>,
) -> AppResult<HttpResponse> {
    let o = items::add_objective(&state, &actor, *id, body.into_inner()).await?;
    Ok(super::tagged(StatusCode::CREATED, objective_etag(&o), &o))
}

/// Changes an objective. Honours `If-Match`.
#[utoipa::path(
    tag = "success-plans",
    params(
        ("id" = i64, Path, description = "Objective id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateObjectiveRequest,
    responses(
        (status = 200, body = Objective),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/success-objectives/{id}")]
async fn update_objective(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateObjectiveRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let o = items::update_objective(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(super::tagged(StatusCode::OK, objective_etag(&o), &o))
}

/// Removes an objective and its milestones.
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Objective id")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/success-objectives/{id}")]
async fn delete_objective(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    items::delete_objective(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a milestone owned by a staff member (`owner_user_id`) or a
/// contact of the account (`owner_contact_id`).
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Objective id")),
    request_body = CreateMilestoneRequest,
    responses(
        (status = 201, body = Milestone),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/success-objectives/{id}/milestones")]
async fn add_milestone(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateMilestoneRequest>,
) -> AppResult<HttpResponse> {
    let m = items::add_milestone(&state, &actor, *id, body.into_inner()).await?;
    Ok(super::tagged(StatusCode::CREATED, milestone_etag(&m), &m))
}

/// Changes a milestone; `status: done` records who and when and adds a
/// timeline entry. The milestone's staff owner may change its status only.
/// Honours `If-Match`.
#[utoipa::path(
    tag = "success-plans",
    params(
        ("id" = i64, Path, description = "Milestone id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateMilestoneRequest,
    responses(
        (status = 200, body = Milestone),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/success-milestones/{id}")]
async fn update_milestone(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateMilestoneRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let m = items::update_milestone(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(super::tagged(StatusCode::OK, milestone_etag(&m), &m))
}

#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Milestone id")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/success-milestones/{id}")]
async fn delete_milestone(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    items::delete_milestone(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A comment on the plan; `internal: true` keeps it from the customer.
#[utoipa::path(
    tag = "success-plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = CreatePlanCommentRequest,
    responses((status = 201, body = PlanComment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/success-plans/{id}/comments")]
async fn add_comment(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreatePlanCommentRequest>,
) -> AppResult<HttpResponse> {
    let c = comments::add(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(c))
}

/// The account's active plans as the customer's administrator sees them:
/// shared objectives, their milestones, public comments (403 for a
/// `customer`).
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = Vec<PortalSuccessPlan>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/success-plans")]
async fn portal_plans(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<Vec<PortalSuccessPlan>>> {
    Ok(web::Json(domain::portal::list(&state.db, &actor).await?))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = PortalSuccessPlan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/success-plans/{id}")]
async fn portal_plan(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<PortalSuccessPlan>> {
    Ok(web::Json(
        domain::portal::get(&state.db, &actor, *id).await?,
    ))
}

/// A public comment by the customer's administrator.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = CreatePlanCommentRequest,
    responses(
        (status = 201, body = PlanComment),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/portal/success-plans/{id}/comments")]
async fn portal_comment(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
    body: Json<CreatePlanCommentRequest>,
) -> AppResult<HttpResponse> {
    let c = domain::portal::comment(&state, &actor, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(c))
}

/// Marks done a milestone a contact of the account owns (403 for one the
/// vendor's staff own); answers the plan.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Milestone id")),
    responses((status = 200, body = PortalSuccessPlan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/portal/success-milestones/{id}/done")]
async fn portal_mark_done(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<PortalSuccessPlan>> {
    Ok(web::Json(
        domain::portal::mark_done(&state, &actor, *id).await?,
    ))
}
