//! What a task may name besides its account: a ticket, renewal, onboarding
//! plan or success plan of that same account.

use sea_orm::ConnectionTrait;
use shared::tasks::{TaskLink, TaskLinkKind};
use shared::texts::{Msg, T};

use crate::db::sql::Sql;
use crate::error::{AppError, AppResult};

fn table(kind: TaskLinkKind) -> &'static str {
    match kind {
        TaskLinkKind::Ticket => "tickets",
        TaskLinkKind::Renewal => "renewals",
        TaskLinkKind::OnboardingPlan => "onboarding_plans",
        TaskLinkKind::SuccessPlan => "success_plans",
    }
}

/// 422 on `link` unless the record exists on `account_id`.
pub(crate) async fn check<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    link: TaskLink,
) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT id FROM ")
        .push(table(link.kind))
        .push(" WHERE id = ")
        .bind(link.id)
        .push(" AND workspace_id = ")
        .bind(workspace_id)
        .push(" AND account_id = ")
        .bind(account_id);
    match conn.query_one(sql.statement()).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(
            "link",
            Msg::new(T::TaskLinkElsewhere).with("kind", link.kind.as_str()),
        )),
    }
}
