//! `/accounts`: customer accounts. Reads carry an `ETag`; updates honour
//! `If-Match`.

use super::body::Json;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::account_groups::GroupRollup;
use shared::accounts::{Account, CreateAccountRequest, UpdateAccountRequest};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::{self as domain, etag, AccountFilter};
use crate::domain::common::pagination::PageQuery;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_accounts)
        .service(create_account)
        .service(get_account)
        .service(update_account)
        .service(archive_account)
        .service(restore_account)
        .service(account_group);
}

fn with_etag(status: actix_web::http::StatusCode, account: Account) -> HttpResponse {
    super::tagged(status, etag(&account), &account)
}

/// Lists accounts, newest first, filtered by `q` (name or code), owner and stage.
#[utoipa::path(
    tag = "accounts",
    params(AccountFilter, PageQuery),
    responses((status = 200, body = Page<Account>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts")]
async fn list_accounts(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<AccountFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Account>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Creates an account (admin, manager, CSM). The code must be unique and match
/// the workspace's coding rule.
#[utoipa::path(
    tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, body = Account, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Duplicate customer code", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/accounts")]
async fn create_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateAccountRequest>,
) -> AppResult<HttpResponse> {
    let account = domain::create(&state.db, &actor, body.into_inner(), state.clock.now()).await?;
    state.integrations.kick();
    Ok(with_etag(actix_web::http::StatusCode::CREATED, account))
}

#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Account, headers(("ETag" = String))), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}")]
async fn get_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let account = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, account))
}

/// Changes an account. Send `If-Match` with the `ETag` you read: a stale one
/// answers 412 and changes nothing.
#[utoipa::path(
    tag = "accounts",
    params(
        ("id" = i64, Path, description = "Account id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateAccountRequest,
    responses(
        (status = 200, body = Account, headers(("ETag" = String))),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/accounts/{id}")]
async fn update_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateAccountRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let account = domain::update(
        &state.db,
        &actor,
        *id,
        if_match,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    state.integrations.kick();
    Ok(with_etag(actix_web::http::StatusCode::OK, account))
}

/// Archives an account: it leaves lists (unless `include_archived=true`).
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/archive")]
async fn archive_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let account = domain::set_archived(&state.db, &actor, *id, true, state.clock.now()).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, account))
}

/// Brings an archived account back.
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/accounts/{id}/restore")]
async fn restore_account(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let account = domain::set_archived(&state.db, &actor, *id, false, state.clock.now()).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, account))
}

/// The roll-up of a group account (集团): the account and every account
/// below it that is not archived. Health is the members' latest snapshots
/// weighted by annual value in the group's main currency (the currency
/// with the largest total): a member without a snapshot is left out, a
/// member without a running contract in that currency weighs nothing
/// (unless none has one: then the scores are averaged, and `weighted_by`
/// is null). Annual values are of contracts running today, per currency
/// (engineers get none, as with contracts); open tickets are neither
/// resolved nor closed; open renewals neither renewed nor churned.
#[utoipa::path(
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, body = GroupRollup), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/accounts/{id}/group")]
async fn account_group(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<GroupRollup>> {
    Ok(web::Json(
        crate::domain::reporting::group_rollup::rollup(&state.db, &actor, *id, state.clock.now())
            .await?,
    ))
}
