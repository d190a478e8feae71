//! One function per API endpoint the SPA uses: the path, the method, and
//! the types of `shared` in and out.

use gloo_net::http::Method;
use shared::accounts::{
    Account, Contact, CreateAccountRequest, CreateContactRequest, PortalAccessRequest,
    PortalAccount, UpdateAccountRequest,
};
use shared::auth::ChangePasswordRequest;
use shared::settings::{UpdateWorkspaceSettings, WorkspaceSettings};
use shared::users::{CreateUserRequest, UpdateUserRequest, User};
use shared::Page;

use super::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::query::{page_query, AccountFilter, UserFilter};

pub const ACCOUNTS_PAGE: u64 = 50;
/// The most a list answers at once; used for pick lists (owners) and contacts.
pub const MAX_PAGE: u64 = 200;

pub async fn list_accounts(
    filter: &AccountFilter,
    cursor: Option<&str>,
) -> Result<Page<Account>, ApiErr> {
    let path = format!("/accounts{}", filter.query(ACCOUNTS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn get_account(id: i64) -> Result<Tagged<Account>, ApiErr> {
    tagged(call(Method::GET, format!("/accounts/{id}"), None).await?)
}

pub async fn create_account(req: &CreateAccountRequest) -> Result<Account, ApiErr> {
    decode(&call(Method::POST, "/accounts".into(), json(req)?).await?)
}

pub async fn update_account(
    id: i64,
    req: &UpdateAccountRequest,
    etag: Option<&str>,
) -> Result<Tagged<Account>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/accounts/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

/// Archives an account (its body is not needed: the page leaves).
pub async fn archive_account(id: i64) -> Result<(), ApiErr> {
    call(Method::POST, format!("/accounts/{id}/archive"), None)
        .await
        .map(drop)
}

pub async fn list_contacts(account_id: i64, cursor: Option<&str>) -> Result<Page<Contact>, ApiErr> {
    let path = format!(
        "/accounts/{account_id}/contacts{}",
        page_query(MAX_PAGE, cursor)
    );
    decode(&call(Method::GET, path, None).await?)
}

/// Adds a contact (the page reloads the list rather than reading the body).
pub async fn create_contact(account_id: i64, req: &CreateContactRequest) -> Result<(), ApiErr> {
    let path = format!("/accounts/{account_id}/contacts");
    call(Method::POST, path, json(req)?).await.map(drop)
}

/// Gives a contact a portal login (the page reloads the contacts after).
pub async fn grant_portal_access(contact_id: i64, req: &PortalAccessRequest) -> Result<(), ApiErr> {
    let path = format!("/contacts/{contact_id}/portal-access");
    call(Method::POST, path, json(req)?).await.map(drop)
}

pub async fn list_users(limit: u64, cursor: Option<&str>) -> Result<Page<User>, ApiErr> {
    list_users_where(&UserFilter::default(), limit, cursor).await
}

pub async fn list_users_where(
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
pub async fn create_user(req: &CreateUserRequest) -> Result<(), ApiErr> {
    call(Method::POST, "/users".into(), json(req)?)
        .await
        .map(drop)
}

pub async fn update_user(id: i64, req: &UpdateUserRequest) -> Result<User, ApiErr> {
    decode(&call(Method::PATCH, format!("/users/{id}"), json(req)?).await?)
}

pub async fn workspace_settings() -> Result<WorkspaceSettings, ApiErr> {
    decode(&call(Method::GET, "/settings/workspace".into(), None).await?)
}

/// Saves workspace settings (the form keeps what it sent).
pub async fn update_workspace_settings(req: &UpdateWorkspaceSettings) -> Result<(), ApiErr> {
    call(Method::PUT, "/settings/workspace".into(), json(req)?)
        .await
        .map(drop)
}

pub async fn portal_account() -> Result<PortalAccount, ApiErr> {
    decode(&call(Method::GET, "/portal/account".into(), None).await?)
}

/// Records the signed-in user's language (`zh-CN` or `en`), which their
/// e-mail follows.
pub async fn set_locale(tag: &str) -> Result<(), ApiErr> {
    let body = serde_json::json!({ "locale": tag });
    call(Method::PATCH, "/me".into(), json(&body)?)
        .await
        .map(drop)
}

/// The signed-in user and their workspace.
pub async fn me() -> Result<shared::auth::Me, ApiErr> {
    decode(&call(Method::GET, "/me".into(), None).await?)
}

/// Other workspaces where the signed-in user's address has a login.
pub async fn other_workspaces() -> Result<Vec<shared::auth::Workspace>, ApiErr> {
    decode(&call(Method::GET, "/me/workspaces".into(), None).await?)
}

/// Mails the admin a new link confirming the workspace's sign-up address.
pub async fn resend_verification() -> Result<(), ApiErr> {
    call(Method::POST, "/me/email-verification".into(), None)
        .await
        .map(drop)
}

/// Changes the signed-in user's password; their other sessions end.
pub async fn change_password(req: &ChangePasswordRequest) -> Result<(), ApiErr> {
    call(Method::POST, "/me/password".into(), json(req)?)
        .await
        .map(drop)
}
