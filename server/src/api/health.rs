//! Health scores (`/health-model`, `/accounts/{id}/health…`), API keys
//! (`/api-keys`) and usage events (`/usage-events`, authenticated with an
//! API key in `X-Api-Key`, not a session). Staff only: portal users get 403.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, FromRequest, HttpRequest, HttpResponse};
use shared::approvals::Approval;
use shared::health::{
    AccountHealth, ApiKey, CreateApiKey, CreatedApiKey, HealthModel, HealthSnapshot,
    OverrideRequest, UpdateHealthModel, UsageEventBatch, UsageEventsAccepted,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::health::{self as domain, keys, HistoryQuery};
use crate::error::AppResult;
use crate::state::AppState;

/// The header that carries an API key.
pub const API_KEY_HEADER: &str = "X-Api-Key";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_model)
        .service(put_model)
        .service(account_health)
        .service(health_history)
        .service(request_override)
        .service(list_keys)
        .service(create_key)
        .service(revoke_key)
        .service(usage_events);
}

/// The health model: component weights and band thresholds (any staff member).
#[utoipa::path(
    tag = "health",
    responses((status = 200, body = HealthModel), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/health-model")]
async fn get_model(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<HealthModel>> {
    Ok(web::Json(domain::get_model(&state.db, &actor).await?))
}

/// Changes the weights and thresholds (admins).
#[utoipa::path(
    tag = "health",
    request_body = UpdateHealthModel,
    responses(
        (status = 200, body = HealthModel),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/health-model")]
async fn put_model(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<UpdateHealthModel>,
) -> AppResult<web::Json<HealthModel>> {
    Ok(web::Json(
        domain::put_model(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}

/// The account's health now: score and band (an approved override's while
/// one applies, with the computed one beside it), every component explained,
/// the component pulling the score down most, and the 30-day trend.
#[utoipa::path(
    tag = "health",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, body = AccountHealth),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/health")]
async fn account_health(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<AccountHealth>> {
    Ok(web::Json(
        domain::account_health(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}

/// Daily snapshots of the account's health, oldest first.
#[utoipa::path(
    tag = "health",
    params(("id" = i64, Path, description = "Account id"), HistoryQuery),
    responses(
        (status = 200, body = Vec<HealthSnapshot>),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/health/history")]
async fn health_history(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    query: web::Query<HistoryQuery>,
) -> AppResult<web::Json<Vec<HealthSnapshot>>> {
    Ok(web::Json(
        domain::history(
            &state.db,
            &actor,
            *id,
            query.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Requests an override of the account's score (CSM, manager, admin): an
/// approval request; it applies once another manager or admin approves it,
/// until `expires_on`.
#[utoipa::path(
    tag = "health",
    params(("id" = i64, Path, description = "Account id")),
    request_body = OverrideRequest,
    responses(
        (status = 201, body = Approval),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/health/override")]
async fn request_override(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<OverrideRequest>,
) -> AppResult<HttpResponse> {
    let approval =
        domain::request_override(&state.db, &actor, *id, body.into_inner(), state.clock.now())
            .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(approval))
}

/// The workspace's API keys, newest first (admins); secrets are never shown again.
#[utoipa::path(
    tag = "api-keys",
    params(PageQuery),
    responses((status = 200, body = Page<ApiKey>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api-keys")]
async fn list_keys(
    state: web::Data<AppState>,
    actor: StaffActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<ApiKey>>> {
    Ok(web::Json(
        keys::list(&state.db, &actor, page.into_inner()).await?,
    ))
}

/// Creates an API key (admins); the answer shows the secret, this once.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api-keys")]
async fn create_key(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateApiKey>,
) -> AppResult<HttpResponse> {
    let created = keys::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// Revokes an API key at once (admins).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 200, body = ApiKey),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api-keys/{id}/revoke")]
async fn revoke_key(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ApiKey>> {
    Ok(web::Json(
        keys::revoke(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}

/// Records up to 1,000 usage events (who used which module of which account,
/// when), authenticated with an API key in `X-Api-Key`. All or nothing: an
/// account outside the key's workspace refuses the batch with 422.
#[utoipa::path(
    tag = "api-keys",
    request_body = UsageEventBatch,
    responses(
        (status = 202, body = UsageEventsAccepted),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/usage-events")]
async fn usage_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    // The key first: without a valid one the body is not even read.
    let secret = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok());
    let key = keys::authenticate(&state.db, secret).await?;
    let body = Json::<UsageEventBatch>::from_request(&req, &mut payload.into_inner()).await?;
    let accepted = keys::ingest(&state.db, &key, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(accepted))
}
