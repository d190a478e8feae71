//! Moving tickets along: status transitions with SLA pauses, assignment,
//! escalation, and approval decisions.

use super::*;
use crate::domain::common::business_time::BusinessTime;

/// Applies a status change to the model: SLA pause/resume and timestamps.
pub(crate) async fn apply_status<C: ConnectionTrait>(
    conn: &C,
    model: &mut tickets::ActiveModel,
    current: &tickets::Model,
    to: TicketStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let from = status_of(current)?;
    if from == to {
        return Ok(());
    }
    model.status = Set(to.as_str().into());
    if to.pauses_sla() && current.paused_since.is_none() {
        model.paused_since = Set(Some(now));
    }
    let mut resolution_due = current.resolution_due_at;
    if !to.pauses_sla() {
        if let Some(paused_since) = current.paused_since {
            let calendar =
                crate::domain::common::calendar::business_calendar(conn, current.workspace_id)
                    .await?;
            let shift = |due: DateTime<Utc>| {
                calendar
                    .due_after_pauses(due, &[(paused_since, now)])
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("SLA shift: {e}")))
            };
            if current.first_responded_at.is_none() {
                model.first_response_due_at = Set(shift(current.first_response_due_at)?);
            }
            resolution_due = shift(current.resolution_due_at)?;
            model.resolution_due_at = Set(resolution_due);
            model.paused_since = Set(None);
        }
    }
    match to {
        TicketStatus::Resolved => {
            model.resolved_at = Set(Some(now));
            let calendar =
                crate::domain::common::calendar::business_calendar(conn, current.workspace_id)
                    .await?;
            super::sla_figures::on_resolved(&calendar, current, model, resolution_due, now);
        }
        TicketStatus::Closed => model.closed_at = Set(Some(now)),
        TicketStatus::Open if from == TicketStatus::Resolved => {
            model.resolved_at = Set(None);
            super::sla_figures::on_reopened(current, model);
        }
        _ => {}
    }
    Ok(())
}
/// What a change queued for after its commit: mail to send, events to
/// deliver.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Queued {
    pub mail: bool,
    pub events: bool,
}

impl Queued {
    /// Wakes the senders of what was queued (after the commit).
    pub(crate) fn kick(self, state: &AppState) {
        if self.mail {
            state.mailer.kick();
        }
        if self.events {
            state.integrations.kick();
        }
    }
}

fn check_update(req: &UpdateTicketRequest) -> AppResult<()> {
    if let Some(subject) = &req.subject {
        validation::required_text(subject, MAX_SUBJECT)
            .map_err(|r| AppError::field("subject", r.message_en()))?;
    }
    Ok(())
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateTicketRequest,
) -> AppResult<Ticket> {
    let (db, now) = (&state.db, state.clock.now());
    check_update(&req)?;
    let txn = db.write.begin().await?;
    let current = bridge::lock_for_write(&txn, actor.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::domain::common::require_current(if_match, &etag(&to_api(&current)?))?;
    let (updated, queued) = update_locked(&txn, state, actor, &current, req, now).await?;
    txn.commit().await?;
    queued.kick(state);
    to_api(&updated)
}

/// Applies a staff update to a ticket locked in `conn`'s transaction: the
/// transition rules, SLA pause and resume, assignment, the timeline, the
/// requester's mail, released dependents, events and the audit entry.
/// Shared by the ticket's own update and by the actions of a macro.
pub(crate) async fn update_locked<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    actor: &StaffActor,
    current: &tickets::Model,
    req: UpdateTicketRequest,
    now: DateTime<Utc>,
) -> AppResult<(tickets::Model, Queued)> {
    check_update(&req)?;
    let id = current.id;
    let before = to_api(current)?;
    if before.status == TicketStatus::Closed {
        return Err(AppError::field("status", "a closed ticket is final"));
    }
    let mut model: tickets::ActiveModel = current.clone().into();
    if let Some(to) = req.status {
        before
            .status
            .transition(to)
            .map_err(|reason| AppError::field("status", reason))?;
        apply_status(conn, &mut model, current, to, now).await?;
        if to != before.status {
            record_event(
                conn,
                current,
                Some(actor.user_id),
                &TicketChange::Status {
                    from: before.status,
                    to,
                    reason: None,
                    comment: None,
                },
                now,
            )
            .await?;
        }
    }
    if let Some(assignee) = req.assignee_id {
        if let Some(user_id) = assignee {
            crate::domain::accounts::users::require_active_staff(
                conn,
                actor.workspace_id,
                user_id,
                "assignee_id",
            )
            .await?;
        }
        if assignee != current.assignee_id {
            model.assignee_id = Set(assignee);
            record_event(
                conn,
                current,
                Some(actor.user_id),
                &TicketChange::Assigned {
                    from: current.assignee_id,
                    to: assignee,
                },
                now,
            )
            .await?;
        }
    }
    if let Some(priority) = req.priority {
        model.priority = Set(priority.as_str().into());
    }
    if let Some(module) = req.module {
        model.module = Set(module.as_str().into());
    }
    if let Some(subject) = req.subject {
        model.subject = Set(subject.trim().to_string());
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(conn).await?;
    crate::domain::tickets::service_rollup::change(conn, Some(current), Some(&updated)).await?;
    let mut mailed = bridge::mirror_status(conn, state, current, &updated, now).await?;
    let changed_to = req.status.filter(|to| *to != before.status);
    if let Some(to) = changed_to {
        mailed |= after_status_change(conn, state, &updated, to, now).await?;
    }
    let emitted =
        crate::domain::integrations::events::emit_ticket_updated(conn, current, &updated, now)
            .await?;
    let after = to_api(&updated)?;
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "ticket",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    Ok((
        updated,
        Queued {
            mail: mailed,
            events: emitted > 0,
        },
    ))
}

/// What follows a ticket's move to `to`, wherever it was made (a staff
/// update or its linked twin's): the tickets it blocked are released when
/// it is resolved or closed, and its requester hears of a resolution or of
/// a question waiting for them. Whether mail was queued.
pub(crate) async fn after_status_change<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    updated: &tickets::Model,
    to: TicketStatus,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut mailed = false;
    if matches!(to, TicketStatus::Resolved | TicketStatus::Closed) {
        mailed |= blockers::release_dependents(conn, &state.mailer, updated, now).await?;
    }
    let notice = match to {
        TicketStatus::PendingCustomer => Some(TicketNotice::PendingCustomer),
        TicketStatus::Resolved => Some(TicketNotice::Resolved {
            rating_link: format!(
                "{}/portal/tickets/{}/satisfaction",
                state.config.public_url.trim_end_matches('/'),
                updated.id
            ),
        }),
        _ => None,
    };
    if let (Some(notice), Some(requester)) = (notice, updated.requester_user_id) {
        mailed |= notify(conn, &state.mailer, updated, &notice, &[requester], now).await? > 0;
    }
    Ok(mailed)
}

/// The least-loaded active user of `role` (open tickets assigned).
pub(super) async fn least_loaded<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    role: Role,
) -> AppResult<Option<i64>> {
    least_loaded_among(conn, workspace_id, role, None).await
}

/// [`least_loaded`] among `allowed` users only, when given (certified
/// routing, see `certified`).
pub(super) async fn least_loaded_among<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    role: Role,
    allowed: Option<&[i64]>,
) -> AppResult<Option<i64>> {
    let mut query = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Active.eq(true));
    if let Some(allowed) = allowed {
        query = query.filter(users::Column::Id.is_in(allowed.iter().copied()));
    }
    let candidates: Vec<i64> = query
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    // Open tickets per candidate, in one grouped query.
    let loads: std::collections::HashMap<i64, i64> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::AssigneeId)
        .column_as(tickets::Column::Id.count(), "load")
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .filter(tickets::Column::AssigneeId.is_in(candidates.clone()))
        .filter(tickets::Column::Status.is_not_in([
            TicketStatus::Resolved.as_str(),
            TicketStatus::Closed.as_str(),
        ]))
        .group_by(tickets::Column::AssigneeId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    // Lowest load wins; ties go to the longest-standing user.
    Ok(candidates
        .into_iter()
        .min_by_key(|id| (loads.get(id).copied().unwrap_or(0), *id)))
}

/// Tier 1 → 2 (ERP system engineers) → 3 (the manager), with a reason.
pub async fn escalate(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: EscalateRequest,
) -> AppResult<Ticket> {
    let (db, now) = (&state.db, state.clock.now());
    validation::required_text(&req.reason, 2000)
        .map_err(|r| AppError::field("reason", r.message_en()))?;
    let txn = db.write.begin().await?;
    let current = tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let ticket = escalate_locked(
        &txn,
        &state.mailer,
        &current,
        Some(actor.user_id),
        req.reason.trim(),
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    state.integrations.kick();
    Ok(ticket)
}

/// Raises the tier of a locked ticket; shared by staff escalation and the
/// SLA monitor.
pub async fn escalate_locked<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    current: &tickets::Model,
    actor_id: Option<i64>,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Ticket> {
    let status = status_of(current)?;
    if matches!(status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Err(AppError::field(
            "status",
            format!("a {status} ticket cannot be escalated"),
        ));
    }
    if current.tier >= MAX_TIER {
        return Err(AppError::field(
            "tier",
            "the ticket is already with the manager (tier 3)",
        ));
    }
    let tier = current.tier + 1;
    let role = if tier == 2 {
        Role::Engineer
    } else {
        Role::Manager
    };
    // Engineers (tier 2) may have to be certified for the module; a staff
    // member's escalation is refused when none is, the SLA monitor's leaves
    // the ticket unassigned.
    let assignee = if role == Role::Engineer {
        let module: ErpModule = stored("tickets", current.id, "module", &current.module)?;
        let allowed =
            super::certified::allowed_engineers(conn, current.workspace_id, module, now).await?;
        let picked =
            least_loaded_among(conn, current.workspace_id, role, allowed.as_deref()).await?;
        if picked.is_none() && allowed.is_some() && actor_id.is_some() {
            return Err(super::certified::none_certified(module));
        }
        picked
    } else {
        least_loaded(conn, current.workspace_id, role).await?
    };
    let before = to_api(current)?;
    let mut model: tickets::ActiveModel = current.clone().into();
    model.tier = Set(tier);
    model.assignee_id = Set(assignee);
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let escalated = model.update(conn).await?;
    crate::domain::tickets::service_rollup::change(conn, Some(current), Some(&escalated)).await?;
    let mut to_notify =
        crate::domain::tickets::notify::managers(conn, current.workspace_id).await?;
    to_notify.extend(assignee);
    notify(
        conn,
        mailer,
        &escalated,
        &TicketNotice::Escalated { tier, reason },
        &to_notify,
        now,
    )
    .await?;
    crate::domain::integrations::events::emit_ticket_updated(conn, current, &escalated, now)
        .await?;
    let after = to_api(&escalated)?;
    record_event(
        conn,
        current,
        actor_id,
        &TicketChange::Escalated {
            from_tier: current.tier,
            to_tier: tier,
            reason: reason.to_string(),
            assignee_id: assignee,
        },
        now,
    )
    .await?;
    audit::record(
        conn,
        Change {
            workspace_id: current.workspace_id,
            actor_id,
            action: "escalate",
            entity_type: "ticket",
            entity_id: current.id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    Ok(after)
}

/// What an approval decision does to a master-data-change ticket: approval
/// opens it (the SLA clock runs again), rejection closes it with the reason.
pub(crate) async fn on_master_data_decision<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ticket_id: i64,
    decider: i64,
    approved: bool,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let ticket = find(conn, workspace_id, ticket_id).await?;
    if status_of(&ticket)? != TicketStatus::AwaitingApproval {
        return Err(AppError::Conflict {
            message: "the ticket no longer awaits approval".into(),
            fields: Default::default(),
        });
    }
    let to = if approved {
        TicketStatus::Open
    } else {
        TicketStatus::Closed
    };
    let mut model: tickets::ActiveModel = ticket.clone().into();
    apply_status(conn, &mut model, &ticket, to, now).await?;
    model.updated_at = Set(now);
    model.version = Set(ticket.version + 1);
    let updated = model.update(conn).await?;
    crate::domain::tickets::service_rollup::change(conn, Some(&ticket), Some(&updated)).await?;
    record_event(
        conn,
        &ticket,
        Some(decider),
        &if approved {
            TicketChange::Approved {
                from: TicketStatus::AwaitingApproval,
                to,
                comment: comment.map(str::to_string),
            }
        } else {
            TicketChange::Rejected {
                from: TicketStatus::AwaitingApproval,
                to,
                comment: comment.map(str::to_string),
            }
        },
        now,
    )
    .await?;
    Ok(())
}
