//! `/accounts/{id}/agreements`: service agreements.

use super::body::Json;
use actix_web::{get, post, put, web, HttpResponse};
use shared::tickets::{AgreementRequest, ServiceAgreement};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::tickets::agreements as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_agreements)
        .service(create_agreement)
        .service(update_agreement);
}

#[utoipa::path(
    tag = "agreements",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Vec<ServiceAgreement>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/agreements")]
async fn list_agreements(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ServiceAgreement>>> {
    Ok(web::Json(domain::list(&state.db, &actor, *id).await?))
}

#[utoipa::path(
    tag = "agreements",
    params(("id" = i64, Path, description = "Account id")),
    request_body = AgreementRequest,
    responses(
        (status = 201, body = ServiceAgreement),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/agreements")]
async fn create_agreement(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AgreementRequest>,
) -> AppResult<HttpResponse> {
    let agreement =
        domain::create(&state.db, &actor, *id, body.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(agreement))
}

#[utoipa::path(
    tag = "agreements",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("agreement_id" = i64, Path, description = "Agreement id"),
    ),
    request_body = AgreementRequest,
    responses(
        (status = 200, body = ServiceAgreement),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/accounts/{id}/agreements/{agreement_id}")]
async fn update_agreement(
    state: web::Data<AppState>,
    actor: StaffActor,
    path: web::Path<(i64, i64)>,
    body: Json<AgreementRequest>,
) -> AppResult<web::Json<ServiceAgreement>> {
    let (account_id, agreement_id) = path.into_inner();
    Ok(web::Json(
        domain::update(
            &state.db,
            &actor,
            account_id,
            agreement_id,
            body.into_inner(),
            state.clock.now(),
        )
        .await?,
    ))
}
