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

/// After a write that may have made ticket `id` a P1 (opened, updated, a
/// macro applied): its account's P1 playbooks, if it is one now. Repeating
/// it is harmless: a run fires once per ticket.
pub(super) async fn after_ticket_write(state: &AppState, workspace_id: i64, id: i64) {
    let found = tickets::Entity::find_by_id(id).one(&state.db.write).await;
    if let Ok(Some(t)) = found {
        if t.workspace_id == workspace_id && t.priority == TicketPriority::P1.as_str() {
            playbooks::on_event(state, workspace_id, t.account_id, PlaybookTrigger::P1Ticket).await;
        }
    }
}

/// After a survey answer of 0–6 through `token`: the detractor playbooks of
/// the answering contact's account.
pub(super) async fn after_detractor(state: &AppState, token: &str) {
    if let Ok((workspace_id, account_id)) =
        crate::domain::surveys::account_of_token(state, token).await
    {
        playbooks::on_event(
            state,
            workspace_id,
            account_id,
            PlaybookTrigger::NpsDetractor,
        )
        .await;
    }
}
