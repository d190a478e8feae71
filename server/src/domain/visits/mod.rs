//! On-site visits (上门服务): requested from a ticket or an onboarding task
//! (`flow`), dispatched to an engineer without a clash in their calendar,
//! checked in and out, reported, signed by the customer in the portal
//! (`sign`), the signed report as a PDF (`pdf`), and the visits an
//! agreement includes per year (`entitlement`).
//!
//! Who may do what: every staff role reads visits and requests one; an
//! admin, a manager or the account's CSM dispatches and cancels; only the
//! engineer dispatched checks in and out and writes the report; a portal
//! user of the visit's account reads its visits (nothing internal) and
//! signs the report.
//!
//! Sits above `tickets` (the signed PDF is attached to the ticket),
//! `training` (a dispatch must not clash with a training the engineer
//! gives) and `onboarding`; nothing below imports it.

pub mod entitlement;
pub mod flow;
pub mod pdf;
pub mod sign;
mod signature;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shared::texts::{Msg, T};
use shared::visits::{PortalVisit, Visit, VisitFilter, VisitReport, VisitSignature, VisitStatus};
use shared::Page;

use crate::auth::{PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::common::pagination::{PageQuery, Paging};
use crate::domain::common::portal::own_contact;
use crate::entity::stored::stored;
use crate::entity::{accounts, tickets, users, visits};
use crate::error::{AppError, AppResult};

pub fn etag(visit: &Visit) -> String {
    format!("\"vi{}v{}\"", visit.id, visit.version)
}

pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
    lock: bool,
) -> AppResult<visits::Model> {
    let mut query =
        visits::Entity::find_by_id(id).filter(visits::Column::WorkspaceId.eq(workspace_id));
    if lock {
        query = query.lock_exclusive();
    }
    query.one(conn).await?.ok_or(AppError::NotFound)
}

/// The visits with their account's and engineer's names and ticket numbers.
pub(crate) async fn load_many<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: &[visits::Model],
) -> AppResult<Vec<Visit>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let account_names: HashMap<i64, String> = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Id.is_in(account_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let engineer_ids: Vec<i64> = rows.iter().filter_map(|r| r.engineer_id).collect();
    let engineers: HashMap<i64, String> = if engineer_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(workspace_id))
            .filter(users::Column::Id.is_in(engineer_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let ticket_ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
    let numbers: HashMap<i64, i64> = if ticket_ids.is_empty() {
        HashMap::new()
    } else {
        tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(workspace_id))
            .filter(tickets::Column::Id.is_in(ticket_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t.number))
            .collect()
    };
    rows.iter()
        .map(|m| {
            let report = match (&m.work_done, m.time_spent_minutes, m.reported_at) {
                (Some(work_done), Some(minutes), Some(at)) => Some(VisitReport {
                    work_done: work_done.clone(),
                    time_spent_minutes: minutes,
                    follow_ups: m.follow_ups.clone(),
                    reported_at: at,
                }),
                _ => None,
            };
            let signature = match (&m.signed_name, m.signed_at) {
                (Some(name), Some(at)) => Some(VisitSignature {
                    signed_name: name.clone(),
                    signed_at: at,
                }),
                _ => None,
            };
            Ok(Visit {
                id: m.id,
                account_id: m.account_id,
                account_name: account_names
                    .get(&m.account_id)
                    .cloned()
                    .unwrap_or_default(),
                ticket_id: m.ticket_id,
                ticket_number: m.ticket_id.and_then(|t| numbers.get(&t).copied()),
                onboarding_task_id: m.onboarding_task_id,
                visit_date: m.visit_date,
                slot: stored("visits", m.id, "slot", &m.slot)?,
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                purpose: m.purpose.clone(),
                address: m.address.clone(),
                internal_note: m.internal_note.clone(),
                status: stored("visits", m.id, "status", &m.status)?,
                engineer_id: m.engineer_id,
                engineer_name: m.engineer_id.and_then(|e| engineers.get(&e).cloned()),
                billable: m.billable,
                checked_in_at: m.checked_in_at,
                checked_out_at: m.checked_out_at,
                on_site_minutes: on_site_minutes(m),
                report,
                signature,
                requested_by: m.requested_by,
                created_at: m.created_at,
                updated_at: m.updated_at,
                version: m.version,
            })
        })
        .collect()
}

/// Whole minutes between check-in and check-out.
pub fn on_site_minutes(m: &visits::Model) -> Option<i32> {
    let (Some(i), Some(o)) = (m.checked_in_at, m.checked_out_at) else {
        return None;
    };
    i32::try_from((o - i).num_minutes().max(0)).ok()
}

pub(crate) async fn load<C: ConnectionTrait>(conn: &C, m: &visits::Model) -> AppResult<Visit> {
    load_many(conn, m.workspace_id, std::slice::from_ref(m))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// What the portal shows of a visit: no internal note, billing mark or ids.
pub fn to_portal(v: Visit) -> PortalVisit {
    PortalVisit {
        id: v.id,
        visit_date: v.visit_date,
        slot: v.slot,
        starts_at: v.starts_at,
        ends_at: v.ends_at,
        purpose: v.purpose,
        address: v.address,
        status: v.status,
        engineer_name: v.engineer_name,
        checked_in_at: v.checked_in_at,
        checked_out_at: v.checked_out_at,
        report: v.report,
        signature: v.signature,
    }
}

/// "2027-03-01 09:00–12:00 (Asia/Shanghai)".
pub fn when(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz) -> String {
    let s = starts_at.with_timezone(&tz);
    let e = ends_at.with_timezone(&tz);
    format!(
        "{}–{} ({})",
        s.format("%Y-%m-%d %H:%M"),
        e.format("%H:%M"),
        tz.name()
    )
}

/// The timeline summary of a visit: "#12 2027-03-01 · 月结检查".
pub fn summary(m: &visits::Model) -> String {
    let purpose: String = m.purpose.chars().take(80).collect();
    Msg::new(T::TimelineVisit)
        .with("visit", m.id)
        .with("date", m.visit_date)
        .with("purpose", purpose.replace('\n', " "))
        .en()
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<Visit> {
    let row = find(&db.read, actor.workspace_id, id, false).await?;
    load(&db.read, &row).await
}

fn encode_cursor(at: DateTime<Utc>, id: i64) -> String {
    crate::domain::common::pagination::encode_time_cursor("vi", at, id)
}

fn decode_cursor(cursor: &str) -> AppResult<(DateTime<Utc>, i64)> {
    crate::domain::common::pagination::decode_time_cursor(cursor, "vi")
}

/// Visits in start order (a calendar reads forward), keyset-paginated.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: VisitFilter,
    page: PageQuery,
) -> AppResult<Page<Visit>> {
    let params = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?;
    let mut query = visits::Entity::find()
        .filter(visits::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(visits::Column::StartsAt)
        .order_by_asc(visits::Column::Id)
        .limit(params.limit + 1);
    if let Some(account) = filter.account_id {
        query = query.filter(visits::Column::AccountId.eq(account));
    }
    if let Some(engineer) = filter.engineer_id {
        query = query.filter(visits::Column::EngineerId.eq(engineer));
    }
    if let Some(ticket) = filter.ticket_id {
        query = query.filter(visits::Column::TicketId.eq(ticket));
    }
    if let Some(task) = filter.onboarding_task_id {
        query = query.filter(visits::Column::OnboardingTaskId.eq(task));
    }
    if let Some(from) = filter.from {
        query = query.filter(visits::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(visits::Column::StartsAt.lt(to));
    }
    if let Some(status) = filter.status {
        query = query.filter(visits::Column::Status.eq(status.as_str()));
    }
    if let Some(cursor) = page.cursor.as_deref().filter(|c| !c.is_empty()) {
        let (at, id) = decode_cursor(cursor)?;
        query = query.filter(
            Condition::any().add(visits::Column::StartsAt.gt(at)).add(
                Condition::all()
                    .add(visits::Column::StartsAt.eq(at))
                    .add(visits::Column::Id.gt(id)),
            ),
        );
    }
    let mut rows = query.all(&db.read).await?;
    let has_more = rows.len() as u64 > params.limit;
    rows.truncate(usize::try_from(params.limit).unwrap_or(usize::MAX));
    let next_cursor = if has_more {
        rows.last().map(|r| encode_cursor(r.starts_at, r.id))
    } else {
        None
    };
    Ok(Page {
        items: load_many(&db.read, actor.workspace_id, &rows).await?,
        next_cursor,
    })
}

/// The visit if it belongs to the portal user's account (404 otherwise).
pub(crate) async fn portal_visible<C: ConnectionTrait>(
    conn: &C,
    actor: &PortalActor,
    id: i64,
) -> AppResult<visits::Model> {
    let contact = own_contact(conn, actor).await?;
    let row = find(conn, actor.workspace_id, id, false).await?;
    if row.account_id != contact.account_id {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// The portal user's account's visits, newest first (at most 200).
pub async fn portal_list(db: &Db, actor: &PortalActor) -> AppResult<Page<PortalVisit>> {
    let contact = own_contact(&db.read, actor).await?;
    let rows = visits::Entity::find()
        .filter(visits::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(visits::Column::AccountId.eq(contact.account_id))
        .order_by_desc(visits::Column::StartsAt)
        .order_by_desc(visits::Column::Id)
        .limit(200)
        .all(&db.read)
        .await?;
    Ok(Page {
        items: load_many(&db.read, actor.workspace_id, &rows)
            .await?
            .into_iter()
            .map(to_portal)
            .collect(),
        next_cursor: None,
    })
}

pub async fn portal_get(db: &Db, actor: &PortalActor, id: i64) -> AppResult<PortalVisit> {
    let row = portal_visible(&db.read, actor, id).await?;
    Ok(to_portal(load(&db.read, &row).await?))
}

/// The visit's status, read from its row.
pub(crate) fn status_of(m: &visits::Model) -> AppResult<VisitStatus> {
    stored("visits", m.id, "status", &m.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cursors_round_trip() {
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 1, 0, 0).unwrap();
        assert_eq!(decode_cursor(&encode_cursor(at, 7)).unwrap(), (at, 7));
        assert!(decode_cursor("garbage").is_err());
    }
}
