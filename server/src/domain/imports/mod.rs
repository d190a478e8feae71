//! Imports of a customer base (issue 14): an admin or manager uploads a CSV
//! or Excel file of accounts, contacts, contracts, licences or agreements;
//! the file is kept in the store (`crate::storage`, `imports/<id>.<format>`:
//! on local disk or S3, so any replica can import it) and imported by a background
//! worker, in batches, either as a dry run (every row checked, nothing
//! written) or for real.
//!
//! - **Resumable.** A worker claims an import with a lease (a conditional
//!   update on `attempt`), renews it with each batch, and writes each batch
//!   of a commit in one transaction together with its progress (each row in
//!   a savepoint, so a bad row rolls back alone). A worker that dies leaves
//!   the lease to run out; the `imports` job (and the start of every
//!   server) claims it again and goes on after the last recorded row: every
//!   row is done exactly once.
//! - **Validated as the API validates.** A commit writes each row through
//!   the same domain function the API calls; a dry run applies the same
//!   checks without writing. A bad row fails alone, with its line, column
//!   and reason (`errors.csv`, in the reader's language).

pub mod rows;
pub mod source;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::imports::{Import, ImportColumn, ImportKind, ImportMode, ImportRowError, ImportStatus};
use shared::texts::{Msg, T};
use shared::{Locale, Page, Role};

use crate::auth::{Actor, StaffActor};
use crate::domain::common::pagination::{page_of, try_page, PageQuery, Paging};
use crate::entity::{import_errors, imports, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use self::rows::{Ctx, Outcome, Row};
use self::source::{Event, Format};

/// How long a claim holds without progress.
const LEASE_SECS: i64 = 120;
/// How long an upload may take to reach the store before a worker may
/// claim its import (and, its file missing, fail it).
const STORING_LEASE_SECS: i64 = 600;
/// Failed lines shown with the import (all of them: `errors.csv`).
const ERRORS_SHOWN: u64 = 20;
/// The largest file taken.
pub const MAX_IMPORT_BYTES: usize = 200 * 1024 * 1024;

/// Who may import: admins and managers.
pub fn require_importer(actor: &StaffActor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager])
}

/// This machine's folder for uploads being received and for the copy a
/// worker reads (an S3 store's object is fetched here first); with the
/// default store it is also where the stored files are.
pub fn folder(state: &AppState) -> PathBuf {
    state.config.data_dir.join("imports")
}

/// The storage key of an import's file.
fn key_of(id: i64, format: &str) -> String {
    format!("imports/{id}.{format}")
}

/// How long a finished dry run's file is kept for its commit.
pub const DRY_RUN_FILE_DAYS: i64 = 7;
/// How long an upload that never became an import (the server stopped
/// while receiving it) may lie in the folder.
const STRAY_UPLOAD_HOURS: u64 = 24;

/// Removes the files imports no longer need — customers' data is not kept
/// longer than its use: a commit's file once it has ended, a dry run's
/// [`DRY_RUN_FILE_DAYS`] after it ended (its commit then asks for the file
/// again), a file whose import is gone, and stray uploads. Returns how many
/// files were removed.
pub async fn sweep_files(state: &AppState) -> AppResult<u64> {
    let mut removed = sweep_local(state);
    let mut files: Vec<(i64, String)> = Vec::new();
    for object in state.storage.list("imports/").await? {
        let name = object.key.rsplit('/').next().unwrap_or_default();
        if let Some(id) = name
            .split_once('.')
            .and_then(|(id, _)| id.parse::<i64>().ok())
        {
            files.push((id, object.key));
        }
    }
    let cutoff = state.clock.now() - Duration::days(DRY_RUN_FILE_DAYS);
    for chunk in files.chunks(500) {
        let known: HashMap<i64, imports::Model> = imports::Entity::find()
            .filter(imports::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        for (id, key) in chunk {
            let needless = match known.get(id) {
                None => true,
                Some(import) => match import.finished_at {
                    None => false,
                    Some(_) if import.mode == ImportMode::Commit.as_str() => true,
                    Some(at) => at < cutoff,
                },
            };
            if needless && state.storage.delete(key).await.is_ok() {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Removes this machine's stray uploads and worker copies (the server
/// stopped while receiving or reading them).
fn sweep_local(state: &AppState) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder(state)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.starts_with("upload-") && name.ends_with(".part")) {
            continue;
        }
        let stray = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > STRAY_UPLOAD_HOURS * 3600);
        if stray && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A local file under a temporary name in [`folder`]: an upload, or the
/// copy a worker reads.
fn temporary_file(state: &AppState) -> PathBuf {
    folder(state).join(format!("upload-{}.part", uuid::Uuid::new_v4()))
}

/// Where an import's file comes from.
pub enum Received {
    /// Just uploaded, in [`folder`] under a temporary name.
    File(PathBuf),
    /// A dry run's file, already in the store under this key.
    Stored(String),
}

/// A file to import.
pub struct Upload {
    pub file: Received,
    pub file_name: String,
    pub kind: ImportKind,
    pub mode: ImportMode,
    /// The character set the user chose for a CSV, if any.
    pub encoding: Option<String>,
}

/// Queues an import of an uploaded file and starts the worker.
pub async fn create(state: &AppState, actor: &StaffActor, upload: Upload) -> AppResult<Import> {
    require_importer(actor)?;
    let result = queue(state, actor, &upload).await;
    if let (Err(_), Received::File(path)) = (&result, &upload.file) {
        let _ = tokio::fs::remove_file(path).await;
    }
    let import = result?;
    kick(state);
    Ok(import)
}

async fn queue(state: &AppState, actor: &StaffActor, upload: &Upload) -> AppResult<Import> {
    let head = match &upload.file {
        Received::File(path) => source::head_of(path).map_err(|e| AppError::Internal(e.into()))?,
        Received::Stored(key) => {
            state
                .storage
                .head_bytes(key, source::SNIFF_BYTES as u64)
                .await?
        }
    };
    if head.is_empty() {
        return Err(AppError::field("file", "the file is empty"));
    }
    let format = Format::detect(&upload.file_name, &head).ok_or_else(|| {
        AppError::field(
            "file",
            "is not a CSV or an Excel workbook (.xlsx); save an .xls as .xlsx or CSV first",
        )
    })?;
    let encoding = match (format, upload.encoding.as_deref().map(str::trim)) {
        (Format::Xlsx, _) => "-".to_string(),
        (Format::Csv, Some(label)) if !label.is_empty() && label != "auto" => {
            source::encoding_for_label(label)
                .ok_or_else(|| {
                    AppError::field(
                        "encoding",
                        "must be a character set such as UTF-8, GB18030, GBK or Big5",
                    )
                })?
                .name()
                .to_string()
        }
        (Format::Csv, _) => source::sniff_encoding(&head).name().to_string(),
    };
    let now = state.clock.now();
    // The row is written first (its id names the file), as `running` under
    // a lease and not `queued`: a worker on another replica must not claim
    // it before its file is in the store. If this replica dies before it
    // is queued, the lease lapses and a worker fails it ("the uploaded
    // file is gone"); `sweep_files` keeps the file of an unfinished import.
    let model = imports::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        created_by: Set(actor.user_id),
        kind: Set(upload.kind.as_str().into()),
        mode: Set(upload.mode.as_str().into()),
        file_name: Set(clean_name(&upload.file_name)),
        format: Set(format.as_str().into()),
        encoding: Set(encoding),
        status: Set(ImportStatus::Running.as_str().into()),
        rows_total: Set(0),
        rows_done: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        failed: Set(0),
        columns: Set("[]".into()),
        failure: Set(None),
        attempt: Set(0),
        lease_until: Set(Some(now + Duration::seconds(STORING_LEASE_SECS))),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db.write)
    .await?;
    let target = key_of(model.id, &model.format);
    let stored = match &upload.file {
        Received::File(path) => state.storage.put_file(&target, path).await,
        Received::Stored(key) => state.storage.copy(key, &target).await,
    };
    if let Err(e) = stored {
        imports::Entity::delete_by_id(model.id)
            .exec(&state.db.write)
            .await?;
        return Err(e.into());
    }
    imports::Entity::update_many()
        .col_expr(
            imports::Column::Status,
            Expr::value(ImportStatus::Queued.as_str()),
        )
        .col_expr(
            imports::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(imports::Column::Id.eq(model.id))
        .filter(imports::Column::Attempt.eq(0))
        .exec(&state.db.write)
        .await?;
    let model = imports::Model {
        status: ImportStatus::Queued.as_str().into(),
        lease_until: None,
        ..model
    };
    to_api(&model, Vec::new())
}

fn clean_name(name: &str) -> String {
    let name: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if name.trim().is_empty() {
        "upload".into()
    } else {
        name
    }
}

/// Commits what a finished dry run checked: a new import of the same file.
pub async fn commit(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Import> {
    require_importer(actor)?;
    let dry = find(state, actor, id).await?;
    if dry.mode != ImportMode::DryRun.as_str() || dry.status != ImportStatus::Done.as_str() {
        return Err(AppError::Conflict {
            message: "only a finished dry run can be committed".into(),
            fields: Default::default(),
        });
    }
    let from = key_of(dry.id, &dry.format);
    if state.storage.size_of(&from).await?.is_none() {
        return Err(AppError::Conflict {
            message: "the dry run's file is no longer kept; upload it again".into(),
            fields: Default::default(),
        });
    }
    let kind: ImportKind = dry
        .kind
        .parse()
        .map_err(|e: String| AppError::Internal(anyhow::anyhow!(e)))?;
    create(
        state,
        actor,
        Upload {
            file: Received::Stored(from),
            file_name: dry.file_name.clone(),
            kind,
            mode: ImportMode::Commit,
            encoding: (dry.encoding != "-").then(|| dry.encoding.clone()),
        },
    )
    .await
}

async fn find(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<imports::Model> {
    imports::Entity::find_by_id(id)
        .filter(imports::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)
}

/// The language the actor reads: their choice, else the default.
pub async fn reader_locale(state: &AppState, actor: &StaffActor) -> AppResult<Locale> {
    Ok(users::Entity::find_by_id(actor.user_id)
        .one(&state.db.read)
        .await?
        .map_or(Locale::DEFAULT, |u| u.mail_locale()))
}

/// Renders stored English reasons in `lang`, each distinct one once.
struct Renderer {
    lang: Locale,
    seen: HashMap<String, String>,
}

impl Renderer {
    fn new(lang: Locale) -> Self {
        Renderer {
            lang,
            seen: HashMap::new(),
        }
    }

    fn render(&mut self, message: &str) -> String {
        if self.lang == Locale::En {
            return message.to_string();
        }
        if let Some(done) = self.seen.get(message) {
            return done.clone();
        }
        let text = Msg::parse_en(message)
            .and_then(|m| m.render(self.lang))
            .unwrap_or_else(|| message.to_string());
        self.seen.insert(message.to_string(), text.clone());
        text
    }
}

fn to_api(model: &imports::Model, errors: Vec<ImportRowError>) -> AppResult<Import> {
    let parse = |what: &str, value: &str| -> AppResult<_> {
        Err(AppError::Internal(anyhow::anyhow!(
            "imports {}: stored {what} '{value}' is unknown",
            model.id
        )))
    };
    let kind = match model.kind.parse() {
        Ok(k) => k,
        Err(_) => return parse("kind", &model.kind),
    };
    let mode = match model.mode.parse() {
        Ok(m) => m,
        Err(_) => return parse("mode", &model.mode),
    };
    let status = match model.status.parse() {
        Ok(s) => s,
        Err(_) => return parse("status", &model.status),
    };
    Ok(Import {
        id: model.id,
        kind,
        mode,
        status,
        file_name: model.file_name.clone(),
        format: model.format.clone(),
        encoding: model.encoding.clone(),
        rows_total: model.rows_total,
        rows_done: model.rows_done,
        created: model.created,
        updated: model.updated,
        unchanged: model.unchanged,
        failed: model.failed,
        columns: serde_json::from_str(&model.columns).unwrap_or_default(),
        errors,
        failure: model.failure.clone(),
        created_by: model.created_by,
        created_at: model.created_at,
        started_at: model.started_at,
        finished_at: model.finished_at,
    })
}

/// An import with its first failed lines, in the reader's language.
pub async fn get(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Import> {
    require_importer(actor)?;
    let model = find(state, actor, id).await?;
    let lang = reader_locale(state, actor).await?;
    let mut renderer = Renderer::new(lang);
    let errors = import_errors::Entity::find()
        .filter(import_errors::Column::ImportId.eq(model.id))
        .order_by_asc(import_errors::Column::RowNumber)
        .order_by_asc(import_errors::Column::Id)
        .limit(ERRORS_SHOWN)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|e| ImportRowError {
            row: e.row_number,
            column: e.column_name,
            message: renderer.render(&e.message),
        })
        .collect();
    let mut import = to_api(&model, errors)?;
    if let Some(failure) = &import.failure {
        import.failure = Some(renderer.render(failure));
    }
    Ok(import)
}

/// The workspace's imports, newest first.
pub async fn list(
    state: &AppState,
    actor: &StaffActor,
    query: &PageQuery,
) -> AppResult<Page<Import>> {
    require_importer(actor)?;
    let params = query.params()?;
    let mut find = imports::Entity::find()
        .filter(imports::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(imports::Column::Id);
    if let Some(before) = params.before_id {
        find = find.filter(imports::Column::Id.lt(before));
    }
    let rows = find.limit(params.limit + 1).all(&state.db.read).await?;
    try_page(page_of(rows, params, |m| m.id, |m| to_api(&m, Vec::new())))
}

/// Every failed line as CSV (UTF-8 with a BOM, so Excel shows Chinese).
pub async fn errors_csv(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<String> {
    require_importer(actor)?;
    let model = find(state, actor, id).await?;
    let lang = reader_locale(state, actor).await?;
    let mut renderer = Renderer::new(lang);
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let header = match lang {
        Locale::ZhCn => ["行号", "列", "原因"],
        Locale::En => ["row", "column", "reason"],
    };
    let csv_error = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(header).map_err(csv_error)?;
    let mut after = 0i64;
    loop {
        let batch = import_errors::Entity::find()
            .filter(import_errors::Column::ImportId.eq(model.id))
            .filter(import_errors::Column::Id.gt(after))
            .order_by_asc(import_errors::Column::Id)
            .limit(5_000)
            .all(&state.db.read)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for e in &batch {
            out.write_record([
                e.row_number.to_string(),
                e.column_name.clone(),
                renderer.render(&e.message),
            ])
            .map_err(csv_error)?;
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let mut text = String::from('\u{feff}');
    text.push_str(&String::from_utf8_lossy(&bytes));
    Ok(text)
}

/// A template of `kind`: the headers in `lang` and one example row.
pub fn template(kind: ImportKind, lang: Locale) -> String {
    let fields = kind.fields();
    let header: Vec<String> = fields
        .iter()
        .map(|f| {
            let name = match lang {
                Locale::ZhCn => f.zh,
                Locale::En => f.key,
            };
            if f.required {
                format!("{name}*")
            } else {
                name.to_string()
            }
        })
        .collect();
    let example: Vec<&str> = fields
        .iter()
        .map(|f| example_value(kind, f.key, lang))
        .collect();
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = out.write_record(&header);
    let _ = out.write_record(&example);
    let bytes = out.into_inner().unwrap_or_default();
    let mut text = String::from('\u{feff}');
    text.push_str(&String::from_utf8_lossy(&bytes));
    text
}

fn example_value(kind: ImportKind, key: &str, lang: Locale) -> &'static str {
    let zh = lang == Locale::ZhCn;
    match (kind, key) {
        (ImportKind::Accounts, "code") | (_, "account_code") => "000123",
        (ImportKind::Accounts, "name") => {
            if zh {
                "上海精密机械有限公司"
            } else {
                "Shanghai Precision Machinery Co., Ltd."
            }
        }
        (_, "industry") => {
            if zh {
                "机械制造"
            } else {
                "Machinery"
            }
        }
        (_, "segment") => "A",
        (_, "owner_email") => "csm@example.com",
        (_, "stage") => {
            if zh {
                "实施"
            } else {
                "onboarding"
            }
        }
        (ImportKind::Contacts, "modules") => {
            if zh {
                "财务"
            } else {
                "finance"
            }
        }
        (_, "modules") => {
            if zh {
                "财务、销售、仓存"
            } else {
                "finance, sales, inventory"
            }
        }
        (_, "email") => "wang.li@example.com",
        (ImportKind::Contacts, "name") => {
            if zh {
                "王丽"
            } else {
                "Wang Li"
            }
        }
        (_, "phone") => "13800138000",
        (_, "title") => {
            if zh {
                "财务经理"
            } else {
                "Finance manager"
            }
        }
        (_, "number") => "HT-2026-0001",
        (_, "starts_on") => "2026-01-01",
        (_, "ends_on") => "2026-12-31",
        (_, "annual_value") => "128000.00",
        (_, "currency") => "CNY",
        (_, "auto_renew") => {
            if zh {
                "否"
            } else {
                "no"
            }
        }
        (_, "notice_days") => "30",
        (_, "dongle_serial") => "KD-88001234",
        (_, "edition") => {
            if zh {
                "标准版"
            } else {
                "Standard"
            }
        }
        (_, "seats") => "20",
        (_, "expires_on") => "2027-12-31",
        (_, "level") => "gold",
        (_, "signed_on") => "2025-12-20",
        (_, "service_content") => {
            if zh {
                "远程支持、月结协助"
            } else {
                "Remote support, month-end help"
            }
        }
        (_, "complaint_procedure") => {
            if zh {
                "向客户成功经理投诉，三个工作日内答复"
            } else {
                "Complain to the CSM; answered within three working days"
            }
        }
        _ => "",
    }
}

/// Wakes the worker (it also runs from the `imports` job).
pub fn kick(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = run_pending(&state, None).await {
            tracing::warn!(error = %e, "import worker failed");
        }
    });
}

#[derive(Debug, Default, serde::Serialize)]
pub struct RunReport {
    pub imports: usize,
    /// Files no import needs any more, removed (platform runs only).
    pub files_removed: u64,
}

/// Claims and runs imports until none is waiting (or all are held by
/// other workers), then removes the files no import needs.
pub async fn run_pending(state: &AppState, workspace: Option<i64>) -> AppResult<RunReport> {
    let mut report = RunReport::default();
    while let Some(claimed) = claim(state, workspace).await? {
        run_one(state, claimed).await?;
        report.imports += 1;
    }
    if workspace.is_none() {
        report.files_removed = sweep_files(state).await?;
    }
    Ok(report)
}

fn waiting(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(imports::Column::Status.eq(ImportStatus::Queued.as_str()))
        .add(
            Condition::all()
                .add(imports::Column::Status.eq(ImportStatus::Running.as_str()))
                .add(imports::Column::LeaseUntil.lt(now)),
        )
}

async fn claim(state: &AppState, workspace: Option<i64>) -> AppResult<Option<imports::Model>> {
    loop {
        let now = state.clock.now();
        let mut query = imports::Entity::find().filter(waiting(now));
        if let Some(ws) = workspace {
            query = query.filter(imports::Column::WorkspaceId.eq(ws));
        }
        let Some(candidate) = query
            .order_by_asc(imports::Column::Id)
            .one(&state.db.write)
            .await?
        else {
            return Ok(None);
        };
        let claimed = imports::Entity::update_many()
            .col_expr(
                imports::Column::Status,
                Expr::value(ImportStatus::Running.as_str()),
            )
            .col_expr(imports::Column::Attempt, Expr::value(candidate.attempt + 1))
            .col_expr(
                imports::Column::LeaseUntil,
                Expr::value(now + Duration::seconds(LEASE_SECS)),
            )
            .col_expr(
                imports::Column::StartedAt,
                Expr::value(candidate.started_at.unwrap_or(now)),
            )
            .filter(imports::Column::Id.eq(candidate.id))
            .filter(imports::Column::Attempt.eq(candidate.attempt))
            .filter(waiting(now))
            .exec(&state.db.write)
            .await?;
        if claimed.rows_affected == 1 {
            let mut model = candidate;
            model.attempt += 1;
            return Ok(Some(model));
        }
    }
}

/// Ends an import (fenced by the claim's attempt) and tells integrations
/// (`import.finished`) in the same transaction.
async fn finish(
    state: &AppState,
    import: &imports::Model,
    status: ImportStatus,
    failure: Option<String>,
) -> AppResult<()> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let ended = imports::Entity::update_many()
        .col_expr(imports::Column::Status, Expr::value(status.as_str()))
        .col_expr(imports::Column::Failure, Expr::value(failure))
        .col_expr(
            imports::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(imports::Column::FinishedAt, Expr::value(now))
        .filter(imports::Column::Id.eq(import.id))
        .filter(imports::Column::Attempt.eq(import.attempt))
        .exec(&txn)
        .await?;
    if ended.rows_affected != 1 {
        // Another worker holds it now.
        txn.rollback().await?;
        return Ok(());
    }
    if let Some(model) = imports::Entity::find_by_id(import.id).one(&txn).await? {
        let body = to_api(&model, Vec::new())?;
        let data = serde_json::json!({ "import": body });
        crate::domain::integrations::events::emit(
            &txn,
            import.workspace_id,
            shared::integrations::EventType::ImportFinished,
            data,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    state.integrations.kick();
    if import.mode == ImportMode::Commit.as_str() {
        // A commit's file has served its use; a dry run's waits for its
        // commit (see sweep_files).
        let _ = state
            .storage
            .delete(&key_of(import.id, &import.format))
            .await;
    }
    Ok(())
}

/// The file a worker reads: the stored file itself (a `file://` store) or
/// a copy fetched from the store, removed when the worker is done.
struct LocalCopy {
    path: PathBuf,
    temporary: bool,
}

impl Drop for LocalCopy {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

async fn run_one(state: &AppState, import: imports::Model) -> AppResult<()> {
    let (Ok(kind), Some(format)) = (
        import.kind.parse::<ImportKind>(),
        Format::parse(&import.format),
    ) else {
        return finish(
            state,
            &import,
            ImportStatus::Failed,
            Some("unknown kind or format".into()),
        )
        .await;
    };
    let user = users::Entity::find_by_id(import.created_by)
        .filter(users::Column::WorkspaceId.eq(import.workspace_id))
        .one(&state.db.read)
        .await?;
    let Some(role) = user
        .filter(|u| u.active)
        .and_then(|u| u.role.parse::<Role>().ok())
        .filter(|r| matches!(r, Role::Admin | Role::Manager))
    else {
        let why = Msg::new(T::RoleForbids).en();
        return finish(state, &import, ImportStatus::Failed, Some(why)).await;
    };
    let actor = StaffActor::try_from_actor(Actor {
        user_id: import.created_by,
        workspace_id: import.workspace_id,
        role,
        session_id: 0,
    })?;
    let owners = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(import.workspace_id))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in(["admin", "manager", "csm"]))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|u| (shared::validation::normalize_email(&u.email), u.id))
        .collect();
    let code_rule =
        crate::domain::accounts::settings::code_rule(&state.db.read, import.workspace_id).await?;
    let dry_run = import.mode == ImportMode::DryRun.as_str();
    let mut ctx = Ctx::new(actor, dry_run, code_rule, owners, state.clock.now());
    let encoding = source::encoding_for_label(&import.encoding);
    let key = key_of(import.id, &import.format);
    let local = match state.storage.local_path(&key) {
        Some(path) => LocalCopy {
            path,
            temporary: false,
        },
        None => {
            let copy = LocalCopy {
                path: temporary_file(state),
                temporary: true,
            };
            crate::config::private_dir(&folder(state))?;
            match state.storage.fetch_to(&key, &copy.path).await {
                Ok(()) => copy,
                Err(crate::storage::StorageError::NotFound(_)) => {
                    let why = Msg::new(T::ImportUnreadable)
                        .with("detail", "the uploaded file is gone")
                        .en();
                    return finish(state, &import, ImportStatus::Failed, Some(why)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut events = source::spawn(
        local.path.clone(),
        format,
        encoding,
        import.rows_done.max(0) as usize,
        move |headers| map_columns(kind, headers).iter().flatten().count(),
    );
    let mut mapping: Vec<Option<&'static str>> = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    while let Some(event) = events.recv().await {
        match event {
            Event::Failed(reason) => {
                let why = Msg::new(T::ImportUnreadable).with("detail", reason).en();
                return finish(state, &import, ImportStatus::Failed, Some(why)).await;
            }
            Event::Start {
                headers: found,
                rows_total,
            } => {
                mapping = map_columns(kind, &found);
                headers = found;
                if let Some(why) = missing_columns(kind, &mapping) {
                    save_columns(state, &import, &headers, &mapping, rows_total).await?;
                    return finish(state, &import, ImportStatus::Failed, Some(why)).await;
                }
                if !save_columns(state, &import, &headers, &mapping, rows_total).await? {
                    return Ok(());
                }
            }
            Event::Rows(lines) => {
                // A commit writes a batch in one transaction, each row's
                // write in a savepoint of its own (a bad row rolls back
                // alone) and new accounts and contacts together at the
                // end, with the batch's progress: done exactly once, or
                // not at all.
                let txn = state.db.write.begin().await?;
                let mut tally = Tally::default();
                let mut errors = Vec::new();
                let mut problem = |line: i32, problems: Vec<rows::RowError>| {
                    for p in problems {
                        errors.push(import_errors::ActiveModel {
                            import_id: Set(import.id),
                            row_number: Set(line),
                            column_name: Set(header_of(&p.field, &headers, &mapping)),
                            message: Set(p.message),
                            ..Default::default()
                        });
                    }
                };
                let batch: Vec<Row<'_>> = lines
                    .iter()
                    .map(|line| Row {
                        number: line.number,
                        values: mapping
                            .iter()
                            .zip(line.cells.iter())
                            .filter_map(|(field, cell)| field.map(|f| (f, cell.as_str())))
                            .collect(),
                    })
                    .collect();
                if ctx.dry_run {
                    rows::preload(&state.db.read, &mut ctx, kind, &batch).await?;
                } else {
                    rows::preload(&txn, &mut ctx, kind, &batch).await?;
                }
                for row in &batch {
                    let result = if ctx.dry_run {
                        rows::apply(&state.db.read, &mut ctx, kind, row).await?
                    } else {
                        rows::apply(&txn, &mut ctx, kind, row).await?
                    };
                    match result {
                        Ok(Outcome::Created) => tally.created += 1,
                        Ok(Outcome::Updated) => tally.updated += 1,
                        Ok(Outcome::Unchanged) => tally.unchanged += 1,
                        Err(problems) => {
                            tally.failed += 1;
                            problem(row.number, problems);
                        }
                    }
                }
                for (line, problems) in rows::flush(&txn, &mut ctx).await? {
                    tally.created -= 1;
                    tally.failed += 1;
                    problem(line, problems);
                }
                tally.done = lines.len() as i32;
                if !record(&txn, state, &import, tally, errors).await? {
                    // The lease went to another worker: it goes on.
                    txn.rollback().await?;
                    return Ok(());
                }
                txn.commit().await?;
                if !ctx.dry_run {
                    state.integrations.kick();
                }
            }
        }
    }
    finish(state, &import, ImportStatus::Done, None).await?;
    tracing::info!(import = import.id, kind = %kind, "import finished");
    Ok(())
}

/// Each header's field (`None`: not one this kind reads; a second header
/// of the same field is ignored too).
fn map_columns(kind: ImportKind, headers: &[String]) -> Vec<Option<&'static str>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let field = kind.field_for_header(h)?.key;
            if taken.contains(&field) {
                return None;
            }
            taken.push(field);
            Some(field)
        })
        .collect()
}

fn missing_columns(kind: ImportKind, mapping: &[Option<&'static str>]) -> Option<String> {
    if mapping.iter().all(Option::is_none) {
        return Some(Msg::new(T::ImportNoHeader).with("kind", kind).en());
    }
    let missing: Vec<String> = kind
        .fields()
        .iter()
        .filter(|f| f.required && !mapping.contains(&Some(f.key)))
        .map(|f| format!("{} ({})", f.key, f.zh))
        .collect();
    (!missing.is_empty()).then(|| {
        Msg::new(T::ImportMissingColumns)
            .with("columns", missing.join(", "))
            .en()
    })
}

fn header_of(field: &str, headers: &[String], mapping: &[Option<&'static str>]) -> String {
    if field.is_empty() {
        return String::new();
    }
    mapping
        .iter()
        .position(|m| *m == Some(field))
        .and_then(|i| headers.get(i))
        .map_or_else(|| field.to_string(), |h| h.trim().to_string())
}

/// Records the file's columns and size; false if the claim was lost.
async fn save_columns(
    state: &AppState,
    import: &imports::Model,
    headers: &[String],
    mapping: &[Option<&'static str>],
    rows_total: usize,
) -> AppResult<bool> {
    let columns: Vec<ImportColumn> = headers
        .iter()
        .zip(mapping)
        .map(|(h, f)| ImportColumn {
            header: h.trim().trim_start_matches('\u{feff}').to_string(),
            field: f.map(str::to_string),
        })
        .collect();
    let json = serde_json::to_string(&columns).map_err(|e| AppError::Internal(e.into()))?;
    let done = imports::Entity::update_many()
        .col_expr(imports::Column::Columns, Expr::value(json))
        .col_expr(
            imports::Column::RowsTotal,
            Expr::value(i32::try_from(rows_total).unwrap_or(i32::MAX)),
        )
        .col_expr(
            imports::Column::LeaseUntil,
            Expr::value(state.clock.now() + Duration::seconds(LEASE_SECS)),
        )
        .filter(imports::Column::Id.eq(import.id))
        .filter(imports::Column::Attempt.eq(import.attempt))
        .exec(&state.db.write)
        .await?;
    Ok(done.rows_affected == 1)
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    done: i32,
    created: i32,
    updated: i32,
    unchanged: i32,
    failed: i32,
}

/// A batch's progress and failed lines, in the batch's transaction, fenced
/// by the claim; false if the claim was lost (the caller rolls back).
async fn record(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    import: &imports::Model,
    tally: Tally,
    errors: Vec<import_errors::ActiveModel>,
) -> AppResult<bool> {
    let add = |column: imports::Column, n: i32| Expr::col(column).add(n);
    let done = imports::Entity::update_many()
        .col_expr(
            imports::Column::RowsDone,
            add(imports::Column::RowsDone, tally.done),
        )
        .col_expr(
            imports::Column::Created,
            add(imports::Column::Created, tally.created),
        )
        .col_expr(
            imports::Column::Updated,
            add(imports::Column::Updated, tally.updated),
        )
        .col_expr(
            imports::Column::Unchanged,
            add(imports::Column::Unchanged, tally.unchanged),
        )
        .col_expr(
            imports::Column::Failed,
            add(imports::Column::Failed, tally.failed),
        )
        .col_expr(
            imports::Column::LeaseUntil,
            Expr::value(state.clock.now() + Duration::seconds(LEASE_SECS)),
        )
        .filter(imports::Column::Id.eq(import.id))
        .filter(imports::Column::Attempt.eq(import.attempt))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    if !errors.is_empty() {
        import_errors::Entity::insert_many(errors)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_to_fields_once_and_required_ones_are_named_when_missing() {
        let headers: Vec<String> = ["客户编码", "客户名称", "备注", "code"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mapping = map_columns(ImportKind::Accounts, &headers);
        assert_eq!(mapping, vec![Some("code"), Some("name"), None, None]);
        assert_eq!(missing_columns(ImportKind::Accounts, &mapping), None);
        let why = missing_columns(
            ImportKind::Contacts,
            &map_columns(ImportKind::Contacts, &headers),
        )
        .unwrap_or_default();
        assert!(why.contains("email (邮箱)"), "{why}");
        assert_eq!(header_of("name", &headers, &mapping), "客户名称");
        assert_eq!(header_of("", &headers, &mapping), "");
    }

    #[test]
    fn a_template_carries_its_headers_in_the_language_asked() {
        let zh = template(ImportKind::Accounts, Locale::ZhCn);
        assert!(zh.starts_with("\u{feff}客户编码*,客户名称*,"), "{zh}");
        let en = template(ImportKind::Contracts, Locale::En);
        assert!(en.starts_with("\u{feff}number*,account_code*,"), "{en}");
        // Every template's headers are read back as its own fields.
        for kind in ImportKind::ALL {
            for lang in [Locale::ZhCn, Locale::En] {
                let text = template(*kind, lang);
                let first = text
                    .trim_start_matches('\u{feff}')
                    .lines()
                    .next()
                    .unwrap_or_default();
                let headers: Vec<String> = first.split(',').map(str::to_string).collect();
                let mapping = map_columns(*kind, &headers);
                assert!(
                    mapping.iter().all(Option::is_some),
                    "{kind} {lang:?}: {first}"
                );
            }
        }
    }
}
