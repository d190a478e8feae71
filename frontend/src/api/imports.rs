//! Imports: uploading a file (a multipart form), following its progress,
//! committing a dry run, and the files the server makes (templates, the
//! failed lines).

use gloo_net::http::Method;
use shared::imports::{Import, ImportKind, ImportMode};
use shared::Page;

use super::attachments::download_file;
use super::client::{call, decode, read, send_raw, ApiErr};

/// Uploads `file` for an import of `kind`; `encoding` is the CSV's
/// character set when the user chose one.
pub async fn start(
    kind: ImportKind,
    mode: ImportMode,
    encoding: Option<String>,
    file: &web_sys::File,
) -> Result<Import, ApiErr> {
    let form = web_sys::FormData::new().map_err(|_| ApiErr::Unexpected)?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(|_| ApiErr::Unexpected)?;
    form.append_with_str("kind", kind.as_str())
        .map_err(|_| ApiErr::Unexpected)?;
    form.append_with_str("mode", mode.as_str())
        .map_err(|_| ApiErr::Unexpected)?;
    if let Some(encoding) = encoding {
        form.append_with_str("encoding", &encoding)
            .map_err(|_| ApiErr::Unexpected)?;
    }
    let response = send_raw(Method::POST, "/imports", Some((form.as_ref(), None))).await?;
    decode(&read(response).await?)
}

pub async fn get(id: i64) -> Result<Import, ApiErr> {
    decode(&call(Method::GET, format!("/imports/{id}"), None).await?)
}

pub async fn list() -> Result<Page<Import>, ApiErr> {
    decode(&call(Method::GET, "/imports?limit=20".into(), None).await?)
}

/// Imports for real what a finished dry run checked.
pub async fn commit(id: i64) -> Result<Import, ApiErr> {
    decode(&call(Method::POST, format!("/imports/{id}/commit"), None).await?)
}

pub async fn download_errors(id: i64) -> Result<(), ApiErr> {
    download_file(
        &format!("/imports/{id}/errors.csv"),
        &format!("import-{id}-errors.csv"),
    )
    .await
}

/// The CSV template of `kind` with headers in `lang` (`zh-CN`, `en`).
pub async fn download_template(kind: ImportKind, lang: &str) -> Result<(), ApiErr> {
    let suffix = if lang == "en" { "en" } else { "zh" };
    download_file(
        &format!("/imports/templates/{kind}?lang={lang}"),
        &format!("steward-{kind}-{suffix}.csv"),
    )
    .await
}
