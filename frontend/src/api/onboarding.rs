//! `/accounts/{id}/onboarding`, `/onboarding-templates` and
//! `/onboarding/tasks`: an account's onboarding plan and its tasks.

use gloo_net::http::Method;
use shared::onboarding::{
    CreatePlanRequest, OnboardingPlan, OnboardingTask, OnboardingTemplate, TemplateRequest,
    UpdatePlanRequest, UpdateTaskRequest,
};

use super::client::{absent_is_none, call, decode, json, ApiErr};

pub async fn templates() -> Result<Vec<OnboardingTemplate>, ApiErr> {
    decode(&call(Method::GET, "/onboarding-templates".into(), None).await?)
}

/// The account's plan; `None` when it has none yet (the API's 404).
pub async fn plan(account_id: i64) -> Result<Option<OnboardingPlan>, ApiErr> {
    absent_is_none(
        call(
            Method::GET,
            format!("/accounts/{account_id}/onboarding"),
            None,
        )
        .await,
    )
}

pub async fn start(account_id: i64, req: &CreatePlanRequest) -> Result<OnboardingPlan, ApiErr> {
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

/// A new template (admins); copying one is posting what was read.
pub async fn create_template(req: &TemplateRequest) -> Result<OnboardingTemplate, ApiErr> {
    decode(&call(Method::POST, "/onboarding-templates".into(), json(req)?).await?)
}

/// Replaces a template (admins); the built-in one answers 409.
pub async fn update_template(id: i64, req: &TemplateRequest) -> Result<OnboardingTemplate, ApiErr> {
    let path = format!("/onboarding-templates/{id}");
    decode(&call(Method::PUT, path, json(req)?).await?)
}
