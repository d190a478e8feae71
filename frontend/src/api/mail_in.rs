//! Mail channels (`/settings/mail-channels`, admins) and the originals of
//! comments that came by e-mail (`/inbound-messages/{id}`).

use gloo_net::http::Method;
use shared::mail_in::{
    AttachSenderRequest, CreateMailChannelRequest, CreatedMailChannel, InboundMessage, MailChannel,
    MailChannelTestResult, UpdateMailChannelRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr, MAX_PAGE};
use crate::logic::query::page_query;

/// The workspace's channels (a workspace has a handful: one page holds them).
pub async fn list_channels() -> Result<Vec<MailChannel>, ApiErr> {
    let path = format!("/settings/mail-channels{}", page_query(MAX_PAGE, None));
    let page: Page<MailChannel> = decode(&call(Method::GET, path, None).await?)?;
    Ok(page.items)
}

/// Creates a channel; the answer holds the inbound token, shown only once.
pub async fn create_channel(req: &CreateMailChannelRequest) -> Result<CreatedMailChannel, ApiErr> {
    decode(&call(Method::POST, "/settings/mail-channels".into(), json(req)?).await?)
}

pub async fn update_channel(
    id: i64,
    req: &UpdateMailChannelRequest,
) -> Result<MailChannel, ApiErr> {
    decode(
        &call(
            Method::PATCH,
            format!("/settings/mail-channels/{id}"),
            json(req)?,
        )
        .await?,
    )
}

/// Logs in to the channel's IMAP server; a failure is an answer (`ok: false`).
pub async fn test_channel(id: i64) -> Result<MailChannelTestResult, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/settings/mail-channels/{id}/test"),
            None,
        )
        .await?,
    )
}

/// Saves the original of a mail (the comment's `inbound_message_id`).
pub async fn download_original(id: i64) -> Result<(), ApiErr> {
    super::attachments::download_file(
        &format!("/inbound-messages/{id}"),
        &format!("mail-{id}.eml"),
    )
    .await
}

/// Mail held because its sender is no contact (the first page, newest first).
pub async fn unknown_senders() -> Result<Vec<InboundMessage>, ApiErr> {
    let path = format!("/inbound/unknown-senders{}", page_query(MAX_PAGE, None));
    let page: Page<InboundMessage> = decode(&call(Method::GET, path, None).await?)?;
    Ok(page.items)
}

/// Processes a held mail as the contact's.
pub async fn attach_sender(id: i64, contact_id: i64) -> Result<InboundMessage, ApiErr> {
    let body = AttachSenderRequest { contact_id };
    decode(
        &call(
            Method::POST,
            format!("/inbound/unknown-senders/{id}/attach"),
            json(&body)?,
        )
        .await?,
    )
}

pub async fn refuse_sender(id: i64) -> Result<InboundMessage, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/inbound/unknown-senders/{id}/refuse"),
            None,
        )
        .await?,
    )
}
