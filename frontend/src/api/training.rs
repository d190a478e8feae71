//! `/trainings` and `/portal/trainings`: training sessions.

use gloo_net::http::Method;
use shared::training::{
    AttendanceRequest, CancelTrainingRequest, CreateTrainingRequest, PortalTraining,
    TrainingSession, UpdateTrainingRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use shared::filters::{list_query, TrainingFilter};

/// Sessions starting in `[from, to)` (RFC 3339), soonest first.
pub async fn list(from: &str, to: &str) -> Result<Page<TrainingSession>, ApiErr> {
    let instant = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filter = TrainingFilter {
        from: instant(from),
        to: instant(to),
        ..TrainingFilter::default()
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), None);
    decode(&call(Method::GET, format!("/trainings{query}"), None).await?)
}

pub async fn create(req: &CreateTrainingRequest) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::POST, "/trainings".into(), json(req)?).await?)
}

pub async fn get(id: i64) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::GET, format!("/trainings/{id}"), None).await?)
}

pub async fn update(id: i64, req: &UpdateTrainingRequest) -> Result<TrainingSession, ApiErr> {
    decode(&call(Method::PATCH, format!("/trainings/{id}"), json(req)?).await?)
}

pub async fn cancel(id: i64, req: &CancelTrainingRequest) -> Result<TrainingSession, ApiErr> {
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

pub async fn portal() -> Result<Vec<PortalTraining>, ApiErr> {
    decode(&call(Method::GET, "/portal/trainings".into(), None).await?)
}

/// Per module: the contacts responsible for it and who completed training.
pub async fn coverage(account_id: i64) -> Result<shared::training::TrainingCoverage, ApiErr> {
    let path = format!("/accounts/{account_id}/training-coverage");
    decode(&call(Method::GET, path, None).await?)
}
