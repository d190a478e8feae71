//! `/admin/jobs/{name}/run`: run a scheduled job now (admins).

use actix_web::{post, web};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::error::AppResult;
use crate::jobs::{self, JobReport};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(run_job);
}

/// Runs `renewal-reminders`, `health-scores`, `sla-monitor`,
/// `email-outbox` or `mail-retention` at once over the admin's own workspace, and reports what
/// it did there. Runs over every workspace come only from the scheduler and
/// `steward jobs run`.
#[utoipa::path(
    tag = "jobs",
    params(("name" = String, Path, description = "renewal-reminders, health-scores, sla-monitor, email-outbox or mail-retention")),
    responses(
        (status = 200, body = JobReport),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/{name}/run")]
async fn run_job(
    state: web::Data<AppState>,
    actor: StaffActor,
    name: web::Path<String>,
) -> AppResult<web::Json<JobReport>> {
    Ok(web::Json(jobs::run_as(&state, &actor, &name).await?))
}
