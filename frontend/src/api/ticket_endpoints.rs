//! The staff ticket endpoints: the queue, a ticket and its conversation,
//! blockers, attachments, approvals, and drafting a KB article.

use gloo_net::http::{Method, RequestBuilder};
use shared::approvals::{Approval, ApprovalStatus, DecisionRequest};
use shared::kb::KbArticle;
use shared::tickets::{
    AddBlockerRequest, Attachment, Comment, CreateCommentRequest, CreateTicketRequest,
    EscalateRequest, Ticket, UpdateTicketRequest,
};
use shared::Page;
use wasm_bindgen::JsCast;
use web_sys::RequestCredentials;

use super::{call, check, decode, exchange, json, tagged, ApiErr, Call, Reply, Tagged, BASE};
use crate::logic::query::{encode, page_query, QueryString};
use crate::logic::tickets::{Event, TicketQuery};

pub const TICKETS_PAGE: u64 = 50;

/// The newest accounts (a page), for pickers on ticket pages; a search
/// finds the others, and [`accounts_by_ids`] names them.
pub async fn account_options() -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let path = format!("/accounts{}", page_query(super::ACCOUNTS_PAGE, None));
    decode::<Page<shared::accounts::Account>>(&call(Method::GET, path, None).await?)
        .map(|p| p.items)
}

/// These accounts (at most 200 ids), archived ones included: the names of
/// the accounts a page lists that the pickers' page lacks.
pub async fn accounts_by_ids(ids: &[i64]) -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let query = QueryString::new()
        .push("ids", ids.join(","))
        .push("include_archived", true)
        .push("limit", super::MAX_PAGE)
        .build();
    decode::<Page<shared::accounts::Account>>(
        &call(Method::GET, format!("/accounts{query}"), None).await?,
    )
    .map(|p| p.items)
}

/// Accounts whose name or code matches `q` (at most 50), for pickers in
/// workspaces with more accounts than [`account_options`] holds.
pub async fn account_matches(q: String) -> Result<Vec<shared::accounts::Account>, ApiErr> {
    let filter = crate::logic::query::AccountFilter {
        q,
        ..Default::default()
    };
    super::list_accounts(&filter, None).await.map(|p| p.items)
}

pub async fn list_tickets(q: &TicketQuery, cursor: Option<&str>) -> Result<Page<Ticket>, ApiErr> {
    let path = format!("/tickets{}", q.api_query(TICKETS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

/// One page of `limit` tickets (a summary's count).
pub async fn list_tickets_sized(q: &TicketQuery, limit: u64) -> Result<Page<Ticket>, ApiErr> {
    let path = format!("/tickets{}", q.api_query(limit, None));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn create_ticket(req: &CreateTicketRequest) -> Result<Ticket, ApiErr> {
    decode(&call(Method::POST, "/tickets".into(), json(req)?).await?)
}

pub async fn get_ticket(id: i64) -> Result<Tagged<Ticket>, ApiErr> {
    tagged(call(Method::GET, format!("/tickets/{id}"), None).await?)
}

pub async fn update_ticket(
    id: i64,
    req: &UpdateTicketRequest,
    etag: Option<&str>,
) -> Result<Tagged<Ticket>, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/tickets/{id}"))
        .json(req)?
        .if_match(etag);
    tagged(exchange(call, true).await?)
}

pub async fn escalate_ticket(id: i64, reason: String) -> Result<Tagged<Ticket>, ApiErr> {
    let body = json(&EscalateRequest { reason })?;
    tagged(call(Method::POST, format!("/tickets/{id}/escalate"), body).await?)
}

pub async fn ticket_comments(id: i64) -> Result<Vec<Comment>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/comments"), None).await?)
}

pub async fn add_comment(id: i64, body: String, internal: bool) -> Result<Comment, ApiErr> {
    let req = json(&CreateCommentRequest { body, internal })?;
    decode(&call(Method::POST, format!("/tickets/{id}/comments"), req).await?)
}

pub async fn ticket_timeline(id: i64) -> Result<Vec<Event>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/timeline"), None).await?)
}

pub async fn ticket_blockers(id: i64) -> Result<Vec<Ticket>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/blockers"), None).await?)
}

pub async fn add_blocker(id: i64, blocked_by: i64) -> Result<Tagged<Ticket>, ApiErr> {
    let body = json(&AddBlockerRequest { blocked_by })?;
    tagged(call(Method::POST, format!("/tickets/{id}/blockers"), body).await?)
}

pub async fn remove_blocker(id: i64, blocker_id: i64) -> Result<Tagged<Ticket>, ApiErr> {
    let path = format!("/tickets/{id}/blockers/{blocker_id}");
    tagged(call(Method::DELETE, path, None).await?)
}

pub async fn ticket_attachments(id: i64) -> Result<Vec<Attachment>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/attachments"), None).await?)
}

/// Drafts an internal KB article from a resolved ticket.
pub async fn ticket_to_article(id: i64) -> Result<KbArticle, ApiErr> {
    decode(&call(Method::POST, format!("/tickets/{id}/to-article"), None).await?)
}

/// Approvals, optionally of one status and one subject (e.g. a ticket).
pub async fn list_approvals(
    status: Option<ApprovalStatus>,
    subject: Option<(&'static str, i64)>,
    cursor: Option<&str>,
) -> Result<Page<Approval>, ApiErr> {
    let query = QueryString::new()
        .push_opt("status", status.map(|s| s.as_str()))
        .push_opt("subject_type", subject.map(|s| s.0))
        .push_opt("subject_id", subject.map(|s| s.1))
        .push("limit", super::MAX_PAGE)
        .push_opt("cursor", cursor)
        .build();
    decode(&call(Method::GET, format!("/approvals{query}"), None).await?)
}

/// Approves (`approve`) or rejects a change; a rejection needs a comment.
pub async fn decide_approval(
    id: i64,
    approve: bool,
    comment: Option<String>,
) -> Result<Approval, ApiErr> {
    let verb = if approve { "approve" } else { "reject" };
    let body = json(&DecisionRequest { comment })?;
    decode(&call(Method::POST, format!("/approvals/{id}/{verb}"), body).await?)
}

/// Withdraws your own pending request (its maker only).
pub async fn withdraw_approval(id: i64) -> Result<Approval, ApiErr> {
    decode(&call(Method::POST, format!("/approvals/{id}/withdraw"), None).await?)
}

/// Sends a raw body (a file), renewing the session once on 401 like every
/// other call. `path` is under `/api/v1`.
async fn send_raw(
    method: Method,
    path: &str,
    body: Option<(&web_sys::Blob, String)>,
) -> Result<gloo_net::http::Response, ApiErr> {
    for attempt in 0..2 {
        let mut builder = RequestBuilder::new(&format!("{BASE}{path}"))
            .method(method.clone())
            .credentials(RequestCredentials::SameOrigin);
        if let Some(token) = super::token() {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let request = match &body {
            Some((blob, content_type)) => builder
                .header("Content-Type", content_type)
                .body((*blob).clone()),
            None => builder.build(),
        }
        .map_err(|_| ApiErr::Unexpected)?;
        let response = request.send().await.map_err(|_| ApiErr::Network)?;
        if response.status() != 401 {
            return Ok(response);
        }
        if attempt == 0 {
            match super::renew().await {
                Ok(_) => continue,
                Err(ApiErr::Network) => return Err(ApiErr::Network),
                Err(_) => break,
            }
        }
    }
    super::end_session();
    Err(ApiErr::SignedOut)
}

/// Reads a whole answer as text, then checks its status.
async fn read(response: gloo_net::http::Response) -> Result<Reply, ApiErr> {
    let headers = response.headers();
    check(Reply {
        status: response.status(),
        etag: headers.get("ETag"),
        retry_after: super::parse_retry_after(headers.get("Retry-After").as_deref()),
        body: response.text().await.map_err(|_| ApiErr::Network)?,
    })
}

/// Uploads a file to `path` (e.g. `/tickets/7/attachments`): the raw body,
/// its type in `Content-Type`, its name in `?file_name=`.
pub async fn upload_file(path: &str, file: &web_sys::File) -> Result<Attachment, ApiErr> {
    upload_to(format!("{path}?file_name={}", encode(&file.name())), file).await
}

/// A staff upload, for the staff only when `internal` (the portal neither
/// lists nor serves it).
pub async fn upload_file_as(
    path: &str,
    file: &web_sys::File,
    internal: bool,
) -> Result<Attachment, ApiErr> {
    let path = format!(
        "{path}?file_name={}&internal={internal}",
        encode(&file.name())
    );
    upload_to(path, file).await
}

async fn upload_to(path: String, file: &web_sys::File) -> Result<Attachment, ApiErr> {
    let content_type = match file.type_() {
        t if t.is_empty() => "application/octet-stream".to_string(),
        t => t,
    };
    let response = send_raw(Method::POST, &path, Some((file, content_type))).await?;
    decode(&read(response).await?)
}

/// Downloads `path` (e.g. `/attachments/3`) with the session's token and
/// hands it to the browser as `file_name` (a plain link cannot carry the
/// bearer token).
pub async fn download_file(path: &str, file_name: &str) -> Result<(), ApiErr> {
    let response = send_raw(Method::GET, path, None).await?;
    if !(200..300).contains(&response.status()) {
        return read(response).await.map(drop);
    }
    let bytes = response.binary().await.map_err(|_| ApiErr::Network)?;
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&array).map_err(|_| ApiErr::Unexpected)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiErr::Unexpected)?;
    let saved = (|| {
        let document = web_sys::window()?.document()?;
        let a = document
            .create_element("a")
            .ok()?
            .dyn_into::<web_sys::HtmlAnchorElement>()
            .ok()?;
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
        Some(())
    })();
    // Revoked later: some browsers read the URL after `click` returns.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    saved.ok_or(ApiErr::Unexpected)
}
