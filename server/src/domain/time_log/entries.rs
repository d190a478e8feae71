//! Time entries (`/tickets/{id}/time-entries`, `/time-entries/{id}`):
//! every staff member logs time on a ticket of the workspace (naming, if
//! they like, one of the ticket's on-site visits); the person
//! who logged an entry, a manager or an admin changes or deletes it. Each
//! write recomputes the account's consumption and sends the notices it
//! crossed, in one transaction under the account's lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::time_log::{validate_entry, TimeEntry, TimeEntryRequest, MAX_ENTRY_MINUTES};
use shared::Role;

use super::consumption::{lock_account, recompute};
use super::notices::notify_reached;
use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::calendar;
use crate::entity::{tickets, time_entries, users, visits};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The names of `ids` (users of the workspace).
pub(crate) async fn user_names<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ids: Vec<i64>,
) -> AppResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Name)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

pub(crate) fn to_api(m: &time_entries::Model, user_name: String) -> TimeEntry {
    let covered = if m.billable { m.covered_minutes } else { 0 };
    TimeEntry {
        id: m.id,
        account_id: m.account_id,
        ticket_id: m.ticket_id,
        visit_id: m.visit_id,
        user_id: m.user_id,
        user_name,
        work_date: m.work_date,
        minutes: m.minutes,
        billable: m.billable,
        note: m.note.clone(),
        internal_note: m.internal_note.clone(),
        covered_minutes: covered,
        uncovered_minutes: if m.billable { m.minutes - covered } else { 0 },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn ticket<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<tickets::Model> {
    tickets::Entity::find_by_id(id)
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The ticket's entries, by day worked then as logged.
pub async fn list(db: &Db, actor: &StaffActor, ticket_id: i64) -> AppResult<Vec<TimeEntry>> {
    ticket(&db.read, actor.workspace_id, ticket_id).await?;
    let rows = time_entries::Entity::find()
        .filter(time_entries::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(time_entries::Column::TicketId.eq(ticket_id))
        .order_by_asc(time_entries::Column::WorkDate)
        .order_by_asc(time_entries::Column::Id)
        .all(&db.read)
        .await?;
    let names = user_names(
        &db.read,
        actor.workspace_id,
        rows.iter().map(|r| r.user_id).collect(),
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| to_api(r, names.get(&r.user_id).cloned().unwrap_or_default()))
        .collect())
}

/// Validates `req` against the workspace's today and the person's day:
/// their entries on that day, `except` the one being changed, plus this
/// one may not pass 24 hours.
async fn check<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    user_id: i64,
    except: Option<i64>,
    req: &TimeEntryRequest,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let today = calendar::today(txn, workspace_id, now).await?;
    validate_entry(req, Some(today)).map_err(AppError::validation)?;
    let mut query = time_entries::Entity::find()
        .select_only()
        .column(time_entries::Column::Minutes)
        .filter(time_entries::Column::WorkspaceId.eq(workspace_id))
        .filter(time_entries::Column::UserId.eq(user_id))
        .filter(time_entries::Column::WorkDate.eq(req.work_date));
    if let Some(id) = except {
        query = query.filter(time_entries::Column::Id.ne(id));
    }
    let logged: i64 = query
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .map(i64::from)
        .sum();
    if logged + i64::from(req.minutes) > i64::from(MAX_ENTRY_MINUTES) {
        return Err(AppError::field(
            "minutes",
            Msg::new(T::TimeDayFull).with("date", req.work_date).en(),
        ));
    }
    Ok(())
}

/// 422 unless `visit_id` (when given) names an on-site visit of this
/// ticket: a visit of another ticket, account or workspace is refused
/// alike, so nothing is learnt of the others.
async fn check_visit<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ticket_id: i64,
    visit_id: Option<i64>,
) -> AppResult<()> {
    let Some(visit_id) = visit_id else {
        return Ok(());
    };
    let found = visits::Entity::find_by_id(visit_id)
        .select_only()
        .column(visits::Column::Id)
        .filter(visits::Column::WorkspaceId.eq(workspace_id))
        .filter(visits::Column::TicketId.eq(ticket_id))
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::field("visit_id", T::TimeVisitOtherTicket)),
    }
}

fn trimmed(text: &str) -> String {
    text.trim().to_string()
}

/// Logs time on a ticket (any staff member, for themself).
pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    ticket_id: i64,
    req: TimeEntryRequest,
    now: DateTime<Utc>,
) -> AppResult<TimeEntry> {
    let db = &state.db;
    // Refuse bad input before taking any lock.
    validate_entry(&req, None).map_err(AppError::validation)?;
    let found = ticket(&db.read, actor.workspace_id, ticket_id).await?;
    let txn = db.write.begin().await?;
    let account = lock_account(&txn, actor.workspace_id, found.account_id).await?;
    check(&txn, actor.workspace_id, actor.user_id, None, &req, now).await?;
    check_visit(&txn, actor.workspace_id, ticket_id, req.visit_id).await?;
    let row = time_entries::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(found.account_id),
        ticket_id: Set(ticket_id),
        visit_id: Set(req.visit_id),
        user_id: Set(actor.user_id),
        work_date: Set(req.work_date),
        minutes: Set(req.minutes),
        billable: Set(req.billable),
        note: Set(trimmed(&req.note)),
        internal_note: Set(trimmed(&req.internal_note)),
        covered_minutes: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    let saved = reload(&txn, row.id).await?;
    let entry = to_api(&saved, String::new());
    audit_entry(&txn, actor, "create", saved.id, None, Some(&entry), now).await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    named(db, actor, entry).await
}

async fn reload<C: ConnectionTrait>(conn: &C, id: i64) -> AppResult<time_entries::Model> {
    time_entries::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn named(db: &Db, actor: &StaffActor, mut entry: TimeEntry) -> AppResult<TimeEntry> {
    entry.user_name = user_names(&db.write, actor.workspace_id, vec![entry.user_id])
        .await?
        .remove(&entry.user_id)
        .unwrap_or_default();
    Ok(entry)
}

async fn audit_entry<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    action: &str,
    id: i64,
    before: Option<&TimeEntry>,
    after: Option<&TimeEntry>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "time_entry",
            entity_id: id,
            before,
            after,
        },
        now,
    )
    .await
}

/// The entry under the account's lock, if this actor may change it: 404
/// unless of the workspace, 403 unless theirs (managers and admins: any).
async fn writable<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
) -> AppResult<(time_entries::Model, crate::entity::accounts::Model)> {
    let found = time_entries::Entity::find_by_id(id)
        .filter(time_entries::Column::WorkspaceId.eq(actor.workspace_id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.user_id != actor.user_id && !matches!(actor.role, Role::Admin | Role::Manager) {
        return Err(AppError::Forbidden(T::TimeEntryOwnOnly.into()));
    }
    let account = lock_account(txn, actor.workspace_id, found.account_id).await?;
    // Re-read under the lock.
    Ok((reload(txn, id).await?, account))
}

/// Changes an entry (its author, a manager or an admin).
pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    req: TimeEntryRequest,
    now: DateTime<Utc>,
) -> AppResult<TimeEntry> {
    let db = &state.db;
    validate_entry(&req, None).map_err(AppError::validation)?;
    let txn = db.write.begin().await?;
    let (before, account) = writable(&txn, actor, id).await?;
    check(
        &txn,
        actor.workspace_id,
        before.user_id,
        Some(id),
        &req,
        now,
    )
    .await?;
    check_visit(&txn, actor.workspace_id, before.ticket_id, req.visit_id).await?;
    let before_api = to_api(&before, String::new());
    let mut row: time_entries::ActiveModel = before.into();
    row.work_date = Set(req.work_date);
    row.minutes = Set(req.minutes);
    row.billable = Set(req.billable);
    row.note = Set(trimmed(&req.note));
    row.internal_note = Set(trimmed(&req.internal_note));
    row.visit_id = Set(req.visit_id);
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    let after = to_api(&reload(&txn, id).await?, String::new());
    audit_entry(
        &txn,
        actor,
        "update",
        id,
        Some(&before_api),
        Some(&after),
        now,
    )
    .await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    named(db, actor, after).await
}

/// Deletes an entry (its author, a manager or an admin); the account's
/// packages give back what it used, to the entries after it.
pub async fn delete(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let txn = state.db.write.begin().await?;
    let (before, account) = writable(&txn, actor, id).await?;
    let before_api = to_api(&before, String::new());
    time_entries::Entity::delete_by_id(id).exec(&txn).await?;
    let packages = recompute(&txn, actor.workspace_id, account.id, now).await?;
    // Later entries may now be covered by what it gave back; no threshold
    // is reached by less use, but a changed order may reach one elsewhere.
    let mails = notify_reached(state, &txn, &account, &packages, now).await?;
    audit_entry(&txn, actor, "delete", id, Some(&before_api), None, now).await?;
    txn.commit().await?;
    if mails > 0 {
        state.mailer.kick();
    }
    Ok(())
}
