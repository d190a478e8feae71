//! `/trainings`: sessions, their attendance, `/accounts/{id}/training-coverage`
//! and the portal's `/portal/trainings`. Reads of a session carry an `ETag`;
//! changes honour `If-Match`.

use super::body::{Json, OptionalJson};
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::training::{
    AttendanceRequest, CancelTrainingRequest, CreateTrainingRequest, PortalTraining,
    TrainingCoverage, TrainingSession, UpdateTrainingRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::training::{self as domain, attendance, etag, schedule, TrainingFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_trainings)
        .service(create_training)
        .service(get_training)
        .service(update_training)
        .service(cancel_training)
        .service(record_attendance)
        .service(training_coverage)
        .service(portal_trainings);
}

fn with_etag(status: StatusCode, session: TrainingSession) -> HttpResponse {
    super::tagged(status, etag(&session), &session)
}

/// Sessions in start order, filtered by account, trainer and time window.
#[utoipa::path(
    tag = "training",
    params(TrainingFilter, PageQuery),
    responses((status = 200, body = Page<TrainingSession>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/trainings")]
async fn list_trainings(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<TrainingFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<TrainingSession>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Schedules a session; every attendee with an e-mail gets an invitation
/// with an iCalendar (`METHOD:REQUEST`) attachment.
#[utoipa::path(
    tag = "training",
    request_body = CreateTrainingRequest,
    responses(
        (status = 201, body = TrainingSession, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/trainings")]
async fn create_training(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateTrainingRequest>,
) -> AppResult<HttpResponse> {
    let session = schedule::create(&state, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(StatusCode::CREATED, session))
}

#[utoipa::path(
    tag = "training",
    params(("id" = i64, Path, description = "Training id")),
    responses(
        (status = 200, body = TrainingSession, headers(("ETag" = String))),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/trainings/{id}")]
async fn get_training(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let session = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, session))
}

/// Changes a session. A new time is a reschedule: the attendees get the
/// same event (same UID) with a higher SEQUENCE; removed attendees get a
/// cancellation, added ones an invitation.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = i64, Path, description = "Training id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateTrainingRequest,
    responses(
        (status = 200, body = TrainingSession, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The session is cancelled", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/trainings/{id}")]
async fn update_training(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateTrainingRequest>,
) -> AppResult<HttpResponse> {
    let session = schedule::update(
        &state,
        &actor,
        *id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, session))
}

/// Cancels a session; the attendees get `METHOD:CANCEL` for the same event.
#[utoipa::path(
    tag = "training",
    params(
        ("id" = i64, Path, description = "Training id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = CancelTrainingRequest,
    responses(
        (status = 200, body = TrainingSession, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already cancelled", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/cancel")]
async fn cancel_training(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: OptionalJson<CancelTrainingRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner().unwrap_or_default();
    let session = schedule::cancel(
        &state,
        &actor,
        *id,
        super::if_match(&req),
        body,
        state.clock.now(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, session))
}

/// Records attendance: attended, score 0–100, feedback, per attendee.
#[utoipa::path(
    tag = "training",
    params(("id" = i64, Path, description = "Training id")),
    request_body = AttendanceRequest,
    responses(
        (status = 200, body = TrainingSession, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The session is cancelled", body = ErrorBody),
        (status = 422, description = "Score out of range or not an attendee", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/trainings/{id}/attendance")]
async fn record_attendance(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AttendanceRequest>,
) -> AppResult<HttpResponse> {
    let session =
        attendance::record(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(StatusCode::OK, session))
}

/// The share of the account's module-responsible contacts trained on their
/// modules, with per-module detail.
#[utoipa::path(
    tag = "training",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = TrainingCoverage), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/training-coverage")]
async fn training_coverage(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<TrainingCoverage>> {
    Ok(web::Json(
        attendance::coverage(&state.db, &actor, *id).await?,
    ))
}

/// Upcoming sessions of the portal user's account, soonest first.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = Vec<PortalTraining>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/trainings")]
async fn portal_trainings(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<Vec<PortalTraining>>> {
    Ok(web::Json(
        attendance::portal_upcoming(&state.db, &actor, state.clock.now()).await?,
    ))
}
