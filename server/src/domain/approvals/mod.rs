//! Maker-checker (录入 → 审核) as one mechanism: a change is recorded as a
//! pending approval and takes effect only when a manager or admin who is not
//! its maker approves it. Each kind of change says, in `decide`, what
//! approval and rejection do: the master-data-change ticket and the change
//! of a contract's annual value.

pub mod decide;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use shared::approvals::{Approval, ApprovalStatus};
use shared::Page;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::pagination::try_page;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::approvals;
use crate::entity::stored::stored;
use crate::error::{AppError, AppResult};

/// A master-data change requested by a ticket (`master_data_change`).
pub const TICKET_MASTER_DATA: &str = "ticket_master_data";
/// A change of a contract's annual value (payload: old and new value).
pub const CONTRACT_VALUE_CHANGE: &str = "contract_value_change";
/// An override of an account's health score (payload: the override).
pub const HEALTH_OVERRIDE: &str = "health_override";
/// A split of a registered licence's dongle (payload: what moves where).
pub const LICENSE_SPLIT: &str = "license_split";

pub(crate) fn to_api(m: &approvals::Model) -> AppResult<Approval> {
    Ok(Approval {
        id: m.id,
        kind: m.kind.clone(),
        subject_type: m.subject_type.clone(),
        subject_id: m.subject_id,
        maker_id: m.maker_id,
        summary: m.summary.clone(),
        status: stored("approvals", m.id, "status", &m.status)?,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        comment: m.comment.clone(),
        created_at: m.created_at,
    })
}

pub struct ApprovalRequest<'a> {
    pub workspace_id: i64,
    pub kind: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub maker_id: i64,
    pub summary: String,
    pub payload: Option<serde_json::Value>,
}

/// Records a pending approval, in the caller's transaction.
pub async fn request<C: ConnectionTrait>(
    conn: &C,
    req: ApprovalRequest<'_>,
    now: DateTime<Utc>,
) -> AppResult<Approval> {
    let model = approvals::ActiveModel {
        workspace_id: Set(req.workspace_id),
        kind: Set(req.kind.to_string()),
        subject_type: Set(req.subject_type.to_string()),
        subject_id: Set(req.subject_id),
        maker_id: Set(req.maker_id),
        summary: Set(req.summary),
        payload: Set(req.payload.map(|p| p.to_string())),
        status: Set(ApprovalStatus::Pending.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    to_api(&model)
}

pub use shared::filters::ApprovalFilter;

/// Every staff member sees the approvals of the workspace (makers follow
/// theirs; managers decide).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: ApprovalFilter,
    page: PageQuery,
) -> AppResult<Page<Approval>> {
    let params = page.params()?;
    let mut query = approvals::Entity::find()
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(approvals::Column::Id)
        .limit(params.limit + 1);
    if let Some(status) = filter.status {
        query = query.filter(approvals::Column::Status.eq(status.as_str()));
    }
    if let Some(t) = filter.subject_type.filter(|t| !t.is_empty()) {
        query = query.filter(approvals::Column::SubjectType.eq(t));
    }
    if let Some(id) = filter.subject_id {
        query = query.filter(approvals::Column::SubjectId.eq(id));
    }
    if let Some(before) = params.before_id {
        query = query.filter(approvals::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    try_page(page_of(rows, params, |a| a.id, |a| to_api(&a)))
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Approval> {
    approvals::Entity::find_by_id(id)
        .filter(approvals::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&db.read)
        .await?
        .map(|a| to_api(&a))
        .ok_or(AppError::NotFound)?
}
