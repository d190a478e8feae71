//! A visit's way from request to report: requesting it from a ticket or an
//! onboarding task, dispatching it (with the engineer's calendar checked
//! against their other visits and the trainings they give), cancelling,
//! checking in and out on site, and the engineer's report. Each step
//! writes the audit log and the account's timeline in its transaction.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::training::TrainingStatus;
use shared::visits::{
    validate_report, validate_request, DispatchVisit, RequestVisit, Visit, VisitSlot, VisitStatus,
    WriteReport,
};
use shared::Role;

use super::{entitlement, etag, find, load, status_of, summary, when};
use crate::auth::StaffActor;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::calendar::time_zone;
use crate::domain::common::{clean_optional, require_current};
use crate::entity::{onboarding_tasks, trainings, users, visits};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The instants a slot of `day` covers in the workspace's time zone.
pub fn slot_instants(
    day: NaiveDate,
    slot: VisitSlot,
    tz: Tz,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (start, end) = slot.hours();
    let at = |t| {
        tz.from_local_datetime(&day.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    Some((at(start)?, at(end)?))
}

async fn audit_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&Visit>,
    after: &Visit,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "visit",
            entity_id: after.id,
            before,
            after: Some(after),
        },
        now,
    )
    .await
}

pub(crate) fn event(
    actor_id: i64,
    m: &visits::Model,
    kind: TimelineKind,
    body: Option<String>,
    now: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        workspace_id: m.workspace_id,
        account_id: m.account_id,
        kind,
        occurred_at: now,
        actor_id: Some(actor_id),
        summary: summary(m),
        body,
        entity: Some(("visit", m.id)),
    }
}

/// `POST /visits`: any staff member requests a visit for the account of
/// the ticket or onboarding task it comes from.
pub async fn request(
    state: &AppState,
    actor: &StaffActor,
    req: RequestVisit,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let mut fields = validate_request(&req).err().unwrap_or_default();
    if !(2000..=2100).contains(&req.visit_date.year()) {
        fields.insert("visit_date".into(), T::OutOfRange.en().to_string());
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let txn = state.db.write.begin().await?;
    let account_id = match (req.ticket_id, req.onboarding_task_id) {
        (Some(ticket_id), _) => {
            crate::domain::tickets::find(&txn, actor.workspace_id, ticket_id)
                .await
                .map_err(|_| AppError::field("ticket_id", T::NoSuchTicket))?
                .account_id
        }
        (_, Some(task_id)) => {
            onboarding_tasks::Entity::find_by_id(task_id)
                .filter(onboarding_tasks::Column::WorkspaceId.eq(actor.workspace_id))
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::field("onboarding_task_id", "no such onboarding task"))?
                .account_id
        }
        (None, None) => return Err(AppError::field("ticket_id", T::VisitSource)),
    };
    let tz = time_zone(&txn, actor.workspace_id).await?;
    let (starts_at, ends_at) = slot_instants(req.visit_date, req.slot, tz)
        .ok_or_else(|| AppError::field("visit_date", T::OutOfRange))?;
    let billable =
        entitlement::next_is_billable(&txn, actor.workspace_id, account_id, req.visit_date).await?;
    let model = visits::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account_id),
        ticket_id: Set(req.ticket_id),
        onboarding_task_id: Set(req.onboarding_task_id),
        visit_date: Set(req.visit_date),
        slot: Set(req.slot.as_str().into()),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        purpose: Set(req.purpose.trim().to_string()),
        address: Set(clean_optional(req.address)),
        internal_note: Set(clean_optional(req.internal_note)),
        status: Set(VisitStatus::Requested.as_str().into()),
        engineer_id: Set(None),
        billable: Set(billable),
        requested_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let visit = load(&txn, &model).await?;
    audit_change(&txn, actor, "create", None, &visit, now).await?;
    timeline::record(
        &txn,
        event(
            actor.user_id,
            &model,
            TimelineKind::VisitRequested,
            Some(when(starts_at, ends_at, tz)),
            now,
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(visit)
}

/// 403 unless the actor may dispatch or cancel visits of this account.
async fn may_dispatch<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    m: &visits::Model,
) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        Role::Csm => {
            let account =
                accounts::find_in_workspace(conn, actor.workspace_id, m.account_id).await?;
            if account.owner_id == Some(actor.user_id) {
                Ok(())
            } else {
                Err(AppError::Forbidden(T::VisitDispatchers.into()))
            }
        }
        _ => Err(AppError::Forbidden(T::VisitDispatchers.into())),
    }
}

/// The visit locked for a change, after the `If-Match` check.
async fn for_change<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
) -> AppResult<(visits::Model, Visit)> {
    let existing = find(txn, actor.workspace_id, id, true).await?;
    let current = load(txn, &existing).await?;
    require_current(if_match, &etag(&current))?;
    Ok((existing, current))
}

/// 409 naming the first of the engineer's visits or trainings that
/// overlaps `m`'s time.
async fn check_calendar<C: ConnectionTrait>(
    conn: &C,
    engineer: &users::Model,
    m: &visits::Model,
    tz: Tz,
) -> AppResult<()> {
    let other = visits::Entity::find()
        .filter(visits::Column::WorkspaceId.eq(m.workspace_id))
        .filter(visits::Column::EngineerId.eq(engineer.id))
        .filter(visits::Column::Id.ne(m.id))
        .filter(visits::Column::Status.ne(VisitStatus::Cancelled.as_str()))
        .filter(visits::Column::StartsAt.lt(m.ends_at))
        .filter(visits::Column::EndsAt.gt(m.starts_at))
        .order_by_asc(visits::Column::StartsAt)
        .one(conn)
        .await?;
    if let Some(o) = other {
        let account = accounts::find_in_workspace(conn, m.workspace_id, o.account_id).await?;
        return Err(AppError::conflict_on(
            "engineer_id",
            Msg::new(T::VisitClashVisit)
                .with("engineer", &engineer.name)
                .with("visit", o.id)
                .with("account", &account.name)
                .with("when", when(o.starts_at, o.ends_at, tz))
                .en(),
        ));
    }
    let given = trainings::Entity::find()
        .filter(trainings::Column::WorkspaceId.eq(m.workspace_id))
        .filter(trainings::Column::TrainerId.eq(engineer.id))
        .filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()));
    let clash = crate::domain::training::running_between(conn, given, m.starts_at, Some(m.ends_at))
        .await?
        .into_iter()
        .next();
    if let Some(t) = clash {
        let account = accounts::find_in_workspace(conn, m.workspace_id, t.account_id).await?;
        return Err(AppError::conflict_on(
            "engineer_id",
            Msg::new(T::VisitClashTraining)
                .with("engineer", &engineer.name)
                .with("topic", &t.topic)
                .with("account", &account.name)
                .with(
                    "when",
                    when(t.starts_at, crate::domain::training::ends_at(&t), tz),
                )
                .en(),
        ));
    }
    Ok(())
}

/// `POST /visits/{id}/dispatch`: assigns (or reassigns, before check-in)
/// the engineer, refusing a clash in their calendar with 409.
async fn dispatch(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: DispatchVisit,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let txn = state.db.write.begin().await?;
    let (existing, before) = for_change(&txn, actor, id, if_match).await?;
    may_dispatch(&txn, actor, &existing).await?;
    if !matches!(
        status_of(&existing)?,
        VisitStatus::Requested | VisitStatus::Dispatched
    ) {
        return Err(AppError::conflict_on("status", T::VisitNotDispatchable));
    }
    crate::domain::accounts::users::require_active_staff(
        &txn,
        actor.workspace_id,
        req.engineer_id,
        "engineer_id",
    )
    .await?;
    // Locking the engineer serialises two dispatches to them (PostgreSQL;
    // SQLite has one writer), so both cannot pass the calendar check.
    let engineer = users::Entity::find_by_id(req.engineer_id)
        .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("engineer_id", T::VisitNotEngineer))?;
    let tz = time_zone(&txn, actor.workspace_id).await?;
    check_calendar(&txn, &engineer, &existing, tz).await?;
    let mut model: visits::ActiveModel = existing.clone().into();
    model.engineer_id = Set(Some(engineer.id));
    model.status = Set(VisitStatus::Dispatched.as_str().into());
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    audit_change(&txn, actor, "dispatch", Some(&before), &after, now).await?;
    timeline::record(
        &txn,
        event(
            actor.user_id,
            &updated,
            TimelineKind::VisitDispatched,
            Some(engineer.name.clone()),
            now,
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// `POST /visits/{id}/cancel`: any time before the customer signs. An
/// included visit's place goes to the next billable ones of its agreement
/// year (see [`entitlement::after_cancel`]).
async fn cancel(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let txn = state.db.write.begin().await?;
    let (existing, before) = for_change(&txn, actor, id, if_match).await?;
    may_dispatch(&txn, actor, &existing).await?;
    if matches!(
        status_of(&existing)?,
        VisitStatus::Signed | VisitStatus::Cancelled
    ) {
        return Err(AppError::conflict_on("status", T::VisitNotCancellable));
    }
    let mut model: visits::ActiveModel = existing.clone().into();
    model.status = Set(VisitStatus::Cancelled.as_str().into());
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    audit_change(&txn, actor, "cancel", Some(&before), &after, now).await?;
    // The place it held goes to the next billable visits of its year.
    for (was, now_included) in entitlement::after_cancel(&txn, &updated, now).await? {
        let was = load(&txn, &was).await?;
        let is = load(&txn, &now_included).await?;
        audit_change(&txn, actor, "include", Some(&was), &is, now).await?;
    }
    timeline::record(
        &txn,
        event(
            actor.user_id,
            &updated,
            TimelineKind::VisitCancelled,
            None,
            now,
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The visit locked for a step of the engineer dispatched to it (403 for
/// anyone else), in one of `allowed` states (409 otherwise).
async fn engineer_step<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    allowed: &[VisitStatus],
    refusal: T,
) -> AppResult<(visits::Model, Visit)> {
    let (existing, before) = for_change(txn, actor, id, if_match).await?;
    if existing.engineer_id != Some(actor.user_id) {
        return Err(AppError::Forbidden(T::VisitEngineerOnly.into()));
    }
    if !allowed.contains(&status_of(&existing)?) {
        return Err(AppError::conflict_on("status", refusal));
    }
    Ok((existing, before))
}

/// A change staff make to a visit after requesting it; every one reads
/// the visit under a lock, honours `If-Match` and answers the visit.
pub enum Transition {
    Dispatch(DispatchVisit),
    Cancel,
    OnSite(OnSite),
    Report(WriteReport),
}

/// Applies `change` to visit `id` (the one entry point of the routes).
pub async fn transition(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    change: Transition,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    match change {
        Transition::Dispatch(req) => dispatch(state, actor, id, if_match, req, now).await,
        Transition::Cancel => cancel(state, actor, id, if_match, now).await,
        Transition::OnSite(step) => on_site(state, actor, id, if_match, step, now).await,
        Transition::Report(req) => report(state, actor, id, if_match, req, now).await,
    }
}

/// Which on-site step is being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSite {
    CheckIn,
    CheckOut,
}

/// `POST /visits/{id}/check-in` and `/check-out`: the times are the
/// server's clock at the moment the engineer taps.
async fn on_site(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    step: OnSite,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let txn = state.db.write.begin().await?;
    let (allowed, refusal) = match step {
        OnSite::CheckIn => (VisitStatus::Dispatched, T::VisitNotCheckIn),
        OnSite::CheckOut => (VisitStatus::CheckedIn, T::VisitNotCheckOut),
    };
    let (existing, before) = engineer_step(&txn, actor, id, if_match, &[allowed], refusal).await?;
    let at = timeline::second(now);
    let mut model: visits::ActiveModel = existing.clone().into();
    let kind = match step {
        OnSite::CheckIn => {
            model.checked_in_at = Set(Some(at));
            model.status = Set(VisitStatus::CheckedIn.as_str().into());
            TimelineKind::VisitCheckedIn
        }
        OnSite::CheckOut => {
            model.checked_out_at = Set(Some(at));
            model.status = Set(VisitStatus::CheckedOut.as_str().into());
            TimelineKind::VisitCheckedOut
        }
    };
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    let action = match step {
        OnSite::CheckIn => "check_in",
        OnSite::CheckOut => "check_out",
    };
    audit_change(&txn, actor, action, Some(&before), &after, now).await?;
    let tz = time_zone(&txn, actor.workspace_id).await?;
    let body = at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    timeline::record(
        &txn,
        event(actor.user_id, &updated, kind, Some(body), now),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// `PUT /visits/{id}/report`: written after check-out, rewritten until
/// the customer signs.
async fn report(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: WriteReport,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    validate_report(&req).map_err(AppError::validation)?;
    let txn = state.db.write.begin().await?;
    let (existing, before) = engineer_step(
        &txn,
        actor,
        id,
        if_match,
        &[VisitStatus::CheckedOut, VisitStatus::Reported],
        T::VisitNotReportable,
    )
    .await?;
    let first = existing.reported_at.is_none();
    let mut model: visits::ActiveModel = existing.clone().into();
    model.work_done = Set(Some(req.work_done.trim().to_string()));
    model.time_spent_minutes = Set(Some(req.time_spent_minutes));
    model.follow_ups = Set(clean_optional(req.follow_ups));
    model.reported_at = Set(Some(timeline::second(now)));
    model.status = Set(VisitStatus::Reported.as_str().into());
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    audit_change(&txn, actor, "report", Some(&before), &after, now).await?;
    if first {
        timeline::record(
            &txn,
            event(
                actor.user_id,
                &updated,
                TimelineKind::VisitReported,
                None,
                now,
            ),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_instants_in_the_workspace_zone() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let (s, e) = slot_instants(day, VisitSlot::Morning, tz).unwrap();
        assert_eq!(s.to_rfc3339(), "2027-03-01T01:00:00+00:00");
        assert_eq!(e.to_rfc3339(), "2027-03-01T04:00:00+00:00");
    }
}
