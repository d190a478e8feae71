//! `/accounts/{id}/contacts` and `/contacts/{id}`: an account's contacts
//! and their portal logins.

use gloo_net::http::Method;
use shared::accounts::{Contact, CreateContactRequest, PortalAccessRequest, UpdateContactRequest};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use crate::logic::query::page_query;

pub async fn list(account_id: i64, cursor: Option<&str>) -> Result<Page<Contact>, ApiErr> {
    let path = format!(
        "/accounts/{account_id}/contacts{}",
        page_query(super::MAX_PAGE, cursor)
    );
    decode(&call(Method::GET, path, None).await?)
}

/// Adds a contact (the page reloads the list rather than reading the body).
pub async fn create(account_id: i64, req: &CreateContactRequest) -> Result<(), ApiErr> {
    let path = format!("/accounts/{account_id}/contacts");
    call(Method::POST, path, json(req)?).await.map(drop)
}

/// Adds a contact and answers it (its id is needed next).
pub async fn add(account_id: i64, req: &CreateContactRequest) -> Result<Contact, ApiErr> {
    let path = format!("/accounts/{account_id}/contacts");
    decode(&call(Method::POST, path, json(req)?).await?)
}

/// Gives a contact a portal login (the page reloads the contacts after).
pub async fn grant_portal_access(contact_id: i64, req: &PortalAccessRequest) -> Result<(), ApiErr> {
    let path = format!("/contacts/{contact_id}/portal-access");
    call(Method::POST, path, json(req)?).await.map(drop)
}

/// Changes a contact (absent fields stay as they are).
pub async fn update(contact_id: i64, req: &UpdateContactRequest) -> Result<Contact, ApiErr> {
    let path = format!("/contacts/{contact_id}");
    decode(&call(Method::PATCH, path, json(req)?).await?)
}

/// Archives a contact; a portal login it had stops working.
pub async fn archive(contact_id: i64) -> Result<Contact, ApiErr> {
    let path = format!("/contacts/{contact_id}/archive");
    decode(&call(Method::POST, path, None).await?)
}

/// The account's contacts, archived ones too when `include_archived`.
pub async fn list_with(
    account_id: i64,
    include_archived: bool,
    cursor: Option<&str>,
) -> Result<Page<Contact>, ApiErr> {
    let mut query = page_query(super::MAX_PAGE, cursor);
    if include_archived {
        query = if query.is_empty() {
            "?include_archived=true".to_string()
        } else {
            format!("{query}&include_archived=true")
        };
    }
    let path = format!("/accounts/{account_id}/contacts{query}");
    decode(&call(Method::GET, path, None).await?)
}
