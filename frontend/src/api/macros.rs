//! `/macros`: canned replies (the caller's personal ones and the
//! workspace's shared ones), and applying one to a ticket.

use gloo_net::http::Method;
use shared::filters::{list_query, MacroFilter};
use shared::macros::{
    AppliedMacro, ApplyMacroRequest, CreateMacroRequest, Macro, UpdateMacroRequest,
};
use shared::Page;

use super::client::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};

pub const PAGE: u64 = 50;
/// How many macros the reply box's picker offers at once.
pub const PICKER_PAGE: u64 = 20;

pub async fn list(
    filter: &MacroFilter,
    limit: u64,
    cursor: Option<&str>,
) -> Result<Page<Macro>, ApiErr> {
    let path = format!("/macros{}", list_query(filter, Some(limit), cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn get(id: i64) -> Result<Tagged<Macro>, ApiErr> {
    tagged(call(Method::GET, format!("/macros/{id}"), None).await?)
}

pub async fn create(req: &CreateMacroRequest) -> Result<Macro, ApiErr> {
    decode(&call(Method::POST, "/macros".into(), json(req)?).await?)
}

pub async fn update(
    id: i64,
    req: &UpdateMacroRequest,
    etag: Option<&str>,
) -> Result<Tagged<Macro>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/macros/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

pub async fn delete(id: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/macros/{id}"), None).await?;
    Ok(())
}

/// Renders the macro for the ticket and runs its actions there.
pub async fn apply(id: i64, ticket_id: i64) -> Result<AppliedMacro, ApiErr> {
    let body = json(&ApplyMacroRequest { ticket_id })?;
    decode(&call(Method::POST, format!("/macros/{id}/apply"), body).await?)
}
