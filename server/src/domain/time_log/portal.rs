//! `GET /portal/time`: the customer's balance and the billable time behind
//! it, for their own account only, without internal notes or user ids.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::time_log::{PortalTime, PortalTimeEntry, PORTAL_ENTRIES};

use super::entries::user_names;
use super::packages::balance;
use crate::auth::PortalActor;
use crate::db::Db;
use crate::domain::common::portal::own_account;
use crate::entity::{tickets, time_entries};
use crate::error::AppResult;

pub async fn portal_time(db: &Db, actor: &PortalActor) -> AppResult<PortalTime> {
    let account_id = own_account(&db.read, actor).await?;
    let balance = balance(&db.read, actor.workspace_id, account_id).await?;
    let rows = time_entries::Entity::find()
        .filter(time_entries::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(time_entries::Column::AccountId.eq(account_id))
        .filter(time_entries::Column::Billable.eq(true))
        .order_by_desc(time_entries::Column::WorkDate)
        .order_by_desc(time_entries::Column::Id)
        .limit(PORTAL_ENTRIES)
        .all(&db.read)
        .await?;
    let names = user_names(
        &db.read,
        actor.workspace_id,
        rows.iter().map(|r| r.user_id).collect(),
    )
    .await?;
    let ticket_ids: Vec<i64> = rows.iter().map(|r| r.ticket_id).collect();
    let tickets: std::collections::HashMap<i64, (i64, String)> = if ticket_ids.is_empty() {
        Default::default()
    } else {
        tickets::Entity::find()
            .select_only()
            .column(tickets::Column::Id)
            .column(tickets::Column::Number)
            .column(tickets::Column::Subject)
            .filter(tickets::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(tickets::Column::Id.is_in(ticket_ids))
            .into_tuple::<(i64, i64, String)>()
            .all(&db.read)
            .await?
            .into_iter()
            .map(|(id, number, subject)| (id, (number, subject)))
            .collect()
    };
    let entries = rows
        .into_iter()
        .map(|r| {
            let (number, subject) = tickets.get(&r.ticket_id).cloned().unwrap_or_default();
            PortalTimeEntry {
                id: r.id,
                work_date: r.work_date,
                minutes: r.minutes,
                covered_minutes: r.covered_minutes,
                engineer: names.get(&r.user_id).cloned().unwrap_or_default(),
                note: r.note,
                ticket_id: r.ticket_id,
                ticket_number: number,
                ticket_subject: subject,
                visit_id: r.visit_id,
            }
        })
        .collect();
    Ok(PortalTime { balance, entries })
}
