//! The conversation (public replies and internal notes), the timeline and
//! the customer's satisfaction rating.

use super::*;
use sea_orm::PaginatorTrait;

pub(super) fn comment_to_api(c: ticket_comments::Model, author_name: String) -> Comment {
    Comment {
        id: c.id,
        ticket_id: c.ticket_id,
        author_user_id: c.author_user_id,
        author_name,
        body: c.body,
        internal: c.internal,
        created_at: c.created_at,
        via: c.via.unwrap_or_else(|| "web".into()),
        inbound_message_id: c.inbound_message_id,
    }
}

pub(super) async fn list_comments_of<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    include_internal: bool,
) -> AppResult<Vec<Comment>> {
    let mut query = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::WorkspaceId.eq(ticket.workspace_id))
        .filter(ticket_comments::Column::TicketId.eq(ticket.id))
        // By time: a merged duplicate's comments keep theirs among the
        // target's.
        .order_by_asc(ticket_comments::Column::CreatedAt)
        .order_by_asc(ticket_comments::Column::Id);
    if !include_internal {
        query = query.filter(ticket_comments::Column::Internal.eq(false));
    }
    let rows = query.limit(MAX_COMMENTS_PER_TICKET).all(conn).await?;
    let mut ids: Vec<i64> = rows.iter().map(|c| c.author_user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| {
            let name = names.get(&c.author_user_id).cloned().unwrap_or_default();
            comment_to_api(c, name)
        })
        .collect())
}

/// A ticket's conversation is read whole, so it is bounded: a ticket that
/// needs more is a new ticket.
pub const MAX_COMMENTS_PER_TICKET: u64 = 1000;
/// The ticket timeline shows at most this many events (oldest first).
pub const MAX_EVENTS_SHOWN: u64 = 5000;

pub async fn comments(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<Comment>> {
    let ticket = find(&db.read, actor.workspace_id, id).await?;
    list_comments_of(&db.read, &ticket, true).await
}

pub async fn portal_comments(db: &Db, actor: &PortalActor, id: i64) -> AppResult<Vec<Comment>> {
    let ticket = portal_readable(&db.read, actor, id).await?;
    list_comments_of(&db.read, &ticket, false).await
}

/// Adds a comment and moves the ticket along: a staff member's first public
/// reply is the first response and opens a new ticket; a customer's reply
/// reopens a ticket pending on them, or a resolved one within 7 days.
/// A customer's reply by mail (`by_mail`: the inbound message's id) also
/// reopens a resolved or closed ticket: the mail channel decided it is
/// recent enough (older ones open a follow-up ticket instead).
pub(super) async fn add_comment(
    state: &AppState,
    actor: &Actor,
    ticket_id: i64,
    visible_to_portal_user: bool,
    req: CreateCommentRequest,
    by_mail: Option<i64>,
) -> AppResult<Comment> {
    check_body(&req.body)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = bridge::lock_for_write(&txn, actor.workspace_id, ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.role.is_staff() && !visible_to_portal_user {
        return Err(AppError::NotFound);
    }
    let (comment, queued) = comment_locked(&txn, state, actor, &current, req, by_mail, now).await?;
    txn.commit().await?;
    queued.kick(state);
    Ok(comment)
}

fn check_body(body: &str) -> AppResult<()> {
    validation::required_text(body, MAX_BODY).map_err(|r| AppError::field("body", r.message_en()))
}

/// A staff member's internal note on a ticket locked in `conn`'s
/// transaction (a macro's note action), under the rules of every comment.
pub(crate) async fn note_locked<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    actor: &StaffActor,
    current: &tickets::Model,
    body: String,
    now: DateTime<Utc>,
) -> AppResult<(Comment, Queued)> {
    let req = CreateCommentRequest {
        body,
        internal: true,
    };
    comment_locked(conn, state, actor, current, req, None, now).await
}

/// A staff member's public reply on a ticket locked in `conn`'s
/// transaction (the one reply to a parent's children), under the rules of
/// every comment: the requester is mailed.
pub(crate) async fn reply_locked<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    actor: &StaffActor,
    current: &tickets::Model,
    body: String,
    now: DateTime<Utc>,
) -> AppResult<(Comment, Queued)> {
    let req = CreateCommentRequest {
        body,
        internal: false,
    };
    comment_locked(conn, state, actor, current, req, None, now).await
}

/// [`add_comment`] on a ticket already locked in `conn`'s transaction.
async fn comment_locked<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    actor: &Actor,
    current: &tickets::Model,
    req: CreateCommentRequest,
    by_mail: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<(Comment, Queued)> {
    check_body(&req.body)?;
    let ticket_id = current.id;
    let staff = actor.role.is_staff();
    let internal = staff && req.internal;
    let status = status_of(current)?;
    if status == TicketStatus::Closed && (staff || by_mail.is_none()) {
        return Err(AppError::field(
            "body",
            "the ticket is closed; open a new ticket instead",
        ));
    }
    let held = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::TicketId.eq(ticket_id))
        .count(conn)
        .await?;
    if held >= MAX_COMMENTS_PER_TICKET {
        return Err(AppError::field(
            "body",
            format!("a ticket holds at most {MAX_COMMENTS_PER_TICKET} comments; open a new ticket instead"),
        ));
    }
    let mut model: tickets::ActiveModel = current.clone().into();
    let mut next = None;
    if staff && !internal {
        if current.first_responded_at.is_none() {
            model.first_responded_at = Set(Some(now));
            super::sla_figures::on_first_response(conn, current, &mut model, now).await?;
        }
        if status == TicketStatus::New {
            next = Some(TicketStatus::Open);
        }
    } else if !staff {
        match status {
            TicketStatus::PendingCustomer => next = Some(TicketStatus::Open),
            TicketStatus::Resolved | TicketStatus::Closed if by_mail.is_some() => {
                next = Some(TicketStatus::Open)
            }
            TicketStatus::Resolved => {
                let resolved_at = current.resolved_at.unwrap_or(current.updated_at);
                if now - resolved_at > REOPEN_WINDOW {
                    return Err(AppError::field(
                        "body",
                        "the ticket was resolved more than 7 days ago; open a new ticket",
                    ));
                }
                next = Some(TicketStatus::Open);
            }
            _ => {}
        }
    }
    if let Some(to) = next {
        apply_status(conn, &mut model, current, to, now).await?;
        record_event(
            conn,
            current,
            Some(actor.user_id),
            &TicketChange::Status {
                from: status,
                to,
                reason: None,
                comment: None,
            },
            now,
        )
        .await?;
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(conn).await?;
    crate::domain::tickets::service_rollup::change(conn, Some(current), Some(&updated)).await?;
    bridge::mirror_status(conn, state, current, &updated, now).await?;
    let comment = ticket_comments::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        ticket_id: Set(ticket_id),
        author_user_id: Set(actor.user_id),
        body: Set(req.body),
        internal: Set(internal),
        created_at: Set(now),
        via: Set(by_mail.map(|_| "email".to_string())),
        inbound_message_id: Set(by_mail),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    record_event(
        conn,
        current,
        Some(actor.user_id),
        &TicketChange::Comment {
            comment_id: comment.id,
            internal,
        },
        now,
    )
    .await?;
    // A public comment on a ticket linked across a vendor and its centre
    // reaches the other side too.
    bridge::mirror_comment(conn, state, current, &comment, staff, now).await?;
    // The other side hears of a public reply: the requester of a staff
    // reply, the assignee of a customer's.
    if !internal {
        let other_side = if staff {
            current.requester_user_id
        } else {
            current.assignee_id
        };
        let notice = TicketNotice::Replied {
            comment_id: comment.id,
            body: &comment.body,
        };
        notify(
            conn,
            &state.mailer,
            current,
            &notice,
            &other_side.into_iter().collect::<Vec<_>>(),
            now,
        )
        .await?;
    }
    let mut emitted =
        crate::domain::integrations::events::emit_ticket_updated(conn, current, &updated, now)
            .await?;
    if !internal {
        emitted += crate::domain::integrations::events::emit_ticket(
            conn,
            shared::integrations::EventType::TicketCommented,
            &updated,
            serde_json::json!({ "comment": {
                "id": comment.id,
                "author_id": actor.user_id,
                "from": if staff { "staff" } else { "customer" },
                "excerpt": comment.body.chars().take(200).collect::<String>(),
            }}),
            now,
        )
        .await?;
    }
    let author = users::Entity::find_by_id(actor.user_id)
        .one(conn)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    // The mailer was always woken after a comment (a reply queues mail).
    let queued = Queued {
        mail: true,
        events: emitted > 0,
    };
    Ok((comment_to_api(comment, author), queued))
}

pub async fn comment(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: CreateCommentRequest,
) -> AppResult<Comment> {
    add_comment(state, actor, id, false, req, None).await
}

pub async fn portal_comment(
    state: &AppState,
    actor: &PortalActor,
    id: i64,
    req: CreateCommentRequest,
) -> AppResult<Comment> {
    portal_visible(&state.db.read, actor, id).await?;
    let req = CreateCommentRequest {
        internal: false,
        ..req
    };
    add_comment(state, actor, id, true, req, None).await
}

/// A customer's reply that came by mail, as a public comment of theirs
/// (`actor` is the sender's portal login); see [`add_comment`].
pub(crate) async fn mail_comment(
    state: &AppState,
    actor: &Actor,
    ticket_id: i64,
    body: String,
    inbound_message_id: i64,
) -> AppResult<Comment> {
    let req = CreateCommentRequest {
        body,
        internal: false,
    };
    add_comment(state, actor, ticket_id, true, req, Some(inbound_message_id)).await
}

pub async fn timeline(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<TicketEvent>> {
    let ticket = find(&db.read, actor.workspace_id, id).await?;
    let rows = ticket_events::Entity::find()
        .filter(ticket_events::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(ticket_events::Column::TicketId.eq(ticket.id))
        .order_by_asc(ticket_events::Column::Id)
        .limit(MAX_EVENTS_SHOWN)
        .all(&db.read)
        .await?;
    rows.into_iter().map(event_of).collect()
}

/// A stored timeline row as the API's event; a row whose `kind` and
/// `detail` do not make a known change is an error naming the row, never
/// a silently emptied entry.
fn event_of(e: ticket_events::Model) -> AppResult<TicketEvent> {
    let bad = |why: String| {
        AppError::Internal(anyhow::anyhow!(
            "ticket_events row {} (kind {}): {why}",
            e.id,
            e.kind
        ))
    };
    let detail: serde_json::Value = match &e.detail {
        Some(text) => serde_json::from_str(text).map_err(|err| bad(err.to_string()))?,
        None => serde_json::Value::Null,
    };
    let change: TicketChange =
        serde_json::from_value(serde_json::json!({"kind": e.kind, "detail": detail}))
            .map_err(|err| bad(err.to_string()))?;
    Ok(TicketEvent {
        id: e.id,
        actor_id: e.actor_id,
        change,
        at: e.created_at,
    })
}

/// The requester rates a resolved (or closed) ticket, once, 1–5.
pub async fn portal_rate(
    state: &AppState,
    actor: &PortalActor,
    id: i64,
    req: shared::tickets::SatisfactionRequest,
) -> AppResult<PortalTicket> {
    let mut c = Collector::default();
    if !(1..=5).contains(&req.rating) {
        c.fields
            .insert("rating".into(), "must be a whole number from 1 to 5".into());
    }
    if let Some(comment) = &req.comment {
        c.check("comment", validation::optional_text(comment, 2000));
    }
    c.finish().map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let ticket = portal_visible(&txn, actor, id).await?;
    if ticket.requester_user_id != Some(actor.user_id) {
        return Err(AppError::Forbidden(
            "only the person who raised the ticket rates it".into(),
        ));
    }
    if !matches!(
        status_of(&ticket)?,
        TicketStatus::Resolved | TicketStatus::Closed
    ) {
        return Err(AppError::field(
            "rating",
            "a ticket is rated once it is resolved",
        ));
    }
    let rated = tickets::Entity::update_many()
        .col_expr(tickets::Column::CsatRating, Expr::value(req.rating))
        .col_expr(
            tickets::Column::CsatComment,
            Expr::value(
                req.comment
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
            ),
        )
        .col_expr(tickets::Column::CsatAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(id))
        .filter(tickets::Column::CsatRating.is_null())
        .exec(&txn)
        .await?;
    if rated.rows_affected != 1 {
        return Err(AppError::Conflict {
            message: "this ticket has been rated already".into(),
            fields: Default::default(),
        });
    }
    record_event(
        &txn,
        &ticket,
        Some(actor.user_id),
        &TicketChange::Rated { rating: req.rating },
        now,
    )
    .await?;
    let updated = find(&txn, actor.workspace_id, id).await?;
    crate::domain::tickets::service_rollup::change(&txn, Some(&ticket), Some(&updated)).await?;
    txn.commit().await?;
    portal_view(&state.db.read, actor.workspace_id, updated).await
}
