//! `/renewals`: the renewal pipeline (staff only), and
//! `/settings/reminders`: the renewal-reminder settings.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use shared::contracts::{
    ReminderSettings, RenewOutcome, RenewRequest, Renewal, RenewalTotals, UpdateReminderSettings,
    UpdateRenewalRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::renewals::reminders;
use crate::domain::renewals::{self as domain, etag, RenewalFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_renewals)
        .service(renewal_totals)
        .service(get_renewal)
        .service(update_renewal)
        .service(renew)
        .service(get_reminder_settings)
        .service(update_reminder_settings);
}

/// Lists renewals, newest first. Contracts that entered the horizon since
/// the last job run get their renewal now.
#[utoipa::path(
    tag = "renewals",
    params(RenewalFilter, PageQuery),
    responses(
        (status = 200, body = Page<Renewal>),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/renewals")]
async fn list_renewals(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<RenewalFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Renewal>>> {
    Ok(web::Json(
        domain::list(
            &state.db,
            &actor,
            filter.into_inner(),
            page.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Exact sums (value, forecast, upsell) of the renewals the same filters
/// select, per currency and stage.
#[utoipa::path(
    tag = "renewals",
    params(RenewalFilter),
    responses(
        (status = 200, body = RenewalTotals),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/renewals/totals")]
async fn renewal_totals(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<RenewalFilter>,
) -> AppResult<web::Json<RenewalTotals>> {
    Ok(web::Json(
        domain::totals(&state.db, &actor, filter.into_inner(), state.clock.now()).await?,
    ))
}

#[utoipa::path(
    tag = "renewals",
    params(("id" = i64, Path, description = "Renewal id")),
    responses(
        (status = 200, body = Renewal, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/renewals/{id}")]
async fn get_renewal(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let renewal = domain::get(&state.db, &actor, *id).await?;
    Ok(super::tagged(StatusCode::OK, etag(&renewal), &renewal))
}

/// Moves a renewal between `upcoming`, `in_negotiation` and `committed`,
/// or to `churned` with a `churn_reason` from the workspace's list; changes
/// forecast, probability (0–100) and upsell. `If-Match` is honoured.
#[utoipa::path(
    tag = "renewals",
    params(
        ("id" = i64, Path, description = "Renewal id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateRenewalRequest,
    responses(
        (status = 200, body = Renewal, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already renewed or churned", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/renewals/{id}")]
async fn update_renewal(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateRenewalRequest>,
) -> AppResult<HttpResponse> {
    let renewal = domain::update(
        &state.db,
        &actor,
        *id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    state.integrations.kick();
    Ok(super::tagged(StatusCode::OK, etag(&renewal), &renewal))
}

/// Renews: creates the next contract (same length, from the day after the
/// old end; value as given, else forecast + upsell) and marks the renewal
/// `renewed`; the account becomes `renewed`.
#[utoipa::path(
    tag = "renewals",
    params(("id" = i64, Path, description = "Renewal id")),
    request_body = RenewRequest,
    responses(
        (status = 201, body = RenewOutcome),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already renewed or churned", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/renewals/{id}/renew")]
async fn renew(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<RenewRequest>,
) -> AppResult<HttpResponse> {
    let outcome =
        domain::renew(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    state.integrations.kick();
    Ok(HttpResponse::Created().json(outcome))
}

#[utoipa::path(
    tag = "settings",
    responses((status = 200, body = ReminderSettings), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/settings/reminders")]
async fn get_reminder_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<ReminderSettings>> {
    Ok(web::Json(reminders::get(&state.db, &actor).await?))
}

/// Changes the reminder offsets, `notify_customer`, the renewal horizon,
/// the escalation point or the churn reasons (admin).
#[utoipa::path(
    tag = "settings",
    request_body = UpdateReminderSettings,
    responses(
        (status = 200, body = ReminderSettings),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/settings/reminders")]
async fn update_reminder_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<UpdateReminderSettings>,
) -> AppResult<web::Json<ReminderSettings>> {
    Ok(web::Json(
        reminders::update(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}
