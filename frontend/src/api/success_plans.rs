//! `/accounts/{id}/success-plans`, `/success-plans/*` (staff) and
//! `/portal/success-plans/*` (the customer's administrator).

use gloo_net::http::Method;
use shared::success_plans::{
    CreateMilestoneRequest, CreateObjectiveRequest, CreatePlanCommentRequest, CreatePlanRequest,
    Milestone, Objective, PlanComment, PortalSuccessPlan, SuccessPlan, SuccessPlanSummary,
    UpdateMilestoneRequest, UpdateObjectiveRequest, UpdatePlanRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};

pub async fn list(account_id: i64) -> Result<Page<SuccessPlanSummary>, ApiErr> {
    let path = format!("/accounts/{account_id}/success-plans?limit=200");
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create(account_id: i64, req: &CreatePlanRequest) -> Result<SuccessPlan, ApiErr> {
    let path = format!("/accounts/{account_id}/success-plans");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn get(id: i64) -> Result<SuccessPlan, ApiErr> {
    decode(&call(Method::GET, format!("/success-plans/{id}"), None).await?)
}

pub async fn update(id: i64, req: &UpdatePlanRequest) -> Result<SuccessPlan, ApiErr> {
    decode(&call(Method::PATCH, format!("/success-plans/{id}"), json(req)?).await?)
}

pub async fn add_objective(
    plan_id: i64,
    req: &CreateObjectiveRequest,
) -> Result<Objective, ApiErr> {
    let path = format!("/success-plans/{plan_id}/objectives");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update_objective(id: i64, req: &UpdateObjectiveRequest) -> Result<Objective, ApiErr> {
    let path = format!("/success-objectives/{id}");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

pub async fn add_milestone(
    objective_id: i64,
    req: &CreateMilestoneRequest,
) -> Result<Milestone, ApiErr> {
    let path = format!("/success-objectives/{objective_id}/milestones");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn update_milestone(id: i64, req: &UpdateMilestoneRequest) -> Result<Milestone, ApiErr> {
    let path = format!("/success-milestones/{id}");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

pub async fn comment(plan_id: i64, req: &CreatePlanCommentRequest) -> Result<PlanComment, ApiErr> {
    let path = format!("/success-plans/{plan_id}/comments");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn portal_list() -> Result<Vec<PortalSuccessPlan>, ApiErr> {
    decode(&call(Method::GET, "/portal/success-plans".into(), None).await?)
}

pub async fn portal_comment(
    plan_id: i64,
    req: &CreatePlanCommentRequest,
) -> Result<PlanComment, ApiErr> {
    let path = format!("/portal/success-plans/{plan_id}/comments");
    decode(&call(Method::POST, path, json(req)?).await?)
}

pub async fn portal_mark_done(milestone_id: i64) -> Result<PortalSuccessPlan, ApiErr> {
    let path = format!("/portal/success-milestones/{milestone_id}/done");
    decode(&call(Method::POST, path, json(&serde_json::json!({}))?).await?)
}
