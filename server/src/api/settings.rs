//! `/settings/workspace`: name and customer coding rule.

use super::body::Json;
use actix_web::{get, put, web};
use shared::settings::{UpdateWorkspaceSettings, WorkspaceSettings};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::settings as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_workspace_settings)
        .service(update_workspace_settings);
}

#[utoipa::path(
    tag = "settings",
    responses((status = 200, body = WorkspaceSettings), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/settings/workspace")]
async fn get_workspace_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<WorkspaceSettings>> {
    Ok(web::Json(domain::get(&state.db, &actor).await?))
}

/// Renames the workspace or changes its customer coding rule (admin).
#[utoipa::path(
    tag = "settings",
    request_body = UpdateWorkspaceSettings,
    responses(
        (status = 200, body = WorkspaceSettings),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/settings/workspace")]
async fn update_workspace_settings(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<UpdateWorkspaceSettings>,
) -> AppResult<web::Json<WorkspaceSettings>> {
    Ok(web::Json(
        domain::update(&state.db, &actor, body.into_inner(), state.clock.now()).await?,
    ))
}
