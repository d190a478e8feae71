//! E-mail in: mail channels (`/settings/mail-channels`, admins), the raw
//! inbound hook (`POST /inbound/email/{channel}`, authenticated by the
//! channel's token as `Authorization: Bearer <token>`), and received mail
//! for staff (`/inbound-messages`, the unknown senders and their decisions).

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use shared::mail_in::{
    AttachSenderRequest, CreateMailChannelRequest, CreatedMailChannel, InboundMessage,
    InboundResult, InboundStatus, MailChannel, MailChannelTestResult, UpdateMailChannelRequest,
    MAX_RAW_MESSAGE_BYTES,
};
use shared::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use super::body::Json;
use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::mail_in::{channels, messages, process};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_mail_channels)
        .service(create_mail_channel)
        .service(get_mail_channel)
        .service(update_mail_channel)
        .service(delete_mail_channel)
        .service(test_mail_channel)
        .service(post_inbound_email)
        .service(list_unknown_senders)
        .service(attach_unknown_sender)
        .service(refuse_unknown_sender)
        .service(list_inbound_messages)
        .service(get_inbound_message);
}

#[utoipa::path(
    tag = "mail-in",
    params(PageQuery),
    responses((status = 200, body = Page<MailChannel>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/settings/mail-channels")]
async fn list_mail_channels(
    state: web::Data<AppState>,
    actor: StaffActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<MailChannel>>> {
    Ok(web::Json(channels::list(&state, &actor, &page).await?))
}

/// Creates a mail channel (admin). The answer carries the inbound token,
/// shown this once; an IMAP password is stored sealed and never returned.
#[utoipa::path(
    tag = "mail-in",
    request_body = CreateMailChannelRequest,
    responses(
        (status = 201, body = CreatedMailChannel),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/settings/mail-channels")]
async fn create_mail_channel(
    state: web::Data<AppState>,
    actor: StaffActor,
    body: Json<CreateMailChannelRequest>,
) -> AppResult<HttpResponse> {
    let created = channels::create(&state, &actor, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Mail channel id")),
    responses(
        (status = 200, body = MailChannel),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/settings/mail-channels/{id}")]
async fn get_mail_channel(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<MailChannel>> {
    Ok(web::Json(channels::get(&state, &actor, *id).await?))
}

/// Changes a mail channel (admin); `imap_password` replaces the stored one.
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Mail channel id")),
    request_body = UpdateMailChannelRequest,
    responses(
        (status = 200, body = MailChannel),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/settings/mail-channels/{id}")]
async fn update_mail_channel(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<UpdateMailChannelRequest>,
) -> AppResult<web::Json<MailChannel>> {
    Ok(web::Json(
        channels::update(&state, &actor, *id, body.into_inner()).await?,
    ))
}

/// Deletes a channel that has received no mail (else 409: disable it).
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Mail channel id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/settings/mail-channels/{id}")]
async fn delete_mail_channel(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    channels::delete(&state, &actor, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Tests an IMAP channel: connects, logs in and selects the folder. A
/// failure is an answer (`ok: false` and what failed), not an error.
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Mail channel id")),
    responses(
        (status = 200, body = MailChannelTestResult),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not an IMAP channel", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/settings/mail-channels/{id}/test")]
async fn test_mail_channel(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<MailChannelTestResult>> {
    Ok(web::Json(channels::test(&state, &actor, *id).await?))
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Reads the raw message, refusing more than the limit with 413 as soon
/// as it is known.
async fn read_raw(req: &HttpRequest, mut payload: web::Payload) -> AppResult<Vec<u8>> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_RAW_MESSAGE_BYTES) {
        return Err(process::too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(MAX_RAW_MESSAGE_BYTES));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::bad_request(format!("the upload broke off: {e}")))?;
        if body.len() + chunk.len() > MAX_RAW_MESSAGE_BYTES {
            return Err(process::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Receives one raw mail (`message/rfc822`, at most 25 MiB) for a channel,
/// from an MTA pipe or a provider's inbound hook, authenticated by the
/// channel's token: `Authorization: Bearer <token>`. An unknown channel
/// and a wrong token both answer 401. The same Message-ID posted again
/// answers the first outcome with `duplicate: true`.
#[utoipa::path(
    tag = "mail-in",
    params(("channel" = i64, Path, description = "Mail channel id")),
    request_body(content = Vec<u8>, content_type = "message/rfc822", description = "The mail as received"),
    responses(
        (status = 200, body = InboundResult),
        (status = 401, description = "Unknown channel or wrong token", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Not a mail message", body = ErrorBody),
    ),
    security(("channel_token" = []))
)]
#[post("/inbound/email/{channel}")]
async fn post_inbound_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    channel: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<web::Json<InboundResult>> {
    let channel = channels::authenticate(&state, *channel, bearer(&req)).await?;
    let raw = read_raw(&req, payload).await?;
    Ok(web::Json(process::receive(&state, &channel, raw).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct MessageFilter {
    /// Only messages with this outcome (e.g. `held`: unknown senders).
    status: Option<InboundStatus>,
    /// Only messages of this channel.
    channel_id: Option<i64>,
}

/// Mail from unknown senders, held for staff to attach or refuse.
#[utoipa::path(
    tag = "mail-in",
    params(PageQuery),
    responses((status = 200, body = Page<InboundMessage>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/inbound/unknown-senders")]
async fn list_unknown_senders(
    state: web::Data<AppState>,
    actor: StaffActor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<InboundMessage>>> {
    Ok(web::Json(
        messages::list(&state, &actor, Some(InboundStatus::Held), None, &page).await?,
    ))
}

/// Attaches a held message's sender to a contact; the message is then
/// processed as theirs (a reply, a follow-up or a new ticket).
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Inbound message id")),
    request_body = AttachSenderRequest,
    responses(
        (status = 200, body = InboundMessage),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not held (decided already)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/inbound/unknown-senders/{id}/attach")]
async fn attach_unknown_sender(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
    body: Json<AttachSenderRequest>,
) -> AppResult<web::Json<InboundMessage>> {
    Ok(web::Json(
        messages::attach(&state, &actor, *id, body.contact_id).await?,
    ))
}

/// Refuses a held message; it stays viewable.
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Inbound message id")),
    responses(
        (status = 200, body = InboundMessage),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not held (decided already)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/inbound/unknown-senders/{id}/refuse")]
async fn refuse_unknown_sender(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<InboundMessage>> {
    Ok(web::Json(messages::refuse(&state, &actor, *id).await?))
}

/// Received mail, newest first, with what became of each.
#[utoipa::path(
    tag = "mail-in",
    params(MessageFilter, PageQuery),
    responses((status = 200, body = Page<InboundMessage>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/inbound-messages")]
async fn list_inbound_messages(
    state: web::Data<AppState>,
    actor: StaffActor,
    filter: web::Query<MessageFilter>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<InboundMessage>>> {
    Ok(web::Json(
        messages::list(&state, &actor, filter.status, filter.channel_id, &page).await?,
    ))
}

/// The original of a received mail, as it arrived (`message/rfc822`);
/// a comment that came by mail names it in `inbound_message_id`.
#[utoipa::path(
    tag = "mail-in",
    params(("id" = i64, Path, description = "Inbound message id")),
    responses(
        (status = 200, content_type = "message/rfc822", body = Vec<u8>, description = "The raw mail"),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/inbound-messages/{id}")]
async fn get_inbound_message(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let raw = messages::raw(&state, &actor, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "message/rfc822"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"message.eml\"",
        ))
        .body(raw))
}
