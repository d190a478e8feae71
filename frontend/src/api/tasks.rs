//! `/tasks` and `/my-work`: the caller's tasks and book.

use gloo_net::http::Method;
use shared::filters::{list_query, TaskFilter};
use shared::tasks::{
    CompleteTaskRequest, CreateTaskRequest, MyBook, MyWork, SkipTaskRequest, SnoozeTaskRequest,
    Task, TaskCounts,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};

pub async fn my_work() -> Result<MyWork, ApiErr> {
    decode(&call(Method::GET, "/my-work".into(), None).await?)
}

pub async fn counts() -> Result<TaskCounts, ApiErr> {
    decode(&call(Method::GET, "/my-work/counts".into(), None).await?)
}

pub async fn book() -> Result<MyBook, ApiErr> {
    decode(&call(Method::GET, "/my-work/book".into(), None).await?)
}

pub async fn list(
    filter: &TaskFilter,
    limit: u64,
    cursor: Option<&str>,
) -> Result<Page<Task>, ApiErr> {
    let path = format!("/tasks{}", list_query(filter, Some(limit), cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create(req: &CreateTaskRequest) -> Result<Task, ApiErr> {
    decode(&call(Method::POST, "/tasks".into(), json(req)?).await?)
}

pub async fn complete(id: i64, req: &CompleteTaskRequest) -> Result<Task, ApiErr> {
    decode(&call(Method::POST, format!("/tasks/{id}/complete"), json(req)?).await?)
}

pub async fn skip(id: i64, req: &SkipTaskRequest) -> Result<Task, ApiErr> {
    decode(&call(Method::POST, format!("/tasks/{id}/skip"), json(req)?).await?)
}

pub async fn snooze(id: i64, req: &SnoozeTaskRequest) -> Result<Task, ApiErr> {
    decode(&call(Method::POST, format!("/tasks/{id}/snooze"), json(req)?).await?)
}

/// Turns the daily digest e-mail on or off for the signed-in user.
pub async fn set_digest(on: bool) -> Result<shared::auth::Me, ApiErr> {
    let body = serde_json::json!({ "digest_opt_in": on });
    decode(&call(Method::PATCH, "/me".into(), json(&body)?).await?)
}
