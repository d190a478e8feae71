//! `/tasks` and `/my-work`: what staff are to do next for an account, and
//! the caller's own day.

use super::body::Json;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::filters::TaskFilter;
use shared::tasks::{
    CompleteTaskRequest, CreateTaskRequest, MyBook, MyWork, SendTaskEmailRequest, SkipTaskRequest,
    SnoozeTaskRequest, Task, TaskCounts, UpdateTaskRequest,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::tasks::{self as domain, etag, my_work};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_tasks)
        .service(create_task)
        .service(get_task)
        .service(update_task)
        .service(complete_task)
        .service(send_task_email)
        .service(skip_task)
        .service(snooze_task)
        .service(get_my_work)
        .service(get_my_work_counts)
        .service(get_my_book);
}

fn with_etag(status: StatusCode, t: Task) -> HttpResponse {
    super::tagged(status, etag(&t), &t)
}

/// The workspace's tasks, soonest due first.
#[utoipa::path(
    tag = "tasks",
    params(TaskFilter, PageQuery),
    responses((status = 200, body = Page<Task>), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tasks")]
async fn list_tasks(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<TaskFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Task>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Makes a task for an account, assigned to the caller unless another
/// active staff member is named; a `link` must be a record of that account.
#[utoipa::path(
    tag = "tasks",
    request_body = CreateTaskRequest,
    responses((status = 201, body = Task), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/tasks")]
async fn create_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateTaskRequest>,
) -> AppResult<HttpResponse> {
    let t = domain::create(&state, &actor, body.into_inner()).await?;
    Ok(with_etag(StatusCode::CREATED, t))
}

#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tasks/{id}")]
async fn get_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let t = domain::get(&state.db, &actor, *id).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// Changes an open task (its assignee, maker, an admin or a manager).
/// Honours `If-Match`.
#[utoipa::path(
    tag = "tasks",
    params(
        ("id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the last read"),
    ),
    request_body = UpdateTaskRequest,
    responses(
        (status = 200, body = Task),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/tasks/{id}")]
async fn update_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    body: Json<UpdateTaskRequest>,
) -> AppResult<HttpResponse> {
    let if_match = super::if_match(&req);
    let t = domain::update(&state, &actor, *id, if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// Marks an open task done; with `activity`, logs that activity on the
/// account's timeline in the same step. 409 if it is no longer open.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = CompleteTaskRequest,
    responses(
        (status = 200, body = Task),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tasks/{id}/complete")]
async fn complete_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<CompleteTaskRequest>,
) -> AppResult<HttpResponse> {
    let t = domain::complete(&state, &actor, *id, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// Sends an open task's drafted mail (a playbook's customer mail), as
/// reviewed, to a contact of the task's account, and completes the task.
/// The mail is queued once, with `email_sent` on the timeline; 409 if the
/// task is no longer open or has no draft, 422 for a contact that is not
/// an active contact of the account with an e-mail address.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = SendTaskEmailRequest,
    responses(
        (status = 200, body = Task),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tasks/{id}/send-email")]
async fn send_task_email(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<SendTaskEmailRequest>,
) -> AppResult<HttpResponse> {
    let t = domain::send_email(&state, &actor, *id, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// Skips an open task; the reason is required and kept.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = SkipTaskRequest,
    responses(
        (status = 200, body = Task),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tasks/{id}/skip")]
async fn skip_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<SkipTaskRequest>,
) -> AppResult<HttpResponse> {
    let t = domain::skip(&state, &actor, *id, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// Moves an open task's due time to a later time.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = SnoozeTaskRequest,
    responses(
        (status = 200, body = Task),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tasks/{id}/snooze")]
async fn snooze_task(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<SnoozeTaskRequest>,
) -> AppResult<HttpResponse> {
    let t = domain::snooze(&state, &actor, *id, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, t))
}

/// The caller's open tasks: overdue, due today and in the next seven days
/// (days in the workspace's time zone).
#[utoipa::path(
    tag = "tasks",
    responses((status = 200, body = MyWork)),
    security(("bearer" = []))
)]
#[get("/my-work")]
async fn get_my_work(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<MyWork>> {
    Ok(web::Json(
        my_work::my_work(&state.db, &actor, state.clock.now()).await?,
    ))
}

/// The caller's open-task counts, for the navigation.
#[utoipa::path(
    tag = "tasks",
    responses((status = 200, body = TaskCounts)),
    security(("bearer" = []))
)]
#[get("/my-work/counts")]
async fn get_my_work_counts(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<TaskCounts>> {
    Ok(web::Json(
        my_work::counts(&state.db, &actor, state.clock.now()).await?,
    ))
}

/// The caller's book: accounts at risk, renewals within 90 days, tickets
/// breaching within a day, onboarding plans behind or stuck.
#[utoipa::path(
    tag = "tasks",
    responses((status = 200, body = MyBook)),
    security(("bearer" = []))
)]
#[get("/my-work/book")]
async fn get_my_book(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<MyBook>> {
    Ok(web::Json(
        my_work::book(&state.db, &actor, state.clock.now()).await?,
    ))
}
