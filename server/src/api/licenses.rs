//! `/accounts/{id}/licenses`: licences and their remote registration.
//! Reads carry an `ETag`; updates honour `If-Match`.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::approvals::Approval;
use shared::onboarding::{
    CreateLicenseRequest, License, LicenseRegistration, ReRegisterLicenseRequest, SeatUse,
    SplitLicenseRequest, UpdateLicenseRequest,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::licenses::{self as domain, etag};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_licenses)
        .service(create_license)
        .service(update_license)
        .service(register_license)
        .service(re_register_license)
        .service(license_registrations)
        .service(split_license)
        .service(seat_use);
}

fn with_etag(status: StatusCode, license: License) -> HttpResponse {
    super::tagged(status, etag(&license), &license)
}

#[utoipa::path(
    tag = "licenses",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Vec<License>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/licenses")]
async fn list_licenses(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<License>>> {
    Ok(web::Json(domain::list(&state.db, &actor, *id).await?))
}

/// Adds a licence: modules from the seven ERP modules, seats > 0, a dongle
/// serial unique in the workspace. It starts `unregistered`.
#[utoipa::path(
    tag = "licenses",
    params(("id" = i64, Path, description = "Account id")),
    request_body = CreateLicenseRequest,
    responses(
        (status = 201, body = License, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Duplicate dongle serial", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/licenses")]
async fn create_license(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CreateLicenseRequest>,
) -> AppResult<HttpResponse> {
    let license =
        domain::create(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(StatusCode::CREATED, license))
}

#[utoipa::path(
    tag = "licenses",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("license_id" = i64, Path, description = "Licence id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateLicenseRequest,
    responses(
        (status = 200, body = License, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/accounts/{id}/licenses/{license_id}")]
async fn update_license(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: Json<UpdateLicenseRequest>,
) -> AppResult<HttpResponse> {
    let (account_id, license_id) = path.into_inner();
    let license = domain::update(
        &state.db,
        &actor,
        account_id,
        license_id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, license))
}

/// Records the licence's remote registration (远程注册): when and by whom.
#[utoipa::path(
    tag = "licenses",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("license_id" = i64, Path, description = "Licence id"),
    ),
    responses(
        (status = 200, body = License, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already registered", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/licenses/{license_id}/register")]
async fn register_license(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (account_id, license_id) = path.into_inner();
    let license =
        domain::register(&state.db, &actor, account_id, license_id, state.clock.now()).await?;
    Ok(with_etag(StatusCode::OK, license))
}

/// Registers a registered licence again on its dongle (the dongle is for
/// life): an `upgrade` (a new edition, modules or seats) or an `extension`
/// (a later expiry). The licence takes the new terms and the event joins
/// its history and the account's timeline.
#[utoipa::path(
    tag = "licenses",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("license_id" = i64, Path, description = "Licence id"),
    ),
    request_body = ReRegisterLicenseRequest,
    responses(
        (status = 201, body = LicenseRegistration),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not registered yet", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/licenses/{license_id}/registrations")]
async fn re_register_license(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
    body: Json<ReRegisterLicenseRequest>,
) -> AppResult<HttpResponse> {
    let (account_id, license_id) = path.into_inner();
    let made = domain::re_register(
        &state.db,
        &actor,
        account_id,
        license_id,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(made))
}

/// A licence's registrations, first to last.
#[utoipa::path(
    tag = "licenses",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("license_id" = i64, Path, description = "Licence id"),
    ),
    responses(
        (status = 200, body = Vec<LicenseRegistration>),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/licenses/{license_id}/registrations")]
async fn license_registrations(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (account_id, license_id) = path.into_inner();
    let list = domain::registrations(&state.db, &actor, account_id, license_id).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Asks to split a registered licence's dongle: an old user's upgrade that
/// moves seats to a new dongle (老用户产品升级加密锁拆分), the one exception
/// to "one dongle for life". It records a pending approval; a manager or
/// admin other than the requester approves it (`POST /approvals/{id}/approve`),
/// and only then the licence loses the seats and a new, unregistered
/// licence on the new dongle gets them.
#[utoipa::path(
    tag = "licenses",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("license_id" = i64, Path, description = "Licence id"),
    ),
    request_body = SplitLicenseRequest,
    responses(
        (status = 202, description = "Waiting for approval", body = Approval),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not registered, serial taken or a split already pending", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/licenses/{license_id}/split")]
async fn split_license(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
    body: Json<SplitLicenseRequest>,
) -> AppResult<HttpResponse> {
    let (account_id, license_id) = path.into_inner();
    let approval = domain::request_split(
        &state.db,
        &actor,
        account_id,
        license_id,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(approval))
}

/// Seats in use (distinct users of the account's usage events over the
/// last 30 days) against the seats of its licences in force.
#[utoipa::path(
    tag = "licenses",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = SeatUse), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/licenses/seat-use")]
async fn seat_use(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<SeatUse>> {
    Ok(web::Json(
        domain::seat_use(&state.db, &actor, *id, state.clock.now()).await?,
    ))
}
