//! Customer accounts: create, read, list (keyset, filtered), update with
//! optimistic concurrency (`If-Match`), archive and restore.
//!
//! Who may do what: admins and managers change any account; a CSM creates
//! accounts and changes the ones they own; engineers read.

pub mod auth;
pub mod contacts;
pub mod groups;
pub mod licenses;
pub mod settings;
pub mod stages;
pub mod timeline;
pub mod users;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait, Value,
};
use shared::accounts::{Account, CreateAccountRequest, UpdateAccountRequest};
use shared::texts::T;
use shared::{validation, LifecycleStage, Page, Role};

use crate::auth::StaffActor;
use crate::db::sql::escape_like;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::domain::common::modules_from_db;
use crate::domain::common::modules_to_db;
use crate::domain::common::pagination::try_page;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageParams, PageQuery};
use crate::entity::stored::stored;
use crate::entity::{accounts, users as user_rows};
use crate::error::{AppError, AppResult};

pub fn to_api(model: &accounts::Model) -> AppResult<Account> {
    Ok(Account {
        id: model.id,
        name: model.name.clone(),
        code: model.code.clone(),
        industry: model.industry.clone(),
        segment: model.segment.clone(),
        owner_id: model.owner_id,
        stage: stored("accounts", model.id, "stage", &model.stage)?,
        stage_entered_at: model.stage_entered_at,
        modules: modules_from_db(&model.modules),
        archived: model.archived,
        created_at: model.created_at,
        updated_at: model.updated_at,
        version: model.version,
        parent_id: model.parent_id,
        parent: None,
        subsidiaries: Vec::new(),
        portal_group_tickets: model.portal_group_tickets,
    })
}

/// The strong ETag of an account version.
pub fn etag(account: &Account) -> String {
    format!("\"a{}v{}\"", account.id, account.version)
}

pub(crate) fn search_key(name: &str, code: &str) -> String {
    format!("{} {}", name.to_lowercase(), code.to_lowercase())
}

fn may_edit(actor: &StaffActor, account: &accounts::Model) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        Role::Csm if account.owner_id == Some(actor.user_id) => Ok(()),
        Role::Csm => Err(AppError::Forbidden(
            "only the account's owner, a manager or an admin may change it".into(),
        )),
        _ => Err(AppError::forbidden()),
    }
}

pub use shared::filters::AccountFilter;

/// Most ids one `ids` filter takes (a page's worth).
pub const MAX_IDS: usize = 200;

/// The `ids` filter's ids; 422 unless it is 1–200 comma-separated ids.
fn filter_ids(filter: &AccountFilter) -> AppResult<Option<Vec<i64>>> {
    {
        let Some(text) = filter.ids.as_deref() else {
            return Ok(None);
        };
        let ids: Option<Vec<i64>> = text
            .split(',')
            .map(|p| p.parse::<i64>().ok().filter(|id| *id >= 0))
            .collect();
        match ids {
            Some(ids) if !ids.is_empty() && ids.len() <= MAX_IDS => Ok(Some(ids)),
            _ => Err(AppError::field(
                "ids",
                format!("must be 1 to {MAX_IDS} comma-separated ids"),
            )),
        }
    }
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: AccountFilter,
    page: PageQuery,
) -> AppResult<Page<Account>> {
    let params = page.params()?;
    let ids = filter_ids(&filter)?;
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = q {
        if q.chars().count() > 200 {
            return Err(AppError::field("q", "must be at most 200 characters"));
        }
        // Among given ids, the plain `LIKE` below is the quicker.
        if db.backend() == DatabaseBackend::Postgres && ids.is_none() {
            let rows = search_postgres(&db.generic, actor.workspace_id, &filter, q, params).await?;
            let page = try_page(page_of(rows, params, |a| a.id, |a| to_api(&a)))?;
            return with_parents(db, actor, page).await;
        }
    }
    // Given ids are read by primary key (at most 200 rows, sorted below):
    // neither an order in SQL nor the workspace's indexes (`+ 0` keeps the
    // planner off them) would read fewer rows.
    let in_workspace = if ids.is_some() {
        Expr::expr(Expr::col(accounts::Column::WorkspaceId).add(0)).eq(actor.workspace_id)
    } else {
        Expr::col(accounts::Column::WorkspaceId).eq(actor.workspace_id)
    };
    let mut query = accounts::Entity::find().filter(in_workspace);
    if ids.is_none() {
        query = query
            .order_by_desc(accounts::Column::Id)
            .limit(params.limit + 1);
    }
    if !filter.include_archived.unwrap_or(false) {
        query = query.filter(accounts::Column::Archived.eq(false));
    }
    if let Some(q) = q {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        query = query.filter(
            Expr::col(accounts::Column::SearchKey).like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(owner) = filter.owner_id {
        query = query.filter(accounts::Column::OwnerId.eq(owner));
    }
    if let Some(stage) = filter.stage {
        query = query.filter(accounts::Column::Stage.eq(stage.as_str()));
    }
    if let Some(ids) = ids {
        query = query.filter(accounts::Column::Id.is_in(ids));
    }
    if let Some(before) = params.before_id {
        query = query.filter(accounts::Column::Id.lt(before));
    }
    // Planned once (see `Db::generic`): every filter reads the same index.
    let mut rows = crate::db::fetch_all_in_one_row(&db.generic, query).await?;
    rows.sort_unstable_by_key(|a| std::cmp::Reverse(a.id));
    rows.truncate(usize::try_from(params.limit + 1).unwrap_or(usize::MAX));
    let page = try_page(page_of(rows, params, |a| a.id, |a| to_api(&a)))?;
    with_parents(db, actor, page).await
}

/// A page of accounts with their parents' names.
async fn with_parents(
    db: &Db,
    actor: &StaffActor,
    mut page: Page<Account>,
) -> AppResult<Page<Account>> {
    groups::fill_parents(&db.read, actor.workspace_id, &mut page.items).await?;
    Ok(page)
}

/// How many of the newest accounts (after the filters) a PostgreSQL search
/// reads before it asks the character-pair index instead.
const RECENT_WINDOW: u64 = 1000;

/// The characters pairs of `q` an account's `search_key` must hold to
/// contain `q` (its characters if it has one), space-separated, as
/// `steward_grams` (migration `m20261203_000020`) indexes them. Pairs with
/// a space are left out (they narrow nothing).
fn search_grams(q: &str) -> String {
    let chars: Vec<char> = q.chars().collect();
    let mut grams: Vec<String> = if chars.len() == 1 {
        vec![q.to_string()]
    } else {
        chars.windows(2).map(|w| w.iter().collect()).collect()
    };
    grams.retain(|g| !g.chars().any(char::is_whitespace));
    grams.sort_unstable();
    grams.dedup();
    grams.join(" ")
}

/// PostgreSQL: the newest accounts whose name or code contains `q` (lower
/// case), at most `params.limit + 1`, newest first.
///
/// A query many accounts match (`科技`) fills its page from the newest
/// [`RECENT_WINDOW`] accounts, read in order through the list's indexes.
/// Otherwise the candidates come from the GIN index over `search_key`'s
/// characters and pairs, materialised first so that the planner never
/// computes the pairs of each row, and `LIKE` decides among them.
async fn search_postgres<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    filter: &AccountFilter,
    q: &str,
    params: PageParams,
) -> AppResult<Vec<accounts::Model>> {
    let q = q.to_lowercase();
    let take = i64::try_from(params.limit + 1).unwrap_or(i64::MAX);
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let mut filters = String::new();
    let bind = |values: &mut Vec<Value>, value: Value| {
        values.push(value);
        format!("${}", values.len())
    };
    if !filter.include_archived.unwrap_or(false) {
        filters.push_str(" AND archived = false");
    }
    if let Some(owner) = filter.owner_id {
        filters.push_str(&format!(
            " AND owner_id = {}",
            bind(&mut values, owner.into())
        ));
    }
    if let Some(stage) = filter.stage {
        let p = bind(&mut values, stage.as_str().into());
        filters.push_str(&format!(" AND stage = {p}"));
    }
    if let Some(before) = params.before_id {
        filters.push_str(&format!(" AND id < {}", bind(&mut values, before.into())));
    }
    let like = bind(&mut values, format!("%{}%", escape_like(&q)).into());
    let take = bind(&mut values, take.into());
    let recent = format!(
        "SELECT * FROM (SELECT * FROM accounts WHERE workspace_id = $1{filters} \
            ORDER BY id DESC LIMIT {RECENT_WINDOW}) AS recent \
         WHERE search_key LIKE {like} ESCAPE '\\' ORDER BY id DESC LIMIT {take}"
    );
    let rows = fetch_postgres_page(conn, &recent, values.clone()).await?;
    if rows.len() as u64 > params.limit {
        return Ok(rows);
    }
    let grams = search_grams(&q);
    let sql = if grams.is_empty() {
        format!(
            "SELECT * FROM accounts WHERE workspace_id = $1{filters} \
                AND search_key LIKE {like} ESCAPE '\\' ORDER BY id DESC LIMIT {take}"
        )
    } else {
        let grams = bind(&mut values, grams.into());
        format!(
            "WITH candidates AS MATERIALIZED (SELECT * FROM accounts \
                WHERE workspace_id = $1 \
                AND steward_grams(search_key) @> string_to_array({grams}, ' ')) \
             SELECT * FROM candidates WHERE search_key LIKE {like} ESCAPE '\\'{filters} \
                ORDER BY id DESC LIMIT {take}"
        )
    };
    fetch_postgres_page(conn, &sql, values).await
}

/// The rows of a PostgreSQL `SELECT` of whole accounts, aggregated into one
/// JSON value (see [`crate::db::fetch_all_in_one_row`]), in its order.
async fn fetch_postgres_page<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> AppResult<Vec<accounts::Model>> {
    let statement = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        format!(
            "SELECT COALESCE(json_agg(t ORDER BY t.id DESC), '[]')::text AS page FROM ({sql}) AS t"
        ),
        values,
    );
    let Some(row) = conn.query_one(statement).await? else {
        return Ok(Vec::new());
    };
    let page: String = row.try_get("", "page")?;
    serde_json::from_str(&page).map_err(|e| AppError::Internal(e.into()))
}

pub(crate) async fn find_in_workspace<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<accounts::Model> {
    accounts::Entity::find_by_id(id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Account> {
    let account = to_api(&find_in_workspace(&db.read, actor.workspace_id, id).await?)?;
    groups::with_relatives(&db.read, actor.workspace_id, account).await
}

/// An owner must be an active staff member of the workspace who can own
/// accounts (CSM, manager or admin).
pub(crate) async fn check_owner<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    owner_id: i64,
) -> AppResult<()> {
    check_owners(conn, workspace_id, &[owner_id]).await
}

/// Every one of `owner_ids` is an active CSM, manager or admin of the
/// workspace (one query, however many).
async fn check_owners<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    owner_ids: &[i64],
) -> AppResult<()> {
    if owner_ids.is_empty() {
        return Ok(());
    }
    let owners = user_rows::Entity::find()
        .filter(user_rows::Column::Id.is_in(owner_ids.iter().copied()))
        .filter(user_rows::Column::WorkspaceId.eq(workspace_id))
        .all(conn)
        .await?;
    let may_own = |id: &i64| {
        owners.iter().any(|u| {
            u.id == *id
                && u.active
                && matches!(
                    u.role.parse::<Role>(),
                    Ok(Role::Csm | Role::Manager | Role::Admin)
                )
        })
    };
    if owner_ids.iter().all(may_own) {
        Ok(())
    } else {
        Err(AppError::field(
            "owner_id",
            "must be an active CSM, manager or admin of this workspace",
        ))
    }
}

async fn ensure_code_free<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    code: &str,
    except_id: Option<i64>,
) -> AppResult<()> {
    ensure_codes_free(conn, workspace_id, &[code], except_id).await
}

/// None of `codes` is another account's, nor given twice (one query).
async fn ensure_codes_free<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    codes: &[&str],
    except_id: Option<i64>,
) -> AppResult<()> {
    let distinct: std::collections::HashSet<&str> = codes.iter().copied().collect();
    if distinct.len() != codes.len() {
        return Err(code_taken());
    }
    let mut query = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Code.is_in(codes.iter().copied()));
    if let Some(id) = except_id {
        query = query.filter(accounts::Column::Id.ne(id));
    }
    if query.one(conn).await?.is_some() {
        Err(code_taken())
    } else {
        Ok(())
    }
}

fn code_taken() -> AppError {
    AppError::conflict_on("code", T::CodeTaken)
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: CreateAccountRequest,
    now: DateTime<Utc>,
) -> AppResult<Account> {
    let rule = settings::code_rule(&db.read, actor.workspace_id).await?;
    let txn = db.write.begin().await?;
    let result = create_in(&txn, actor, req, now, &rule).await?;
    let result = groups::with_relatives(&txn, actor.workspace_id, result).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`create`] in the caller's transaction.
pub(crate) async fn create_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    req: CreateAccountRequest,
    now: DateTime<Utc>,
    rule: &str,
) -> AppResult<Account> {
    let mut created = create_many_in(txn, actor, vec![req], now, rule).await?;
    created
        .pop()
        .ok_or_else(|| anyhow::anyhow!("an insert returned no row").into())
}

/// Creates every account of `reqs` or none (an import's batch): each is
/// checked as [`create`] checks one; they are written, audited and
/// announced a statement for all at a time.
pub(crate) async fn create_many_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    reqs: Vec<CreateAccountRequest>,
    now: DateTime<Utc>,
    rule: &str,
) -> AppResult<Vec<Account>> {
    actor.require(&[Role::Admin, Role::Manager, Role::Csm])?;
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut owners = Vec::new();
    for req in &reqs {
        validation::create_account(req, rule).map_err(AppError::validation)?;
        if let Some(owner) = req.owner_id {
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        }
    }
    check_owners(txn, actor.workspace_id, &owners).await?;
    for req in &reqs {
        if let Some(parent) = req.parent_id {
            groups::check_parent(txn, actor.workspace_id, None, parent).await?;
        }
    }
    let codes: Vec<String> = reqs.iter().map(|r| r.code.trim().to_string()).collect();
    let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    ensure_codes_free(txn, actor.workspace_id, &code_refs, None).await?;
    let rows = reqs.into_iter().map(|req| {
        let name = req.name.trim().to_string();
        let code = req.code.trim().to_string();
        let owner_id = match req.owner_id {
            Some(id) => Some(id),
            None if actor.role == Role::Csm => Some(actor.user_id),
            None => None,
        };
        accounts::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            search_key: Set(search_key(&name, &code)),
            name: Set(name),
            code: Set(code),
            industry: Set(clean_optional(req.industry)),
            segment: Set(clean_optional(req.segment)),
            owner_id: Set(owner_id),
            stage: Set(req
                .stage
                .unwrap_or(LifecycleStage::Onboarding)
                .as_str()
                .into()),
            stage_entered_at: Set(now),
            modules: Set(modules_to_db(&req.modules)),
            parent_id: Set(req.parent_id),
            portal_group_tickets: Set(false),
            archived: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
    });
    let models = accounts::Entity::insert_many(rows)
        .exec_with_returning_many(txn)
        .await?;
    let created = models.iter().map(to_api).collect::<AppResult<Vec<_>>>()?;
    audit::record_many(
        txn,
        created
            .iter()
            .map(|account| Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: "create",
                entity_type: "account",
                entity_id: account.id,
                before: None,
                after: Some(account),
            })
            .collect(),
        now,
    )
    .await?;
    use crate::domain::integrations::events;
    events::emit_many(
        txn,
        actor.workspace_id,
        shared::integrations::EventType::AccountCreated,
        models
            .iter()
            .map(|m| serde_json::json!({ "account": events::account_json(m) }))
            .collect(),
        now,
    )
    .await?;
    Ok(created)
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateAccountRequest,
    now: DateTime<Utc>,
) -> AppResult<Account> {
    let rule = settings::code_rule(&db.read, actor.workspace_id).await?;
    let txn = db.write.begin().await?;
    let result = update_in(&txn, actor, id, if_match, req, now, &rule).await?;
    let result = groups::with_relatives(&txn, actor.workspace_id, result).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`update`] in the caller's transaction (imports run many in one).
pub(crate) async fn update_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateAccountRequest,
    now: DateTime<Utc>,
    rule: &str,
) -> AppResult<Account> {
    let existing = accounts::Entity::find_by_id(id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    may_edit(actor, &existing)?;
    let before = to_api(&existing)?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    validation::update_account(&req, rule).map_err(AppError::validation)?;

    let mut model: accounts::ActiveModel = existing.clone().into();
    let mut name = existing.name.clone();
    let mut code = existing.code.clone();
    if let Some(n) = req.name {
        name = n.trim().to_string();
    }
    if let Some(c) = req.code {
        code = c.trim().to_string();
        if code != existing.code {
            ensure_code_free(txn, actor.workspace_id, &code, Some(id)).await?;
        }
    }
    if let Some(industry) = req.industry {
        model.industry = Set(clean_optional(industry));
    }
    if let Some(segment) = req.segment {
        model.segment = Set(clean_optional(segment));
    }
    if let Some(owner) = req.owner_id {
        if let Some(owner_id) = owner {
            check_owner(txn, actor.workspace_id, owner_id).await?;
        }
        // A CSM may hand an account over, but cannot take someone else's.
        model.owner_id = Set(owner);
    }
    if let Some(stage) = req.stage {
        if stage.as_str() != existing.stage {
            model.stage = Set(stage.as_str().into());
            model.stage_entered_at = Set(now);
        }
    }
    if let Some(modules) = req.modules {
        model.modules = Set(modules_to_db(&modules));
    }
    if let Some(parent) = req.parent_id {
        if parent != existing.parent_id {
            if let Some(parent_id) = parent {
                groups::check_parent(txn, actor.workspace_id, Some(id), parent_id).await?;
            }
            model.parent_id = Set(parent);
        }
    }
    if let Some(on) = req.portal_group_tickets {
        if on != existing.portal_group_tickets {
            // What customers see of other companies is a manager's call.
            if !matches!(actor.role, Role::Admin | Role::Manager) {
                return Err(AppError::Forbidden(T::GroupSettingRoles.into()));
            }
            model.portal_group_tickets = Set(on);
        }
    }
    model.search_key = Set(search_key(&name, &code));
    model.name = Set(name);
    model.code = Set(code);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(txn).await?;
    let after = to_api(&updated)?;
    stages::move_stage(
        txn,
        stages::StageMove {
            workspace_id: actor.workspace_id,
            account_id: id,
            actor_id: Some(actor.user_id),
            subject: stages::Subject::Account,
            action: "update",
            from: &existing.stage,
            to: &updated.stage,
            before: &before,
            after: &after,
        },
        now,
    )
    .await?;
    stages::emit_account_stage(txn, &existing, &updated, now).await?;
    Ok(after)
}

pub async fn set_archived(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    archived: bool,
    now: DateTime<Utc>,
) -> AppResult<Account> {
    let txn = db.write.begin().await?;
    let existing = accounts::Entity::find_by_id(id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    may_edit(actor, &existing)?;
    let before = to_api(&existing)?;
    if existing.archived == archived {
        return Ok(before);
    }
    let mut model: accounts::ActiveModel = existing.clone().into();
    model.archived = Set(archived);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?)?;
    if archived {
        // The customer's portal closes at once, not when tokens run out.
        crate::domain::accounts::auth::revoke_portal_sessions_of_account(&txn, id, now).await?;
    }
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: if archived { "archive" } else { "restore" },
            entity_type: "account",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    if archived {
        db.sessions.invalidate().await;
    }
    Ok(after)
}

/// Accounts a CSM owns may have contacts changed by that CSM; the same rule
/// as changing the account itself.
/// [`editable`] for many accounts at once (one query): each exists in
/// the actor's workspace and the actor may change it.
pub(crate) async fn all_editable<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    account_ids: &[i64],
) -> AppResult<()> {
    let mut ids = account_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let found = accounts::Entity::find()
        .filter(accounts::Column::Id.is_in(ids.iter().copied()))
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .all(conn)
        .await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound);
    }
    found
        .iter()
        .try_for_each(|account| may_edit(actor, account))
}

pub(crate) async fn editable<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    account_id: i64,
) -> AppResult<accounts::Model> {
    let account = find_in_workspace(conn, actor.workspace_id, account_id).await?;
    may_edit(actor, &account)?;
    Ok(account)
}
