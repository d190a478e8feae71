//! Ticket attachments: upload the file as the raw request body (its type in
//! `Content-Type`, its name in `?file_name=`), list, download.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use shared::tickets::Attachment;
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{PortalActor, StaffActor};
use crate::domain::tickets::attachments::{
    self as domain, too_large, Download, Upload, MAX_ATTACHMENT_BYTES,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload_attachment)
        .service(list_attachments)
        .service(download_attachment)
        .service(portal_upload_attachment)
        .service(portal_list_attachments)
        .service(portal_download_attachment);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct UploadQuery {
    /// The file's name, e.g. `凭证截图.png`.
    file_name: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct StaffUploadQuery {
    /// The file's name, e.g. `凭证截图.png`.
    file_name: String,
    /// `true`: for the staff only (beside an internal note); the portal
    /// neither lists nor serves it. Default `false`.
    internal: Option<bool>,
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Reads the body, refusing more than 10 MiB with 413 as soon as it is
/// known, without holding more in memory (the domain checks the size too).
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> AppResult<Vec<u8>> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_ATTACHMENT_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::bad_request(format!("the upload broke off: {e}")))?;
        if body.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `filename*=UTF-8''…` keeps Chinese file names intact.
fn send(file: Download) -> HttpResponse {
    let encoded: String = file
        .attachment
        .file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.attachment.content_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(file.attachment.size_bytes.max(0) as u64)
        .streaming(file.bytes)
}

/// Attaches a file to a ticket (images, PDF, Office documents, ZIP, text; ≤ 10 MiB;
/// not to a closed ticket; at most 50 files and 200 MiB per ticket and
/// `STEWARD_ATTACHMENT_QUOTA_MB` per workspace). `internal=true` keeps it
/// from the portal.
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Ticket id"), StaffUploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file; its type in Content-Type"),
    responses(
        (status = 201, body = Attachment),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Type not accepted or not matching the content", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/attachments")]
async fn upload_attachment(
    state: web::Data<AppState>,
    actor: StaffActor,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<StaffUploadQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let bytes = read_body(&req, payload).await?;
    let content_type = content_type(&req);
    let upload = Upload {
        file_name: &query.file_name,
        content_type: &content_type,
        bytes,
        internal: query.internal.unwrap_or(false),
    };
    let attachment = domain::upload(&state, &actor, *id, upload).await?;
    Ok(HttpResponse::Created().json(attachment))
}

#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/tickets/{id}/attachments")]
async fn list_attachments(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Attachment>>> {
    Ok(web::Json(domain::list(&state, &actor, *id).await?))
}

#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/attachments/{id}")]
async fn download_attachment(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(send(domain::download(&state, &actor, *id).await?))
}

/// Attaches a file to one of the user's tickets.
#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file; its type in Content-Type"),
    responses(
        (status = 201, body = Attachment),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/portal/tickets/{id}/attachments")]
async fn portal_upload_attachment(
    state: web::Data<AppState>,
    actor: PortalActor,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let bytes = read_body(&req, payload).await?;
    let content_type = content_type(&req);
    let upload = Upload {
        file_name: &query.file_name,
        content_type: &content_type,
        bytes,
        internal: false,
    };
    let attachment = domain::portal_upload(&state, &actor, *id, upload).await?;
    Ok(HttpResponse::Created().json(attachment))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/tickets/{id}/attachments")]
async fn portal_list_attachments(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<Attachment>>> {
    Ok(web::Json(domain::portal_list(&state, &actor, *id).await?))
}

#[utoipa::path(
    tag = "portal",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/portal/attachments/{id}")]
async fn portal_download_attachment(
    state: web::Data<AppState>,
    actor: PortalActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(send(domain::portal_download(&state, &actor, *id).await?))
}
