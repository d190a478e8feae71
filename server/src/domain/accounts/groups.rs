//! Group accounts (集团 and 子公司): an account's parent, the walk up to
//! the top of its group and down to every account below it, each in one
//! recursive statement (`WITH RECURSIVE`, the same text on SQLite and
//! PostgreSQL), and the guards on a new parent: same workspace, no cycle,
//! at most [`MAX_GROUP_DEPTH`] levels.
//!
//! Every walk is bounded by the depth limit, so even a cycle that somehow
//! reached the table could not make a statement run away.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use shared::account_groups::MAX_GROUP_DEPTH;
use shared::accounts::{Account, AccountRef};
use shared::texts::{Msg, T};

use crate::db::sql::Sql;
use crate::entity::accounts;
use crate::error::{AppError, AppResult};

const FIELD: &str = "parent_id";

/// One account of a group walked down from its top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    /// Levels below the account the walk started from (that one is 0).
    pub depth: i64,
}

/// Serialises parent changes within a workspace (PostgreSQL: a transaction
/// advisory lock), so that two requests cannot each pass the cycle check
/// and together close a circle. SQLite has one writer at a time anyway.
async fn lock_groups<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<()> {
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    // "GRPS" in the high bits keeps the key apart from any other lock.
    let key = 0x4752_5053_i64 << 32 | (workspace_id & 0xffff_ffff);
    conn.execute(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// Checks `parent_id` as the new parent of `account_id` (`None`: an
/// account being created) in the caller's transaction: an account of the
/// workspace (422 otherwise, as for any reference), not the account itself
/// nor one below it (422), and the group no deeper than
/// [`MAX_GROUP_DEPTH`] levels (422). One statement walks up from the
/// parent and down from the account.
pub(crate) async fn check_parent<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: Option<i64>,
    parent_id: i64,
) -> AppResult<()> {
    if account_id == Some(parent_id) {
        return Err(AppError::field(FIELD, T::ParentSelf));
    }
    if account_id.is_some() {
        lock_groups(conn, workspace_id).await?;
    }
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "WITH RECURSIVE up(id, parent_id, n) AS (\
           SELECT id, parent_id, CAST(1 AS BIGINT) FROM accounts WHERE workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND id = ")
    .bind(parent_id)
    .push(
        " UNION ALL SELECT a.id, a.parent_id, up.n + 1 FROM accounts a \
           JOIN up ON a.id = up.parent_id WHERE a.workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND up.n <= ")
    .bind(MAX_GROUP_DEPTH)
    .push(
        "), down(id, n) AS (\
           SELECT id, CAST(1 AS BIGINT) FROM accounts WHERE workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND id = ")
    .bind(account_id)
    .push(
        " UNION ALL SELECT a.id, down.n + 1 FROM accounts a \
           JOIN down ON a.parent_id = down.id WHERE a.workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND down.n <= ")
    .bind(MAX_GROUP_DEPTH)
    .push(
        ") SELECT (SELECT MAX(n) FROM up) AS above, (SELECT MAX(n) FROM down) AS below, \
           (SELECT COUNT(*) FROM up WHERE id = ",
    )
    .bind(account_id)
    .push(") AS cycle, (SELECT name FROM accounts WHERE workspace_id = ")
    .bind(workspace_id)
    .push(" AND id = ")
    .bind(parent_id)
    .push(") AS parent_name");
    let row = conn
        .query_one(sql.statement())
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the group check returned no row")))?;
    let above: Option<i64> = row.try_get("", "above")?;
    let below: Option<i64> = row.try_get("", "below")?;
    let cycle: i64 = row.try_get("", "cycle")?;
    let parent_name: Option<String> = row.try_get("", "parent_name")?;
    let (Some(above), Some(name)) = (above, parent_name) else {
        return Err(AppError::field(FIELD, T::NoSuchAccountHere));
    };
    if cycle > 0 {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::ParentCycle).with("name", name),
        ));
    }
    if above + below.unwrap_or(1) > MAX_GROUP_DEPTH {
        return Err(AppError::field(
            FIELD,
            Msg::new(T::GroupTooDeep).with("max", MAX_GROUP_DEPTH),
        ));
    }
    Ok(())
}

/// `account_id` and every account below it that is not archived (an
/// archived account's subsidiaries are left out with it), the account
/// first, then by depth and name. Empty when the account is not of the
/// workspace.
pub async fn subtree<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Vec<Node>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "WITH RECURSIVE tree(id, parent_id, depth) AS (\
           SELECT id, parent_id, CAST(0 AS BIGINT) FROM accounts WHERE workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND id = ")
    .bind(account_id)
    .push(
        " UNION ALL SELECT a.id, a.parent_id, tree.depth + 1 FROM accounts a \
           JOIN tree ON a.parent_id = tree.id WHERE a.workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND a.archived = ")
    .bind(false)
    .push(" AND tree.depth < ")
    .bind(MAX_GROUP_DEPTH)
    .push(
        ") SELECT tree.id AS id, tree.parent_id AS parent_id, tree.depth AS depth, \
           a.name AS name FROM tree JOIN accounts a ON a.id = tree.id",
    );
    let mut nodes = Vec::new();
    for row in conn.query_all(sql.statement()).await? {
        let node = Node {
            id: row.try_get("", "id")?,
            name: row.try_get("", "name")?,
            parent_id: row.try_get("", "parent_id")?,
            depth: row.try_get("", "depth")?,
        };
        // A node reached twice (never, without a cycle) is listed once.
        if !nodes.iter().any(|n: &Node| n.id == node.id) {
            nodes.push(node);
        }
    }
    // Sorted here: the database's collation would order names differently
    // on each backend.
    nodes.sort_by(|a, b| (a.depth, &a.name, a.id).cmp(&(b.depth, &b.name, b.id)));
    Ok(nodes)
}

/// The top of the group of each of `ids` (an account without a parent is
/// its own top), in one walk up.
pub async fn tops<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ids: &[i64],
) -> AppResult<HashMap<i64, i64>> {
    let mut out: HashMap<i64, i64> = ids.iter().map(|id| (*id, *id)).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "WITH RECURSIVE up(start, id, parent_id, n) AS (\
           SELECT id, id, parent_id, CAST(0 AS BIGINT) FROM accounts WHERE workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND id IN (")
    .bind_list(ids.iter().copied())
    .push(
        ") UNION ALL SELECT up.start, a.id, a.parent_id, up.n + 1 FROM accounts a \
           JOIN up ON a.id = up.parent_id WHERE a.workspace_id = ",
    )
    .bind(workspace_id)
    .push(" AND up.n < ")
    .bind(MAX_GROUP_DEPTH)
    .push(") SELECT start, id FROM up WHERE parent_id IS NULL");
    for row in conn.query_all(sql.statement()).await? {
        out.insert(row.try_get("", "start")?, row.try_get("", "id")?);
    }
    Ok(out)
}

/// Whether accounts `a` and `b` are of one group (share their top).
pub async fn same_group<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    a: i64,
    b: i64,
) -> AppResult<bool> {
    if a == b {
        return Ok(true);
    }
    let tops = tops(conn, workspace_id, &[a, b]).await?;
    Ok(tops.get(&a).is_some_and(|top| tops.get(&b) == Some(top)))
}

/// Every account of `account_id`'s group: its top and all below it.
pub async fn group_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Vec<i64>> {
    let top = tops(conn, workspace_id, &[account_id])
        .await?
        .get(&account_id)
        .copied()
        .unwrap_or(account_id);
    let mut ids: Vec<i64> = subtree(conn, workspace_id, top)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    if !ids.contains(&account_id) {
        // Below an archived account: its group is itself.
        ids.push(account_id);
    }
    Ok(ids)
}

/// `account` with its parent's name and its subsidiaries (one query).
pub(crate) async fn with_relatives<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    mut account: Account,
) -> AppResult<Account> {
    use sea_orm::sea_query::Condition;
    let mut related = Condition::any().add(
        Condition::all()
            .add(accounts::Column::ParentId.eq(account.id))
            .add(accounts::Column::Archived.eq(false)),
    );
    if let Some(parent) = account.parent_id {
        related = related.add(accounts::Column::Id.eq(parent));
    }
    let mut rows = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(related)
        .all(conn)
        .await?;
    // By name, the same on both backends (not the database's collation).
    rows.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    account.parent = None;
    account.subsidiaries = Vec::new();
    for row in rows {
        let r = AccountRef {
            id: row.id,
            name: row.name,
        };
        if Some(row.id) == account.parent_id {
            account.parent = Some(r);
        } else {
            account.subsidiaries.push(r);
        }
    }
    Ok(account)
}

/// The names of the accounts `ids` of the workspace (one query).
pub(crate) async fn names_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    mut ids: Vec<i64>,
) -> AppResult<HashMap<i64, String>> {
    use sea_orm::QuerySelect;
    ids.sort_unstable();
    ids.dedup();
    Ok(accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .column(accounts::Column::Name)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Fills the parent of each of `accounts` (a page of a list), one query.
pub(crate) async fn fill_parents<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    accounts_page: &mut [Account],
) -> AppResult<()> {
    let ids: Vec<i64> = accounts_page.iter().filter_map(|a| a.parent_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let names = names_of(conn, workspace_id, ids).await?;
    for account in accounts_page {
        account.parent = account.parent_id.and_then(|id| {
            names.get(&id).map(|name| AccountRef {
                id,
                name: name.clone(),
            })
        });
    }
    Ok(())
}
