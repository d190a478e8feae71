//! The SLA monitor: marks tickets whose first-response or resolution target
//! has passed, once per breach; tells the assignee and the managers; and
//! raises the ticket's tier. A breach is claimed with a conditional update
//! (`… WHERE breached_at IS NULL`), so overlapping runs or replicas record
//! and announce each breach exactly once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde::Serialize;
use shared::texts::{Msg, T};
use shared::tickets::{SlaTarget, TicketChange, TicketStatus, MAX_TIER};

use crate::domain::tickets::notify::{managers, notify, TicketNotice};
use crate::domain::tickets::{escalate_locked, record_event};
use crate::entity::tickets;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Debug, Default, Serialize)]
pub struct SlaMonitorReport {
    pub first_response_breaches: u64,
    pub resolution_breaches: u64,
    pub escalated: u64,
    pub notifications: u64,
}

#[derive(Clone, Copy)]
enum Target {
    FirstResponse,
    Resolution,
}

impl Target {
    fn wire(self) -> SlaTarget {
        match self {
            Target::FirstResponse => SlaTarget::FirstResponse,
            Target::Resolution => SlaTarget::Resolution,
        }
    }
}

const BATCH: u64 = 500;

/// Runs over every workspace's tickets, or only `workspace`'s when given.
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<SlaMonitorReport> {
    let mut report = SlaMonitorReport::default();
    for target in [Target::FirstResponse, Target::Resolution] {
        loop {
            let ids = due_ids(state, target, now, workspace).await?;
            if ids.is_empty() {
                break;
            }
            for id in &ids {
                handle(state, *id, target, now, &mut report).await?;
            }
            if (ids.len() as u64) < BATCH {
                break;
            }
        }
    }
    if report.notifications > 0 {
        state.mailer.kick();
    }
    if report.first_response_breaches + report.resolution_breaches > 0 {
        state.integrations.kick();
    }
    Ok(report)
}

/// Unbreached, running tickets past the target, oldest due first.
async fn due_ids(
    state: &AppState,
    target: Target,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<Vec<i64>> {
    let done = [
        TicketStatus::Resolved.as_str(),
        TicketStatus::Closed.as_str(),
    ];
    let mut query = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::PausedSince.is_null())
        .filter(tickets::Column::Status.is_not_in(done))
        .limit(BATCH);
    if let Some(id) = workspace {
        query = query.filter(tickets::Column::WorkspaceId.eq(id));
    }
    query = match target {
        Target::FirstResponse => query
            .filter(tickets::Column::FirstResponseBreachedAt.is_null())
            .filter(tickets::Column::FirstResponseDueAt.lt(now))
            .filter(tickets::Column::FirstRespondedAt.is_null())
            .order_by_asc(tickets::Column::FirstResponseDueAt),
        Target::Resolution => query
            .filter(tickets::Column::ResolutionBreachedAt.is_null())
            .filter(tickets::Column::ResolutionDueAt.lt(now))
            .order_by_asc(tickets::Column::ResolutionDueAt),
    };
    Ok(query.into_tuple::<i64>().all(&state.db.read).await?)
}

async fn handle(
    state: &AppState,
    id: i64,
    target: Target,
    now: DateTime<Utc>,
    report: &mut SlaMonitorReport,
) -> AppResult<()> {
    let txn = state.db.write.begin().await?;
    let column = match target {
        Target::FirstResponse => tickets::Column::FirstResponseBreachedAt,
        Target::Resolution => tickets::Column::ResolutionBreachedAt,
    };
    // The service report's outcome column turns to missed with it
    // (`sla_figures`); a ticket outside agreement has no SLA to miss.
    let met = match target {
        Target::FirstResponse => tickets::Column::FirstResponseMet,
        Target::Resolution => tickets::Column::ResolutionMet,
    };
    let before = tickets::Entity::find_by_id(id).one(&txn).await?;
    let claimed = tickets::Entity::update_many()
        .col_expr(column, Expr::value(now))
        .col_expr(
            met,
            Expr::case(
                Expr::col(tickets::Column::OutsideAgreement).eq(true),
                Expr::value(Option::<bool>::None),
            )
            .finally(Expr::value(false))
            .into(),
        )
        .filter(tickets::Column::Id.eq(id))
        .filter(column.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(());
    }
    let Some(ticket) = tickets::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(());
    };
    crate::domain::tickets::service_rollup::change(&txn, before.as_ref(), Some(&ticket)).await?;
    match target {
        Target::FirstResponse => report.first_response_breaches += 1,
        Target::Resolution => report.resolution_breaches += 1,
    }
    record_event(
        &txn,
        &ticket,
        None,
        &TicketChange::SlaBreach {
            target: target.wire(),
        },
        now,
    )
    .await?;
    // The assignee at the time of the breach and every active manager.
    let mut recipients = managers(&txn, ticket.workspace_id).await?;
    recipients.extend(ticket.assignee_id);
    let notice = TicketNotice::Breached {
        target: target.wire().as_str(),
    };
    report.notifications += notify(&txn, &state.mailer, &ticket, &notice, &recipients, now).await?;
    crate::domain::integrations::events::emit_ticket(
        &txn,
        shared::integrations::EventType::TicketSlaBreached,
        &ticket,
        serde_json::json!({ "sla": {
            "target": target.wire().as_str(),
            "due_at": match target {
                Target::FirstResponse => ticket.first_response_due_at,
                Target::Resolution => ticket.resolution_due_at,
            },
        }}),
        now,
    )
    .await?;
    if ticket.tier < MAX_TIER {
        let reason = match target {
            Target::FirstResponse => T::SlaFirstResponseMissed,
            Target::Resolution => T::SlaResolutionMissed,
        };
        let reason = Msg::new(reason).en();
        escalate_locked(&txn, &state.mailer, &ticket, None, &reason, now).await?;
        report.escalated += 1;
    }
    txn.commit().await?;
    Ok(())
}
