//! Assigning vendor accounts to a centre. The centre gets its own copy of
//! the account (name, code, industry, segment, stage, modules) in its own
//! workspace, made when first assigned and kept when unassigned (it is the
//! centre's record of its customer from then on); `centre_accounts` links
//! the two. An account is with one centre at a time.

use super::*;
use shared::accounts::CreateAccountRequest;
use shared::centres::{AssignAccountRequest, CentreAccount};

use crate::auth::Actor;
use crate::entity::accounts;

fn to_api(row: &centre_accounts::Model, vendor: &accounts::Model) -> CentreAccount {
    CentreAccount {
        id: row.id,
        vendor_account_id: row.vendor_account_id,
        name: vendor.name.clone(),
        customer_code: vendor.code.clone(),
        assigned_at: row.assigned_at,
        unassigned_at: row.unassigned_at,
    }
}

/// The accounts assigned to a centre (currently and before), newest first.
pub async fn list(db: &Db, actor: &StaffActor, link_id: i64) -> AppResult<Vec<CentreAccount>> {
    require_reader(actor)?;
    let link = vendor_link(&db.read, actor, link_id).await?;
    let rows = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
        .order_by_desc(centre_accounts::Column::Id)
        .all(&db.read)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.vendor_account_id).collect();
    let vendor: std::collections::HashMap<i64, accounts::Model> = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(accounts::Column::Id.is_in(ids))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|r| vendor.get(&r.vendor_account_id).map(|a| to_api(r, a)))
        .collect())
}

/// Assigns a vendor account to an active centre (admin or manager).
pub async fn assign(
    state: &AppState,
    actor: &StaffActor,
    link_id: i64,
    req: AssignAccountRequest,
) -> AppResult<CentreAccount> {
    require_reader(actor)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let link = vendor_link(&txn, actor, link_id).await?;
    let (Some(centre_ws), Some(centre_admin)) = (link.centre_workspace_id, link.accepted_by) else {
        return Err(AppError::field("account_id", T::CentreNotActive));
    };
    if status_of(&link, now) != CentreStatus::Active {
        return Err(AppError::field("account_id", T::CentreNotActive));
    }
    let vendor = accounts::Entity::find_by_id(req.account_id)
        .filter(accounts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(accounts::Column::Archived.eq(false))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("account_id", T::NoSuchAccount))?;
    let current = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::VendorAccountId.eq(vendor.id))
        .filter(centre_accounts::Column::UnassignedAt.is_null())
        .one(&txn)
        .await?;
    if current.is_some() {
        return Err(AppError::conflict_on("account_id", T::CentreAccountTaken));
    }
    // Assigned to this centre before: its copy is served again.
    let earlier = centre_accounts::Entity::find()
        .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
        .filter(centre_accounts::Column::VendorAccountId.eq(vendor.id))
        .order_by_desc(centre_accounts::Column::Id)
        .one(&txn)
        .await?;
    let row = match earlier {
        Some(earlier) => {
            let mut model: centre_accounts::ActiveModel = earlier.into();
            model.unassigned_at = Set(None);
            model.assigned_at = Set(now);
            model.assigned_by = Set(actor.user_id);
            model.update(&txn).await?
        }
        None => {
            let copy = centre_copy(&txn, centre_ws, centre_admin, &vendor, now).await?;
            centre_accounts::ActiveModel {
                centre_link_id: Set(link.id),
                vendor_workspace_id: Set(actor.workspace_id),
                vendor_account_id: Set(vendor.id),
                centre_workspace_id: Set(centre_ws),
                centre_account_id: Set(copy),
                assigned_by: Set(actor.user_id),
                assigned_at: Set(now),
                unassigned_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let out = to_api(&row, &vendor);
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "assign_to_centre",
            entity_type: "account",
            entity_id: vendor.id,
            before: None,
            after: Some(&out),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// Makes the centre's copy of a vendor account, as if the centre's admin
/// who accepted the link had created it (its audit says so), under the
/// centre's own coding rule and unique codes.
async fn centre_copy<C: ConnectionTrait>(
    conn: &C,
    centre_ws: i64,
    centre_admin: i64,
    vendor: &accounts::Model,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let centre_actor = StaffActor::try_from_actor(Actor {
        user_id: centre_admin,
        workspace_id: centre_ws,
        role: Role::Admin,
        session_id: 0,
    })?;
    let rule = crate::domain::accounts::settings::code_rule(conn, centre_ws).await?;
    let req = CreateAccountRequest {
        name: vendor.name.clone(),
        code: vendor.code.clone(),
        industry: vendor.industry.clone(),
        segment: vendor.segment.clone(),
        owner_id: None,
        stage: vendor.stage.parse().ok(),
        modules: vendor
            .modules
            .split(',')
            .filter_map(|m| m.trim().parse().ok())
            .collect(),
        parent_id: None,
    };
    let created = crate::domain::accounts::create_in(conn, &centre_actor, req, now, &rule)
        .await
        .map_err(|e| match e {
            AppError::Conflict { .. } => AppError::conflict_on(
                "account_id",
                shared::Msg::new(T::CentreCodeTaken).with("code", &vendor.code),
            ),
            other => other,
        })?;
    Ok(created.id)
}

/// Ends an assignment: the centre keeps its copy but can no longer
/// escalate its tickets to the vendor.
pub async fn unassign(
    state: &AppState,
    actor: &StaffActor,
    link_id: i64,
    vendor_account_id: i64,
) -> AppResult<()> {
    require_reader(actor)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let link = vendor_link(&txn, actor, link_id).await?;
    let done = centre_accounts::Entity::update_many()
        .col_expr(centre_accounts::Column::UnassignedAt, Expr::value(now))
        .filter(centre_accounts::Column::CentreLinkId.eq(link.id))
        .filter(centre_accounts::Column::VendorAccountId.eq(vendor_account_id))
        .filter(centre_accounts::Column::UnassignedAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    audit::record::<_, ()>(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "unassign_from_centre",
            entity_type: "account",
            entity_id: vendor_account_id,
            before: None,
            after: None,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
