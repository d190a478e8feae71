//! Scheduling a session, changing it (a new time is a reschedule) and
//! cancelling it. Each raises the invitation's SEQUENCE when what the
//! invitation shows changes, queues the e-mails in the same transaction,
//! writes the audit log and the account timeline.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::training::{
    CancelTrainingRequest, CreateTrainingRequest, TrainingSession, TrainingStatus,
    UpdateTrainingRequest, MAX_DURATION_MINUTES,
};
use shared::validation;

use super::invitations::{self, time_zone, Notice};
use super::{find, load, may_manage};
use crate::auth::StaffActor;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, second, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::entity::{contacts, training_attendees, trainings};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const MAX_PLACE_LEN: usize = 500;
const MAX_URL_LEN: usize = 2_000;
const MAX_ATTENDEES: usize = 500;

fn check_fields(
    c: &mut validation::Collector,
    topic: Option<&str>,
    duration: Option<i32>,
    location: Option<&str>,
    online_url: Option<&str>,
) {
    if let Some(topic) = topic {
        c.check(
            "topic",
            validation::required_text(topic, validation::MAX_SHORT_TEXT_LEN),
        );
    }
    if let Some(minutes) = duration {
        c.check(
            "duration_minutes",
            validation::in_range(minutes.into(), 1, MAX_DURATION_MINUTES.into()),
        );
    }
    if let Some(place) = location {
        c.check("location", validation::optional_text(place, MAX_PLACE_LEN));
    }
    if let Some(url) = online_url.map(str::trim).filter(|u| !u.is_empty()) {
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !web || url.len() > MAX_URL_LEN || url.chars().any(char::is_whitespace) {
            c.fields.insert(
                "online_url".into(),
                "must be an http(s) link without spaces".into(),
            );
        }
    }
}

/// Attendees must be current contacts of the session's account.
async fn check_attendees<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    ids: &[i64],
) -> AppResult<Vec<i64>> {
    let wanted: BTreeSet<i64> = ids.iter().copied().collect();
    if wanted.len() > MAX_ATTENDEES {
        return Err(AppError::field(
            "attendee_ids",
            format!("at most {MAX_ATTENDEES} attendees"),
        ));
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let found = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .filter(contacts::Column::AccountId.eq(account_id))
        .filter(contacts::Column::Archived.eq(false))
        .filter(contacts::Column::Id.is_in(wanted.iter().copied().collect::<Vec<_>>()))
        .all(conn)
        .await?;
    if found.len() != wanted.len() {
        return Err(AppError::field(
            "attendee_ids",
            "every attendee must be a contact of the session's account",
        ));
    }
    Ok(wanted.into_iter().collect())
}

async fn add_attendees<C: ConnectionTrait>(
    conn: &C,
    t: &trainings::Model,
    ids: &[i64],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids
        .iter()
        .map(|&contact_id| training_attendees::ActiveModel {
            workspace_id: Set(t.workspace_id),
            training_id: Set(t.id),
            contact_id: Set(contact_id),
            attended: Set(None),
            score: Set(None),
            feedback: Set(None),
            recorded_at: Set(None),
            recorded_by: Set(None),
            ..Default::default()
        });
    training_attendees::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

async fn audit_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&TrainingSession>,
    after: &TrainingSession,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "training",
            entity_id: after.id,
            before,
            after: Some(after),
        },
        now,
    )
    .await
}

fn event(
    actor: &StaffActor,
    t: &trainings::Model,
    kind: TimelineKind,
    body: Option<String>,
) -> NewEvent {
    NewEvent {
        workspace_id: t.workspace_id,
        account_id: t.account_id,
        kind,
        occurred_at: t.updated_at,
        actor_id: Some(actor.user_id),
        summary: Msg::new(T::TimelineTraining)
            .with("module", &t.module)
            .with("topic", &t.topic)
            .en(),
        body,
        entity: Some(("training", t.id)),
    }
}

pub async fn create(
    state: &AppState,
    actor: &StaffActor,
    req: CreateTrainingRequest,
    now: DateTime<Utc>,
) -> AppResult<TrainingSession> {
    let db = &state.db;
    let mut c = validation::Collector::default();
    check_fields(
        &mut c,
        Some(&req.topic),
        Some(req.duration_minutes),
        req.location.as_deref(),
        req.online_url.as_deref(),
    );
    let txn = db.write.begin().await?;
    let account = accounts::find_in_workspace(&txn, actor.workspace_id, req.account_id)
        .await
        .map_err(|_| AppError::field("account_id", "no such account"))?;
    may_manage(actor, &account, req.trainer_id)?;
    c.finish().map_err(AppError::validation)?;
    crate::domain::accounts::users::require_active_staff(
        &txn,
        actor.workspace_id,
        req.trainer_id,
        "trainer_id",
    )
    .await?;
    let attendees =
        check_attendees(&txn, actor.workspace_id, account.id, &req.attendee_ids).await?;
    let model = trainings::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        account_id: Set(account.id),
        module: Set(req.module.as_str().into()),
        topic: Set(req.topic.trim().to_string()),
        trainer_id: Set(req.trainer_id),
        starts_at: Set(second(req.starts_at)),
        duration_minutes: Set(req.duration_minutes),
        location: Set(clean_optional(req.location)),
        online_url: Set(clean_optional(req.online_url)),
        status: Set(TrainingStatus::Scheduled.as_str().into()),
        sequence: Set(0),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_attendees(&txn, &model, &attendees).await?;
    let session = load(&txn, &model).await?;
    audit_change(&txn, actor, "create", None, &session, now).await?;
    let tz = time_zone(&txn, actor.workspace_id).await?;
    let when = model
        .starts_at
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z");
    timeline::record(
        &txn,
        event(
            actor,
            &model,
            TimelineKind::TrainingScheduled,
            Some(when.to_string()),
        ),
        now,
    )
    .await?;
    invitations::send(&txn, &state.mailer, &model, Notice::Invite, &attendees, now).await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(session)
}

/// The session and its current API form, if this actor may change it now:
/// it is in the workspace, the actor manages it, `If-Match` names its current
/// version, and it is not cancelled (409: schedule a new one instead).
async fn for_change<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
) -> AppResult<(trainings::Model, TrainingSession)> {
    let existing = find(txn, actor.workspace_id, id, true).await?;
    let account = accounts::find_in_workspace(txn, actor.workspace_id, existing.account_id).await?;
    may_manage(actor, &account, existing.trainer_id)?;
    let current = load(txn, &existing).await?;
    crate::domain::common::require_current(if_match, &super::etag(&current))?;
    if existing.status == TrainingStatus::Cancelled.as_str() {
        return Err(AppError::conflict_on(
            "status",
            "this training is cancelled; schedule a new one instead",
        ));
    }
    Ok((existing, current))
}

pub async fn update(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: UpdateTrainingRequest,
    now: DateTime<Utc>,
) -> AppResult<TrainingSession> {
    let txn = state.db.write.begin().await?;
    let (existing, before) = for_change(&txn, actor, id, if_match).await?;
    let mut c = validation::Collector::default();
    check_fields(
        &mut c,
        req.topic.as_deref(),
        req.duration_minutes,
        req.location.as_ref().and_then(Option::as_deref),
        req.online_url.as_ref().and_then(Option::as_deref),
    );
    c.finish().map_err(AppError::validation)?;
    if let Some(trainer) = req.trainer_id {
        crate::domain::accounts::users::require_active_staff(
            &txn,
            actor.workspace_id,
            trainer,
            "trainer_id",
        )
        .await?;
    }

    let mut model: trainings::ActiveModel = existing.clone().into();
    if let Some(module) = req.module {
        model.module = Set(module.as_str().into());
    }
    if let Some(topic) = &req.topic {
        model.topic = Set(topic.trim().to_string());
    }
    if let Some(trainer) = req.trainer_id {
        model.trainer_id = Set(trainer);
    }
    if let Some(starts_at) = req.starts_at {
        model.starts_at = Set(second(starts_at));
    }
    if let Some(minutes) = req.duration_minutes {
        model.duration_minutes = Set(minutes);
    }
    if let Some(location) = req.location {
        model.location = Set(clean_optional(location));
    }
    if let Some(url) = req.online_url {
        model.online_url = Set(clean_optional(url));
    }
    let changed = |a: &trainings::Model, b: &trainings::ActiveModel| -> (bool, bool) {
        let time = b.starts_at.as_ref() != &a.starts_at
            || b.duration_minutes.as_ref() != &a.duration_minutes;
        let shown = time
            || b.module.as_ref() != &a.module
            || b.topic.as_ref() != &a.topic
            || b.trainer_id.as_ref() != &a.trainer_id
            || b.location.as_ref() != &a.location
            || b.online_url.as_ref() != &a.online_url;
        (time, shown)
    };
    let (rescheduled, shown_changed) = changed(&existing, &model);
    if shown_changed {
        model.sequence = Set(existing.sequence + 1);
    }
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;

    // Attendees: the new list replaces the old one.
    let current: BTreeSet<i64> = before.attendees.iter().map(|a| a.contact_id).collect();
    let (added, removed) = match &req.attendee_ids {
        Some(ids) => {
            let wanted: BTreeSet<i64> =
                check_attendees(&txn, actor.workspace_id, existing.account_id, ids)
                    .await?
                    .into_iter()
                    .collect();
            let added: Vec<i64> = wanted.difference(&current).copied().collect();
            let removed: Vec<i64> = current.difference(&wanted).copied().collect();
            (added, removed)
        }
        None => (Vec::new(), Vec::new()),
    };
    if !removed.is_empty() {
        training_attendees::Entity::delete_many()
            .filter(training_attendees::Column::TrainingId.eq(id))
            .filter(training_attendees::Column::ContactId.is_in(removed.clone()))
            .exec(&txn)
            .await?;
    }
    add_attendees(&txn, &updated, &added).await?;

    let after = load(&txn, &updated).await?;
    audit_change(&txn, actor, "update", Some(&before), &after, now).await?;
    if rescheduled {
        let tz = time_zone(&txn, actor.workspace_id).await?;
        let fmt = |at: DateTime<Utc>| {
            at.with_timezone(&tz)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        timeline::record(
            &txn,
            event(
                actor,
                &updated,
                TimelineKind::TrainingRescheduled,
                Some(format!(
                    "{} → {}",
                    fmt(existing.starts_at),
                    fmt(updated.starts_at)
                )),
            ),
            now,
        )
        .await?;
    }
    // Everyone still invited hears of a change; newcomers get the invitation.
    let kept: Vec<i64> = after
        .attendees
        .iter()
        .map(|a| a.contact_id)
        .filter(|id| !added.contains(id))
        .collect();
    if shown_changed {
        invitations::send(&txn, &state.mailer, &updated, Notice::Update, &kept, now).await?;
    }
    invitations::send(&txn, &state.mailer, &updated, Notice::Invite, &added, now).await?;
    invitations::send(&txn, &state.mailer, &updated, Notice::Cancel, &removed, now).await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(after)
}

/// Cancels the session; every attendee gets a `METHOD:CANCEL` for the event.
pub async fn cancel(
    state: &AppState,
    actor: &StaffActor,
    id: i64,
    if_match: Option<&str>,
    req: CancelTrainingRequest,
    now: DateTime<Utc>,
) -> AppResult<TrainingSession> {
    let txn = state.db.write.begin().await?;
    let (existing, before) = for_change(&txn, actor, id, if_match).await?;
    if let Some(reason) = &req.reason {
        let mut c = validation::Collector::default();
        c.check("reason", validation::optional_text(reason, 2_000));
        c.finish().map_err(AppError::validation)?;
    }
    let reason = clean_optional(req.reason);
    let mut model: trainings::ActiveModel = existing.clone().into();
    model.status = Set(TrainingStatus::Cancelled.as_str().into());
    model.cancel_reason = Set(reason.clone());
    model.cancelled_at = Set(Some(now));
    model.sequence = Set(existing.sequence + 1);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    audit_change(&txn, actor, "cancel", Some(&before), &after, now).await?;
    timeline::record(
        &txn,
        event(actor, &updated, TimelineKind::TrainingCancelled, reason),
        now,
    )
    .await?;
    let everyone: Vec<i64> = after.attendees.iter().map(|a| a.contact_id).collect();
    invitations::send(
        &txn,
        &state.mailer,
        &updated,
        Notice::Cancel,
        &everyone,
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(after)
}
