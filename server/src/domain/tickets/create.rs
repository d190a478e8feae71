//! Opening tickets: validation, numbering, routing, SLA targets and the
//! master-data approval request.

use super::*;
use crate::domain::common::portal::{contact_of_login, own_account};
use crate::domain::tickets::entitlement;
use crate::entity::inbound_messages;
use sea_orm::sea_query::Expr;
use shared::service_levels::TicketChannel;
use shared::tickets::no_sla_due;

pub(super) fn validate_text(c: &mut Collector, subject: &str, description: &str) {
    c.check("subject", validation::required_text(subject, MAX_SUBJECT))
        .check(
            "description",
            validation::optional_text(description, MAX_BODY),
        );
}

pub(super) async fn next_number<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<i64> {
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
    change: &TicketChange,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let detail = match serde_json::to_value(change) {
        Ok(serde_json::Value::Object(mut wire)) => wire.remove("detail"),
        _ => None,
    };
    ticket_events::Entity::insert(ticket_events::ActiveModel {
        workspace_id: Set(ticket.workspace_id),
        ticket_id: Set(ticket.id),
        actor_id: Set(actor_id),
        kind: Set(change.kind().to_string()),
        detail: Set(detail.map(|d| d.to_string())),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    account_event(conn, ticket, actor_id, change, now).await
}

/// A ticket opened or resolved is on its account's timeline too: every
/// path that opens or resolves one records the ticket's own event through
/// [`record_event`], so this is the one place that writes it (one insert
/// more per ticket opened).
async fn account_event<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
    actor_id: Option<i64>,
    change: &TicketChange,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use crate::domain::accounts::timeline::{self, NewEvent};
    use shared::texts::{Msg, T};
    use shared::timeline::TimelineKind;
    let kind = match change {
        TicketChange::Created { .. } => TimelineKind::TicketOpened,
        TicketChange::Status {
            to: TicketStatus::Resolved,
            ..
        } => TimelineKind::TicketResolved,
        _ => return Ok(()),
    };
    let summary = Msg::new(T::TimelineTicket)
        .with("number", ticket.number)
        .with("subject", &ticket.subject)
        .en();
    let event = NewEvent {
        workspace_id: ticket.workspace_id,
        account_id: ticket.account_id,
        kind,
        occurred_at: now,
        actor_id,
        summary,
        body: None,
        entity: Some(("ticket", ticket.id)),
    };
    timeline::record(conn, event, now).await?;
    Ok(())
}

/// The module's owner when active; else nobody (the queue picks it up).
/// When the workspace assigns only certified engineers, an owner without a
/// certification for the module gives way to the least-loaded certified
/// engineer (or nobody, when there is none).
pub(super) async fn tier_one_assignee<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    module: ErpModule,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let allowed = super::certified::allowed_engineers(conn, workspace_id, module, now).await?;
    let owners = sla::module_owners(conn, workspace_id).await?;
    let owner = match owners.get(&module).copied() {
        Some(owner) if allowed.as_ref().is_none_or(|a| a.contains(&owner)) => owner,
        _ => {
            return match allowed {
                Some(allowed) => {
                    super::workflow::least_loaded_among(
                        conn,
                        workspace_id,
                        Role::Engineer,
                        Some(&allowed),
                    )
                    .await
                }
                None => Ok(None),
            };
        }
    };
    let active = users::Entity::find_by_id(owner)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .is_some_and(|u| u.active);
    Ok(active.then_some(owner))
}

pub(super) struct NewTicket {
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
    follow_up_of: Option<i64>,
    channel: TicketChannel,
    /// The installation named and its version now.
    installation: Option<(i64, String)>,
}

/// A ticket's level, due times and whether it is outside agreement: by the
/// account's coverage (see `entitlement`); outside agreement, no SLA.
struct Terms {
    level: String,
    first_response_due_at: DateTime<Utc>,
    resolution_due_at: DateTime<Utc>,
    outside_agreement: bool,
}

async fn terms_of<C: ConnectionTrait>(
    conn: &C,
    new: &NewTicket,
    now: DateTime<Utc>,
) -> AppResult<Terms> {
    let today = entitlement::today_of(conn, new.workspace_id, now).await?;
    let cover =
        entitlement::coverage(conn, new.workspace_id, new.account_id, new.channel, today).await?;
    Ok(match cover.sla_policy {
        Some(policy) => {
            let targets =
                sla::targets_at(conn, new.workspace_id, &policy, new.priority, now).await?;
            Terms {
                level: cover.level.unwrap_or(targets.level),
                first_response_due_at: targets.first_response_due_at,
                resolution_due_at: targets.resolution_due_at,
                outside_agreement: false,
            }
        }
        None => Terms {
            level: cover.level.unwrap_or_default(),
            first_response_due_at: no_sla_due(),
            resolution_due_at: no_sla_due(),
            outside_agreement: true,
        },
    })
}

pub(super) async fn insert_ticket(state: &AppState, new: NewTicket) -> AppResult<tickets::Model> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let model = insert_ticket_in(&txn, state, new, now).await?;
    txn.commit().await?;
    state.mailer.kick();
    state.integrations.kick();
    Ok(model)
}

/// A ticket a service centre escalated, opened in its vendor's workspace
/// (see `domain::centres::escalation`): routed and timed like any other,
/// in the caller's transaction, without a requester (the customer's login
/// is the centre's).
pub(crate) struct LinkedTicket {
    pub workspace_id: i64,
    pub account_id: i64,
    /// A user of the vendor's workspace the ticket is recorded as made by.
    pub created_by: i64,
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub subject: String,
    pub description: String,
}

pub(crate) async fn insert_linked<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    t: LinkedTicket,
    now: DateTime<Utc>,
) -> AppResult<tickets::Model> {
    insert_ticket_in(
        conn,
        state,
        NewTicket {
            workspace_id: t.workspace_id,
            account_id: t.account_id,
            requester_user_id: None,
            created_by: t.created_by,
            module: t.module,
            category: t.category,
            priority: t.priority,
            subject: t.subject,
            description: t.description,
            kb_suggestions_shown: false,
            kb_article_opened: false,
            follow_up_of: None,
            channel: TicketChannel::Phone,
            installation: None,
        },
        now,
    )
    .await
}

async fn insert_ticket_in<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    new: NewTicket,
    now: DateTime<Utc>,
) -> AppResult<tickets::Model> {
    let targets = terms_of(txn, &new, now).await?;
    // Complaints go straight to the manager (tier 3); the rest to the
    // module's owner (tier 1).
    let complaint = new.category == TicketCategory::Complaint;
    let (assignee, tier) = if complaint {
        (
            least_loaded(txn, new.workspace_id, Role::Manager).await?,
            MAX_TIER,
        )
    } else {
        (
            tier_one_assignee(txn, new.workspace_id, new.module, now).await?,
            1,
        )
    };
    let number = next_number(txn, new.workspace_id).await?;
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
        follow_up_of: Set(new.follow_up_of),
        outside_agreement: Set(targets.outside_agreement),
        installation_id: Set(new.installation.as_ref().map(|i| i.0)),
        installed_version: Set(new.installation.map(|i| i.1)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    crate::domain::tickets::service_rollup::change(txn, None, Some(&model)).await?;
    record_event(
        txn,
        &model,
        Some(new.created_by),
        &TicketChange::Created {
            assignee_id: assignee,
            tier,
            service_level: model.service_level.clone(),
        },
        now,
    )
    .await?;
    let mut to_notify: Vec<i64> = assignee.into_iter().collect();
    to_notify.extend(new.requester_user_id);
    notify(
        txn,
        &state.mailer,
        &model,
        &TicketNotice::Created,
        &to_notify,
        now,
    )
    .await?;
    if needs_approval {
        approvals::request(
            txn,
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
    let after = to_api(&model)?;
    audit::record(
        txn,
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
    crate::domain::integrations::events::emit_ticket(
        txn,
        shared::integrations::EventType::TicketCreated,
        &model,
        serde_json::json!({}),
        now,
    )
    .await?;
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
        let requester_account = contact_of_login(&db.read, actor.workspace_id, requester)
            .await?
            .map(|c| c.account_id);
        if requester_account != Some(req.account_id) {
            return Err(AppError::field(
                "requester_user_id",
                "must be a portal user of the ticket's account",
            ));
        }
    }
    let installation = match req.installation_id {
        Some(id) => Some(
            crate::domain::installed_base::for_ticket(
                &db.read,
                actor.workspace_id,
                req.account_id,
                id,
            )
            .await?,
        ),
        None => None,
    };
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
            follow_up_of: None,
            // Staff log what a customer phones in.
            channel: TicketChannel::Phone,
            installation,
        },
    )
    .await?;
    to_api(&model)
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
    let account_id = own_account(&db.read, actor).await?;
    entitlement::require_portal_tickets(db, actor, state.clock.now()).await?;
    // Only their own account's installations, as staff-made tickets.
    let installation = match req.installation_id {
        Some(id) => Some(
            crate::domain::installed_base::for_ticket(&db.read, actor.workspace_id, account_id, id)
                .await?,
        ),
        None => None,
    };
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
            follow_up_of: None,
            channel: TicketChannel::Portal,
            installation,
        },
    )
    .await?;
    portal_view(&db.read, actor.workspace_id, model).await
}

/// A ticket a customer opened by mail (see `domain::mail_in`): their login
/// is the requester and the creator; routed and timed like any other.
pub(crate) struct MailTicket {
    pub workspace_id: i64,
    pub account_id: i64,
    pub requester_user_id: i64,
    pub module: ErpModule,
    pub priority: TicketPriority,
    pub subject: String,
    pub description: String,
    pub follow_up_of: Option<i64>,
    /// The `inbound_messages` row the mail is stored in: it is linked to
    /// the ticket in the ticket's own transaction, so a message processed
    /// again (its first processing died half-way) finds its ticket made.
    pub inbound_message_id: i64,
}

/// Opens a [`MailTicket`]; the subject and text are cut to the ticket's
/// limits (a mail has none) and an empty subject gets a placeholder.
pub(crate) async fn mail_create(state: &AppState, mail: MailTicket) -> AppResult<tickets::Model> {
    let subject: String = mail.subject.trim().chars().take(MAX_SUBJECT).collect();
    let subject = if subject.is_empty() {
        "（无主题）(no subject)".to_string()
    } else {
        subject
    };
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    // The installation the mail is about, when that is clear.
    let installation = crate::domain::installed_base::named_in_mail(
        &txn,
        mail.workspace_id,
        mail.account_id,
        &format!("{subject}\n{}", mail.description),
    )
    .await?;
    let model = insert_ticket_in(
        &txn,
        state,
        NewTicket {
            workspace_id: mail.workspace_id,
            account_id: mail.account_id,
            requester_user_id: Some(mail.requester_user_id),
            created_by: mail.requester_user_id,
            module: mail.module,
            category: TicketCategory::Question,
            priority: mail.priority,
            subject,
            description: mail.description.chars().take(MAX_BODY).collect(),
            kb_suggestions_shown: false,
            kb_article_opened: false,
            follow_up_of: mail.follow_up_of,
            // Outside agreement, a mail still opens a ticket (marked, with
            // no SLA): staff see it and decide; nothing is lost or bounced.
            channel: TicketChannel::Email,
            installation,
        },
        now,
    )
    .await?;
    let linked = inbound_messages::Entity::update_many()
        .col_expr(inbound_messages::Column::TicketId, Expr::value(model.id))
        .filter(inbound_messages::Column::Id.eq(mail.inbound_message_id))
        .filter(inbound_messages::Column::TicketId.is_null())
        .exec(&txn)
        .await?;
    if linked.rows_affected != 1 {
        return Err(AppError::Conflict {
            message: "this mail has opened its ticket already".into(),
            fields: Default::default(),
        });
    }
    txn.commit().await?;
    state.mailer.kick();
    state.integrations.kick();
    Ok(model)
}
