//! `/users`: the workspace's staff.

use gloo_net::http::Method;
use shared::users::{CreateUserRequest, UpdateUserRequest, User};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use crate::logic::query::UserFilter;

pub async fn list(limit: u64, cursor: Option<&str>) -> Result<Page<User>, ApiErr> {
    list_where(&UserFilter::default(), limit, cursor).await
}

pub async fn list_where(
    filter: &UserFilter,
    limit: u64,
    cursor: Option<&str>,
) -> Result<Page<User>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/users{}", filter.query(limit, cursor)),
            None,
        )
        .await?,
    )
}

/// Invites or creates a user (the page reloads the list after).
pub async fn create(req: &CreateUserRequest) -> Result<(), ApiErr> {
    call(Method::POST, "/users".into(), json(req)?)
        .await
        .map(drop)
}

pub async fn update(id: i64, req: &UpdateUserRequest) -> Result<User, ApiErr> {
    decode(&call(Method::PATCH, format!("/users/{id}"), json(req)?).await?)
}
