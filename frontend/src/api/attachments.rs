//! Attachments: listing, uploading (a raw body) and downloading files of
//! staff and portal tickets. Downloads are fetched with the session's token,
//! then saved by the browser.

use gloo_net::http::Method;
use shared::tickets::Attachment;
use wasm_bindgen::JsCast;

use super::client::{call, decode, read, send_raw, ApiErr};
use crate::logic::query::encode;

pub async fn of_ticket(id: i64) -> Result<Vec<Attachment>, ApiErr> {
    decode(&call(Method::GET, format!("/tickets/{id}/attachments"), None).await?)
}

/// Uploads a file to `path` (e.g. `/tickets/7/attachments`): the raw body,
/// its type in `Content-Type`, its name in `?file_name=`.
pub async fn upload(path: &str, file: &web_sys::File) -> Result<Attachment, ApiErr> {
    upload_to(format!("{path}?file_name={}", encode(&file.name())), file).await
}

/// A staff upload, for the staff only when `internal` (the portal neither
/// lists nor serves it).
pub async fn upload_as(
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
    let response = send_raw(
        Method::POST,
        &path,
        Some((file.as_ref(), Some(content_type))),
    )
    .await?;
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

pub async fn of_portal_ticket(id: i64) -> Result<Vec<Attachment>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/portal/tickets/{id}/attachments"),
            None,
        )
        .await?,
    )
}

/// Attaches `file` to one of the user's tickets.
pub async fn portal_upload(ticket_id: i64, file: &web_sys::File) -> Result<Attachment, ApiErr> {
    upload(&format!("/portal/tickets/{ticket_id}/attachments"), file).await
}

/// Downloads an attachment as a file to save.
pub async fn portal_download(attachment: &Attachment) -> Result<(), ApiErr> {
    let path = format!("/portal/attachments/{}", attachment.id);
    download_file(&path, &attachment.file_name).await
}
