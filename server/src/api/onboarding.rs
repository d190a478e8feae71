//! Onboarding: `/onboarding-templates`, each account's plan at
//! `/accounts/{id}/onboarding`, and `/onboarding/tasks/{id}`.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use shared::onboarding::{
    CreatePlanRequest, OnboardingPlan, OnboardingTask, OnboardingTemplate, TemplateRequest,
    UpdatePlanRequest, UpdateTaskRequest,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::onboarding::{self as domain, plan_etag, tasks, templates};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_templates)
        .service(create_template)
        .service(get_template)
        .service(update_template)
        .service(get_plan)
        .service(create_plan)
        .service(update_plan)
        .service(update_task);
}

fn plan_response(status: StatusCode, plan: OnboardingPlan) -> HttpResponse {
    super::tagged(status, plan_etag(&plan), &plan)
}

/// The workspace's templates, the built-in default first.
#[utoipa::path(
    tag = "onboarding",
    responses((status = 200, body = Vec<OnboardingTemplate>)),
    security(("bearer" = []))
)]
#[get("/onboarding-templates")]
async fn list_templates(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<OnboardingTemplate>>> {
    Ok(web::Json(
        templates::list(&state.db, &actor, state.clock.now()).await?,
    ))
}

/// Creates a template (admin); copy one by posting what `GET` returned.
#[utoipa::path(
    tag = "onboarding",
    request_body = TemplateRequest,
    responses(
        (status = 201, body = OnboardingTemplate),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/onboarding-templates")]
async fn create_template(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<TemplateRequest>,
) -> AppResult<HttpResponse> {
    let template =
        templates::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(template))
}

#[utoipa::path(
    tag = "onboarding",
    params(("id" = i64, Path, description = "Template id")),
    responses((status = 200, body = OnboardingTemplate), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/onboarding-templates/{id}")]
async fn get_template(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<OnboardingTemplate>> {
    Ok(web::Json(templates::get(&state.db, &actor, *id).await?))
}

/// Replaces a template (admin). The built-in template answers 409: copy it.
#[utoipa::path(
    tag = "onboarding",
    params(("id" = i64, Path, description = "Template id")),
    request_body = TemplateRequest,
    responses(
        (status = 200, body = OnboardingTemplate),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The built-in template", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/onboarding-templates/{id}")]
async fn update_template(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<TemplateRequest>,
) -> AppResult<web::Json<OnboardingTemplate>> {
    Ok(web::Json(
        templates::update(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

/// The account's plan: tasks, progress (0–100) and status (`on_track`,
/// `behind`, `stuck`). 404 when the account has no plan yet.
#[utoipa::path(
    tag = "onboarding",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, body = OnboardingPlan, headers(("ETag" = String))),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/onboarding")]
async fn get_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let plan = domain::get(&state.db, &actor, *id, state.clock.now()).await?;
    Ok(plan_response(StatusCode::OK, plan))
}

/// Starts the account's onboarding from a template (default: the built-in
/// one), with the tasks of the modules the account licenses.
#[utoipa::path(
    tag = "onboarding",
    params(("id" = i64, Path, description = "Account id")),
    request_body = CreatePlanRequest,
    responses(
        (status = 201, body = OnboardingPlan, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The account already has a plan", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/onboarding")]
async fn create_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreatePlanRequest>,
) -> AppResult<HttpResponse> {
    let plan = domain::create(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(plan_response(StatusCode::CREATED, plan))
}

/// Moves the start date (and with it every due date) or the planned go-live.
#[utoipa::path(
    tag = "onboarding",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdatePlanRequest,
    responses(
        (status = 200, body = OnboardingPlan, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/accounts/{id}/onboarding")]
async fn update_plan(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdatePlanRequest>,
) -> AppResult<HttpResponse> {
    let plan = domain::update(
        &state.db,
        &actor,
        *id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(plan_response(StatusCode::OK, plan))
}

/// Changes a task's status (`skipped` needs `skip_reason`), owner, due date
/// or notes. Completing the licence-registration task needs a registered
/// licence, the agreement task a signed agreement (422 otherwise).
#[utoipa::path(
    tag = "onboarding",
    params(
        ("id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateTaskRequest,
    responses(
        (status = 200, body = OnboardingTask, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/onboarding/tasks/{id}")]
async fn update_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateTaskRequest>,
) -> AppResult<HttpResponse> {
    let task = tasks::update(
        &state.db,
        &actor,
        *id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(super::tagged(StatusCode::OK, tasks::etag(&task), &task))
}
