//! Who a received mail is from: the contact with the sender's address,
//! and the portal login a contact mails as.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use shared::Role;

use crate::entity::{contacts, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) async fn contact_by_email(
    state: &AppState,
    ws: i64,
    email: &str,
) -> AppResult<Option<contacts::Model>> {
    Ok(contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(ws))
        .filter(contacts::Column::Email.eq(email))
        .filter(contacts::Column::Archived.eq(false))
        .order_by_asc(contacts::Column::Id)
        .one(&state.db.read)
        .await?)
}

/// The contact's portal login; a contact without one gets a `customer`
/// login without a password (it cannot sign in until they reset it), so
/// the ticket's replies are mailed to them like to any requester. Two
/// mails of theirs processed at once make one login: the second insert
/// meets the unique address and takes the login the first one linked.
pub(super) async fn login_of(
    state: &AppState,
    contact: &contacts::Model,
) -> AppResult<users::Model> {
    match make_login(state, contact).await {
        Ok(user) => Ok(user),
        Err(e) => {
            let now_linked = contacts::Entity::find_by_id(contact.id)
                .one(&state.db.write)
                .await?
                .and_then(|c| c.portal_user_id);
            match now_linked {
                Some(id) if contact.portal_user_id.is_none() => users::Entity::find_by_id(id)
                    .filter(users::Column::WorkspaceId.eq(contact.workspace_id))
                    .one(&state.db.write)
                    .await?
                    .ok_or(e),
                _ => Err(e),
            }
        }
    }
}

async fn make_login(state: &AppState, contact: &contacts::Model) -> AppResult<users::Model> {
    if let Some(id) = contact.portal_user_id {
        return users::Entity::find_by_id(id)
            .filter(users::Column::WorkspaceId.eq(contact.workspace_id))
            .one(&state.db.read)
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("contact {} has a lost login", contact.id))
            });
    }
    let Some(email) = contact.email.clone() else {
        return Err(AppError::field(
            "contact_id",
            "the contact has no e-mail address for replies",
        ));
    };
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    if let Some(existing) = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?
    {
        let linked = contacts::Entity::find()
            .filter(contacts::Column::PortalUserId.eq(existing.id))
            .one(&txn)
            .await?;
        let portal = existing.role.parse::<Role>().is_ok_and(Role::is_portal);
        if existing.workspace_id != contact.workspace_id || !portal || linked.is_some() {
            return Err(AppError::Conflict {
                message: format!(
                    "{email} is already the login of someone else; give the contact portal access by hand"
                ),
                fields: Default::default(),
            });
        }
        link(&txn, contact, existing.id, now).await?;
        txn.commit().await?;
        return Ok(existing);
    }
    let user = users::ActiveModel {
        workspace_id: Set(contact.workspace_id),
        name: Set(contact.name.clone()),
        email: Set(email),
        role: Set(Role::Customer.as_str().into()),
        password_hash: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    link(&txn, contact, user.id, now).await?;
    txn.commit().await?;
    Ok(user)
}

async fn link<C: sea_orm::ConnectionTrait>(
    conn: &C,
    contact: &contacts::Model,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    contacts::Entity::update_many()
        .col_expr(contacts::Column::PortalUserId, Expr::value(user_id))
        .col_expr(contacts::Column::UpdatedAt, Expr::value(now))
        .filter(contacts::Column::Id.eq(contact.id))
        .filter(contacts::Column::PortalUserId.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
