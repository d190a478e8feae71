//! Macros (canned replies): staff keep their `personal` ones, admins and
//! managers keep the workspace's `shared` ones, and any staff member
//! applies one they can see to a ticket ([`apply`]). Who sees, uses and
//! changes which macro is decided here, in [`visible`] and [`can_edit`]:
//! a personal macro of someone else answers 404, exactly as a missing one.
//!
//! The area sits above `tickets`: a macro's actions are the ticket's own
//! workflow functions, run in one transaction.

mod apply;

pub use apply::apply;

use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::filters::MacroFilter;
use shared::macros::{
    CreateMacroRequest, Macro, MacroActions, MacroScope, UpdateMacroRequest, MAX_QUERY,
};
use shared::texts::{Msg, T};
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::sql::escape_like;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::{page_of, try_page, PageQuery, Paging};
use crate::entity::stored::stored;
use crate::entity::{macros, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Who keeps the workspace's shared macros.
const SHARED_KEEPERS: &[Role] = &[Role::Admin, Role::Manager];

pub fn etag(m: &Macro) -> String {
    format!("\"mc{}v{}\"", m.id, m.version)
}

/// The macros `actor` sees: the workspace's shared ones and their own.
fn visible(actor: &StaffActor) -> Condition {
    Condition::all()
        .add(macros::Column::WorkspaceId.eq(actor.workspace_id))
        .add(
            Condition::any()
                .add(macros::Column::Scope.eq(MacroScope::Shared.as_str()))
                .add(macros::Column::OwnerId.eq(actor.user_id)),
        )
}

/// Whether `actor` may change or delete `m` (which they see): their own
/// personal macro, or any shared one if they keep shared macros.
fn can_edit(actor: &StaffActor, m: &macros::Model) -> bool {
    if m.scope == MacroScope::Shared.as_str() {
        SHARED_KEEPERS.contains(&actor.role)
    } else {
        m.owner_id == actor.user_id
    }
}

fn require_keeper(actor: &StaffActor) -> AppResult<()> {
    if SHARED_KEEPERS.contains(&actor.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(T::MacroSharedByManagers.into()))
    }
}

pub(crate) async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<macros::Model> {
    macros::Entity::find_by_id(id)
        .filter(visible(actor))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn actions_of(m: &macros::Model) -> AppResult<MacroActions> {
    Ok(MacroActions {
        status: m
            .action_status
            .as_deref()
            .map(|s| stored("macros", m.id, "action_status", s))
            .transpose()?,
        priority: m
            .action_priority
            .as_deref()
            .map(|p| stored("macros", m.id, "action_priority", p))
            .transpose()?,
        tier: m.action_tier,
        internal_note: m.action_note.clone(),
    })
}

fn to_api(m: &macros::Model, owner_name: String, actor: &StaffActor) -> AppResult<Macro> {
    Ok(Macro {
        id: m.id,
        name: m.name.clone(),
        body_zh: m.body_zh.clone(),
        body_en: m.body_en.clone(),
        scope: stored("macros", m.id, "scope", &m.scope)?,
        owner_id: m.owner_id,
        owner_name,
        actions: actions_of(m)?,
        usage_count: m.usage_count,
        can_edit: can_edit(actor, m),
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

async fn owner_names<C: ConnectionTrait>(
    conn: &C,
    rows: &[macros::Model],
) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut ids: Vec<i64> = rows.iter().map(|m| m.owner_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

async fn one_to_api<C: ConnectionTrait>(
    conn: &C,
    m: &macros::Model,
    actor: &StaffActor,
) -> AppResult<Macro> {
    let names = owner_names(conn, std::slice::from_ref(m)).await?;
    to_api(
        m,
        names.get(&m.owner_id).cloned().unwrap_or_default(),
        actor,
    )
}

/// The macros the actor sees, newest first; `q` searches the name and
/// both texts.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: MacroFilter,
    page: PageQuery,
) -> AppResult<Page<Macro>> {
    let params = page.params()?;
    let mut query = macros::Entity::find()
        .filter(visible(actor))
        .order_by_desc(macros::Column::Id)
        .limit(params.limit + 1);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > MAX_QUERY {
            return Err(AppError::field(
                "q",
                Msg::new(T::TooLong).with("max", MAX_QUERY),
            ));
        }
        let pattern = LikeExpr::new(format!("%{}%", escape_like(&q.to_lowercase()))).escape('\\');
        let lower = |c: macros::Column| Expr::expr(Func::lower(Expr::col(c)));
        query = query.filter(
            Condition::any()
                .add(lower(macros::Column::Name).like(pattern.clone()))
                .add(lower(macros::Column::BodyZh).like(pattern.clone()))
                .add(lower(macros::Column::BodyEn).like(pattern)),
        );
    }
    if let Some(scope) = filter.scope {
        query = query.filter(macros::Column::Scope.eq(scope.as_str()));
    }
    if let Some(before) = params.before_id {
        query = query.filter(macros::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    let names = owner_names(&db.read, &rows).await?;
    try_page(page_of(
        rows,
        params,
        |m| m.id,
        |m| {
            let owner = names.get(&m.owner_id).cloned().unwrap_or_default();
            to_api(&m, owner, actor)
        },
    ))
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Macro> {
    let m = find_visible(&db.read, actor, id).await?;
    one_to_api(&db.read, &m, actor).await
}

fn set_actions(model: &mut macros::ActiveModel, actions: &MacroActions) {
    model.action_status = Set(actions.status.map(|s| s.as_str().to_string()));
    model.action_priority = Set(actions.priority.map(|p| p.as_str().to_string()));
    model.action_tier = Set(actions.tier);
    model.action_note = Set(actions
        .internal_note
        .as_deref()
        .map(|n| n.trim().to_string()));
}

/// Any staff member makes personal macros; shared ones are made by admins
/// and managers.
pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateMacroRequest,
) -> AppResult<Macro> {
    let scope = req.scope.unwrap_or(MacroScope::Personal);
    if scope == MacroScope::Shared {
        require_keeper(actor)?;
    }
    shared::macros::validate_create(&req).map_err(AppError::validation)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let mut model = macros::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        owner_id: Set(actor.user_id),
        scope: Set(scope.as_str().to_string()),
        name: Set(req.name.trim().to_string()),
        body_zh: Set(req.body_zh),
        body_en: Set(req.body_en),
        usage_count: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_actions(&mut model, &req.actions);
    let created = model.insert(&txn).await?;
    let after = one_to_api(&txn, &created, actor).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "macro",
            entity_id: created.id,
            before: None,
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Changes a macro the actor may edit ([`can_edit`]); honours `If-Match`.
/// Making a macro shared takes an admin or a manager; a shared macro made
/// personal becomes the personal macro of whoever made it so.
pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateMacroRequest,
) -> AppResult<Macro> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_visible(&txn, actor, id).await?;
    if !can_edit(actor, &current) {
        return Err(AppError::Forbidden(T::MacroSharedByManagers.into()));
    }
    let before = one_to_api(&txn, &current, actor).await?;
    crate::domain::common::require_current(if_match, &etag(&before))?;
    if req.scope == Some(MacroScope::Shared) && before.scope != MacroScope::Shared {
        require_keeper(actor)?;
    }
    shared::macros::validate_update(&req, &current.body_zh, &current.body_en)
        .map_err(AppError::validation)?;
    let mut model: macros::ActiveModel = current.clone().into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(body) = req.body_zh {
        model.body_zh = Set(body);
    }
    if let Some(body) = req.body_en {
        model.body_en = Set(body);
    }
    if let Some(scope) = req.scope.filter(|s| *s != before.scope) {
        model.scope = Set(scope.as_str().to_string());
        if scope == MacroScope::Personal {
            model.owner_id = Set(actor.user_id);
        }
    }
    if let Some(actions) = &req.actions {
        set_actions(&mut model, actions);
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&txn).await?;
    let after = one_to_api(&txn, &updated, actor).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "macro",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

pub async fn delete(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<()> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let current = find_visible(&txn, actor, id).await?;
    if !can_edit(actor, &current) {
        return Err(AppError::Forbidden(T::MacroSharedByManagers.into()));
    }
    let before = one_to_api(&txn, &current, actor).await?;
    macros::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "delete",
            entity_type: "macro",
            entity_id: id,
            before: Some(&before),
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
