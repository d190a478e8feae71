//! `/playbooks` (admins and managers) and `/playbook-runs`: what makes
//! tasks when something happens to an account, and what each firing did.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::playbooks::{
    CancelRunRequest, CreatePlaybookRequest, Playbook, PlaybookEffect, PlaybookRun,
    UpdatePlaybookRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::playbooks::{self as domain, etag, RunFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_playbooks)
        .service(create_playbook)
        .service(install_library)
        .service(playbook_report)
        .service(get_playbook)
        .service(update_playbook)
        .service(list_runs)
        .service(cancel_run);
}

fn with_etag(status: StatusCode, p: Playbook) -> HttpResponse {
    super::tagged(status, etag(&p), &p)
}

#[utoipa::path(
    tag = "playbooks",
    params(PageQuery),
    responses((status = 200, body = Page<Playbook>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/playbooks")]
async fn list_playbooks(
    state: web::Data<AppState>,
    actor: StaffActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Playbook>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, page.into_inner()).await?,
    ))
}

/// Makes a playbook: a trigger (with its `threshold` N where it has one),
/// conditions, and the task steps, assigned by role.
#[utoipa::path(
    tag = "playbooks",
    request_body = CreatePlaybookRequest,
    responses((status = 201, body = Playbook), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/playbooks")]
async fn create_playbook(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreatePlaybookRequest>,
) -> AppResult<HttpResponse> {
    let p = domain::create(&state, &actor, body.into_inner()).await?;
    Ok(with_etag(StatusCode::CREATED, p))
}

/// Installs the built-in playbooks the workspace lacks (新客户上线跟进,
/// 续费前90天, 健康度转红, 工单超时升级, 月末结账前支持, 长期未联系,
/// 培训覆盖不足); returns every playbook from the library.
#[utoipa::path(
    tag = "playbooks",
    responses((status = 200, body = Vec<Playbook>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/playbooks/library")]
async fn install_library(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<Playbook>>> {
    Ok(web::Json(domain::install_library(&state, &actor).await?))
}

/// Each playbook's fired, completed, cancelled and overdue runs, and how
/// often the account recovered (health) or renewed (renewals).
#[utoipa::path(
    tag = "playbooks",
    responses((status = 200, body = Vec<PlaybookEffect>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/playbooks/report")]
async fn playbook_report(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Vec<PlaybookEffect>>> {
    Ok(web::Json(
        domain::report(&state.db, &actor, state.clock.now()).await?,
    ))
}

#[utoipa::path(
    tag = "playbooks",
    params(("id" = i64, Path, description = "Playbook id")),
    responses((status = 200, body = Playbook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/playbooks/{id}")]
async fn get_playbook(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let p = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, p))
}

/// Changes a playbook (switch it off with `active: false`). Honours
/// `If-Match`.
#[utoipa::path(
    tag = "playbooks",
    params(
        ("id" = i64, Path, description = "Playbook id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdatePlaybookRequest,
    responses(
        (status = 200, body = Playbook),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/playbooks/{id}")]
async fn update_playbook(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdatePlaybookRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let p = domain::update(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, p))
}

/// Playbook runs, newest first: an account's playbook history
/// (`account_id`), or a playbook's runs.
#[utoipa::path(
    tag = "playbooks",
    params(RunFilter, PageQuery),
    responses((status = 200, body = Page<PlaybookRun>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/playbook-runs")]
async fn list_runs(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<RunFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<PlaybookRun>>> {
    Ok(web::Json(
        domain::runs(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Cancels an active run (admins, managers, the account's owner): its open
/// tasks close as skipped with the reason.
#[utoipa::path(
    tag = "playbooks",
    params(("id" = i64, Path, description = "Run id")),
    request_body = CancelRunRequest,
    responses(
        (status = 200, body = PlaybookRun),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/playbook-runs/{id}/cancel")]
async fn cancel_run(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CancelRunRequest>,
) -> AppResult<web::Json<PlaybookRun>> {
    Ok(web::Json(
        domain::cancel(&state, &actor, *id, body.into_inner()).await?,
    ))
}
