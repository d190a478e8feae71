//! `/users`: staff and portal logins of the workspace.

use super::body::Json;
use actix_web::{get, patch, post, web, HttpResponse};
use shared::users::{CreateUserRequest, UpdateUserRequest, User};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::accounts::users::{self as domain, UserFilter};
use crate::domain::common::pagination::PageQuery;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

/// Lists users (any staff member), newest first.
#[utoipa::path(
    tag = "users",
    params(UserFilter, PageQuery),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<UserFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<User>>> {
    Ok(web::Json(
        domain::list(&state.db, &actor, filter.into_inner(), page.into_inner()).await?,
    ))
}

/// Creates a staff user (admin) and e-mails them an invitation; they set
/// their own password with its one-time link.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = User),
        (status = 403, description = "Not an admin, or the workspace's sign-up address is not confirmed yet", body = ErrorBody),
        (status = 409, description = "This workspace has a login with the address already", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "The workspace's daily e-mail quota would be passed; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    let user = domain::create(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(user))
}

#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<User>> {
    Ok(web::Json(domain::get(&state.db, &actor, *id).await?))
}

/// Renames, changes the role of, deactivates or reactivates a user (admin).
/// Deactivation ends all the user's sessions.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<UpdateUserRequest>,
) -> AppResult<web::Json<User>> {
    Ok(web::Json(
        domain::update(&state, &actor, *id, body.into_inner()).await?,
    ))
}
