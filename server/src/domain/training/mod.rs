//! Training sessions (培训) of an account: scheduling, rescheduling and
//! cancelling (each e-mails the attendees an iCalendar invitation), attendance
//! and the completion and coverage derived from it.
//!
//! Who may change a session: admins and managers any; a CSM the sessions of
//! accounts they own; a trainer (CSM or engineer) their own sessions. Every
//! staff role reads them; the portal sees its account's upcoming sessions.

pub mod attendance;
pub mod ics;
mod invitations;
pub mod schedule;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shared::texts::T;
use shared::training::{completes, TrainingAttendee, TrainingSession, TrainingStatus};
use shared::{Page, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::pagination::PageQuery;
use crate::domain::common::pagination::Paging;
use crate::entity::stored::stored;
use crate::entity::{accounts, contacts, training_attendees, trainings, users};
use crate::error::{AppError, AppResult};

pub fn etag(session: &TrainingSession) -> String {
    format!("\"tr{}v{}\"", session.id, session.version)
}

pub fn ends_at(m: &trainings::Model) -> DateTime<Utc> {
    m.starts_at + Duration::minutes(i64::from(m.duration_minutes))
}

/// The sessions `query` selects that are under way at some moment of
/// `from..to` (without `to`: not ended by `from`), by start then id. The
/// one overlap rule of the service calendar: a visit's dispatch and the
/// portal's upcoming sessions both read it. A session lasts at most
/// `MAX_DURATION_MINUTES`, so only those starting after `from` less that
/// are read, and their ends checked here.
pub(crate) async fn running_between<C: ConnectionTrait>(
    conn: &C,
    query: sea_orm::Select<trainings::Entity>,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> AppResult<Vec<trainings::Model>> {
    let earliest = from - Duration::minutes(i64::from(shared::training::MAX_DURATION_MINUTES));
    let mut query = query
        .filter(trainings::Column::StartsAt.gt(earliest))
        .order_by_asc(trainings::Column::StartsAt)
        .order_by_asc(trainings::Column::Id);
    if let Some(to) = to {
        query = query.filter(trainings::Column::StartsAt.lt(to));
    }
    Ok(query
        .all(conn)
        .await?
        .into_iter()
        .filter(|t| ends_at(t) > from)
        .collect())
}

/// 403 unless the actor may change sessions of this account given by this trainer.
fn may_manage(actor: &StaffActor, account: &accounts::Model, trainer_id: i64) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        Role::Csm if account.owner_id == Some(actor.user_id) => Ok(()),
        Role::Csm | Role::Engineer if trainer_id == actor.user_id => Ok(()),
        Role::Csm | Role::Engineer => Err(AppError::Forbidden(T::TrainingManagers.into())),
        _ => Err(AppError::forbidden()),
    }
}

async fn names<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    ids: Vec<i64>,
) -> AppResult<HashMap<i64, users::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// The sessions with their attendees, account and trainer names.
pub(crate) async fn load_many<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: &[trainings::Model],
) -> AppResult<Vec<TrainingSession>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let attendees = training_attendees::Entity::find()
        .filter(training_attendees::Column::WorkspaceId.eq(workspace_id))
        .filter(training_attendees::Column::TrainingId.is_in(ids))
        .order_by_asc(training_attendees::Column::Id)
        .all(conn)
        .await?;
    let contact_ids: Vec<i64> = attendees.iter().map(|a| a.contact_id).collect();
    let people: HashMap<i64, contacts::Model> = if contact_ids.is_empty() {
        HashMap::new()
    } else {
        contacts::Entity::find()
            .filter(contacts::Column::WorkspaceId.eq(workspace_id))
            .filter(contacts::Column::Id.is_in(contact_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let account_ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let account_names: HashMap<i64, String> = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Id.is_in(account_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let trainers = names(
        conn,
        workspace_id,
        rows.iter().map(|r| r.trainer_id).collect(),
    )
    .await?;
    let mut by_training: HashMap<i64, Vec<TrainingAttendee>> = HashMap::new();
    for a in attendees {
        let contact = people.get(&a.contact_id);
        by_training
            .entry(a.training_id)
            .or_default()
            .push(TrainingAttendee {
                contact_id: a.contact_id,
                name: contact.map(|c| c.name.clone()).unwrap_or_default(),
                email: contact.and_then(|c| c.email.clone()),
                attended: a.attended,
                score: a.score,
                feedback: a.feedback,
                completed: completes(a.attended, a.score),
            });
    }
    rows.iter()
        .map(|m| {
            Ok(TrainingSession {
                id: m.id,
                account_id: m.account_id,
                account_name: account_names
                    .get(&m.account_id)
                    .cloned()
                    .unwrap_or_default(),
                module: stored("trainings", m.id, "module", &m.module)?,
                topic: m.topic.clone(),
                trainer_id: m.trainer_id,
                trainer_name: trainers
                    .get(&m.trainer_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                starts_at: m.starts_at,
                ends_at: ends_at(m),
                duration_minutes: m.duration_minutes,
                location: m.location.clone(),
                online_url: m.online_url.clone(),
                status: stored("trainings", m.id, "status", &m.status)?,
                sequence: m.sequence,
                cancel_reason: m.cancel_reason.clone(),
                cancelled_at: m.cancelled_at,
                attendees: by_training.remove(&m.id).unwrap_or_default(),
                created_at: m.created_at,
                updated_at: m.updated_at,
                version: m.version,
            })
        })
        .collect()
}

pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    m: &trainings::Model,
) -> AppResult<TrainingSession> {
    load_many(conn, m.workspace_id, std::slice::from_ref(m))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

pub(crate) async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
    lock: bool,
) -> AppResult<trainings::Model> {
    let mut query =
        trainings::Entity::find_by_id(id).filter(trainings::Column::WorkspaceId.eq(workspace_id));
    if lock {
        query = query.lock_exclusive();
    }
    query.one(conn).await?.ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<TrainingSession> {
    let row = find(&db.read, actor.workspace_id, id, false).await?;
    load(&db.read, &row).await
}

pub use shared::filters::TrainingFilter;

fn encode_cursor(at: DateTime<Utc>, id: i64) -> String {
    crate::domain::common::pagination::encode_time_cursor("tr", at, id)
}

fn decode_cursor(cursor: &str) -> AppResult<(DateTime<Utc>, i64)> {
    crate::domain::common::pagination::decode_time_cursor(cursor, "tr")
}

/// Sessions in start order (a calendar reads forward), keyset-paginated.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    filter: TrainingFilter,
    page: PageQuery,
) -> AppResult<Page<TrainingSession>> {
    // The cursor is ours (time and id), so only the limit is read the usual way.
    let params = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?;
    let mut query = trainings::Entity::find()
        .filter(trainings::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(trainings::Column::StartsAt)
        .order_by_asc(trainings::Column::Id)
        .limit(params.limit + 1);
    if let Some(account) = filter.account_id {
        query = query.filter(trainings::Column::AccountId.eq(account));
    }
    if let Some(trainer) = filter.trainer_id {
        query = query.filter(trainings::Column::TrainerId.eq(trainer));
    }
    if let Some(from) = filter.from {
        query = query.filter(trainings::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(trainings::Column::StartsAt.lt(to));
    }
    if !filter.include_cancelled.unwrap_or(true) {
        query = query.filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()));
    }
    if let Some(cursor) = page.cursor.as_deref().filter(|c| !c.is_empty()) {
        let (at, id) = decode_cursor(cursor)?;
        query = query.filter(
            Condition::any()
                .add(trainings::Column::StartsAt.gt(at))
                .add(
                    Condition::all()
                        .add(trainings::Column::StartsAt.eq(at))
                        .add(trainings::Column::Id.gt(id)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 8, 30, 0).unwrap();
        assert_eq!(decode_cursor(&encode_cursor(at, 9)).unwrap(), (at, 9));
        assert!(decode_cursor("aWQ6OQ").is_err());
        assert!(decode_cursor("%%").is_err());
    }
}
