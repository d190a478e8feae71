//! What the customer portal shows a customer's users: their own account and
//! nothing internal (no owner id, health, amounts).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::accounts::PortalAccount;
use shared::texts::T;
use shared::Role;

use crate::auth::PortalActor;
use crate::db::Db;
use crate::domain::common::modules_from_db;
use crate::entity::{accounts, contacts, users};
use crate::error::{AppError, AppResult};

/// The contact behind a portal login of `workspace_id`, if it has one.
pub async fn contact_of_login<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    user_id: i64,
) -> AppResult<Option<contacts::Model>> {
    Ok(contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .filter(contacts::Column::PortalUserId.eq(user_id))
        .one(conn)
        .await?)
}

/// The contact the signed-in portal user is: 403 when their login is
/// linked to none (the one answer for every portal route).
pub async fn own_contact<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
) -> AppResult<contacts::Model> {
    contact_of_login(conn, actor.workspace_id, actor.user_id)
        .await?
        .ok_or_else(|| AppError::Forbidden(T::LoginNotLinked.into()))
}

/// The account whose contact the signed-in portal user is (403 as above).
pub async fn own_account<C: ConnectionTrait>(conn: &C, actor: &PortalActor) -> AppResult<i64> {
    Ok(own_contact(conn, actor).await?.account_id)
}

pub async fn account(db: &Db, actor: &PortalActor) -> AppResult<PortalAccount> {
    let contact = own_contact(&db.read, actor).await?;
    let account = accounts::Entity::find_by_id(contact.account_id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    // The list shows the group's tickets (see `tickets::portal_accounts`)
    // when this admin's account allows it and has a subsidiary.
    let group_tickets = actor.role == Role::CustomerAdmin
        && account.portal_group_tickets
        && accounts::Entity::find()
            .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(accounts::Column::ParentId.eq(account.id))
            .filter(accounts::Column::Archived.eq(false))
            .one(&db.read)
            .await?
            .is_some();
    let csm = match account.owner_id {
        Some(id) => users::Entity::find_by_id(id).one(&db.read).await?,
        None => None,
    };
    Ok(PortalAccount {
        id: account.id,
        name: account.name,
        code: account.code,
        modules: modules_from_db(&account.modules),
        contact_name: contact.name,
        csm_name: csm.as_ref().map(|u| u.name.clone()),
        csm_email: csm.map(|u| u.email),
        group_tickets,
    })
}
