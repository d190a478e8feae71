//! Attendance of a session, the completion it derives (attended and, where
//! scored, at least `PASS_MARK`), the account's training coverage, and the
//! portal's view of upcoming sessions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::training::{
    completes, AttendanceRequest, ContactTraining, ModuleCoverage, PortalTraining,
    TrainingCoverage, TrainingSession, TrainingStatus, PASS_MARK,
};
use shared::{validation, ErpModule};

use super::{ends_at, find, load, may_manage};
use crate::auth::{PortalActor, StaffActor};
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::audit::{self, Change};
use crate::domain::common::clean_optional;
use crate::domain::common::modules_from_db;
use crate::entity::stored::stored;
use crate::entity::{contacts, training_attendees, trainings, users};
use crate::error::{AppError, AppResult};

const MAX_FEEDBACK_LEN: usize = 5_000;

/// Records attendance, score and feedback of the listed attendees.
pub async fn record(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    req: AttendanceRequest,
    now: DateTime<Utc>,
) -> AppResult<TrainingSession> {
    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, id, true).await?;
    let account =
        accounts::find_in_workspace(&txn, actor.workspace_id, existing.account_id).await?;
    may_manage(actor, &account, existing.trainer_id)?;
    if existing.status == TrainingStatus::Cancelled.as_str() {
        return Err(AppError::conflict_on(
            "status",
            "this training is cancelled; there is no attendance to record",
        ));
    }
    let before = load(&txn, &existing).await?;
    let invited: BTreeSet<i64> = before.attendees.iter().map(|a| a.contact_id).collect();
    let mut c = validation::Collector::default();
    if req.records.is_empty() {
        c.fields
            .insert("records".into(), "must list at least one attendee".into());
    }
    let mut seen = BTreeSet::new();
    for (i, r) in req.records.iter().enumerate() {
        if !invited.contains(&r.contact_id) {
            c.fields.insert(
                format!("records[{i}].contact_id"),
                "is not an attendee of this training".into(),
            );
        } else if !seen.insert(r.contact_id) {
            c.fields
                .insert(format!("records[{i}].contact_id"), "is listed twice".into());
        }
        if r.score.is_some_and(|s| !(0..=100).contains(&s)) {
            c.fields.insert(
                format!("records[{i}].score"),
                "must be between 0 and 100".into(),
            );
        }
        if let Some(feedback) = &r.feedback {
            c.check(
                &format!("records[{i}].feedback"),
                validation::optional_text(feedback, MAX_FEEDBACK_LEN),
            );
        }
    }
    c.finish().map_err(AppError::validation)?;

    let rows: HashMap<i64, training_attendees::Model> = training_attendees::Entity::find()
        .filter(training_attendees::Column::TrainingId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.contact_id, a))
        .collect();
    for r in req.records {
        let Some(row) = rows.get(&r.contact_id) else {
            continue;
        };
        let mut model: training_attendees::ActiveModel = row.clone().into();
        model.attended = Set(Some(r.attended));
        model.score = Set(r.score);
        model.feedback = Set(clean_optional(r.feedback));
        model.recorded_at = Set(Some(now));
        model.recorded_by = Set(Some(actor.user_id));
        model.update(&txn).await?;
    }
    let mut touched: trainings::ActiveModel = existing.clone().into();
    touched.updated_at = Set(now);
    touched.version = Set(existing.version + 1);
    let updated = touched.update(&txn).await?;
    let after = load(&txn, &updated).await?;
    audit::record(
        &txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "attendance",
            entity_type: "training",
            entity_id: id,
            before: Some(&before),
            after: Some(&after),
        },
        now,
    )
    .await?;
    let attended = after
        .attendees
        .iter()
        .filter(|a| a.attended == Some(true))
        .count();
    let completed = after.attendees.iter().filter(|a| a.completed).count();
    let total = after.attendees.len();
    timeline::record(
        &txn,
        NewEvent {
            workspace_id: actor.workspace_id,
            account_id: existing.account_id,
            kind: TimelineKind::TrainingAttendance,
            occurred_at: now,
            actor_id: Some(actor.user_id),
            summary: Msg::new(T::TimelineTraining)
                .with("module", &existing.module)
                .with("topic", &existing.topic)
                .en(),
            body: Some(
                Msg::new(T::TimelineAttendance)
                    .with("attended", attended)
                    .with("total", total)
                    .with("completed", completed)
                    .en(),
            ),
            entity: Some(("training", id)),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Per module, the account's contacts responsible for it and whether each
/// completed a (not cancelled) session of that module.
pub async fn coverage(db: &Db, actor: &StaffActor, account_id: i64) -> AppResult<TrainingCoverage> {
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let people = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(contacts::Column::AccountId.eq(account_id))
        .filter(contacts::Column::Archived.eq(false))
        .order_by_asc(contacts::Column::Id)
        .all(&db.read)
        .await?;
    let responsible: Vec<(contacts::Model, Vec<ErpModule>)> = people
        .into_iter()
        .map(|c| {
            let modules = modules_from_db(&c.modules);
            (c, modules)
        })
        .filter(|(_, m)| !m.is_empty())
        .collect();
    let ids: Vec<i64> = responsible.iter().map(|(c, _)| c.id).collect();
    let mut done: BTreeSet<(i64, ErpModule)> = BTreeSet::new();
    if !ids.is_empty() {
        let records = training_attendees::Entity::find()
            .filter(training_attendees::Column::WorkspaceId.eq(actor.workspace_id))
            .filter(training_attendees::Column::ContactId.is_in(ids))
            .all(&db.read)
            .await?;
        let passed: Vec<&training_attendees::Model> = records
            .iter()
            .filter(|r| completes(r.attended, r.score))
            .collect();
        let training_ids: Vec<i64> = passed.iter().map(|r| r.training_id).collect();
        if !training_ids.is_empty() {
            let modules: HashMap<i64, ErpModule> = trainings::Entity::find()
                .filter(trainings::Column::WorkspaceId.eq(actor.workspace_id))
                .filter(trainings::Column::Id.is_in(training_ids))
                .filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()))
                .all(&db.read)
                .await?
                .into_iter()
                .filter_map(|t| Some((t.id, t.module.parse().ok()?)))
                .collect();
            for r in passed {
                if let Some(module) = modules.get(&r.training_id) {
                    done.insert((r.contact_id, *module));
                }
            }
        }
    }
    let mut by_module: BTreeMap<ErpModule, Vec<ContactTraining>> = BTreeMap::new();
    let mut trained_contacts = 0;
    for (contact, modules) in &responsible {
        let mut all = true;
        for module in modules {
            let completed = done.contains(&(contact.id, *module));
            all &= completed;
            by_module.entry(*module).or_default().push(ContactTraining {
                contact_id: contact.id,
                name: contact.name.clone(),
                completed,
            });
        }
        if all {
            trained_contacts += 1;
        }
    }
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let responsible_contacts = count(responsible.len());
    Ok(TrainingCoverage {
        account_id,
        pass_mark: PASS_MARK,
        responsible_contacts,
        trained_contacts,
        coverage: (trained_contacts * 100).checked_div(responsible_contacts),
        modules: by_module
            .into_iter()
            .map(|(module, contacts)| ModuleCoverage {
                module,
                responsible: count(contacts.len()),
                trained: count(contacts.iter().filter(|c| c.completed).count()),
                contacts,
            })
            .collect(),
    })
}

/// The sessions of the portal user's account that have not ended yet,
/// soonest first, without attendees' results or internal data.
pub async fn portal_upcoming(
    db: &Db,
    actor: &PortalActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<PortalTraining>> {
    let contact = crate::domain::common::portal::own_contact(&db.read, actor).await?;
    let scheduled = trainings::Entity::find()
        .filter(trainings::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(trainings::Column::AccountId.eq(contact.account_id))
        .filter(trainings::Column::Status.eq(TrainingStatus::Scheduled.as_str()));
    let rows: Vec<trainings::Model> = super::running_between(&db.read, scheduled, now, None)
        .await?
        .into_iter()
        .take(200)
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let invited: BTreeSet<i64> = training_attendees::Entity::find()
        .filter(training_attendees::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(training_attendees::Column::ContactId.eq(contact.id))
        .filter(training_attendees::Column::TrainingId.is_in(ids))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|a| a.training_id)
        .collect();
    let trainer_ids: Vec<i64> = rows.iter().map(|t| t.trainer_id).collect();
    let trainers: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(users::Column::Id.is_in(trainer_ids))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    rows.iter()
        .map(|t| {
            Ok(PortalTraining {
                id: t.id,
                module: stored("trainings", t.id, "module", &t.module)?,
                topic: t.topic.clone(),
                trainer_name: trainers.get(&t.trainer_id).cloned().unwrap_or_default(),
                starts_at: t.starts_at,
                ends_at: ends_at(t),
                duration_minutes: t.duration_minutes,
                location: t.location.clone(),
                online_url: t.online_url.clone(),
                invited: invited.contains(&t.id),
            })
        })
        .collect()
}
