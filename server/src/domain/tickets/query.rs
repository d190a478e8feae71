//! Finding tickets: the staff queue, and what a portal user may see.

use super::*;
use sea_orm::Condition;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub module: Option<ErpModule>,
    pub priority: Option<TicketPriority>,
    pub assignee_id: Option<i64>,
    pub account_id: Option<i64>,
    /// `true`: only tickets without an assignee.
    pub unassigned: Option<bool>,
    /// `true`: only tickets that missed a first-response or resolution
    /// target; `false`: only tickets that missed neither.
    pub breached: Option<bool>,
    /// Minutes (1 to 10080): only "breaching soon" tickets, those whose
    /// clock runs (status new or open) and whose next target, first response
    /// while unanswered or else resolution, falls within this many minutes
    /// from now and has not been missed yet.
    pub due_within: Option<i64>,
}

/// The longest "breaching soon" window: a week.
pub const MAX_DUE_WITHIN_MINUTES: i64 = 7 * 24 * 60;

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: TicketFilter,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Page<Ticket>> {
    let params = page.params()?;
    if let Some(minutes) = filter.due_within {
        if !(1..=MAX_DUE_WITHIN_MINUTES).contains(&minutes) {
            return Err(AppError::field(
                "due_within",
                format!("must be between 1 and {MAX_DUE_WITHIN_MINUTES} minutes"),
            ));
        }
    }
    let mut query = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(tickets::Column::Id)
        .limit(params.limit + 1);
    if let Some(s) = filter.status {
        query = query.filter(tickets::Column::Status.eq(s.as_str()));
    }
    if let Some(m) = filter.module {
        query = query.filter(tickets::Column::Module.eq(m.as_str()));
    }
    if let Some(p) = filter.priority {
        query = query.filter(tickets::Column::Priority.eq(p.as_str()));
    }
    if let Some(a) = filter.assignee_id {
        query = query.filter(tickets::Column::AssigneeId.eq(a));
    }
    if filter.unassigned == Some(true) {
        query = query.filter(tickets::Column::AssigneeId.is_null());
    }
    if let Some(a) = filter.account_id {
        query = query.filter(tickets::Column::AccountId.eq(a));
    }
    let missed = Condition::any()
        .add(tickets::Column::FirstResponseBreachedAt.is_not_null())
        .add(tickets::Column::ResolutionBreachedAt.is_not_null());
    match filter.breached {
        Some(true) => query = query.filter(missed.clone()),
        Some(false) => query = query.filter(missed.clone().not()),
        None => {}
    }
    if let Some(minutes) = filter.due_within {
        let horizon = now + chrono::Duration::minutes(minutes);
        let running = [TicketStatus::New.as_str(), TicketStatus::Open.as_str()];
        let next_target_soon = Condition::any()
            .add(
                Condition::all()
                    .add(tickets::Column::FirstRespondedAt.is_null())
                    .add(tickets::Column::FirstResponseDueAt.lte(horizon)),
            )
            .add(tickets::Column::ResolutionDueAt.lte(horizon));
        query = query
            .filter(tickets::Column::Status.is_in(running))
            .filter(missed.not())
            .filter(next_target_soon);
    }
    if let Some(before) = params.before_id {
        query = query.filter(tickets::Column::Id.lt(before));
    }
    let mut rows = crate::db::fetch_all_in_one_row(&db.read, query).await?;
    rows.sort_unstable_by_key(|t| std::cmp::Reverse(t.id));
    Ok(page_of(rows, params, |t| t.id, |t| to_api(&t)))
}

pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<tickets::Model> {
    tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Ticket> {
    Ok(to_api(&find(&db.read, actor.workspace_id, id).await?))
}

/// The ticket if this portal user may see it; 404 otherwise, as if it did
/// not exist.
pub(crate) async fn portal_visible<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
) -> AppResult<tickets::Model> {
    let ticket = find(conn, actor.workspace_id, id).await?;
    let account = portal_account_of(conn, actor.workspace_id, actor.user_id).await?;
    let visible = match actor.role {
        Role::CustomerAdmin => account == Some(ticket.account_id),
        _ => ticket.requester_user_id == Some(actor.user_id) && account == Some(ticket.account_id),
    };
    if visible {
        Ok(ticket)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn portal_list(
    db: &Db,
    actor: &PortalActor,
    page: PageQuery,
) -> AppResult<Page<PortalTicket>> {
    let params = page.params()?;
    let account_id = own_account(db, actor).await?;
    let mut query = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(tickets::Column::AccountId.eq(account_id))
        .order_by_desc(tickets::Column::Id)
        .limit(params.limit + 1);
    if actor.role != Role::CustomerAdmin {
        query = query.filter(tickets::Column::RequesterUserId.eq(actor.user_id));
    }
    if let Some(before) = params.before_id {
        query = query.filter(tickets::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    Ok(page_of(rows, params, |t| t.id, |t| to_portal(&t)))
}

pub async fn portal_get(db: &Db, actor: &PortalActor, id: i64) -> AppResult<PortalTicket> {
    Ok(to_portal(&portal_visible(&db.read, actor, id).await?))
}
