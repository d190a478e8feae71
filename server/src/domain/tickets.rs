//! Service tickets, following the ERP operating rules of the seed: routed
//! to the module's owner (tier 1), escalated to engineers (tier 2) and the
//! manager (tier 3) with a reason, SLA due times from the account's
//! agreement and the workspace calendar, a clock that pauses while the
//! customer or an approval is awaited, and a timeline of every change.
//!
//! Staff reach every ticket of their workspace. Portal users reach their
//! own account's tickets only — a `customer` those they asked, a
//! `customer_admin` all of the account's — and never internal notes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Deserialize;
use shared::tickets::{
    Comment, CreateCommentRequest, CreateTicketRequest, EscalateRequest, PortalCreateTicketRequest,
    PortalTicket, Ticket, TicketCategory, TicketEvent, TicketPriority, TicketStatus,
    UpdateTicketRequest, MAX_TIER,
};
use shared::validation::{self, Collector};
use shared::{ErpModule, Page, Role};

use super::audit::{self, Change};
use super::notifications::{notify, TicketNotice};
use super::pagination::{page_of, PageQuery};
use super::{accounts, approvals, blockers, sla};
use crate::auth::{Actor, PortalActor, StaffActor};
use crate::db::Db;
use crate::entity::{contacts, ticket_comments, ticket_counters, ticket_events, tickets, users};
use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::state::AppState;

/// A resolved ticket reopens when the customer replies within this time.
pub const REOPEN_WINDOW: Duration = Duration::days(7);
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;

pub fn to_api(m: &tickets::Model) -> Ticket {
    Ticket {
        id: m.id,
        number: m.number,
        account_id: m.account_id,
        requester_user_id: m.requester_user_id,
        created_by_user_id: m.created_by_user_id,
        module: m.module.parse().unwrap_or(ErpModule::System),
        category: m.category.parse().unwrap_or(TicketCategory::Question),
        priority: m.priority.parse().unwrap_or(TicketPriority::P3),
        status: status_of(m),
        tier: m.tier,
        assignee_id: m.assignee_id,
        subject: m.subject.clone(),
        description: m.description.clone(),
        service_level: m.service_level.clone(),
        first_response_due_at: m.first_response_due_at,
        resolution_due_at: m.resolution_due_at,
        first_responded_at: m.first_responded_at,
        resolved_at: m.resolved_at,
        closed_at: m.closed_at,
        sla_paused: m.paused_since.is_some(),
        first_response_breached_at: m.first_response_breached_at,
        resolution_breached_at: m.resolution_breached_at,
        csat_rating: m.csat_rating,
        csat_comment: m.csat_comment.clone(),
        kb_suggestions_shown: m.kb_suggestions_shown,
        kb_article_opened: m.kb_article_opened,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    }
}

fn to_portal(m: &tickets::Model) -> PortalTicket {
    let t = to_api(m);
    PortalTicket {
        id: t.id,
        number: t.number,
        requester_user_id: t.requester_user_id,
        module: t.module,
        category: t.category,
        priority: t.priority,
        status: t.status,
        subject: t.subject,
        description: t.description,
        created_at: t.created_at,
        updated_at: t.updated_at,
        resolved_at: t.resolved_at,
        csat_rating: t.csat_rating,
    }
}

pub(crate) fn status_of(m: &tickets::Model) -> TicketStatus {
    m.status.parse().unwrap_or(TicketStatus::Open)
}

pub fn etag(ticket: &Ticket) -> String {
    format!("\"t{}v{}\"", ticket.id, ticket.version)
}

fn validate_text(c: &mut Collector, subject: &str, description: &str) {
    c.check("subject", validation::required_text(subject, MAX_SUBJECT))
        .check(
            "description",
            validation::optional_text(description, MAX_BODY),
        );
}

async fn next_number<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<i64> {
    ticket_counters::Entity::insert(ticket_counters::ActiveModel {
        workspace_id: Set(workspace_id),
        last_number: Set(0),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(ticket_counters::Column::WorkspaceId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    // The update takes the row lock (PostgreSQL) or runs on the single
    // writer (SQLite), so two tickets never get one number.
    ticket_counters::Entity::update_many()
        .col_expr(
            ticket_counters::Column::LastNumber,
            Expr::col(ticket_counters::Column::LastNumber).add(1),
        )
        .filter(ticket_counters::Column::WorkspaceId.eq(workspace_id))
        .exec(conn)
        .await?;
    Ok(ticket_counters::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .map(|c| c.last_number)
        .unwrap_or(1))
}

pub(crate) async fn record_event<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    actor_id: Option<i64>,
    kind: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    ticket_events::Entity::insert(ticket_events::ActiveModel {
        workspace_id: Set(ticket.workspace_id),
        ticket_id: Set(ticket.id),
        actor_id: Set(actor_id),
        kind: Set(kind.to_string()),
        detail: Set(Some(detail.to_string())),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The module's owner when active; else nobody (the queue picks it up).
async fn tier_one_assignee<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    module: ErpModule,
) -> AppResult<Option<i64>> {
    let owners = sla::module_owners(conn, workspace_id).await?;
    let Some(owner) = owners.get(&module).copied() else {
        return Ok(None);
    };
    let active = users::Entity::find_by_id(owner)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .is_some_and(|u| u.active);
    Ok(active.then_some(owner))
}

struct NewTicket {
    workspace_id: i64,
    account_id: i64,
    requester_user_id: Option<i64>,
    created_by: i64,
    module: ErpModule,
    category: TicketCategory,
    priority: TicketPriority,
    subject: String,
    description: String,
    kb_suggestions_shown: bool,
    kb_article_opened: bool,
}

async fn insert_ticket(state: &AppState, new: NewTicket) -> AppResult<tickets::Model> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let targets =
        sla::targets_for(&txn, new.workspace_id, new.account_id, new.priority, now).await?;
    // Complaints go straight to the manager (tier 3); the rest to the
    // module's owner (tier 1).
    let complaint = new.category == TicketCategory::Complaint;
    let (assignee, tier) = if complaint {
        (
            least_loaded(&txn, new.workspace_id, Role::Manager).await?,
            MAX_TIER,
        )
    } else {
        (
            tier_one_assignee(&txn, new.workspace_id, new.module).await?,
            1,
        )
    };
    let number = next_number(&txn, new.workspace_id).await?;
    // A master-data change (录入) waits for a manager's approval (审核) first,
    // its SLA clock paused meanwhile.
    let needs_approval = new.category == TicketCategory::MasterDataChange;
    let status = if needs_approval {
        TicketStatus::AwaitingApproval
    } else {
        TicketStatus::New
    };
    let model = tickets::ActiveModel {
        workspace_id: Set(new.workspace_id),
        number: Set(number),
        account_id: Set(new.account_id),
        requester_user_id: Set(new.requester_user_id),
        created_by_user_id: Set(new.created_by),
        module: Set(new.module.as_str().into()),
        category: Set(new.category.as_str().into()),
        priority: Set(new.priority.as_str().into()),
        status: Set(status.as_str().into()),
        paused_since: Set(needs_approval.then_some(now)),
        tier: Set(tier),
        assignee_id: Set(assignee),
        subject: Set(new.subject.trim().to_string()),
        description: Set(new.description),
        service_level: Set(targets.level),
        first_response_due_at: Set(targets.first_response_due_at),
        resolution_due_at: Set(targets.resolution_due_at),
        kb_suggestions_shown: Set(new.kb_suggestions_shown),
        kb_article_opened: Set(new.kb_article_opened),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        &model,
        Some(new.created_by),
        "created",
        serde_json::json!({"assignee_id": assignee, "tier": tier, "service_level": model.service_level}),
        now,
    )
    .await?;
    let mut to_notify: Vec<i64> = assignee.into_iter().collect();
    to_notify.extend(new.requester_user_id);
    notify(
        &txn,
        &state.mailer,
        &model,
        &TicketNotice::Created,
        &to_notify,
        now,
    )
    .await?;
    if needs_approval {
        approvals::request(
            &txn,
            approvals::ApprovalRequest {
                workspace_id: new.workspace_id,
                kind: approvals::TICKET_MASTER_DATA,
                subject_type: "ticket",
                subject_id: model.id,
                maker_id: new.created_by,
                summary: format!("#{} {}", model.number, model.subject),
                payload: None,
            },
            now,
        )
        .await?;
    }
    let after = to_api(&model);
    audit::record(
        &txn,
        Change {
            workspace_id: new.workspace_id,
            actor_id: Some(new.created_by),
            action: "create",
            entity_type: "ticket",
            entity_id: model.id,
            before: None,
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(model)
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateTicketRequest,
) -> AppResult<Ticket> {
    let db = &state.db;
    let mut c = Collector::default();
    validate_text(&mut c, &req.subject, &req.description);
    c.finish().map_err(AppError::validation)?;
    accounts::find_in_workspace(&db.read, actor.workspace_id, req.account_id)
        .await
        .map_err(|_| AppError::field("account_id", "no such account"))?;
    if let Some(requester) = req.requester_user_id {
        if portal_account_of(&db.read, actor.workspace_id, requester).await? != Some(req.account_id)
        {
            return Err(AppError::field(
                "requester_user_id",
                "must be a portal user of the ticket's account",
            ));
        }
    }
    let model = insert_ticket(
        state,
        NewTicket {
            workspace_id: actor.workspace_id,
            account_id: req.account_id,
            requester_user_id: req.requester_user_id,
            created_by: actor.user_id,
            module: req.module,
            category: req.category,
            priority: req.priority,
            subject: req.subject,
            description: req.description,
            kb_suggestions_shown: false,
            kb_article_opened: false,
        },
    )
    .await?;
    Ok(to_api(&model))
}

/// The account whose contact a portal user is.
async fn portal_account_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    user_id: i64,
) -> AppResult<Option<i64>> {
    Ok(contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .filter(contacts::Column::PortalUserId.eq(user_id))
        .one(conn)
        .await?
        .map(|c| c.account_id))
}

async fn own_account(db: &Db, actor: &PortalActor) -> AppResult<i64> {
    portal_account_of(&db.read, actor.workspace_id, actor.user_id)
        .await?
        .ok_or_else(|| AppError::Forbidden("your login is not linked to an account".into()))
}

pub async fn portal_create(
    state: &AppState,
    actor: &PortalActor,
    req: PortalCreateTicketRequest,
) -> AppResult<PortalTicket> {
    let db = &state.db;
    let mut c = Collector::default();
    validate_text(&mut c, &req.subject, &req.description);
    c.finish().map_err(AppError::validation)?;
    let account_id = own_account(db, actor).await?;
    let model = insert_ticket(
        state,
        NewTicket {
            workspace_id: actor.workspace_id,
            account_id,
            requester_user_id: Some(actor.user_id),
            created_by: actor.user_id,
            module: req.module,
            category: req.category,
            priority: req.priority,
            subject: req.subject,
            description: req.description,
            kb_suggestions_shown: req.kb_suggestions_shown,
            kb_article_opened: req.kb_article_opened,
        },
    )
    .await?;
    Ok(to_portal(&model))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub module: Option<ErpModule>,
    pub priority: Option<TicketPriority>,
    pub assignee_id: Option<i64>,
    pub account_id: Option<i64>,
    /// `true`: only tickets without an assignee.
    pub unassigned: Option<bool>,
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: TicketFilter,
    page: PageQuery,
) -> AppResult<Page<Ticket>> {
    let params = page.params()?;
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

/// Applies a status change to the model: SLA pause/resume and timestamps.
pub(crate) async fn apply_status<C: ConnectionTrait>(
    conn: &C,
    model: &mut tickets::ActiveModel,
    current: &tickets::Model,
    to: TicketStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let from = status_of(current);
    if from == to {
        return Ok(());
    }
    model.status = Set(to.as_str().into());
    if to.pauses_sla() && current.paused_since.is_none() {
        model.paused_since = Set(Some(now));
    }
    if !to.pauses_sla() {
        if let Some(paused_since) = current.paused_since {
            let calendar = sla::calendar(conn, current.workspace_id).await?;
            let shift = |due: DateTime<Utc>| {
                calendar
                    .due_after_pauses(due, &[(paused_since, now)])
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("SLA shift: {e}")))
            };
            if current.first_responded_at.is_none() {
                model.first_response_due_at = Set(shift(current.first_response_due_at)?);
            }
            model.resolution_due_at = Set(shift(current.resolution_due_at)?);
            model.paused_since = Set(None);
        }
    }
    match to {
        TicketStatus::Resolved => model.resolved_at = Set(Some(now)),
        TicketStatus::Closed => model.closed_at = Set(Some(now)),
        TicketStatus::Open if from == TicketStatus::Resolved => model.resolved_at = Set(None),
        _ => {}
    }
    Ok(())
}

async fn check_assignee<C: ConnectionTrait>(conn: &C, workspace_id: i64, id: i64) -> AppResult<()> {
    let ok = users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .is_some_and(|u| u.active && u.role.parse::<Role>().is_ok_and(Role::is_staff));
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "assignee_id",
            "must be an active staff member of this workspace",
        ))
    }
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateTicketRequest,
) -> AppResult<Ticket> {
    let (db, now) = (&state.db, state.clock.now());
    if let Some(subject) = &req.subject {
        validation::required_text(subject, MAX_SUBJECT)
            .map_err(|r| AppError::field("subject", r.message_en()))?;
    }
    let txn = db.write.begin().await?;
    let current = tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api(&current);
    if !accounts::if_match_ok(if_match, &etag(&before)) {
        return Err(AppError::PreconditionFailed);
    }
    if before.status == TicketStatus::Closed {
        return Err(AppError::field("status", "a closed ticket is final"));
    }
    let mut model: tickets::ActiveModel = current.clone().into();
    if let Some(to) = req.status {
        before
            .status
            .transition(to)
            .map_err(|reason| AppError::field("status", reason))?;
        apply_status(&txn, &mut model, &current, to, now).await?;
        if to != before.status {
            record_event(
                &txn,
                &current,
                Some(actor.user_id),
                "status",
                serde_json::json!({"from": before.status, "to": to}),
                now,
            )
            .await?;
        }
    }
    if let Some(assignee) = req.assignee_id {
        if let Some(user_id) = assignee {
            check_assignee(&txn, actor.workspace_id, user_id).await?;
        }
        if assignee != current.assignee_id {
            model.assignee_id = Set(assignee);
            record_event(
                &txn,
                &current,
                Some(actor.user_id),
                "assigned",
                serde_json::json!({"from": current.assignee_id, "to": assignee}),
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
    let updated = model.update(&txn).await?;
    let mut mailed = false;
    let changed_to = req.status.filter(|to| *to != before.status);
    if changed_to.is_some_and(|to| matches!(to, TicketStatus::Resolved | TicketStatus::Closed)) {
        mailed |= blockers::release_dependents(&txn, &state.mailer, &updated, now).await?;
    }
    let notice = match changed_to {
        Some(TicketStatus::PendingCustomer) => Some(TicketNotice::PendingCustomer),
        Some(TicketStatus::Resolved) => Some(TicketNotice::Resolved {
            rating_link: format!(
                "{}/portal/tickets/{}?rate=1",
                state.config.public_url.trim_end_matches('/'),
                updated.id
            ),
        }),
        _ => None,
    };
    if let (Some(notice), Some(requester)) = (notice, updated.requester_user_id) {
        mailed |= notify(&txn, &state.mailer, &updated, &notice, &[requester], now).await? > 0;
    }
    let after = to_api(&updated);
    audit::record(
        &txn,
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
    txn.commit().await?;
    if mailed {
        state.mailer.kick();
    }
    Ok(after)
}

/// The least-loaded active user of `role` (open tickets assigned).
async fn least_loaded<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    role: Role,
) -> AppResult<Option<i64>> {
    let candidates = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?;
    let mut best: Option<(u64, i64)> = None;
    for user in candidates {
        let load = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(workspace_id))
            .filter(tickets::Column::AssigneeId.eq(user.id))
            .filter(tickets::Column::Status.is_not_in([
                TicketStatus::Resolved.as_str(),
                TicketStatus::Closed.as_str(),
            ]))
            .count(conn)
            .await?;
        if best.is_none_or(|(l, _)| load < l) {
            best = Some((load, user.id));
        }
    }
    Ok(best.map(|(_, id)| id))
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
    let status = status_of(current);
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
    let assignee = least_loaded(conn, current.workspace_id, role).await?;
    let before = to_api(current);
    let mut model: tickets::ActiveModel = current.clone().into();
    model.tier = Set(tier);
    model.assignee_id = Set(assignee);
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let escalated = model.update(conn).await?;
    let mut to_notify = super::notifications::managers(conn, current.workspace_id).await?;
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
    let after = to_api(&escalated);
    record_event(conn, current, actor_id, "escalated",
        serde_json::json!({"from_tier": current.tier, "to_tier": tier, "reason": reason, "assignee_id": assignee}), now).await?;
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

fn comment_to_api(c: ticket_comments::Model, author_name: String) -> Comment {
    Comment {
        id: c.id,
        ticket_id: c.ticket_id,
        author_user_id: c.author_user_id,
        author_name,
        body: c.body,
        internal: c.internal,
        created_at: c.created_at,
    }
}

async fn list_comments_of<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    include_internal: bool,
) -> AppResult<Vec<Comment>> {
    let mut query = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::WorkspaceId.eq(ticket.workspace_id))
        .filter(ticket_comments::Column::TicketId.eq(ticket.id))
        .order_by_asc(ticket_comments::Column::Id);
    if !include_internal {
        query = query.filter(ticket_comments::Column::Internal.eq(false));
    }
    let rows = query.all(conn).await?;
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

pub async fn comments(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<Comment>> {
    let ticket = find(&db.read, actor.workspace_id, id).await?;
    list_comments_of(&db.read, &ticket, true).await
}

pub async fn portal_comments(db: &Db, actor: &PortalActor, id: i64) -> AppResult<Vec<Comment>> {
    let ticket = portal_visible(&db.read, actor, id).await?;
    list_comments_of(&db.read, &ticket, false).await
}

/// Adds a comment and moves the ticket along: a staff member's first public
/// reply is the first response and opens a new ticket; a customer's reply
/// reopens a ticket pending on them, or a resolved one within 7 days.
async fn add_comment(
    state: &AppState,
    actor: &Actor,
    ticket_id: i64,
    visible_to_portal_user: bool,
    req: CreateCommentRequest,
) -> AppResult<Comment> {
    validation::required_text(&req.body, MAX_BODY)
        .map_err(|r| AppError::field("body", r.message_en()))?;
    let staff = actor.role.is_staff();
    let internal = staff && req.internal;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = tickets::Entity::find_by_id(ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !staff && !visible_to_portal_user {
        return Err(AppError::NotFound);
    }
    let status = status_of(&current);
    if status == TicketStatus::Closed {
        return Err(AppError::field(
            "body",
            "the ticket is closed; open a new ticket instead",
        ));
    }
    let mut model: tickets::ActiveModel = current.clone().into();
    let mut next = None;
    if staff && !internal {
        if current.first_responded_at.is_none() {
            model.first_responded_at = Set(Some(now));
        }
        if status == TicketStatus::New {
            next = Some(TicketStatus::Open);
        }
    } else if !staff {
        match status {
            TicketStatus::PendingCustomer => next = Some(TicketStatus::Open),
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
        apply_status(&txn, &mut model, &current, to, now).await?;
        record_event(
            &txn,
            &current,
            Some(actor.user_id),
            "status",
            serde_json::json!({"from": status, "to": to}),
            now,
        )
        .await?;
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    model.update(&txn).await?;
    let comment = ticket_comments::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        ticket_id: Set(ticket_id),
        author_user_id: Set(actor.user_id),
        body: Set(req.body),
        internal: Set(internal),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        &current,
        Some(actor.user_id),
        "comment",
        serde_json::json!({"comment_id": comment.id, "internal": internal}),
        now,
    )
    .await?;
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
            &txn,
            &state.mailer,
            &current,
            &notice,
            &other_side.into_iter().collect::<Vec<_>>(),
            now,
        )
        .await?;
    }
    let author = users::Entity::find_by_id(actor.user_id)
        .one(&txn)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    txn.commit().await?;
    state.mailer.kick();
    Ok(comment_to_api(comment, author))
}

pub async fn comment(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: CreateCommentRequest,
) -> AppResult<Comment> {
    add_comment(state, actor, id, false, req).await
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
    add_comment(state, actor, id, true, req).await
}

pub async fn timeline(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Vec<TicketEvent>> {
    let ticket = find(&db.read, actor.workspace_id, id).await?;
    let rows = ticket_events::Entity::find()
        .filter(ticket_events::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(ticket_events::Column::TicketId.eq(ticket.id))
        .order_by_asc(ticket_events::Column::Id)
        .all(&db.read)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| TicketEvent {
            id: e.id,
            actor_id: e.actor_id,
            kind: e.kind,
            detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
            at: e.created_at,
        })
        .collect())
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
    if status_of(&ticket) != TicketStatus::AwaitingApproval {
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
    model.update(conn).await?;
    record_event(
        conn,
        &ticket,
        Some(decider),
        if approved { "approved" } else { "rejected" },
        serde_json::json!({"from": "awaiting_approval", "to": to, "comment": comment}),
        now,
    )
    .await?;
    Ok(())
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
        status_of(&ticket),
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
        "rated",
        serde_json::json!({"rating": req.rating}),
        now,
    )
    .await?;
    let updated = find(&txn, actor.workspace_id, id).await?;
    txn.commit().await?;
    Ok(to_portal(&updated))
}
