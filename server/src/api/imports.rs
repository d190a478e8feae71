//! `/imports`: importing accounts, contacts, contracts, licences and
//! agreements from CSV or Excel (admins and managers).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use shared::imports::{Import, ImportKind, ImportMode};
use shared::{ErrorBody, Locale, Page};
use tokio::io::AsyncWriteExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::common::pagination::PageQuery;
use crate::domain::imports::{self as domain, Received, Upload, MAX_IMPORT_BYTES};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_import)
        .service(list_imports)
        .service(import_template)
        .service(get_import)
        .service(import_errors)
        .service(commit_import);
}

/// The form `POST /imports` takes.
#[allow(dead_code)] // documents the multipart form; the handler reads it as a stream
#[derive(utoipa::ToSchema)]
struct ImportForm {
    /// The file: `.csv` (UTF-8, with or without BOM, or GB18030/GBK/Big5)
    /// or `.xlsx` (the first worksheet); at most 200 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    kind: ImportKind,
    mode: ImportMode,
    /// The CSV's character set when the guess is wrong: `UTF-8`,
    /// `GB18030`, `GBK`, `Big5`; `auto` or absent: detected.
    encoding: Option<String>,
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "imports are limited to {} MiB",
        MAX_IMPORT_BYTES / 1024 / 1024
    ))
}

fn broken(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("the upload broke off: {e}"))
}

/// Reads the form, streaming the file to the imports folder.
async fn receive(state: &AppState, mut form: Multipart) -> AppResult<Upload> {
    let folder = domain::folder(state);
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let part = folder.join(format!("upload-{}.part", uuid::Uuid::new_v4()));
    let result = read_form(&part, &mut form).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
    }
    result
}

async fn read_form(part: &std::path::Path, form: &mut Multipart) -> AppResult<Upload> {
    let mut file_name: Option<String> = None;
    let mut kind: Option<String> = None;
    let mut mode: Option<String> = None;
    let mut encoding: Option<String> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(broken)?;
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let given = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("upload.csv")
                .to_string();
            let mut out = tokio::fs::File::create(part)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let mut size = 0usize;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(broken)?;
                size += chunk.len();
                if size > MAX_IMPORT_BYTES {
                    return Err(too_large());
                }
                out.write_all(&chunk)
                    .await
                    .map_err(|e| AppError::Internal(e.into()))?;
            }
            out.flush()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            file_name = Some(given);
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(broken)?;
            if value.len() + chunk.len() > 1024 {
                return Err(AppError::field(&name, "is too long"));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value)
            .map_err(|_| AppError::field(&name, "must be text"))?
            .trim()
            .to_string();
        match name.as_str() {
            "kind" => kind = Some(value),
            "mode" => mode = Some(value),
            "encoding" => encoding = Some(value),
            other => return Err(AppError::field(other, "is not a field of this form")),
        }
    }
    let mut fields = shared::FieldErrors::new();
    let kind = match kind.as_deref().map(str::parse::<ImportKind>) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            fields.insert("kind".into(), e);
            None
        }
        None => {
            fields.insert("kind".into(), "is required".into());
            None
        }
    };
    let mode = match mode.as_deref().map(str::parse::<ImportMode>) {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            fields.insert("mode".into(), e);
            None
        }
        None => {
            fields.insert("mode".into(), "is required".into());
            None
        }
    };
    if file_name.is_none() {
        fields.insert("file".into(), "is required".into());
    }
    match (file_name, kind, mode) {
        (Some(file_name), Some(kind), Some(mode)) if fields.is_empty() => Ok(Upload {
            file: Received::File(part.to_path_buf()),
            file_name,
            kind,
            mode,
            encoding,
        }),
        _ => Err(AppError::validation(fields)),
    }
}

/// Imports a CSV or Excel file in the background; answers at once with the
/// queued import, whose progress `GET /imports/{id}` shows. `dry_run`
/// checks every row and writes nothing.
#[utoipa::path(
    tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = Import),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/imports")]
async fn create_import(
    state: web::Data<AppState>,
    actor: StaffActor,
    form: Multipart,
) -> AppResult<HttpResponse> {
    domain::require_importer(&actor)?;
    let upload = receive(&state, form).await?;
    let import = domain::create(&state, &actor, upload).await?;
    Ok(HttpResponse::Accepted().json(import))
}

#[utoipa::path(
    tag = "imports",
    params(PageQuery),
    responses((status = 200, body = Page<Import>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/imports")]
async fn list_imports(
    state: web::Data<AppState>,
    actor: StaffActor,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<Import>>> {
    Ok(web::Json(domain::list(&state, &actor, &query).await?))
}

#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "Import id")),
    responses((status = 200, body = Import), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/imports/{id}")]
async fn get_import(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Import>> {
    Ok(web::Json(domain::get(&state, &actor, *id).await?))
}

/// Every failed line: row number, column and reason, in the reader's
/// language (CSV, UTF-8 with BOM).
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "Import id")),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/imports/{id}/errors.csv")]
async fn import_errors(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let text = domain::errors_csv(&state, &actor, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{}-errors.csv\"", *id),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(text))
}

/// Commits a finished dry run: imports the same file for real.
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "Id of a finished dry run")),
    responses(
        (status = 202, body = Import),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/imports/{id}/commit")]
async fn commit_import(
    state: web::Data<AppState>,
    actor: StaffActor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let import = domain::commit(&state, &actor, *id).await?;
    Ok(HttpResponse::Accepted().json(import))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct TemplateQuery {
    /// `zh-CN` (default) or `en`: the headers' language.
    lang: Option<Locale>,
}

/// A CSV template of `kind` with its headers (required ones marked `*`)
/// and one example row.
#[utoipa::path(
    tag = "imports",
    params(("kind" = ImportKind, Path, description = "What the file holds"), TemplateQuery),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/imports/templates/{kind}")]
async fn import_template(
    actor: StaffActor,
    kind: web::Path<String>,
    query: web::Query<TemplateQuery>,
) -> AppResult<HttpResponse> {
    domain::require_importer(&actor)?;
    let kind: ImportKind = kind.parse().map_err(|_| AppError::NotFound)?;
    let lang = query.lang.unwrap_or(Locale::DEFAULT);
    let suffix = match lang {
        Locale::ZhCn => "zh",
        Locale::En => "en",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"steward-{kind}-{suffix}.csv\""),
        ))
        .body(domain::template(kind, lang)))
}
