//! `/service-levels`: levels and their entitlements (admins write, staff
//! read); `/settings/entitlements`: the rule for accounts that never had an
//! agreement; `/portal/entitlement`: whether the portal user may open a
//! ticket, and if not why.

use super::body::Json;
use actix_web::{delete, get, post, put, web, HttpResponse};
use shared::service_levels::{
    AccountEntitlement, EntitlementSettings, PortalEntitlement, ServiceLevel, ServiceLevelRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::tickets::{entitlement, service_levels as domain};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_levels)
        .service(create_level)
        .service(get_level)
        .service(update_level)
        .service(delete_level)
        .service(get_entitlement_settings)
        .service(put_entitlement_settings)
        .service(portal_entitlement)
        .service(account_entitlement);
}

/// The workspace's service levels (a handful: one page).
#[utoipa::path(
    tag = "service_levels",
    responses((status = 200, body = Page<ServiceLevel>)),
    security(("bearer" = []))
)]
#[get("/service-levels")]
async fn list_levels(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Page<ServiceLevel>>> {
    Ok(web::Json(Page {
        items: domain::list(&state.db, &actor).await?,
        next_cursor: None,
    }))
}

/// Adds a level (admin).
#[utoipa::path(
    tag = "service_levels",
    request_body = ServiceLevelRequest,
    responses(
        (status = 201, body = ServiceLevel),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/service-levels")]
async fn create_level(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<ServiceLevelRequest>,
) -> AppResult<HttpResponse> {
    let level = domain::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(level))
}

#[utoipa::path(
    tag = "service_levels",
    params(("id" = i64, Path, description = "Service level id")),
    responses((status = 200, body = ServiceLevel), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/service-levels/{id}")]
async fn get_level(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ServiceLevel>> {
    Ok(web::Json(domain::get(&state.db, &actor, *id).await?))
}

/// Changes a level's entitlements (admin); its name stays.
#[utoipa::path(
    tag = "service_levels",
    params(("id" = i64, Path, description = "Service level id")),
    request_body = ServiceLevelRequest,
    responses(
        (status = 200, body = ServiceLevel),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/service-levels/{id}")]
async fn update_level(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<ServiceLevelRequest>,
) -> AppResult<web::Json<ServiceLevel>> {
    Ok(web::Json(
        domain::update(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Removes a level no agreement names (admin).
#[utoipa::path(
    tag = "service_levels",
    params(("id" = i64, Path, description = "Service level id")),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/service-levels/{id}")]
async fn delete_level(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    domain::delete(&state.db, &actor, *id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether accounts that never had an agreement are outside agreement.
#[utoipa::path(
    tag = "service_levels",
    responses((status = 200, body = EntitlementSettings)),
    security(("bearer" = []))
)]
#[get("/settings/entitlements")]
async fn get_entitlement_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<EntitlementSettings>> {
    Ok(web::Json(domain::get_settings(&state.db, &actor).await?))
}

#[utoipa::path(
    tag = "service_levels",
    request_body = EntitlementSettings,
    responses(
        (status = 200, body = EntitlementSettings),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/settings/entitlements")]
async fn put_entitlement_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<EntitlementSettings>,
) -> AppResult<web::Json<EntitlementSettings>> {
    Ok(web::Json(
        domain::put_settings(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Whether a ticket staff log for the account today is covered by its
/// agreement; one that is not is opened outside agreement, without SLA.
#[utoipa::path(
    tag = "service_levels",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, body = AccountEntitlement),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/entitlement")]
async fn account_entitlement(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<AccountEntitlement>> {
    Ok(web::Json(
        entitlement::staff_entitlement(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}

/// Whether the user's account may open a ticket in the portal; if not,
/// why (in the texts' keys) and whom to contact.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = PortalEntitlement), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/entitlement")]
async fn portal_entitlement(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<PortalEntitlement>> {
    Ok(web::Json(
        entitlement::portal_entitlement(&state.db, &actor, state.clock.now()).await?,
    ))
}
