//! What the customer portal shows a customer's users: their own account and
//! nothing internal (no owner id, health, amounts).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shared::accounts::PortalAccount;

use super::modules_from_db;
use crate::auth::PortalActor;
use crate::db::Db;
use crate::entity::{accounts, contacts, users};
use crate::error::{AppError, AppResult};

pub async fn account(db: &Db, actor: &PortalActor) -> AppResult<PortalAccount> {
    let contact = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(contacts::Column::PortalUserId.eq(actor.user_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = accounts::Entity::find_by_id(contact.account_id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
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
    })
}
