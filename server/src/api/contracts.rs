//! `/contracts`: contracts of accounts (staff only). Reads carry an `ETag`;
//! updates honour `If-Match`. A new `annual_value` in a PATCH does not
//! change the contract: it becomes an approval request and the answer is
//! `202 Accepted` with the request in `pending_approval` (other fields of
//! the same PATCH take effect at once). The value changes when a manager or
//! admin other than the maker approves it at `/approvals/{id}/approve`.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::contracts::{Contract, CreateContractRequest, UpdateContractRequest};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::renewals::contracts::{self as domain, etag, ContractFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_contracts)
        .service(create_contract)
        .service(get_contract)
        .service(update_contract);
}

fn with_etag(status: StatusCode, contract: Contract) -> HttpResponse {
    super::tagged(status, etag(&contract), &contract)
}

/// Lists the workspace's contracts, newest first. Filters: `account_id`,
/// `owner_id` (the account's owner), `status` (`upcoming`, `running`,
/// `ended` against the workspace's today) and `ends_from` / `ends_to` (the
/// end, when the contract is up for renewal; `ends_from` after `ends_to`
/// answers 422).
#[utoipa::path(
    tag = "contracts",
    params(ContractFilter, PageQuery),
    responses(
        (status = 200, body = Page<Contract>),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Unknown account", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/contracts")]
async fn list_contracts(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<ContractFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Contract>>> {
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

/// Creates a contract (admin, manager, the account's owner CSM). The value
/// is a decimal string with at most two decimals; the end is after the start.
#[utoipa::path(
    tag = "contracts",
    request_body = CreateContractRequest,
    responses(
        (status = 201, body = Contract, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/contracts")]
async fn create_contract(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateContractRequest>,
) -> AppResult<HttpResponse> {
    let contract = domain::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    state.integrations.kick();
    Ok(with_etag(StatusCode::CREATED, contract))
}

#[utoipa::path(
    tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = Contract, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/contracts/{id}")]
async fn get_contract(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let contract = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, contract))
}

/// Changes a contract. A different `annual_value` is submitted for
/// approval: 202 with `pending_approval`; a second one while the first is
/// pending answers 409. Send `If-Match`: a stale one answers 412.
#[utoipa::path(
    tag = "contracts",
    params(
        ("id" = i64, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateContractRequest,
    responses(
        (status = 200, body = Contract, headers(("ETag" = String))),
        (status = 202, description = "The value change awaits approval", body = Contract, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/contracts/{id}")]
async fn update_contract(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateContractRequest>,
) -> AppResult<HttpResponse> {
    let updated = domain::update(
        &state.db,
        &actor,
        *id,
        super::if_match(&req),
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    let status = if updated.value_change_requested {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok(with_etag(status, updated.contract))
}
