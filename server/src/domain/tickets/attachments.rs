//! Ticket attachments: screenshots and documents up to 10 MiB, kept in the
//! store (`crate::storage`: the data directory's `attachments/`, or S3). The declared type must be one we accept
//! and must match the file's first bytes (a "PNG" that is really a script is
//! refused). Only those who may see the ticket may list or download them.
//!
//! A staff upload can be `internal` (the screenshot beside an internal
//! note): the portal neither lists nor serves it. A closed ticket takes no
//! more files, and each ticket and each workspace has a quota
//! ([`MAX_FILES_PER_TICKET`], [`MAX_BYTES_PER_TICKET`],
//! `STEWARD_ATTACHMENT_QUOTA_MB`); the check is not atomic with the insert,
//! so two uploads at the same moment can pass it by one file.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use shared::tickets::Attachment;
use shared::tickets::TicketStatus;

use crate::auth::{Actor, PortalActor, StaffActor};
use crate::domain::tickets;
use crate::entity::ticket_attachments;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_FILES_PER_TICKET: i64 = 50;
pub const MAX_BYTES_PER_TICKET: i64 = 200 * 1024 * 1024;

/// The 413 of a file over [`MAX_ATTACHMENT_BYTES`].
pub fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "attachments are limited to {} MiB",
        MAX_ATTACHMENT_BYTES / 1024 / 1024
    ))
}

/// Accepted types and how their content starts (`None`: no fixed signature).
const ACCEPTED: &[(&str, Option<&[u8]>)] = &[
    ("image/png", Some(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", Some(b"\xff\xd8\xff")),
    ("image/gif", Some(b"GIF8")),
    ("image/webp", Some(b"RIFF")),
    ("application/pdf", Some(b"%PDF-")),
    // Office Open XML files are zip archives.
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some(b"PK\x03\x04"),
    ),
    ("application/msword", Some(b"\xd0\xcf\x11\xe0")),
    ("application/vnd.ms-excel", Some(b"\xd0\xcf\x11\xe0")),
    ("application/zip", Some(b"PK\x03\x04")),
    ("text/plain", None),
    ("text/csv", None),
];

fn to_api(m: ticket_attachments::Model) -> Attachment {
    Attachment {
        id: m.id,
        ticket_id: m.ticket_id,
        file_name: m.file_name,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        uploaded_by: m.uploaded_by,
        created_at: m.created_at,
        internal: m.internal,
    }
}

/// Files and bytes already attached, to one ticket or a whole workspace.
async fn usage(
    state: &AppState,
    workspace_id: i64,
    ticket_id: Option<i64>,
) -> AppResult<(i64, i64)> {
    let mut query = ticket_attachments::Entity::find()
        .select_only()
        .column_as(Expr::col(ticket_attachments::Column::Id).count(), "files")
        .column_as(
            Expr::expr(Expr::col(ticket_attachments::Column::SizeBytes).sum())
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            "bytes",
        )
        .filter(ticket_attachments::Column::WorkspaceId.eq(workspace_id));
    if let Some(ticket_id) = ticket_id {
        query = query.filter(ticket_attachments::Column::TicketId.eq(ticket_id));
    }
    let row: Option<(i64, Option<i64>)> = query.into_tuple().one(&state.db.read).await?;
    Ok(row.map_or((0, 0), |(files, bytes)| (files, bytes.unwrap_or(0))))
}

/// Refuses a file to a closed ticket, or beyond a quota.
async fn may_add(
    state: &AppState,
    ticket: &crate::entity::tickets::Model,
    size: usize,
) -> AppResult<()> {
    if tickets::status_of(ticket)? == TicketStatus::Closed {
        return Err(AppError::field(
            "ticket_id",
            "the ticket is closed; open a new ticket instead",
        ));
    }
    let size = size as i64;
    let (files, bytes) = usage(state, ticket.workspace_id, Some(ticket.id)).await?;
    if files >= MAX_FILES_PER_TICKET || bytes + size > MAX_BYTES_PER_TICKET {
        return Err(AppError::PayloadTooLarge(format!(
            "a ticket holds at most {MAX_FILES_PER_TICKET} files and {} MiB of attachments",
            MAX_BYTES_PER_TICKET / 1024 / 1024
        )));
    }
    let quota_mb = i64::from(state.config.attachment_quota_mb);
    let (_, used) = usage(state, ticket.workspace_id, None).await?;
    if used + size > quota_mb * 1024 * 1024 {
        return Err(AppError::PayloadTooLarge(format!(
            "the workspace's attachments are limited to {quota_mb} MiB in all"
        )));
    }
    Ok(())
}

/// Checks the declared type against the list and the content.
pub fn check_type(content_type: &str, bytes: &[u8]) -> AppResult<&'static str> {
    let declared = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((accepted, magic)) = ACCEPTED.iter().find(|(t, _)| *t == declared) else {
        return Err(AppError::field(
            "content_type",
            "only images (PNG, JPEG, GIF, WebP), PDF, Office documents, ZIP, text and CSV files are accepted",
        ));
    };
    let matches = match magic {
        Some(signature) => bytes.starts_with(signature),
        // Text must be text.
        None => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
    };
    if matches {
        Ok(accepted)
    } else {
        Err(AppError::field(
            "content_type",
            format!("the file's content is not {declared}"),
        ))
    }
}

fn clean_file_name(name: &str) -> AppResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return Err(AppError::field(
            "file_name",
            "give the file a name (?file_name=…)",
        ));
    }
    Ok(cleaned)
}

/// The storage key of an attachment's `storage_key` column.
pub fn object_key(storage_key: &str) -> String {
    format!("attachments/{storage_key}")
}

/// What is uploaded, and whether it stays with the staff.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub internal: bool,
}

async fn store(
    state: &AppState,
    actor: &Actor,
    ticket: &crate::entity::tickets::Model,
    upload: Upload<'_>,
    now: DateTime<Utc>,
) -> AppResult<Attachment> {
    let Upload {
        file_name,
        content_type,
        bytes,
        internal,
    } = upload;
    let ticket_id = ticket.id;
    if bytes.is_empty() {
        return Err(AppError::field("file", "the file is empty"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large());
    }
    let file_name = clean_file_name(file_name)?;
    let content_type = check_type(content_type, &bytes)?;
    may_add(state, ticket, bytes.len()).await?;
    let row = Stored {
        workspace_id: actor.workspace_id,
        ticket_id,
        uploaded_by: actor.user_id,
        file_name,
        content_type,
        internal,
    };
    write_file(state, &state.db.write, row, bytes, now).await
}

/// An attachment row to write beside its file.
struct Stored {
    workspace_id: i64,
    ticket_id: i64,
    uploaded_by: i64,
    file_name: String,
    content_type: &'static str,
    internal: bool,
}

/// A file Steward made itself (a signed visit report's PDF), kept on the
/// ticket for staff and customer alike, in the caller's transaction (a
/// rollback leaves only an unreferenced file behind). It is attached even
/// to a closed ticket and outside the quotas: it records work done.
pub(crate) async fn attach_generated<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    conn: &C,
    ticket: &crate::entity::tickets::Model,
    uploaded_by: i64,
    file: &Generated<'_>,
    now: DateTime<Utc>,
) -> AppResult<Attachment> {
    let row = Stored {
        workspace_id: ticket.workspace_id,
        ticket_id: ticket.id,
        uploaded_by,
        file_name: clean_file_name(file.file_name)?,
        content_type: check_type(file.content_type, file.bytes)?,
        internal: false,
    };
    write_file(state, conn, row, file.bytes.to_vec(), now).await
}

/// A file Steward made: its name, type and bytes.
pub struct Generated<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

async fn write_file<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    conn: &C,
    row: Stored,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> AppResult<Attachment> {
    let Stored {
        workspace_id,
        ticket_id,
        uploaded_by,
        file_name,
        content_type,
        internal,
    } = row;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size_bytes = bytes.len() as i64;
    let key = format!("{}/{}", workspace_id, uuid::Uuid::new_v4());
    let object = object_key(&key);
    state.storage.put(&object, bytes).await?;
    let inserted = ticket_attachments::ActiveModel {
        workspace_id: Set(workspace_id),
        ticket_id: Set(ticket_id),
        uploaded_by: Set(uploaded_by),
        file_name: Set(file_name),
        content_type: Set(content_type.to_string()),
        size_bytes: Set(size_bytes),
        storage_key: Set(key),
        sha256: Set(sha256),
        created_at: Set(now),
        internal: Set(internal),
        ..Default::default()
    }
    .insert(conn)
    .await;
    match inserted {
        Ok(model) => Ok(to_api(model)),
        Err(e) => {
            let _ = state.storage.delete(&object).await;
            Err(e.into())
        }
    }
}

/// A file that came with a customer's mail, attached as theirs (`actor` is
/// the sender's portal login) under the upload's limits and types.
pub(crate) async fn attach_from_mail(
    state: &AppState,
    actor: &Actor,
    ticket: &crate::entity::tickets::Model,
    upload: Upload<'_>,
) -> AppResult<Attachment> {
    let upload = Upload {
        internal: false,
        ..upload
    };
    store(state, actor, ticket, upload, state.clock.now()).await
}

pub async fn upload(
    state: &AppState,
    actor: &StaffActor,
    ticket_id: i64,
    upload: Upload<'_>,
) -> AppResult<Attachment> {
    let ticket = tickets::find(&state.db.read, actor.workspace_id, ticket_id).await?;
    store(state, actor, &ticket, upload, state.clock.now()).await
}

/// A customer's file is never internal: it is theirs.
pub async fn portal_upload(
    state: &AppState,
    actor: &PortalActor,
    ticket_id: i64,
    upload: Upload<'_>,
) -> AppResult<Attachment> {
    let ticket = tickets::portal_visible(&state.db.read, actor, ticket_id).await?;
    let upload = Upload {
        internal: false,
        ..upload
    };
    store(state, actor, &ticket, upload, state.clock.now()).await
}

async fn list_of(
    state: &AppState,
    workspace_id: i64,
    ticket_id: i64,
    with_internal: bool,
) -> AppResult<Vec<Attachment>> {
    let mut query = ticket_attachments::Entity::find()
        .filter(ticket_attachments::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket_attachments::Column::TicketId.eq(ticket_id));
    if !with_internal {
        query = query.filter(ticket_attachments::Column::Internal.eq(false));
    }
    Ok(query
        .order_by_asc(ticket_attachments::Column::Id)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(to_api)
        .collect())
}

pub async fn list(
    state: &AppState,
    actor: &StaffActor,
    ticket_id: i64,
) -> AppResult<Vec<Attachment>> {
    tickets::find(&state.db.read, actor.workspace_id, ticket_id).await?;
    list_of(state, actor.workspace_id, ticket_id, true).await
}

pub async fn portal_list(
    state: &AppState,
    actor: &PortalActor,
    ticket_id: i64,
) -> AppResult<Vec<Attachment>> {
    tickets::portal_readable(&state.db.read, actor, ticket_id).await?;
    list_of(state, actor.workspace_id, ticket_id, false).await
}

/// The attachment's metadata and its bytes, streamed from the store.
pub struct Download {
    pub attachment: Attachment,
    pub bytes: crate::storage::ByteStream,
}

async fn read(state: &AppState, model: ticket_attachments::Model) -> AppResult<Download> {
    let bytes = state
        .storage
        .get_stream(&object_key(&model.storage_key))
        .await
        .map_err(|e| {
            AppError::Internal(anyhow::anyhow!("attachment {} unreadable: {e}", model.id))
        })?;
    Ok(Download {
        attachment: to_api(model),
        bytes,
    })
}

async fn find(
    state: &AppState,
    workspace_id: i64,
    id: i64,
) -> AppResult<ticket_attachments::Model> {
    ticket_attachments::Entity::find_by_id(id)
        .filter(ticket_attachments::Column::WorkspaceId.eq(workspace_id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn download(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Download> {
    let model = find(state, actor.workspace_id, id).await?;
    read(state, model).await
}

pub async fn portal_download(
    state: &AppState,
    actor: &PortalActor,
    id: i64,
) -> AppResult<Download> {
    let model = find(state, actor.workspace_id, id).await?;
    if model.internal {
        return Err(AppError::NotFound);
    }
    tickets::portal_readable(&state.db.read, actor, model.ticket_id).await?;
    read(state, model).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_must_be_accepted_and_match_the_content() {
        assert_eq!(
            check_type("image/png", b"\x89PNG\r\n\x1a\nrest").unwrap(),
            "image/png"
        );
        assert!(check_type("image/png", b"<script>alert(1)</script>").is_err());
        assert!(check_type("application/x-msdownload", b"MZ\x90\x00").is_err());
        assert!(check_type("text/html", b"<html>").is_err());
        assert_eq!(
            check_type("text/plain; charset=utf-8", "销售订单".as_bytes()).unwrap(),
            "text/plain"
        );
        assert!(check_type("text/plain", b"\x00\x01binary").is_err());
        assert_eq!(
            check_type("APPLICATION/PDF", b"%PDF-1.7").unwrap(),
            "application/pdf"
        );
    }

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("C:\\报表\\凭证.png").unwrap(), "凭证.png");
        assert!(clean_file_name("..").is_err());
        assert!(clean_file_name("  ").is_err());
    }
}
