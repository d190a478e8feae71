//! The account timeline: one `account_events` row per thing that happened to
//! an account, written in the same transaction as the change itself
//! (onboarding, licences, training, stage changes) or logged by staff
//! (notes, calls, meetings). Read newest first, keyset-paginated on
//! `(occurred_at, id)`, with the date of the last touchpoint.

use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::{Msg, T};
use shared::timeline::{CreateActivityRequest, Timeline, TimelineEvent, TimelineKind};
use shared::training::TrainingStatus;
use shared::{validation, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::common::audit::{self, Change};
use crate::domain::common::pagination::PageQuery;
use crate::domain::common::pagination::Paging;
use crate::entity::stored::stored;
use crate::entity::{account_events, trainings, users};
use crate::error::{AppError, AppResult};

const MAX_SUMMARY_LEN: usize = 500;
const MAX_BODY_LEN: usize = 20_000;
/// Clocks differ: an activity may be logged this far ahead of ours.
const FUTURE_SLACK_MINUTES: i64 = 5;

/// What a domain operation adds to its account's timeline.
pub struct NewEvent {
    pub workspace_id: i64,
    pub account_id: i64,
    pub kind: TimelineKind,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub summary: String,
    pub body: Option<String>,
    pub entity: Option<(&'static str, i64)>,
}

impl NewEvent {
    /// An entry by `actor_id` happening at `at`.
    pub fn new(
        workspace_id: i64,
        account_id: i64,
        kind: TimelineKind,
        actor_id: i64,
        summary: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        NewEvent {
            workspace_id,
            account_id,
            kind,
            occurred_at: at,
            actor_id: Some(actor_id),
            summary: summary.into(),
            body: None,
            entity: None,
        }
    }

    pub fn about(mut self, entity_type: &'static str, id: i64) -> Self {
        self.entity = Some((entity_type, id));
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// Records an account's move from one lifecycle stage to another.
pub async fn stage_changed<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    before: &shared::accounts::Account,
    after: &shared::accounts::Account,
    actor_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if before.stage != after.stage {
        let summary = Msg::new(T::TimelineStage)
            .with("from", before.stage)
            .with("to", after.stage)
            .en();
        let event = NewEvent::new(
            workspace_id,
            after.id,
            TimelineKind::StageChanged,
            actor_id,
            summary,
            now,
        );
        record(conn, event.about("account", after.id), now).await?;
    }
    Ok(())
}

/// Whole seconds: the timeline's cursor compares times exactly, and SQLite
/// and PostgreSQL keep sub-second digits differently.
pub fn second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::seconds(1)).unwrap_or(at)
}

/// Adds an entry; call inside the transaction of the change it records.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    event: NewEvent,
    now: DateTime<Utc>,
) -> AppResult<account_events::Model> {
    Ok(account_events::ActiveModel {
        workspace_id: Set(event.workspace_id),
        account_id: Set(event.account_id),
        kind: Set(event.kind.as_str().into()),
        occurred_at: Set(second(event.occurred_at)),
        actor_id: Set(event.actor_id),
        summary: Set(event.summary),
        body: Set(event.body),
        entity_type: Set(event.entity.map(|(t, _)| t.to_string())),
        entity_id: Set(event.entity.map(|(_, id)| id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

fn to_api(m: &account_events::Model, actor_name: Option<String>) -> AppResult<TimelineEvent> {
    let kind: TimelineKind = stored("account_events", m.id, "kind", &m.kind)?;
    let (summary_key, body_key) = kind.keys(&m.summary, m.body.as_deref());
    Ok(TimelineEvent {
        summary_key,
        body_key,
        id: m.id,
        account_id: m.account_id,
        kind,
        occurred_at: m.occurred_at,
        actor_id: m.actor_id,
        actor_name,
        summary: m.summary.clone(),
        body: m.body.clone(),
        entity_type: m.entity_type.clone(),
        entity_id: m.entity_id,
    })
}

async fn with_names<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    rows: &[account_events::Model],
) -> AppResult<Vec<TimelineEvent>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(workspace_id))
            .filter(users::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    rows.iter()
        .map(|r| to_api(r, r.actor_id.and_then(|id| names.get(&id).cloned())))
        .collect()
}

/// Logs a note, call or meeting. Every staff role may.
pub async fn log_activity(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    req: CreateActivityRequest,
    now: DateTime<Utc>,
) -> AppResult<TimelineEvent> {
    let txn = db.write.begin().await?;
    let event = log_activity_in(&txn, actor, account_id, req, now).await?;
    txn.commit().await?;
    Ok(event)
}

/// [`log_activity`] inside the caller's transaction (completing a task
/// logs its activity this way).
pub async fn log_activity_in<C: ConnectionTrait>(
    txn: &C,
    actor: &StaffActor,
    account_id: i64,
    req: CreateActivityRequest,
    now: DateTime<Utc>,
) -> AppResult<TimelineEvent> {
    actor.require(Role::STAFF)?;
    let mut c = validation::Collector::default();
    c.check(
        "summary",
        validation::required_text(&req.summary, MAX_SUMMARY_LEN),
    );
    if let Some(body) = &req.body {
        c.check("body", validation::optional_text(body, MAX_BODY_LEN));
    }
    let occurred_at = req.occurred_at.unwrap_or(now);
    if occurred_at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        c.fields
            .insert("occurred_at".into(), "must not be in the future".into());
    }
    accounts::find_in_workspace(txn, actor.workspace_id, account_id).await?;
    c.finish().map_err(AppError::validation)?;
    let row = record(
        txn,
        NewEvent {
            workspace_id: actor.workspace_id,
            account_id,
            kind: req.kind.timeline_kind(),
            occurred_at,
            actor_id: Some(actor.user_id),
            summary: req.summary.trim().to_string(),
            body: crate::domain::common::clean_optional(req.body),
            entity: None,
        },
        now,
    )
    .await?;
    let event = with_names(txn, actor.workspace_id, std::slice::from_ref(&row))
        .await?
        .remove(0);
    audit::record(
        txn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action: "create",
            entity_type: "account_activity",
            entity_id: event.id,
            before: None::<&TimelineEvent>,
            after: Some(&event),
        },
        now,
    )
    .await?;
    Ok(event)
}

fn encode_cursor(at: DateTime<Utc>, id: i64) -> String {
    crate::domain::common::pagination::encode_time_cursor("ev", at, id)
}

fn decode_cursor(cursor: &str) -> AppResult<(DateTime<Utc>, i64)> {
    crate::domain::common::pagination::decode_time_cursor(cursor, "ev")
}

/// The account's timeline, newest first.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    account_id: i64,
    page: PageQuery,
    now: DateTime<Utc>,
) -> AppResult<Timeline> {
    // The cursor is ours (time and id), so only the limit is read the usual way.
    let params = PageQuery {
        limit: page.limit,
        cursor: None,
    }
    .params()?;
    let after = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(decode_cursor(cursor)?),
        None => None,
    };
    accounts::find_in_workspace(&db.read, actor.workspace_id, account_id).await?;
    let mut query = account_events::Entity::find()
        .filter(account_events::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(account_events::Column::AccountId.eq(account_id))
        .order_by_desc(account_events::Column::OccurredAt)
        .order_by_desc(account_events::Column::Id)
        .limit(params.limit + 1);
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any()
                .add(account_events::Column::OccurredAt.lt(at))
                .add(
                    Condition::all()
                        .add(account_events::Column::OccurredAt.eq(at))
                        .add(account_events::Column::Id.lt(id)),
                ),
        );
    }
    let mut rows = query.all(&db.read).await?;
    let has_more = rows.len() as u64 > params.limit;
    rows.truncate(usize::try_from(params.limit).unwrap_or(usize::MAX));
    let next_cursor = if has_more {
        rows.last().map(|r| encode_cursor(r.occurred_at, r.id))
    } else {
        None
    };
    Ok(Timeline {
        items: with_names(&db.read, actor.workspace_id, &rows).await?,
        next_cursor,
        last_touchpoint_at: last_touchpoint(&db.read, actor.workspace_id, account_id, now).await?,
    })
}

/// The latest note, call or meeting, or the start of the latest training
/// held (not cancelled, already begun).
pub async fn last_touchpoint<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let activity = account_events::Entity::find()
        .filter(account_events::Column::WorkspaceId.eq(workspace_id))
        .filter(account_events::Column::AccountId.eq(account_id))
        .filter(account_events::Column::Kind.is_in([
            TimelineKind::Note.as_str(),
            TimelineKind::Call.as_str(),
            TimelineKind::Meeting.as_str(),
        ]))
        .order_by_desc(account_events::Column::OccurredAt)
        .one(conn)
        .await?
        .map(|e| e.occurred_at);
    let training = trainings::Entity::find()
        .filter(trainings::Column::WorkspaceId.eq(workspace_id))
        .filter(trainings::Column::AccountId.eq(account_id))
        .filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()))
        .filter(trainings::Column::StartsAt.lte(now))
        .order_by_desc(trainings::Column::StartsAt)
        .one(conn)
        .await?
        .map(|t| t.starts_at);
    Ok(activity.max(training))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use chrono::TimeZone;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 8, 30, 5).unwrap();
        assert_eq!(decode_cursor(&encode_cursor(at, 42)).unwrap(), (at, 42));
        for bad in ["!!", "aWQ6NDI", &URL_SAFE_NO_PAD.encode("ev:x:1")] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
