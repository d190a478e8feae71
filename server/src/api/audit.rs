//! `/audit`: the audit log (managers and admins).

use actix_web::{get, web};
use shared::audit::AuditEntry;
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::audit::{self as domain, AuditFilter};
use crate::domain::common::pagination::PageQuery;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

#[utoipa::path(
    tag = "audit",
    params(AuditFilter, PageQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<AuditFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<AuditEntry>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}
