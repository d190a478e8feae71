//! `/onboarding`: the staff portfolio of accounts in onboarding, and
//! `/portal/onboarding`: the customer's view of their plan.

use actix_web::{get, web};
use shared::onboarding::{OnboardingPortfolioItem, PortalOnboarding};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::common::pagination::PageQuery;
use crate::domain::onboarding::portfolio::{self as domain, PortfolioFilter};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(portfolio).service(portal_onboarding);
}

/// Accounts in onboarding with their plan's progress and status.
#[utoipa::path(
    tag = "onboarding",
    params(PortfolioFilter, PageQuery),
    responses(
        (status = 200, body = Page<OnboardingPortfolioItem>),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/onboarding")]
async fn portfolio(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<PortfolioFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<OnboardingPortfolioItem>>> {
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

/// The portal user's onboarding progress: stages, tasks, status.
#[utoipa::path(
    tag = "portal",
    responses(
        (status = 200, body = PortalOnboarding),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No onboarding plan yet", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/portal/onboarding")]
async fn portal_onboarding(
    state: web::Data<AppState>,
    actor: PortalActor,
) -> AppResult<web::Json<PortalOnboarding>> {
    Ok(web::Json(
        domain::portal(&state.db, &actor, state.clock.now()).await?,
    ))
}
