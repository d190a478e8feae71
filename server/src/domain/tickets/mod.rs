//! Service tickets, following the ERP operating rules of the seed: routed
//! to the module's owner (tier 1), escalated to engineers (tier 2) and the
//! manager (tier 3) with a reason, SLA due times from the account's
//! agreement and the workspace calendar, a clock that pauses while the
//! customer or an approval is awaited, and a timeline of every change.
//!
//! Staff reach every ticket of their workspace. Portal users reach their
//! own account's tickets only — a `customer` those they asked, a
//! `customer_admin` all of the account's — and never internal notes.

pub mod agreements;
pub mod attachments;
pub mod blockers;
pub mod bridge;
pub mod candidates;
pub mod certified;
pub mod children;
pub mod entitlement;
pub mod links;
pub mod merge;
pub mod notify;
pub mod service_levels;
pub mod service_rollup;
pub mod sla;
pub mod sla_figures;
pub mod sla_monitor;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::tickets::{
    Comment, CreateCommentRequest, CreateTicketRequest, EscalateRequest, PortalCreateTicketRequest,
    PortalTicket, Ticket, TicketCategory, TicketChange, TicketEvent, TicketPriority, TicketStatus,
    UpdateTicketRequest, MAX_TIER,
};
use shared::validation::{self, Collector};
use shared::{ErpModule, Page, Role};

use crate::auth::{Actor, PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::approvals;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::domain::tickets::notify::{notify, TicketNotice};
use crate::entity::stored::stored;
use crate::entity::{ticket_comments, ticket_counters, ticket_events, tickets, users};
use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::state::AppState;

mod comments;
mod create;
mod query;
mod workflow;

pub(crate) use comments::reply_locked;
pub use comments::{
    comment, comments, portal_comment, portal_comments, portal_rate, timeline,
    MAX_COMMENTS_PER_TICKET, MAX_EVENTS_SHOWN,
};
pub(crate) use comments::{mail_comment, note_locked};
pub(crate) use create::record_event;
pub use create::{create, portal_create};
pub(crate) use create::{insert_linked, mail_create, LinkedTicket, MailTicket};
pub(crate) use query::{find, portal_readable, portal_view, portal_visible};
pub use query::{
    get, list, list_json, portal_get, portal_list, TicketFilter, Urgency, MAX_DUE_WITHIN_MINUTES,
};
use workflow::least_loaded;
pub(crate) use workflow::{apply_status, on_master_data_decision, update_locked, Queued};
pub use workflow::{escalate, escalate_locked, update};

/// A resolved ticket reopens when the customer replies within this time.
pub const REOPEN_WINDOW: Duration = Duration::days(7);
use shared::tickets::{MAX_BODY, MAX_SUBJECT};

pub fn to_api(m: &tickets::Model) -> AppResult<Ticket> {
    Ok(Ticket {
        id: m.id,
        number: m.number,
        account_id: m.account_id,
        requester_user_id: m.requester_user_id,
        created_by_user_id: m.created_by_user_id,
        module: stored("tickets", m.id, "module", &m.module)?,
        category: stored("tickets", m.id, "category", &m.category)?,
        priority: stored("tickets", m.id, "priority", &m.priority)?,
        status: status_of(m)?,
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
        follow_up_of: m.follow_up_of,
        merged_into_id: m.merged_into_id,
        outside_agreement: m.outside_agreement,
        installation_id: m.installation_id,
        installed_version: m.installed_version.clone(),
    })
}

fn to_portal(m: &tickets::Model) -> AppResult<PortalTicket> {
    let t = to_api(m)?;
    Ok(PortalTicket {
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
        // Filled where the target's account is known (`query::portal_views`).
        merged_into_id: None,
        merged_into_number: None,
        account_id: m.account_id,
        // Filled with the others' names (`query::portal_views`).
        account_name: String::new(),
        read_only: false,
    })
}

pub(crate) fn status_of(m: &tickets::Model) -> AppResult<TicketStatus> {
    stored("tickets", m.id, "status", &m.status)
}

pub fn etag(ticket: &Ticket) -> String {
    format!("\"t{}v{}\"", ticket.id, ticket.version)
}
