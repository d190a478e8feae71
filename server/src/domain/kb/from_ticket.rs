//! "Close the loop" (the seed: add the new problem and its solution to the
//! manual): a resolved or closed ticket becomes a draft article — the
//! ticket's subject as title, its description as the problem and the staff's
//! public replies as the solution. The draft is internal until someone
//! reviews and publishes it, and the ticket's timeline records it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use shared::kb::{KbArticle, KbStatus, KbVisibility, MAX_BODY_LEN, MAX_TITLE_LEN};
use shared::tickets::{TicketChange, TicketStatus};
use shared::Role;

use super::markdown::truncate;
use super::{insert, may_write, NewArticle};
use crate::auth::StaffActor;
use crate::db::Db;
use crate::entity::stored::stored;
use crate::entity::{kb_articles, ticket_comments, tickets, users};
use crate::error::{AppError, AppResult};

/// The article body: the problem, then each public staff reply.
fn compose_body(description: &str, replies: &[String]) -> String {
    let problem = match description.trim() {
        "" => "（工单未填写问题描述）",
        text => text,
    };
    let solution = if replies.is_empty() {
        "（请补充解决方法）".to_string()
    } else {
        replies
            .iter()
            .map(|r| r.trim())
            .collect::<Vec<_>>()
            .join("\n\n---\n\n")
    };
    truncate(
        &format!("## 问题\n\n{problem}\n\n## 解决方法\n\n{solution}\n"),
        MAX_BODY_LEN,
    )
}

/// The bodies of the ticket's public comments written by staff, oldest first.
async fn public_staff_replies<C: ConnectionTrait>(
    conn: &C,
    ticket: &tickets::Model,
) -> AppResult<Vec<String>> {
    let comments = ticket_comments::Entity::find()
        .filter(ticket_comments::Column::WorkspaceId.eq(ticket.workspace_id))
        .filter(ticket_comments::Column::TicketId.eq(ticket.id))
        .filter(ticket_comments::Column::Internal.eq(false))
        .order_by_asc(ticket_comments::Column::Id)
        .all(conn)
        .await?;
    let mut author_ids: Vec<i64> = comments.iter().map(|c| c.author_user_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let staff: std::collections::HashSet<i64> = if author_ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(ticket.workspace_id))
            .filter(users::Column::Id.is_in(author_ids))
            .all(conn)
            .await?
            .into_iter()
            .filter(|u| u.role.parse::<Role>().is_ok_and(Role::is_staff))
            .map(|u| u.id)
            .collect()
    };
    Ok(comments
        .into_iter()
        .filter(|c| staff.contains(&c.author_user_id) && !c.body.trim().is_empty())
        .map(|c| c.body)
        .collect())
}

pub async fn draft_from_ticket(
    db: &Db,
    actor: &StaffActor,
    ticket_id: i64,
    now: DateTime<Utc>,
) -> AppResult<KbArticle> {
    may_write(actor)?;
    let txn = db.write.begin().await?;
    // The ticket's row lock makes a second, concurrent request wait and then
    // see the first one's article.
    let ticket = tickets::Entity::find_by_id(ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status: TicketStatus = stored("tickets", ticket.id, "status", &ticket.status)?;
    if !matches!(status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Err(AppError::field(
            "status",
            format!("only a resolved or closed ticket can become an article; this one is {status}"),
        ));
    }
    let replies = public_staff_replies(&txn, &ticket).await?;
    let earlier = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(kb_articles::Column::SourceTicketId.eq(ticket.id))
        .filter(kb_articles::Column::Status.ne(KbStatus::Archived.as_str()))
        .one(&txn)
        .await?;
    if let Some(earlier) = earlier {
        return Err(AppError::conflict_on(
            "source_ticket_id",
            format!(
                "article {} was already drafted from this ticket",
                earlier.id
            ),
        ));
    }
    let article = insert(
        &txn,
        actor,
        NewArticle {
            module: stored("tickets", ticket.id, "module", &ticket.module)?,
            title: truncate(ticket.subject.trim(), MAX_TITLE_LEN),
            body: compose_body(&ticket.description, &replies),
            visibility: KbVisibility::Internal,
            faq: Vec::new(),
            status: KbStatus::Draft,
            source_ticket_id: Some(ticket.id),
        },
        now,
    )
    .await?;
    crate::domain::tickets::record_event(
        &txn,
        &ticket,
        Some(actor.user_id),
        &TicketChange::KbArticle {
            article_id: article.id,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_problem_then_the_solution() {
        let body = compose_body("凭证无法过账", &["先反审核".into(), " 再过账 ".into()]);
        assert_eq!(
            body,
            "## 问题\n\n凭证无法过账\n\n## 解决方法\n\n先反审核\n\n---\n\n再过账\n"
        );
        assert!(compose_body("", &[]).contains("请补充解决方法"));
    }
}
