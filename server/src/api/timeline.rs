//! `/accounts/{id}/timeline` and `/accounts/{id}/activities`: what happened
//! to an account, newest first, and the notes, calls and meetings staff log.

use super::body::Json;
use actix_web::{get, post, web, HttpResponse};
use shared::filters::TimelineFilter;
use shared::timeline::{CreateActivityRequest, Timeline, TimelineEvent};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::timeline as domain;
use crate::domain::common::pagination::PageQuery;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_timeline).service(log_activity);
}

/// What happened to the account (onboarding, licences, training, stage
/// moves, tickets, agreements, survey answers, health bands, e-mail to the
/// customer) and logged activities, newest first, optionally of some kinds
/// only, with the date of the last touchpoint.
#[utoipa::path(
    tag = "timeline",
    params(("id" = i64, Path, description = "Account id"), TimelineFilter, PageQuery),
    responses(
        (status = 200, body = Timeline),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/timeline")]
async fn get_timeline(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    filter: web::Query<TimelineFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Timeline>> {
    let kinds = filter.kinds().map_err(|e| AppError::field("kind", e))?;
    Ok(web::Json(
        domain::list(
            &state.db,
            &actor,
            *id,
            &kinds,
            page.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Logs a note, call or meeting on the account's timeline.
#[utoipa::path(
    tag = "timeline",
    params(("id" = i64, Path, description = "Account id")),
    request_body = CreateActivityRequest,
    responses(
        (status = 201, body = TimelineEvent),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/activities")]
async fn log_activity(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateActivityRequest>,
) -> AppResult<HttpResponse> {
    let event =
        domain::log_activity(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(event))
}
