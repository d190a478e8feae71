//! `/sla-policies`, `/calendar`, `/settings/module-owners`.

use super::body::Json;
use actix_web::{get, put, web};
use shared::tickets::{ModuleOwners, SlaPolicies};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::business_time::BusinessCalendar;
use crate::domain::tickets::sla as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_sla_policies)
        .service(put_sla_policies)
        .service(get_calendar)
        .service(put_calendar)
        .service(get_module_owners)
        .service(put_module_owners);
}

/// SLA targets per service level × priority, in business minutes.
#[utoipa::path(tag = "sla", responses((status = 200, body = SlaPolicies)), security(("bearer" = [])))]
#[get("/sla-policies")]
async fn get_sla_policies(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<SlaPolicies>> {
    Ok(web::Json(domain::get_policies(&state.db, &actor).await?))
}

/// Replaces the SLA policies (admin).
#[utoipa::path(
    tag = "sla",
    request_body = SlaPolicies,
    responses((status = 200, body = SlaPolicies), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/sla-policies")]
async fn put_sla_policies(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<SlaPolicies>,
) -> AppResult<web::Json<SlaPolicies>> {
    Ok(web::Json(
        domain::put_policies(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}

/// The business calendar SLA clocks run on.
#[utoipa::path(tag = "sla", responses((status = 200, body = BusinessCalendar)), security(("bearer" = [])))]
#[get("/calendar")]
async fn get_calendar(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<BusinessCalendar>> {
    Ok(web::Json(domain::get_calendar(&state.db, &actor).await?))
}

/// Replaces the business calendar (admin): weekly hours, time zone,
/// holidays and make-up working days.
#[utoipa::path(
    tag = "sla",
    request_body = BusinessCalendar,
    responses((status = 200, body = BusinessCalendar), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/calendar")]
async fn put_calendar(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<BusinessCalendar>,
) -> AppResult<web::Json<BusinessCalendar>> {
    Ok(web::Json(
        domain::put_calendar(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Who owns each ERP module: new tickets of a module go to its owner.
#[utoipa::path(tag = "sla", responses((status = 200, body = std::collections::BTreeMap<shared::ErpModule, i64>)), security(("bearer" = [])))]
#[get("/settings/module-owners")]
async fn get_module_owners(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<ModuleOwners>> {
    Ok(web::Json(
        domain::get_module_owners(&state.db, &actor).await?,
    ))
}

#[utoipa::path(
    tag = "sla",
    request_body = std::collections::BTreeMap<shared::ErpModule, i64>,
    responses((status = 200, body = std::collections::BTreeMap<shared::ErpModule, i64>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/settings/module-owners")]
async fn put_module_owners(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<ModuleOwners>,
) -> AppResult<web::Json<ModuleOwners>> {
    Ok(web::Json(
        domain::put_module_owners(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}
