//! Merging a duplicate into another ticket of the same account or of
//! another account of its group (集团 and 子公司): the
//! duplicate's comments and attachments move to the target (authors, times
//! and visibility kept), the duplicate is closed pointing at the target, a
//! system comment on each says what happened, and the duplicate's requester
//! is told once by mail.
//!
//! A merged ticket is closed, and a closed ticket is never a target, so
//! merges cannot form a cycle and a merge into a merged ticket is refused
//! (its answer names the ticket it went to). Tickets that were merged into
//! the duplicate earlier are pointed at the new target, so every pointer
//! names the ticket where the conversation is now.

use super::*;
use shared::texts::{Msg, T};
use shared::ticket_links::{MergeOutcome, MergeTicketRequest};
use shared::tickets::REASON_MERGED;
use shared::Locale;

use crate::domain::tickets::blockers;
use crate::entity::ticket_attachments;

/// Whether tickets of accounts `a` and `b` may be merged into each other:
/// the same account, or two of one group (they share the top account).
pub async fn same_group<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    a: i64,
    b: i64,
) -> AppResult<bool> {
    crate::domain::accounts::groups::same_group(conn, workspace_id, a, b).await
}

const FIELD: &str = "into_ticket_id";

/// Tickets `id` and `other` of the workspace, locked for the rest of the
/// transaction (404 unless both exist). The lower id is locked first, so
/// two requests about the same pair never wait for each other.
pub(super) async fn lock_pair<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
    other: i64,
) -> AppResult<(tickets::Model, tickets::Model)> {
    let lock = |id: i64| {
        tickets::Entity::find_by_id(id)
            .filter(tickets::Column::WorkspaceId.eq(workspace_id))
            .lock_exclusive()
            .one(conn)
    };
    let first = lock(id.min(other)).await?;
    let second = lock(id.max(other)).await?;
    match (first, second) {
        (Some(a), Some(b)) if a.id == id => Ok((a, b)),
        (Some(a), Some(b)) => Ok((b, a)),
        _ => Err(AppError::NotFound),
    }
}

async fn number_of<C: ConnectionTrait>(conn: &C, workspace_id: i64, id: i64) -> AppResult<i64> {
    Ok(find(conn, workspace_id, id).await?.number)
}

async fn comment_count<C: ConnectionTrait>(conn: &C, ticket_id: i64) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(ticket_comments::Entity::find()
        .filter(ticket_comments::Column::TicketId.eq(ticket_id))
        .count(conn)
        .await?)
}

/// A text of the texts table in `locale`.
pub(super) fn worded(msg: &Msg, locale: Locale) -> String {
    msg.render(locale).unwrap_or_else(|| msg.en())
}

/// The language a user reads (the workspace default without a user).
pub(super) async fn locale_of<C: ConnectionTrait>(
    conn: &C,
    user_id: Option<i64>,
) -> AppResult<Locale> {
    let Some(id) = user_id else {
        return Ok(Locale::DEFAULT);
    };
    Ok(users::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map_or(Locale::DEFAULT, |u| u.mail_locale()))
}

/// A comment the system writes on the actor's behalf (`via` = `system`),
/// with its timeline entry.
async fn system_comment<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    author: i64,
    body: String,
    internal: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let comment = ticket_comments::ActiveModel {
        workspace_id: Set(ticket.workspace_id),
        ticket_id: Set(ticket.id),
        author_user_id: Set(author),
        body: Set(body),
        internal: Set(internal),
        created_at: Set(now),
        via: Set(Some("system".into())),
        inbound_message_id: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    record_event(
        conn,
        ticket,
        Some(author),
        &TicketChange::Comment {
            comment_id: comment.id,
            internal,
        },
        now,
    )
    .await
}

/// The guards of a merge of `dup` into `target`, before anything changes.
async fn check<C: ConnectionTrait>(
    conn: &C,
    dup: &tickets::Model,
    target: &tickets::Model,
) -> AppResult<()> {
    let ws = dup.workspace_id;
    if let Some(into) = dup.merged_into_id {
        return Err(AppError::Conflict {
            message: Msg::new(T::MergedAlready)
                .with("number", number_of(conn, ws, into).await?)
                .into(),
            fields: Default::default(),
        });
    }
    let status = status_of(dup)?;
    if status == TicketStatus::Closed {
        return Err(AppError::field("status", T::ClosedFinal));
    }
    status
        .transition(TicketStatus::Closed)
        .map_err(|reason| AppError::field("status", reason))?;
    if let Some(into) = target.merged_into_id {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::MergeTargetMerged)
                .with("number", target.number)
                .with("into", number_of(conn, ws, into).await?),
        ));
    }
    if status_of(target)? == TicketStatus::Closed {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::MergeTargetClosed).with("number", target.number),
        ));
    }
    if !same_group(conn, ws, dup.account_id, target.account_id).await? {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::MergeOtherAccount).with("number", target.number),
        ));
    }
    // The target's conversation is read whole, so it stays within the cap
    // (the system note it gets included).
    let together = comment_count(conn, dup.id).await? + comment_count(conn, target.id).await? + 1;
    if together > MAX_COMMENTS_PER_TICKET {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::MergeTooManyComments)
                .with("count", together)
                .with("max", MAX_COMMENTS_PER_TICKET),
        ));
    }
    Ok(())
}

/// `POST /tickets/{id}/merge`: merges ticket `id` into `req.into_ticket_id`.
/// Refused with nothing changed: into itself (422), a ticket of another
/// workspace or none (404), a ticket merged already (409), a duplicate that
/// may not be closed (awaiting approval, blocked, closed: 422), a closed or
/// merged target, or one of another account group (422).
pub async fn merge(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: MergeTicketRequest,
) -> AppResult<MergeOutcome> {
    let into = req.into_ticket_id;
    if into == id {
        return Err(AppError::field(FIELD, T::MergeSelf));
    }
    let now = state.clock.now();
    let ws = actor.workspace_id;
    let txn = state.db.write.begin().await?;
    let (dup, target) = lock_pair(&txn, ws, id, into).await?;
    check(&txn, &dup, &target).await?;

    let comments_moved = ticket_comments::Entity::update_many()
        .col_expr(ticket_comments::Column::TicketId, Expr::value(target.id))
        .filter(ticket_comments::Column::WorkspaceId.eq(ws))
        .filter(ticket_comments::Column::TicketId.eq(dup.id))
        .exec(&txn)
        .await?
        .rows_affected as i64;
    let attachments_moved = ticket_attachments::Entity::update_many()
        .col_expr(ticket_attachments::Column::TicketId, Expr::value(target.id))
        .filter(ticket_attachments::Column::WorkspaceId.eq(ws))
        .filter(ticket_attachments::Column::TicketId.eq(dup.id))
        .exec(&txn)
        .await?
        .rows_affected as i64;
    // Earlier duplicates of this one now point where their words went.
    tickets::Entity::update_many()
        .col_expr(tickets::Column::MergedIntoId, Expr::value(target.id))
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::MergedIntoId.eq(dup.id))
        .exec(&txn)
        .await?;

    // The duplicate: closed, pointing at the target.
    let dup_before = to_api(&dup)?;
    let mut model: tickets::ActiveModel = dup.clone().into();
    apply_status(&txn, &mut model, &dup, TicketStatus::Closed, now).await?;
    model.merged_into_id = Set(Some(target.id));
    model.updated_at = Set(now);
    model.version = Set(dup.version + 1);
    let merged = model.update(&txn).await?;
    crate::domain::tickets::service_rollup::change(&txn, Some(&dup), Some(&merged)).await?;
    record_event(
        &txn,
        &dup,
        Some(actor.user_id),
        &TicketChange::Status {
            from: dup_before.status,
            to: TicketStatus::Closed,
            reason: Some(REASON_MERGED.to_string()),
            comment: None,
        },
        now,
    )
    .await?;
    record_event(
        &txn,
        &dup,
        Some(actor.user_id),
        &TicketChange::Merged {
            into: target.id,
            into_number: target.number,
            comments: comments_moved,
            attachments: attachments_moved,
        },
        now,
    )
    .await?;
    // The customer reads where their ticket went, when they may see it.
    let same_account = dup.account_id == target.account_id;
    let note = Msg::new(T::MergedIntoNote).with("number", target.number);
    let requester_locale = locale_of(&txn, dup.requester_user_id).await?;
    system_comment(
        &txn,
        &dup,
        actor.user_id,
        worded(&note, requester_locale),
        !same_account,
        now,
    )
    .await?;

    // The target: the duplicate's conversation is now part of it.
    let target_before = to_api(&target)?;
    let mut model: tickets::ActiveModel = target.clone().into();
    model.updated_at = Set(now);
    model.version = Set(target.version + 1);
    let into_ticket = model.update(&txn).await?;
    record_event(
        &txn,
        &target,
        Some(actor.user_id),
        &TicketChange::MergedIn {
            from: dup.id,
            from_number: dup.number,
            comments: comments_moved,
            attachments: attachments_moved,
        },
        now,
    )
    .await?;
    let note = Msg::new(T::MergedHereNote)
        .with("number", dup.number)
        .with("subject", &dup.subject)
        .with("comments", comments_moved)
        .with("attachments", attachments_moved);
    let actor_locale = locale_of(&txn, Some(actor.user_id)).await?;
    system_comment(
        &txn,
        &target,
        actor.user_id,
        worded(&note, actor_locale),
        true,
        now,
    )
    .await?;

    // Mail: the duplicate's requester, once (the dedupe key names the
    // merge, and a merged ticket is never merged again); tickets the
    // duplicate blocked may go on.
    let mut mailed = blockers::release_dependents(&txn, &state.mailer, &merged, now).await?;
    if let Some(requester) = dup.requester_user_id {
        let notice = TicketNotice::Merged {
            into_number: same_account.then_some(target.number),
        };
        mailed |= notify(&txn, &state.mailer, &merged, &notice, &[requester], now).await? > 0;
    }
    let emitted =
        crate::domain::integrations::events::emit_ticket_updated(&txn, &dup, &merged, now).await?;

    let merged_api = to_api(&merged)?;
    let into_api = to_api(&into_ticket)?;
    for (entity_id, action, before, after) in [
        (dup.id, "merge", &dup_before, &merged_api),
        (target.id, "merge_into", &target_before, &into_api),
    ] {
        audit::record(
            &txn,
            Change {
                workspace_id: ws,
                actor_id: Some(actor.user_id),
                action,
                entity_type: "ticket",
                entity_id,
                before: Some(before),
                after: Some(after),
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    if mailed {
        state.mailer.kick();
    }
    if emitted > 0 {
        state.integrations.kick();
    }
    Ok(MergeOutcome {
        merged: merged_api,
        into: into_api,
        comments_moved,
        attachments_moved,
    })
}
