//! Time and person-day packages: `/tickets/{id}/time-entries` and
//! `/time-entries/{id}` (staff log time; the author, a manager or an admin
//! changes it), `/accounts/{id}/packages` and `/packages/{id}` (staff read,
//! managers and admins write), `/reports/time` and `/reports/packages`
//! (JSON or CSV), and `/portal/time` (the customer's balance).

use super::body::Json;
use actix_web::{delete, get, post, put, web, HttpResponse};
use shared::time_log::{
    AccountPackages, Package, PackageReport, PackageReportParams, PackageRequest, PortalTime,
    TimeEntry, TimeEntryRequest, TimeReport, TimeReportParams,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use super::reports::csv_response;
use crate::auth::{PortalActor, StaffActor};
use crate::domain::time_log::{entries, packages, portal, reports};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_entries)
        .service(create_entry)
        .service(update_entry)
        .service(delete_entry)
        .service(list_packages)
        .service(create_package)
        .service(update_package)
        .service(delete_package)
        .service(time_report)
        .service(package_report)
        .service(portal_time);
}

/// The time logged on a ticket (staff).
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<TimeEntry>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/time-entries")]
async fn list_entries(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<TimeEntry>>> {
    Ok(web::Json(entries::list(&state.db, &actor, *id).await?))
}

/// Logs the caller's time on a ticket (1 to 1440 minutes, not in the
/// future, at most 24 hours a day per person). Billable time consumes the
/// account's packages.
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = TimeEntryRequest,
    responses(
        (status = 201, body = TimeEntry),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/time-entries")]
async fn create_entry(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<TimeEntryRequest>,
) -> AppResult<HttpResponse> {
    let entry = entries::create(&state, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Changes an entry (its author, a manager or an admin); the account's
/// consumption is recomputed.
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Time entry id")),
    request_body = TimeEntryRequest,
    responses(
        (status = 200, body = TimeEntry),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/time-entries/{id}")]
async fn update_entry(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<TimeEntryRequest>,
) -> AppResult<web::Json<TimeEntry>> {
    Ok(web::Json(
        entries::update(&state, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Deletes an entry (its author, a manager or an admin).
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Time entry id")),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/time-entries/{id}")]
async fn delete_entry(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    entries::delete(&state, &actor, *id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The account's person-day packages with their use, and its overage.
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = AccountPackages), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/packages")]
async fn list_packages(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<AccountPackages>> {
    Ok(web::Json(packages::list(&state.db, &actor, *id).await?))
}

/// Adds a person-day package to the account (managers and admins).
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Account id")),
    request_body = PackageRequest,
    responses(
        (status = 201, body = Package),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/packages")]
async fn create_package(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<PackageRequest>,
) -> AppResult<HttpResponse> {
    let package =
        packages::create(&state, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(package))
}

/// Changes a package (managers and admins).
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Package id")),
    request_body = PackageRequest,
    responses(
        (status = 200, body = Package),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/packages/{id}")]
async fn update_package(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<PackageRequest>,
) -> AppResult<web::Json<Package>> {
    Ok(web::Json(
        packages::update(&state, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

/// Removes a package (managers and admins).
#[utoipa::path(
    tag = "time",
    params(("id" = i64, Path, description = "Package id")),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/packages/{id}")]
async fn delete_package(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    packages::delete(&state, &actor, *id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Time per account, engineer or month over `[from, to]` (default: this
/// calendar year): all, billable, covered by packages and uncovered
/// minutes. Admins and managers see the workspace, a CSM their own
/// accounts; engineers are refused. `?format=csv` for a spreadsheet.
#[utoipa::path(
    tag = "reports",
    params(TimeReportParams),
    responses(
        (status = 200, content(
            (TimeReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/reports/time")]
async fn time_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    params: web::Query<TimeReportParams>,
) -> AppResult<HttpResponse> {
    let report = reports::time_report(&state.db, &actor, &params, state.clock.now()).await?;
    Ok(if reports::wants_csv(params.format.as_deref())? {
        csv_response(
            &format!("time-by-{}.csv", report.group),
            reports::time_csv(&report),
        )
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// Every person-day package's balance (admins and managers: the
/// workspace; a CSM: their accounts). `?format=csv` for a spreadsheet.
#[utoipa::path(
    tag = "reports",
    params(PackageReportParams),
    responses(
        (status = 200, content(
            (PackageReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/reports/packages")]
async fn package_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    params: web::Query<PackageReportParams>,
) -> AppResult<HttpResponse> {
    let report = reports::package_report(&state.db, &actor, &params).await?;
    Ok(if reports::wants_csv(params.format.as_deref())? {
        csv_response("packages.csv", reports::package_csv(&report))
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// The portal user's account's person-day balance and the billable time
/// behind it (the latest 500 entries; no internal notes).
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = PortalTime), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/time")]
async fn portal_time(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<PortalTime>> {
    Ok(web::Json(portal::portal_time(&state.db, &actor).await?))
}
