//! The accounts a caller's figures cover: the whole workspace, or the
//! accounts a CSM owns; and reading the exact sums such queries add up.

use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::ColumnTrait;
use shared::reports::ReportScope;
use shared::Role;

use crate::auth::StaffActor;
use crate::entity::accounts;
use crate::error::{AppError, AppResult};

/// Reads a summed amount that the query cast to text (exact on both
/// backends, beyond `i64` too).
pub(crate) fn wide(row: &sea_orm::QueryResult, column: &str) -> AppResult<i128> {
    let text: Option<String> = row.try_get("", column)?;
    let text = text.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    // PostgreSQL prints numeric sums of integers without decimals, but be
    // lenient about a trailing ".0".
    let whole = text.split('.').next().unwrap_or("0");
    whole
        .parse::<i128>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("bad sum '{text}': {e}")))
}

/// The ids of the accounts `owner` owns in the workspace, as a subquery.
pub(crate) fn owned_accounts(workspace_id: i64, owner: i64) -> SelectStatement {
    Query::select()
        .column(accounts::Column::Id)
        .from(accounts::Entity)
        .and_where(accounts::Column::WorkspaceId.eq(workspace_id))
        .and_where(accounts::Column::OwnerId.eq(owner))
        .to_owned()
}

/// The accounts a caller's figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Portfolio {
    Workspace,
    Owner(i64),
}

impl Portfolio {
    /// The portfolio in a stored snapshot's key: `workspace` or `owner:<id>`.
    pub fn key(self) -> String {
        match self {
            Portfolio::Workspace => "workspace".into(),
            Portfolio::Owner(id) => format!("owner:{id}"),
        }
    }

    pub fn scope(self) -> ReportScope {
        match self {
            Portfolio::Workspace => ReportScope::Workspace,
            Portfolio::Owner(_) => ReportScope::Own,
        }
    }

    /// Admins and managers see every account; a CSM their own; engineers
    /// (who own none) the workspace's, read-only.
    pub fn of(actor: &StaffActor) -> Portfolio {
        match actor.role {
            Role::Csm => Portfolio::Owner(actor.user_id),
            _ => Portfolio::Workspace,
        }
    }
}
