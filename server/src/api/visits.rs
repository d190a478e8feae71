//! `/visits`: on-site visits (上门服务) — request, dispatch, cancel, check in
//! and out, the report and its signed PDF; `/accounts/{id}/visit-entitlement`;
//! and the portal's `/portal/visits` (read and sign). Reads of a visit carry
//! an `ETag`; staff changes honour `If-Match`.

use super::body::Json;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use shared::visits::{
    DispatchVisit, EntitlementQuery, PortalVisit, RequestVisit, SignReport, Visit,
    VisitEntitlement, VisitFilter, WriteReport,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::visits::flow::{self, OnSite, Transition};
use crate::domain::visits::{self as domain, entitlement, etag, sign};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_visits)
        .service(request_visit)
        .service(get_visit)
        .service(dispatch_visit)
        .service(cancel_visit)
        .service(check_in)
        .service(check_out)
        .service(write_report)
        .service(report_pdf)
        .service(visit_entitlement)
        .service(portal_visits)
        .service(portal_visit)
        .service(portal_sign)
        .service(portal_report_pdf);
}

fn with_etag(status: StatusCode, visit: Visit) -> HttpResponse {
    super::tagged(status, etag(&visit), &visit)
}

fn pdf(id: i64, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", sign::file_name(id)),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// Visits in start order, filtered by account, engineer, ticket, task,
/// status and time window (the service calendar reads a week or a month).
#[utoipa::path(
    tag = "visits",
    params(VisitFilter, PageQuery),
    responses((status = 200, body = Page<Visit>)),
    security(("bearer" = []))
)]
#[get("/visits")]
async fn list_visits(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<VisitFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Visit>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Requests a visit from a ticket or an onboarding task, for a day and a
/// slot (`morning` 09:00–12:00, `afternoon` 13:30–17:30, `full_day`, in
/// the workspace's time zone). Beyond the visits the agreement includes
/// this agreement year it is marked `billable`.
#[utoipa::path(
    tag = "visits",
    request_body = RequestVisit,
    responses(
        (status = 201, body = Visit, headers(("ETag" = String))),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/visits")]
async fn request_visit(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<RequestVisit>,
) -> AppResult<HttpResponse> {
    let visit = flow::request(&state, &actor, body.into_inner(), state.clock.now()).await?;
    Ok(with_etag(StatusCode::CREATED, visit))
}

#[utoipa::path(
    tag = "visits",
    params(("id" = i64, Path, description = "Visit id")),
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/visits/{id}")]
async fn get_visit(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(with_etag(
        StatusCode::OK,
        domain::get(&state.db, &actor, *id).await?,
    ))
}

/// Dispatches the visit to an engineer (admin, manager or the account's
/// CSM). 409 naming the clashing visit or training when the engineer is
/// busy then.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = i64, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = DispatchVisit,
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A clash in the engineer's calendar, or the visit is past dispatch", body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/visits/{id}/dispatch")]
async fn dispatch_visit(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<DispatchVisit>,
) -> AppResult<HttpResponse> {
    change(
        &state,
        &actor,
        &req,
        *id,
        Transition::Dispatch(body.into_inner()),
    )
    .await
}

/// Cancels a visit that is not signed yet (admin, manager or the
/// account's CSM). An included visit gives its place back: the billable
/// visits of its agreement year requested after it become included, in
/// request order, as far as the level allows.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = i64, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/visits/{id}/cancel")]
async fn cancel_visit(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    change(&state, &actor, &req, *id, Transition::Cancel).await
}

/// Every change after the request: the `If-Match` of the request, the
/// server's clock, and the visit with its new `ETag`.
async fn change(
    state: &AppState,
    actor: &StaffActor,
    req: &HttpRequest,
    id: i64,
    which: Transition,
) -> AppResult<HttpResponse> {
    let visit = flow::transition(
        state,
        actor,
        id,
        super::if_match(req),
        which,
        state.clock.now(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, visit))
}

/// The dispatched engineer arrives: records the time.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = i64, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/visits/{id}/check-in")]
async fn check_in(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    change(
        &state,
        &actor,
        &req,
        *id,
        Transition::OnSite(OnSite::CheckIn),
    )
    .await
}

/// The dispatched engineer leaves: records the time.
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = i64, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/visits/{id}/check-out")]
async fn check_out(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    change(
        &state,
        &actor,
        &req,
        *id,
        Transition::OnSite(OnSite::CheckOut),
    )
    .await
}

/// The engineer's service report: work done, time spent, follow-ups
/// (after check-out; rewritable until the customer signs).
#[utoipa::path(
    tag = "visits",
    params(
        ("id" = i64, Path, description = "Visit id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = WriteReport,
    responses(
        (status = 200, body = Visit, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/visits/{id}/report")]
async fn write_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<WriteReport>,
) -> AppResult<HttpResponse> {
    change(
        &state,
        &actor,
        &req,
        *id,
        Transition::Report(body.into_inner()),
    )
    .await
}

/// The signed report as PDF (409 until the customer signed it, or while
/// the server has no usable CJK font: `visit.pdf_unavailable`).
#[utoipa::path(
    tag = "visits",
    params(("id" = i64, Path, description = "Visit id")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/visits/{id}/report.pdf")]
async fn report_pdf(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(pdf(*id, sign::staff_pdf(&state, &actor, *id).await?))
}

/// The on-site visits the account's agreement includes in the agreement
/// year around `on` (default today), how many are used and how many of
/// them are billable.
#[utoipa::path(
    tag = "visits",
    params(("id" = i64, Path, description = "Account id"), EntitlementQuery),
    responses(
        (status = 200, body = VisitEntitlement),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/visit-entitlement")]
async fn visit_entitlement(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    query: web::Query<EntitlementQuery>,
) -> AppResult<web::Json<VisitEntitlement>> {
    Ok(web::Json(
        entitlement::get(&state.db, &actor, *id, query.on, state.clock.now()).await?,
    ))
}

/// The visits of the user's account, newest first (nothing internal).
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = Page<PortalVisit>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/visits")]
async fn portal_visits(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<Page<PortalVisit>>> {
    Ok(web::Json(domain::portal_list(&state.db, &actor).await?))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 200, body = PortalVisit), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/visits/{id}")]
async fn portal_visit(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<PortalVisit>> {
    Ok(web::Json(domain::portal_get(&state.db, &actor, *id).await?))
}

/// Signs the engineer's report: the typed name and the signature drawn in
/// the browser as `data:image/png;base64,…` (≤ 256 KB, ≤ 2000 px a side,
/// not blank). The PDF goes to the account's customer admins and onto the
/// ticket. When the server has no usable CJK font the signature is still
/// recorded and mailed, without the PDF (which then answers 409).
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Visit id")),
    request_body = SignReport,
    responses(
        (status = 200, body = PortalVisit),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No report to sign, or signed already", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/portal/visits/{id}/sign")]
async fn portal_sign(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
    body: Json<SignReport>,
) -> AppResult<web::Json<PortalVisit>> {
    Ok(web::Json(
        sign::sign(&state, &actor, *id, body.into_inner(), state.clock.now()).await?,
    ))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Visit id")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/portal/visits/{id}/report.pdf")]
async fn portal_report_pdf(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(pdf(*id, sign::portal_pdf(&state, &actor, *id).await?))
}
