//! Playbooks evaluated on the events themselves (issue 15): a ticket opened
//! as or raised to P1, a survey answer of 0–6. The domain areas where those
//! writes happen (tickets, surveys) sit below `playbooks` — playbooks read
//! them — so the evaluation is called from here, once the request's write
//! has committed. The SLA monitor and the health job call it from their
//! jobs; the minute sweep catches anything else.

use sea_orm::EntityTrait;
use shared::playbooks::PlaybookTrigger;
use shared::tickets::TicketPriority;

use crate::domain::playbooks;
use crate::entity::tickets;
use crate::state::AppState;

/// After a write that left a ticket of `account_id` at `priority` (opened,
/// updated): the account's P1 playbooks, if it is a P1. Repeating it is
/// harmless: a run fires once per ticket.
pub(super) async fn after_ticket_write(
    state: &AppState,
    workspace_id: i64,
    account_id: i64,
    priority: TicketPriority,
) {
    if priority == TicketPriority::P1 {
        playbooks::on_event(state, workspace_id, account_id, PlaybookTrigger::P1Ticket).await;
    }
}

/// [`after_ticket_write`] where the answer does not carry the ticket's
/// account (a portal ticket, a macro applied): ticket `id` is read.
pub(super) async fn after_ticket_id(state: &AppState, workspace_id: i64, id: i64) {
    if let Ok(Some(t)) = tickets::Entity::find_by_id(id).one(&state.db.write).await {
        if let (true, Ok(priority)) = (t.workspace_id == workspace_id, t.priority.parse()) {
            after_ticket_write(state, workspace_id, t.account_id, priority).await;
        }
    }
}

/// After a survey answer of `score` from a contact of (`workspace_id`,
/// `account_id`): the account's detractor playbooks, for 0–6.
pub(super) async fn after_answer(state: &AppState, account: (i64, i64), score: i32) {
    if score <= 6 {
        playbooks::on_event(state, account.0, account.1, PlaybookTrigger::NpsDetractor).await;
    }
}
