//! Staff users and portal logins: listing, creating (with a password or by
//! invitation), changing role, deactivating. Only admins change users.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::T;
use shared::users::{CreateUserRequest, UpdateUserRequest, User};
use shared::validation::{self, Collector};
use shared::{Page, Role};

use crate::auth::tokens::{hash_token, random_token};
use crate::auth::StaffActor;
use crate::db::sql::escape_like;
use crate::db::Db;
use crate::domain::accounts::auth::revoke_user_sessions;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::try_page;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::stored::stored;
use crate::entity::{users, workspaces};
use crate::error::{AppError, AppResult};
use crate::mail::letters::accounts as account_letters;
use crate::state::AppState;

pub fn to_api_user(user: &users::Model) -> AppResult<User> {
    Ok(User {
        id: user.id,
        workspace_id: user.workspace_id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: stored("users", user.id, "role", &user.role)?,
        active: user.active,
        invited: user.password_hash.is_none() && user.invite_token_hash.is_some(),
        locale: user.locale.as_deref().and_then(|l| l.parse().ok()),
        digest_opt_in: user.digest_opt_in,
        created_at: user.created_at,
    })
}

pub use shared::filters::UserFilter;

/// Any staff member may list users (to pick an owner or an assignee).
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: UserFilter,
    page: PageQuery,
) -> AppResult<Page<User>> {
    let params = page.params()?;
    let mut query = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_desc(users::Column::Id)
        .limit(params.limit + 1);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = LikeExpr::new(format!("%{}%", escape_like(&q.to_lowercase()))).escape('\\');
        query = query.filter(
            sea_orm::Condition::any()
                .add(
                    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                        users::Column::Name,
                    )))
                    .like(pattern.clone()),
                )
                .add(Expr::col(users::Column::Email).like(pattern)),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(users::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::Column::Active.eq(active));
    }
    if let Some(before) = params.before_id {
        query = query.filter(users::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    try_page(page_of(rows, params, |u| u.id, |u| to_api_user(&u)))
}

/// Whether a user may be given work, and if not why.
enum Assignable {
    Yes,
    /// Invited, but has not accepted the invitation (no password yet).
    NotJoined,
    /// Unknown here, deactivated, or a customer.
    No,
}

async fn assignable<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<Assignable> {
    let user = users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?;
    Ok(match user {
        Some(u) if u.active && u.role.parse::<Role>().is_ok_and(Role::is_staff) => {
            if u.password_hash.is_some() {
                Assignable::Yes
            } else {
                Assignable::NotJoined
            }
        }
        _ => Assignable::No,
    })
}

/// Whether `id` names an active staff member of the workspace who has
/// joined (accepted their invitation): who may be assigned a ticket, own a
/// module or an onboarding task, or train.
pub(crate) async fn is_active_staff<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<bool> {
    Ok(matches!(
        assignable(conn, workspace_id, id).await?,
        Assignable::Yes
    ))
}

/// [`is_active_staff`], or a 422 on `field` saying why not.
pub(crate) async fn require_active_staff<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
    field: &str,
) -> AppResult<()> {
    match assignable(conn, workspace_id, id).await? {
        Assignable::Yes => Ok(()),
        Assignable::NotJoined => Err(AppError::field(
            field,
            "has not accepted the invitation yet; work can be assigned once they join",
        )),
        Assignable::No => Err(AppError::field(
            field,
            "must be an active staff member of this workspace",
        )),
    }
}

pub(crate) async fn find_in_workspace<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<users::Model> {
    users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<User> {
    to_api_user(&find_in_workspace(&db.read, actor.workspace_id, id).await?)
}

/// Inserts a login and queues the e-mail inviting it: the invitee sets
/// their own password with the link (nobody sets one for someone else).
pub(crate) async fn insert_login<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    workspace_id: i64,
    name: &str,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<users::Model> {
    let invite_hours = state.config.invite_ttl_hours;
    crate::mail::quota::check(conn, state, workspace_id, 1, now).await?;
    let token = random_token(32);
    let user = users::ActiveModel {
        workspace_id: Set(workspace_id),
        name: Set(name.to_string()),
        email: Set(email.to_string()),
        role: Set(role.as_str().into()),
        password_hash: Set(None),
        active: Set(true),
        invite_token_hash: Set(Some(hash_token(&token))),
        invite_expires_at: Set(Some(now + Duration::hours(invite_hours))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let workspace = workspaces::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = format!(
        "{}/accept-invite?token={}",
        state.config.public_url.trim_end_matches('/'),
        token
    );
    state
        .mailer
        .enqueue(
            conn,
            account_letters::invitation(
                workspace_id,
                email,
                name,
                &workspace.name,
                &link,
                invite_hours,
            ),
            now,
        )
        .await?;
    Ok(user)
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateUserRequest,
) -> AppResult<User> {
    actor.require(&[Role::Admin])?;
    let mut c = Collector::default();
    c.check(
        "name",
        validation::required_text(&req.name, validation::MAX_NAME_LEN),
    )
    .check("email", validation::email(&req.email));
    if req.role.is_portal() {
        c.fields.insert(
            "role".into(),
            "portal roles are given to contacts: use POST /api/v1/contacts/{id}/portal-access"
                .into(),
        );
    }
    c.finish().map_err(AppError::validation)?;
    let email = validation::normalize_email(&req.email);
    ensure_email_free(&state.db, actor.workspace_id, &email).await?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let user = insert_login(
        state,
        &txn,
        actor.workspace_id,
        req.name.trim(),
        &email,
        req.role,
        now,
    )
    .await?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(api_user)
}

/// Refuses an address the workspace has a login for already. Other
/// workspaces' logins do not count (and are never revealed).
pub(crate) async fn ensure_email_free(db: &Db, workspace_id: i64, email: &str) -> AppResult<()> {
    let taken = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Email.eq(email))
        .one(&db.read)
        .await?
        .is_some();
    if taken {
        Err(AppError::conflict_on("email", T::EmailInUse))
    } else {
        Ok(())
    }
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: UpdateUserRequest,
) -> AppResult<User> {
    actor.require(&[Role::Admin])?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let existing = find_in_workspace(&txn, actor.workspace_id, id).await?;
    let before = to_api_user(&existing)?;

    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check(
            "name",
            validation::required_text(name, validation::MAX_NAME_LEN),
        );
    }
    if let Some(role) = req.role {
        if role.is_portal() != before.role.is_portal() {
            c.fields.insert(
                "role".into(),
                "a staff user cannot become a portal user or the other way round".into(),
            );
        }
    }
    let demotes_self = req.role.is_some_and(|r| r != Role::Admin);
    let deactivates = req.active == Some(false);
    if id == actor.user_id && (demotes_self || deactivates) {
        c.fields.insert(
            if deactivates { "active" } else { "role" }.into(),
            "you cannot deactivate or demote yourself; ask another admin".into(),
        );
    }
    c.finish().map_err(AppError::validation)?;

    let mut model: users::ActiveModel = existing.clone().into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(role) = req.role {
        model.role = Set(role.as_str().into());
    }
    if let Some(active) = req.active {
        model.active = Set(active);
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    if deactivates && existing.active {
        revoke_user_sessions(&txn, id, now).await?;
    }
    let after = to_api_user(&updated)?;
    let action = match (existing.active, updated.active) {
        (true, false) => "deactivate",
        (false, true) => "reactivate",
        _ => "update",
    };
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "user",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    // A role or activity change applies to live sessions at once.
    state.db.sessions.invalidate().await;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
        assert_eq!(escape_like("华强"), "华强");
    }
}
