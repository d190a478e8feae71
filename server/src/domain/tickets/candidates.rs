//! The tickets a picker offers: merge targets (the open tickets of the
//! ticket's account group) and the other ends of links (any ticket of the
//! workspace), found by number or words of the subject.

use super::*;
use sea_orm::sea_query::{Condition, Func, LikeExpr};
use shared::texts::{Msg, T};
use shared::ticket_links::{
    ticket_number_of, CandidatePurpose, CandidateQuery, TicketRef, MAX_CANDIDATES,
    MAX_CANDIDATE_QUERY,
};

use super::links::ticket_ref;
use crate::db::sql::escape_like;

/// `GET /tickets/{id}/link-candidates`: tickets a picker offers for ticket
/// `id`, newest first: for a merge, the open tickets of its account
/// group; for a link, any other ticket of the workspace. `q` is a number
/// (`42`, `#42`) or words of the subject.
pub async fn candidates(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    query: CandidateQuery,
) -> AppResult<Vec<TicketRef>> {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    if q.chars().count() > MAX_CANDIDATE_QUERY {
        return Err(AppError::field(
            "q",
            Msg::new(T::TooLong).with("max", MAX_CANDIDATE_QUERY),
        ));
    }
    let ws = actor.workspace_id;
    let ticket = find(&db.read, ws, id).await?;
    let mut select = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::Id.ne(id))
        .order_by_desc(tickets::Column::Id)
        .limit(MAX_CANDIDATES);
    let purpose = query.purpose.unwrap_or(CandidatePurpose::Link);
    if purpose == CandidatePurpose::Merge {
        // The tickets of the account's group (its own among them).
        let group =
            crate::domain::accounts::groups::group_of(&db.read, ws, ticket.account_id).await?;
        select = select
            .filter(tickets::Column::AccountId.is_in(group))
            .filter(tickets::Column::Status.ne(TicketStatus::Closed.as_str()))
            .filter(tickets::Column::MergedIntoId.is_null());
    }
    if !q.is_empty() {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let subject = Expr::expr(Func::lower(Expr::col(tickets::Column::Subject)))
            .like(LikeExpr::new(pattern).escape('\\'));
        let mut matches = Condition::any().add(subject);
        if let Some(number) = ticket_number_of(q) {
            matches = matches.add(tickets::Column::Number.eq(number));
        }
        select = select.filter(matches);
    }
    select.all(&db.read).await?.iter().map(ticket_ref).collect()
}
