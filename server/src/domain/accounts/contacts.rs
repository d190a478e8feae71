//! Contacts of an account, and their portal logins. Changing contacts
//! follows the account's rule (owner CSM, manager, admin).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::accounts::{Contact, CreateContactRequest, PortalAccessRequest, UpdateContactRequest};
use shared::validation::{self, Collector};
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::users::{ensure_email_free, insert_login};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::domain::common::modules_from_db;
use crate::domain::common::modules_to_db;
use crate::domain::common::pagination::Paging;
use crate::domain::common::pagination::{page_of, PageQuery};
use crate::entity::{contacts, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn to_api(model: &contacts::Model, portal_role: Option<Role>) -> Contact {
    Contact {
        id: model.id,
        account_id: model.account_id,
        name: model.name.clone(),
        email: model.email.clone(),
        phone: model.phone.clone(),
        title: model.title.clone(),
        modules: modules_from_db(&model.modules),
        portal_user_id: model.portal_user_id,
        portal_role,
        archived: model.archived,
        created_at: model.created_at,
        updated_at: model.updated_at,
        email_failing_at: model.email_failing_at,
    }
}

async fn portal_role_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    model: &contacts::Model,
) -> AppResult<Option<Role>> {
    let Some(user_id) = model.portal_user_id else {
        return Ok(None);
    };
    Ok(users::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .and_then(|u| u.role.parse().ok()))
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    include_archived: bool,
    page: PageQuery,
) -> AppResult<Page<Contact>> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let params = page.params()?;
    let mut query = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(contacts::Column::AccountId.eq(account_id))
        .order_by_desc(contacts::Column::Id)
        .limit(params.limit + 1);
    if !include_archived {
        query = query.filter(contacts::Column::Archived.eq(false));
    }
    if let Some(before) = params.before_id {
        query = query.filter(contacts::Column::Id.lt(before));
    }
    let rows = query.all(&db.read).await?;
    let user_ids: Vec<i64> = rows.iter().filter_map(|c| c.portal_user_id).collect();
    let roles: std::collections::HashMap<i64, Role> = if user_ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(&db.read)
            .await?
            .into_iter()
            .filter_map(|u| u.role.parse().ok().map(|r| (u.id, r)))
            .collect()
    };
    Ok(page_of(
        rows,
        params,
        |c| c.id,
        |c| {
            let role = c.portal_user_id.and_then(|id| roles.get(&id).copied());
            to_api(&c, role)
        },
    ))
}

async fn find_in_workspace<C: sea_orm::ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<contacts::Model> {
    contacts::Entity::find_by_id(id)
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Contact> {
    let model = find_in_workspace(&db.read, actor.workspace_id, id).await?;
    let role = portal_role_of(&db.read, &model).await?;
    Ok(to_api(&model, role))
}

pub(crate) fn clean_email(value: Option<String>) -> Option<String> {
    clean_optional(value).map(|e| validation::normalize_email(&e))
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: CreateContactRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Contact> {
    let txn = db.write.begin().await?;
    let result = create_in(&txn, actor, account_id, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`create`] in the caller's transaction.
pub(crate) async fn create_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    req: CreateContactRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Contact> {
    let mut created = create_many_in(txn, actor, vec![(account_id, req)], now).await?;
    created
        .pop()
        .ok_or_else(|| anyhow::anyhow!("an insert returned no row").into())
}

/// Creates every contact of `new` (account id, request) or none (an
/// import's batch): each is checked as [`create`] checks one; they are
/// written and audited a statement for all at a time.
pub(crate) async fn create_many_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    new: Vec<(i64, CreateContactRequest)>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<Contact>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    for (_, req) in &new {
        validation::create_contact(req).map_err(AppError::validation)?;
    }
    let account_ids: Vec<i64> = new.iter().map(|(id, _)| *id).collect();
    accounts::all_editable(txn, actor, &account_ids).await?;
    let rows = new
        .into_iter()
        .map(|(account_id, req)| contacts::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            account_id: Set(account_id),
            name: Set(req.name.trim().to_string()),
            email: Set(clean_email(req.email)),
            phone: Set(clean_optional(req.phone)),
            title: Set(clean_optional(req.title)),
            modules: Set(modules_to_db(&req.modules)),
            portal_user_id: Set(None),
            archived: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    let models = contacts::Entity::insert_many(rows)
        .exec_with_returning_many(txn)
        .await?;
    let created: Vec<Contact> = models.iter().map(|m| to_api(m, None)).collect();
    audit::record_many(
        txn,
        created
            .iter()
            .map(|contact| Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: "create",
                entity_type: "contact",
                entity_id: contact.id,
                before: None,
                after: Some(contact),
            })
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
    req: UpdateContactRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Contact> {
    let txn = db.write.begin().await?;
    let result = update_in(&txn, actor, id, req, now).await?;
    txn.commit().await?;
    Ok(result)
}

/// [`update`] in the caller's transaction (imports run many in one).
pub(crate) async fn update_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    req: UpdateContactRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Contact> {
    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check(
            "name",
            validation::required_text(name, validation::MAX_NAME_LEN),
        );
    }
    validation::contact_fields(
        &mut c,
        req.email.as_ref().and_then(|e| e.as_deref()),
        req.phone.as_ref().and_then(|p| p.as_deref()),
        req.title.as_ref().and_then(|t| t.as_deref()),
    );
    c.finish().map_err(AppError::validation)?;
    let existing = find_in_workspace(txn, actor.workspace_id, id).await?;
    accounts::editable(txn, actor, existing.account_id).await?;
    let role = portal_role_of(txn, &existing).await?;
    let before = to_api(&existing, role);
    let mut model: contacts::ActiveModel = existing.into();
    if let Some(name) = req.name {
        model.name = Set(name.trim().to_string());
    }
    if let Some(email) = req.email {
        model.email = Set(clean_email(email));
    }
    if let Some(phone) = req.phone {
        model.phone = Set(clean_optional(phone));
    }
    if let Some(title) = req.title {
        model.title = Set(clean_optional(title));
    }
    if let Some(modules) = req.modules {
        model.modules = Set(modules_to_db(&modules));
    }
    model.updated_at = Set(now);
    let after = to_api(&model.update(txn).await?, role);
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "update",
            entity_type: "contact",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    Ok(after)
}

pub async fn archive(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Contact> {
    let txn = db.write.begin().await?;
    let existing = find_in_workspace(&txn, actor.workspace_id, id).await?;
    accounts::editable(&txn, actor, existing.account_id).await?;
    let role = portal_role_of(&txn, &existing).await?;
    let before = to_api(&existing, role);
    if existing.archived {
        return Ok(before);
    }
    let portal_user = existing.portal_user_id;
    let mut model: contacts::ActiveModel = existing.into();
    model.archived = Set(true);
    model.updated_at = Set(now);
    let after = to_api(&model.update(&txn).await?, role);
    // An archived contact keeps no way into the portal.
    if let Some(user_id) = portal_user {
        users::Entity::update(users::ActiveModel {
            id: Set(user_id),
            active: Set(false),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        crate::domain::accounts::auth::revoke_user_sessions(&txn, user_id, now).await?;
    }
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "archive",
            entity_type: "contact",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    db.sessions.invalidate().await;
    Ok(after)
}

/// Gives a contact a portal login (`customer` or `customer_admin`), or
/// changes the role of the one it has. A new login is e-mailed an
/// invitation; the contact sets their own password.
pub async fn grant_portal_access(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: PortalAccessRequest,
) -> AppResult<Contact> {
    if !req.role.is_portal() {
        return Err(AppError::field(
            "role",
            "must be customer or customer_admin",
        ));
    }
    let db = &state.db;
    let existing = find_in_workspace(&db.read, actor.workspace_id, id).await?;
    accounts::editable(&db.read, actor, existing.account_id).await?;
    if existing.archived {
        return Err(AppError::field("id", "the contact is archived"));
    }
    let now = state.clock.now();
    if let Some(user_id) = existing.portal_user_id {
        let txn = db.write.begin().await?;
        let user = users::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        // The role only: a login an admin deactivated stays deactivated
        // (reactivating it is a decision of its own, under Users).
        let mut model: users::ActiveModel = user.into();
        model.role = Set(req.role.as_str().into());
        model.updated_at = Set(now);
        model.update(&txn).await?;
        let after = to_api(&existing, Some(req.role));
        audit::record(
            &txn,
            Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: "portal_access",
                entity_type: "contact",
                entity_id: id,
                before: None,
                after: Some(&after),
            },
            now,
        )
        .await?;
        txn.commit().await?;
        // The user's role may have changed.
        db.sessions.invalidate().await;
        return Ok(after);
    }
    let Some(email) = existing.email.clone() else {
        return Err(AppError::field(
            "email",
            "the contact needs an e-mail address to sign in to the portal",
        ));
    };
    ensure_email_free(db, actor.workspace_id, &email).await?;
    let txn = db.write.begin().await?;
    let user = insert_login(
        state,
        &txn,
        actor.workspace_id,
        &existing.name,
        &email,
        req.role,
        now,
    )
    .await?;
    let mut model: contacts::ActiveModel = existing.clone().into();
    model.portal_user_id = Set(Some(user.id));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let before = to_api(&existing, None);
    let after = to_api(&updated, Some(req.role));
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "portal_access",
            entity_type: "contact",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(after)
}

/// Who hears of what ends or runs out on an account (agreement and licence
/// expiries, person-day packages): its active owner — else the workspace's
/// active managers, else its admins — then the account's active
/// customer_admin portal users (contacts not archived).
pub async fn owner_and_customer_admins<C: sea_orm::ConnectionTrait>(
    conn: &C,
    account: &crate::entity::accounts::Model,
) -> AppResult<Vec<users::Model>> {
    let ws = account.workspace_id;
    let active = || {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(ws))
            .filter(users::Column::Active.eq(true))
    };
    let mut people = match account.owner_id {
        Some(owner) => {
            active()
                .filter(users::Column::Id.eq(owner))
                .all(conn)
                .await?
        }
        None => Vec::new(),
    };
    for role in [Role::Manager, Role::Admin] {
        if !people.is_empty() {
            break;
        }
        people = active()
            .filter(users::Column::Role.eq(role.as_str()))
            .all(conn)
            .await?;
    }
    people.extend(
        customer_admins(conn, ws, account.id)
            .await?
            .into_iter()
            .map(|(user, _)| user),
    );
    Ok(people)
}

/// The account's active customer_admin portal users, each with the contact
/// (not archived) their login belongs to.
pub async fn customer_admins<C: sea_orm::ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<Vec<(users::Model, contacts::Model)>> {
    let linked = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .filter(contacts::Column::AccountId.eq(account_id))
        .filter(contacts::Column::Archived.eq(false))
        .filter(contacts::Column::PortalUserId.is_not_null())
        .all(conn)
        .await?;
    let ids: Vec<i64> = linked.iter().filter_map(|c| c.portal_user_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let admins = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.is_in(ids))
        .filter(users::Column::Role.eq(Role::CustomerAdmin.as_str()))
        .order_by_asc(users::Column::Id)
        .all(conn)
        .await?;
    Ok(admins
        .into_iter()
        .filter_map(|u| {
            let contact = linked.iter().find(|c| c.portal_user_id == Some(u.id))?;
            Some((u, contact.clone()))
        })
        .collect())
}
