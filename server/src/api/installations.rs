//! `/accounts/{id}/installations`: an account's installed base (staff),
//! their upgrades; `/portal/installations`: the customer's own, read-only.

use super::body::Json;
use actix_web::{delete, get, post, put, web, HttpResponse};
use shared::installed_base::{
    Installation, InstallationRequest, PortalInstallation, Upgrade, UpgradeRequest,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::installed_base::{self as domain, upgrades};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_installations)
        .service(create_installation)
        .service(get_installation)
        .service(update_installation)
        .service(delete_installation)
        .service(list_upgrades)
        .service(record_upgrade)
        .service(portal_installations);
}

#[utoipa::path(
    tag = "installed_base",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Vec<Installation>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/installations")]
async fn list_installations(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Installation>>> {
    Ok(web::Json(domain::list(&state.db, &actor, *id).await?))
}

/// Adds an installation of the account at a site.
#[utoipa::path(
    tag = "installed_base",
    params(("id" = i64, Path, description = "Account id")),
    request_body = InstallationRequest,
    responses(
        (status = 201, body = Installation),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/installations")]
async fn create_installation(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<InstallationRequest>,
) -> AppResult<HttpResponse> {
    let created =
        domain::create(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    tag = "installed_base",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("installation_id" = i64, Path, description = "Installation id"),
    ),
    responses((status = 200, body = Installation), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/installations/{installation_id}")]
async fn get_installation(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<web::Json<Installation>> {
    let (id, installation_id) = path.into_inner();
    Ok(web::Json(
        domain::get(&state.db, &actor, id, installation_id).await?,
    ))
}

/// Changes an installation; the version changes only by an upgrade (422).
#[utoipa::path(
    tag = "installed_base",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("installation_id" = i64, Path, description = "Installation id"),
    ),
    request_body = InstallationRequest,
    responses(
        (status = 200, body = Installation),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/accounts/{id}/installations/{installation_id}")]
async fn update_installation(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
    body: Json<InstallationRequest>,
) -> AppResult<web::Json<Installation>> {
    let (id, installation_id) = path.into_inner();
    Ok(web::Json(
        domain::update(
            &state.db,
            &actor,
            id,
            installation_id,
            body.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Removes an installation that no ticket names (409 otherwise).
#[utoipa::path(
    tag = "installed_base",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("installation_id" = i64, Path, description = "Installation id"),
    ),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/accounts/{id}/installations/{installation_id}")]
async fn delete_installation(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, installation_id) = path.into_inner();
    domain::delete(&state.db, &actor, id, installation_id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The installation's upgrades, latest first.
#[utoipa::path(
    tag = "installed_base",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("installation_id" = i64, Path, description = "Installation id"),
    ),
    responses((status = 200, body = Vec<Upgrade>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/installations/{installation_id}/upgrades")]
async fn list_upgrades(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<web::Json<Vec<Upgrade>>> {
    let (id, installation_id) = path.into_inner();
    Ok(web::Json(
        upgrades::list(&state.db, &actor, id, installation_id).await?,
    ))
}

/// Records an upgrade to a later version; the installation's version
/// follows and the account's timeline shows it.
#[utoipa::path(
    tag = "installed_base",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("installation_id" = i64, Path, description = "Installation id"),
    ),
    request_body = UpgradeRequest,
    responses(
        (status = 201, body = Upgrade),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/installations/{installation_id}/upgrades")]
async fn record_upgrade(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
    body: Json<UpgradeRequest>,
) -> AppResult<HttpResponse> {
    let (id, installation_id) = path.into_inner();
    let upgrade = upgrades::record(
        &state.db,
        &actor,
        id,
        installation_id,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(upgrade))
}

/// The customer's own installations: product, version, modules and seats,
/// nothing internal.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = Vec<PortalInstallation>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/installations")]
async fn portal_installations(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<Vec<PortalInstallation>>> {
    Ok(web::Json(domain::portal_list(&state.db, &actor).await?))
}
