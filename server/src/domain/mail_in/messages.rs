//! Received mail as staff see it: the list (by status, e.g. the unknown
//! senders held for a decision), a message's raw original, and the two
//! decisions on a held message — attach it to a contact (it is then
//! processed as theirs) or refuse it.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DerivePartialModel, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use shared::mail_in::{InboundMessage, InboundStatus};
use shared::Page;

use super::{channels, process};
use crate::auth::StaffActor;
use crate::domain::common::pagination::{page_of, try_page, PageQuery, Paging};
use crate::entity::stored::stored;
use crate::entity::{contacts, inbound_messages};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A message without its raw text, for lists.
#[derive(Debug, DerivePartialModel, FromQueryResult)]
#[sea_orm(entity = "inbound_messages::Entity")]
struct Listed {
    id: i64,
    channel_id: i64,
    message_id: String,
    from_addr: String,
    from_name: Option<String>,
    subject: String,
    status: String,
    detail: Option<String>,
    contact_id: Option<i64>,
    ticket_id: Option<i64>,
    comment_id: Option<i64>,
    size_bytes: i64,
    received_at: chrono::DateTime<chrono::Utc>,
    processed_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn listed_to_api(m: Listed) -> AppResult<InboundMessage> {
    Ok(InboundMessage {
        status: stored("inbound_messages", m.id, "status", &m.status)?,
        id: m.id,
        channel_id: m.channel_id,
        message_id: m.message_id,
        from_addr: m.from_addr,
        from_name: m.from_name,
        subject: m.subject,
        detail: m.detail,
        contact_id: m.contact_id,
        ticket_id: m.ticket_id,
        comment_id: m.comment_id,
        size_bytes: m.size_bytes,
        received_at: m.received_at,
        processed_at: m.processed_at,
    })
}

fn to_api(m: &inbound_messages::Model) -> AppResult<InboundMessage> {
    Ok(InboundMessage {
        id: m.id,
        channel_id: m.channel_id,
        message_id: m.message_id.clone(),
        from_addr: m.from_addr.clone(),
        from_name: m.from_name.clone(),
        subject: m.subject.clone(),
        status: stored("inbound_messages", m.id, "status", &m.status)?,
        detail: m.detail.clone(),
        contact_id: m.contact_id,
        ticket_id: m.ticket_id,
        comment_id: m.comment_id,
        size_bytes: m.size_bytes,
        received_at: m.received_at,
        processed_at: m.processed_at,
    })
}

async fn find(state: &AppState, workspace_id: i64, id: i64) -> AppResult<inbound_messages::Model> {
    inbound_messages::Entity::find_by_id(id)
        .filter(inbound_messages::Column::WorkspaceId.eq(workspace_id))
        .one(&state.db.write)
        .await?
        .ok_or(AppError::NotFound)
}

/// Received messages, newest first, optionally of one status and channel.
pub async fn list(
    state: &AppState,
    actor: &StaffActor,
    status: Option<InboundStatus>,
    channel_id: Option<i64>,
    page: &PageQuery,
) -> AppResult<Page<InboundMessage>> {
    let params = page.params()?;
    let mut query = inbound_messages::Entity::find()
        .filter(inbound_messages::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(inbound_messages::Column::Id)
        .limit(params.limit + 1);
    if let Some(status) = status {
        query = query.filter(inbound_messages::Column::Status.eq(status.as_str()));
    }
    if let Some(channel_id) = channel_id {
        query = query.filter(inbound_messages::Column::ChannelId.eq(channel_id));
    }
    if let Some(before) = params.before_id {
        query = query.filter(inbound_messages::Column::Id.lt(before));
    }
    let rows = query
        .into_partial_model::<Listed>()
        .all(&state.db.read)
        .await?;
    try_page(page_of(rows, params, |m| m.id, listed_to_api))
}

/// The message as received (RFC 822 bytes).
pub async fn raw(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Vec<u8>> {
    Ok(find(state, actor.workspace_id, id).await?.raw)
}

/// Takes a held message for a decision: exactly one of two staff members
/// deciding at once gets it; the other is told it was decided (409).
async fn claim_held(
    state: &AppState,
    workspace_id: i64,
    id: i64,
    to: InboundStatus,
) -> AppResult<()> {
    find(state, workspace_id, id).await?;
    let claimed = inbound_messages::Entity::update_many()
        .col_expr(inbound_messages::Column::Status, Expr::value(to.as_str()))
        .filter(inbound_messages::Column::Id.eq(id))
        .filter(inbound_messages::Column::WorkspaceId.eq(workspace_id))
        .filter(inbound_messages::Column::Status.eq(InboundStatus::Held.as_str()))
        .exec(&state.db.write)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict {
            message: "this message is not waiting for a decision (it was decided already)".into(),
            fields: Default::default(),
        });
    }
    Ok(())
}

/// Processes a held message as mail from `contact_id`.
pub async fn attach(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    contact_id: i64,
) -> AppResult<InboundMessage> {
    find(state, actor.workspace_id, id).await?;
    let contact = contacts::Entity::find_by_id(contact_id)
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&state.db.read)
        .await?
        .ok_or_else(|| AppError::field("contact_id", "no such contact"))?;
    if contact.archived {
        return Err(AppError::field("contact_id", "the contact is archived"));
    }
    claim_held(state, actor.workspace_id, id, InboundStatus::Processing).await?;
    let row = find(state, actor.workspace_id, id).await?;
    let channel = channels::find(&state.db.read, actor.workspace_id, row.channel_id).await?;
    let row = process::process_as(state, &channel, row, contact).await?;
    to_api(&row)
}

/// Refuses a held message: it stays viewable, nothing else happens.
pub async fn refuse(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<InboundMessage> {
    claim_held(state, actor.workspace_id, id, InboundStatus::Refused).await?;
    let row = find(state, actor.workspace_id, id).await?;
    let mut model: inbound_messages::ActiveModel = row.into();
    model.detail = sea_orm::ActiveValue::Set(Some(format!("refused by user {}", actor.user_id)));
    model.processed_at = sea_orm::ActiveValue::Set(Some(state.clock.now()));
    let row = sea_orm::ActiveModelTrait::update(model, &state.db.write).await?;
    to_api(&row)
}
