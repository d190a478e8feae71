//! `/advisories`: notices to the accounts running a version (managers and
//! admins): preview who they reach, save, send in bounded batches.

use super::body::Json;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use shared::installed_base::{Advisory, AdvisoryPreview, AdvisoryProgress, AdvisoryRequest};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::installed_base::advisories as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_advisories)
        .service(preview_advisory)
        .service(create_advisory)
        .service(get_advisory)
        .service(send_advisory);
}

/// The advisories sent or being sent, newest first, with their counts.
#[utoipa::path(
    tag = "advisories",
    responses((status = 200, body = Page<Advisory>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/advisories")]
async fn list_advisories(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Page<Advisory>>> {
    Ok(web::Json(Page {
        items: domain::list(&state.db, &actor).await?,
        next_cursor: None,
    }))
}

/// The accounts and recipients an advisory would reach, without saving it.
#[utoipa::path(
    tag = "advisories",
    request_body = AdvisoryRequest,
    responses(
        (status = 200, body = AdvisoryPreview),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/advisories/preview")]
async fn preview_advisory(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<AdvisoryRequest>,
) -> AppResult<web::Json<AdvisoryPreview>> {
    Ok(web::Json(
        domain::preview(&state.db, &actor, body.into_inner()).await?,
    ))
}

/// Saves an advisory; `POST /advisories/{id}/send` sends it.
#[utoipa::path(
    tag = "advisories",
    request_body = AdvisoryRequest,
    responses(
        (status = 201, body = Advisory),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/advisories")]
async fn create_advisory(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<AdvisoryRequest>,
) -> AppResult<HttpResponse> {
    let created = domain::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    tag = "advisories",
    params(("id" = i64, Path, description = "Advisory id")),
    responses(
        (status = 200, body = Advisory),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/advisories/{id}")]
async fn get_advisory(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Advisory>> {
    Ok(web::Json(domain::get(&state.db, &actor, *id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct SendQuery {
    /// Accounts to work through in this call (1 to 200, default 25).
    #[param(minimum = 1, maximum = 200)]
    batch: Option<u64>,
}

/// Sends the advisory to the next batch of accounts not told yet; call
/// again until `done`. Each account and recipient gets it once, however
/// often and however concurrently this is called.
#[utoipa::path(
    tag = "advisories",
    params(("id" = i64, Path, description = "Advisory id"), SendQuery),
    responses(
        (status = 200, body = AdvisoryProgress),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/advisories/{id}/send")]
async fn send_advisory(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    query: web::Query<SendQuery>,
) -> AppResult<web::Json<AdvisoryProgress>> {
    Ok(web::Json(
        domain::send(
            &state.db,
            &state.mailer,
            &actor,
            *id,
            query.batch,
            state.clock.now(),
        )
        .await?,
    ))
}
