//! Onboarding plans and their tasks, templates, licences, the portfolio,
//! training sessions and the account timeline: one function per endpoint.

use gloo_net::http::Method;
use shared::onboarding::{
    CreateLicenseRequest, CreatePlanRequest, License, OnboardingPlan, OnboardingPortfolioItem,
    OnboardingTask, OnboardingTemplate, PortalOnboarding, UpdateLicenseRequest, UpdatePlanRequest,
    UpdateTaskRequest,
};
use shared::timeline::{CreateActivityRequest, Timeline, TimelineEvent};
use shared::training::{
    AttendanceRequest, CancelTrainingRequest, CreateTrainingRequest, PortalTraining,
    TrainingSession, UpdateTrainingRequest,
};
use shared::{ErrorCode, Page};

use super::{call, decode, json, ApiErr, Reply};
use crate::logic::query::{page_query, QueryString};

pub const TIMELINE_PAGE: u64 = 20;
pub const PORTFOLIO_PAGE: u64 = 50;

/// `None` for a 404 (nothing there yet).
fn absent_is_none<T: serde::de::DeserializeOwned>(
    reply: Result<Reply, ApiErr>,
) -> Result<Option<T>, ApiErr> {
    match reply {
        Ok(reply) => decode(&reply).map(Some),
        Err(e) if e.is(ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn onboarding_templates() -> Result<Vec<OnboardingTemplate>, ApiErr> {
    decode(&call(Method::GET, "/onboarding-templates".into(), None).await?)
}

/// The account's plan; `None` when it has none yet (the API's 404).
pub async fn onboarding_plan(account_id: i64) -> Result<Option<OnboardingPlan>, ApiErr> {
    absent_is_none(
        call(
            Method::GET,
            format!("/accounts/{account_id}/onboarding"),
            None,
        )
        .await,
    )
}

pub async fn start_onboarding(
    account_id: i64,
    req: &CreatePlanRequest,
) -> Result<OnboardingPlan, ApiErr> {
    let path = format!("/accounts/{account_id}/onboarding");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update_plan(
    account_id: i64,
    req: &UpdatePlanRequest,
) -> Result<OnboardingPlan, ApiErr> {
    let path = format!("/accounts/{account_id}/onboarding");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

pub async fn update_task(id: i64, req: &UpdateTaskRequest) -> Result<OnboardingTask, ApiErr> {
    decode(&call(Method::PATCH, format!("/onboarding/tasks/{id}"), json(req)?).await?)
}

pub async fn list_licenses(account_id: i64) -> Result<Vec<License>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/accounts/{account_id}/licenses"),
            None,
        )
        .await?,
    )
}

pub async fn create_license(
    account_id: i64,
    req: &CreateLicenseRequest,
) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update_license(
    account_id: i64,
    id: i64,
    req: &UpdateLicenseRequest,
) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

pub async fn register_license(account_id: i64, id: i64) -> Result<License, ApiErr> {
    let path = format!("/accounts/{account_id}/licenses/{id}/register");
    decode(&call(Method::POST, path, None).await?)
}

/// Accounts in onboarding; `sort` and `status` as the API takes them.
pub async fn onboarding_portfolio(
    sort: &str,
    status: &str,
    cursor: Option<&str>,
) -> Result<Page<OnboardingPortfolioItem>, ApiErr> {
    let query = QueryString::new()
        .push("sort", sort)
        .push("status", status)
        .push("limit", PORTFOLIO_PAGE)
        .push_opt("cursor", cursor)
        .build();
    decode(&call(Method::GET, format!("/onboarding{query}"), None).await?)
}

// ---------- timeline ----------

pub async fn account_timeline(account_id: i64, cursor: Option<&str>) -> Result<Timeline, ApiErr> {
    let path = format!(
        "/accounts/{account_id}/timeline{}",
        page_query(TIMELINE_PAGE, cursor)
    );
    decode(&call(Method::GET, path, None).await?)
}

pub async fn log_activity(
    account_id: i64,
    req: &CreateActivityRequest,
) -> Result<TimelineEvent, ApiErr> {
    let path = format!("/accounts/{account_id}/activities");
    decode(&call(Method::POST, path, json(req)?).await?)
}

// ---------- training ----------

/// Sessions starting in `[from, to)` (RFC 3339), soonest first.
pub async fn list_trainings(from: &str, to: &str) -> Result<Page<TrainingSession>, ApiErr> {
    let query = QueryString::new()
        .push("from", from)
        .push("to", to)
        .push("limit", super::MAX_PAGE)
        .build();
    decode(&call(Method::GET, format!("/trainings{query}"), None).await?)
}

pub async fn create_training(req: &CreateTrainingRequest) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::POST, "/trainings".into(), json(req)?).await?)
}

pub async fn get_training(id: i64) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::GET, format!("/trainings/{id}"), None).await?)
}

pub async fn update_training(
    id: i64,
    req: &UpdateTrainingRequest,
) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::PATCH, format!("/trainings/{id}"), json(req)?).await?)
}

pub async fn cancel_training(
    id: i64,
    req: &CancelTrainingRequest,
) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::POST, format!("/trainings/{id}/cancel"), json(req)?).await?)
}

pub async fn record_attendance(
    id: i64,
    req: &AttendanceRequest,
) -> Result<TrainingSession, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/trainings/{id}/attendance"),
            json(req)?,
        )
        .await?,
    )
}

// ---------- portal ----------

/// The customer's plan; `None` when the account has none.
pub async fn portal_onboarding() -> Result<Option<PortalOnboarding>, ApiErr> {
    absent_is_none(call(Method::GET, "/portal/onboarding".into(), None).await)
}

pub async fn portal_trainings() -> Result<Vec<PortalTraining>, ApiErr> {
    decode(&call(Method::GET, "/portal/trainings".into(), None).await?)
}
