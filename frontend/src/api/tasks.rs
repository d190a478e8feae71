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

/// Sends a task's reviewed mail draft and completes the task.
pub async fn send_email(
    id: i64,
    req: &shared::tasks::SendTaskEmailRequest,
) -> Result<Task, ApiErr> {
    decode(&call(Method::POST, format!("/tasks/{id}/send-email"), json(req)?).await?)
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

/// The workspace's playbooks (admins and managers).
pub async fn playbooks() -> Result<shared::Page<shared::playbooks::Playbook>, ApiErr> {
    decode(&call(Method::GET, "/playbooks?limit=200".into(), None).await?)
}

/// Installs the built-in playbooks the workspace lacks.
pub async fn install_library() -> Result<Vec<shared::playbooks::Playbook>, ApiErr> {
    decode(
        &call(
            Method::POST,
            "/playbooks/library".into(),
            json(&serde_json::json!({}))?,
        )
        .await?,
    )
}

pub async fn set_playbook_active(
    id: i64,
    active: bool,
) -> Result<shared::playbooks::Playbook, ApiErr> {
    let body = shared::playbooks::UpdatePlaybookRequest {
        active: Some(active),
        ..Default::default()
    };
    decode(&call(Method::PATCH, format!("/playbooks/{id}"), json(&body)?).await?)
}

pub async fn playbook_report() -> Result<Vec<shared::playbooks::PlaybookEffect>, ApiErr> {
    decode(&call(Method::GET, "/playbooks/report".into(), None).await?)
}

/// An account's playbook history, newest first.
pub async fn runs_of_account(
    account_id: i64,
) -> Result<shared::Page<shared::playbooks::PlaybookRun>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/playbook-runs?account_id={account_id}&limit=20"),
            None,
        )
        .await?,
    )
}

pub async fn cancel_run(id: i64, reason: String) -> Result<shared::playbooks::PlaybookRun, ApiErr> {
    let body = shared::playbooks::CancelRunRequest { reason };
    decode(
        &call(
            Method::POST,
            format!("/playbook-runs/{id}/cancel"),
            json(&body)?,
        )
        .await?,
    )
}
