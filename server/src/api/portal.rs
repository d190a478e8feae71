//! `/portal/*`: what customers' users reach.

use actix_web::{get, web};
use shared::accounts::PortalAccount;
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::PortalActor;
use crate::domain::portal as domain;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(portal_account);
}

/// The portal user's own account, without internal data.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = PortalAccount), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/account")]
async fn portal_account(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<PortalAccount>> {
    Ok(web::Json(domain::account(&state.db, &actor).await?))
}
