//! The `renewal-reminders` job: opens the renewals of contracts entering the
//! horizon, then e-mails each reminder exactly once.
//!
//! For each open renewal whose contract has not ended, the reminder due is
//! the latest offset whose day (end − offset) is today or has passed — so a
//! server that was down sends the one it missed most recently, once, and
//! not a burst of stale ones. It goes to the owner CSM (the managers when
//! the account has no active owner) and, when the workspace opts in, to the
//! account's customer_admin portal users, without the contract's amount. A
//! renewal still `upcoming` at the escalation point goes to the managers.
//!
//! Exactly once: each (contract, kind, offset, recipient) is a row of
//! `reminder_log` under a unique index, inserted with `ON CONFLICT DO
//! NOTHING` in the same transaction as the outbox row (whose dedupe key is
//! the same tuple). Each renewal is worked under a row lock (`FOR UPDATE`
//! on PostgreSQL; SQLite has one writer), so concurrent runs and replicas
//! queue each mail once; a crash before commit leaves nothing behind, and
//! the next run sends it. The outbox gives each mail its Message-ID when it
//! is queued, so retries keep it.
//!
//! Reaching an offset is also an integration event, `renewal.due_soon`,
//! once per renewal and offset whoever is mailed: its claim is a
//! `reminder_log` row of kind `due_soon` for nobody (recipient 0), written
//! under the same lock, index and transaction as the mails' claims, with
//! the event and its deliveries ([`events::emit`]). The claim is written
//! even when no webhook or chat bot listens, so one subscribed later hears
//! of the next offset, not of one reached before.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use shared::contracts::RenewalStage;
use shared::Role;

use crate::domain::accounts::timeline::{mail_customer, CustomerMail};
use crate::domain::integrations::events;
use crate::domain::renewals::reminders;

use crate::domain::renewals as renewals_domain;
use crate::entity::{accounts, contacts, contracts, reminder_log, renewals, users};
use crate::error::AppResult;
use crate::mail::letters::renewals::{customer_letter, escalation_letter, reminder_letter};
use crate::state::AppState;

pub const REMINDER: &str = "reminder";
pub const ESCALATION: &str = "escalation";
/// The claim of a `renewal.due_soon` event; its recipient is [`NOBODY`].
pub const DUE_SOON: &str = "due_soon";
pub const NOBODY: i64 = 0;

#[derive(Debug, Default, Serialize)]
pub struct RenewalRemindersReport {
    pub workspaces: u64,
    pub renewals_opened: u64,
    /// Reminder mails queued by this run (owner CSMs and customer admins).
    pub reminders: u64,
    /// Escalation mails queued by this run (managers).
    pub escalations: u64,
    /// Renewals that reached a reminder offset in this run: one
    /// `renewal.due_soon` event each (for whoever listens).
    pub due_soon: u64,
}

/// One mail to queue: what, for which contract, to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    contract_id: i64,
    kind: &'static str,
    offset: i32,
    recipient: i64,
}

impl Key {
    fn dedupe_key(&self) -> String {
        format!(
            "renewal:{}:{}:{}:{}",
            self.contract_id, self.kind, self.offset, self.recipient
        )
    }
}

/// Runs over every workspace with contracts, or only `workspace` when given.
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<RenewalRemindersReport> {
    let mut report = RenewalRemindersReport::default();
    let mut query = contracts::Entity::find()
        .select_only()
        .column(contracts::Column::WorkspaceId)
        .distinct();
    if let Some(id) = workspace {
        query = query.filter(contracts::Column::WorkspaceId.eq(id));
    }
    let workspaces: Vec<i64> = query.into_tuple().all(&state.db.read).await?;
    for workspace_id in workspaces {
        report.workspaces += 1;
        run_workspace(state, workspace_id, now, &mut report).await?;
    }
    if report.reminders + report.escalations > 0 {
        state.mailer.kick();
    }
    if report.due_soon > 0 {
        state.integrations.kick();
    }
    Ok(report)
}

/// The reminder offset due for a contract ending on `due_on`: the smallest
/// offset whose day has come (the most recent one), if the end is not past.
fn due_offset(offsets: &[i32], due_on: NaiveDate, today: NaiveDate) -> Option<i32> {
    if due_on < today {
        return None;
    }
    offsets
        .iter()
        .copied()
        .filter(|o| due_on - Duration::days(i64::from(*o)) <= today)
        .min()
}

async fn staff_with_role<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    role: Role,
) -> AppResult<Vec<i64>> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Active.eq(true))
        .into_tuple()
        .all(conn)
        .await?)
}

async fn run_workspace(
    state: &AppState,
    workspace_id: i64,
    now: DateTime<Utc>,
    report: &mut RenewalRemindersReport,
) -> AppResult<()> {
    for mails in due(state, workspace_id, now, report).await? {
        let txn = state.db.write.begin().await?;
        queue(state, &txn, &mails, now, report).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// The mails (and the `renewal.due_soon` event) one renewal is due today,
/// found by [`due`]; [`queue`] claims and queues them.
#[derive(Debug, Clone)]
pub struct DueMails {
    renewal: renewals::Model,
    keys: Vec<Key>,
    today: NaiveDate,
}

impl DueMails {
    /// How many mails (recipients × kinds; the event is none).
    pub fn len(&self) -> usize {
        self.keys.iter().filter(|k| k.kind != DUE_SOON).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Opens the workspace's renewals entering the horizon, then finds, per
/// renewal, the reminders and escalations due today that the log does not
/// hold yet. Writes nothing else: the claims happen in [`queue`].
pub async fn due(
    state: &AppState,
    workspace_id: i64,
    now: DateTime<Utc>,
    report: &mut RenewalRemindersReport,
) -> AppResult<Vec<DueMails>> {
    let db = &state.db;
    let settings = reminders::load(&db.read, workspace_id).await?;
    let today = crate::domain::common::calendar::today(&db.read, workspace_id, now).await?;
    report.renewals_opened +=
        renewals_domain::open_due(db, workspace_id, today, settings.renewal_horizon_days, now)
            .await?;

    let reach = settings
        .offsets_days
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(settings.escalation_days);
    let open: Vec<&str> = RenewalStage::OPEN.iter().map(|s| s.as_str()).collect();
    let candidates = renewals::Entity::find()
        .filter(renewals::Column::WorkspaceId.eq(workspace_id))
        .filter(renewals::Column::Stage.is_in(open))
        .filter(renewals::Column::DueOn.gte(today))
        .filter(renewals::Column::DueOn.lte(today + Duration::days(i64::from(reach))))
        .all(&db.read)
        .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }

    // Who would hear of each candidate.
    let mut managers = staff_with_role(&db.read, workspace_id, Role::Manager).await?;
    if managers.is_empty() {
        managers = staff_with_role(&db.read, workspace_id, Role::Admin).await?;
    }
    let account_ids: Vec<i64> = candidates
        .iter()
        .map(|r| r.account_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut owners: HashMap<i64, Option<i64>> = HashMap::new();
    let mut customer_admins: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in account_ids.chunks(500) {
        for (id, owner) in accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .column(accounts::Column::OwnerId)
            .filter(accounts::Column::WorkspaceId.eq(workspace_id))
            .filter(accounts::Column::Id.is_in(chunk.to_vec()))
            .into_tuple::<(i64, Option<i64>)>()
            .all(&db.read)
            .await?
        {
            owners.insert(id, owner);
        }
        if settings.notify_customer {
            let linked: Vec<(i64, Option<i64>)> = contacts::Entity::find()
                .select_only()
                .column(contacts::Column::AccountId)
                .column(contacts::Column::PortalUserId)
                .filter(contacts::Column::WorkspaceId.eq(workspace_id))
                .filter(contacts::Column::AccountId.is_in(chunk.to_vec()))
                .filter(contacts::Column::Archived.eq(false))
                .filter(contacts::Column::PortalUserId.is_not_null())
                .into_tuple()
                .all(&db.read)
                .await?;
            let user_ids: Vec<i64> = linked.iter().filter_map(|(_, u)| *u).collect();
            let admins: HashSet<i64> = users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .filter(users::Column::WorkspaceId.eq(workspace_id))
                .filter(users::Column::Id.is_in(user_ids))
                .filter(users::Column::Role.eq(Role::CustomerAdmin.as_str()))
                .filter(users::Column::Active.eq(true))
                .into_tuple::<i64>()
                .all(&db.read)
                .await?
                .into_iter()
                .collect();
            for (account_id, user_id) in linked {
                if let Some(u) = user_id.filter(|u| admins.contains(u)) {
                    customer_admins.entry(account_id).or_default().push(u);
                }
            }
        }
    }
    let active_staff: HashSet<i64> = {
        let owner_ids: Vec<i64> = owners.values().filter_map(|o| *o).collect();
        let mut set = HashSet::new();
        for chunk in owner_ids.chunks(500) {
            set.extend(
                users::Entity::find()
                    .select_only()
                    .column(users::Column::Id)
                    .filter(users::Column::WorkspaceId.eq(workspace_id))
                    .filter(users::Column::Id.is_in(chunk.to_vec()))
                    .filter(users::Column::Active.eq(true))
                    .into_tuple::<i64>()
                    .all(&db.read)
                    .await?,
            );
        }
        set
    };

    let mut wanted: Vec<(renewals::Model, Vec<Key>)> = Vec::new();
    for renewal in candidates {
        let mut keys = Vec::new();
        if let Some(offset) = due_offset(&settings.offsets_days, renewal.due_on, today) {
            keys.push(Key {
                contract_id: renewal.contract_id,
                kind: DUE_SOON,
                offset,
                recipient: NOBODY,
            });
            let owner = owners
                .get(&renewal.account_id)
                .copied()
                .flatten()
                .filter(|o| active_staff.contains(o));
            let staff: Vec<i64> = match owner {
                Some(o) => vec![o],
                None => managers.clone(),
            };
            let customers = customer_admins
                .get(&renewal.account_id)
                .cloned()
                .unwrap_or_default();
            for recipient in staff.into_iter().chain(customers) {
                keys.push(Key {
                    contract_id: renewal.contract_id,
                    kind: REMINDER,
                    offset,
                    recipient,
                });
            }
        }
        let escalation_day = renewal.due_on - Duration::days(i64::from(settings.escalation_days));
        if renewal.stage == RenewalStage::Upcoming.as_str() && escalation_day <= today {
            for manager in &managers {
                keys.push(Key {
                    contract_id: renewal.contract_id,
                    kind: ESCALATION,
                    offset: settings.escalation_days,
                    recipient: *manager,
                });
            }
        }
        if !keys.is_empty() {
            wanted.push((renewal, keys));
        }
    }

    // Leave out what the log says went out already; the rest is claimed
    // under the unique key below, so a race here only costs a no-op.
    let mut done: HashSet<Key> = HashSet::new();
    let contract_ids: Vec<i64> = wanted.iter().map(|(r, _)| r.contract_id).collect();
    for chunk in contract_ids.chunks(500) {
        for row in reminder_log::Entity::find()
            .filter(reminder_log::Column::ContractId.is_in(chunk.to_vec()))
            .all(&db.read)
            .await?
        {
            let kind = match row.kind.as_str() {
                ESCALATION => ESCALATION,
                DUE_SOON => DUE_SOON,
                _ => REMINDER,
            };
            done.insert(Key {
                contract_id: row.contract_id,
                kind,
                offset: row.offset_days,
                recipient: row.recipient_id,
            });
        }
    }
    Ok(wanted
        .into_iter()
        .filter_map(|(renewal, keys)| {
            let missing: Vec<Key> = keys.into_iter().filter(|k| !done.contains(k)).collect();
            (!missing.is_empty()).then_some(DueMails {
                renewal,
                keys: missing,
                today,
            })
        })
        .collect())
}

/// Claims and queues the mails of one renewal inside the caller's
/// transaction: each claim (a `reminder_log` row) and its outbox row (or,
/// for `renewal.due_soon`, the event and its deliveries) are written on
/// `txn`, so they commit together or not at all. The job runs each renewal
/// in a transaction of its own.
pub async fn queue<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    mails: &DueMails,
    now: DateTime<Utc>,
    report: &mut RenewalRemindersReport,
) -> AppResult<()> {
    let DueMails {
        renewal: candidate,
        keys,
        today,
    } = mails;
    let today = *today;
    // Serialises concurrent runs on this renewal; re-read under the lock.
    let Some(renewal) = renewals::Entity::find_by_id(candidate.id)
        .lock_exclusive()
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let still_open = renewal
        .stage
        .parse::<RenewalStage>()
        .is_ok_and(|s| s.is_open());
    if !still_open || renewal.due_on != candidate.due_on {
        // Renewed, churned or moved meanwhile: the next run decides afresh.
        return Ok(());
    }
    let upcoming = renewal.stage == RenewalStage::Upcoming.as_str();
    let Some(contract) = contracts::Entity::find_by_id(renewal.contract_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let Some(account) = accounts::Entity::find_by_id(renewal.account_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let recipient_ids: Vec<i64> = keys.iter().map(|k| k.recipient).collect();
    let recipients: HashMap<i64, users::Model> = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(renewal.workspace_id))
        .filter(users::Column::Id.is_in(recipient_ids))
        .filter(users::Column::Active.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let days_left = (renewal.due_on - today).num_days();
    for key in keys {
        if key.kind == DUE_SOON {
            if claim(txn, renewal.workspace_id, key, now).await? {
                events::emit(
                    txn,
                    renewal.workspace_id,
                    shared::integrations::EventType::RenewalDueSoon,
                    serde_json::json!({
                        "renewal": renewals_domain::event_json(&renewal),
                        "account": events::account_json(&account),
                        "contract": renewals_domain::contracts::event_json(&contract),
                        "due_on": renewal.due_on,
                        "days_left": days_left,
                        "offset_days": key.offset,
                    }),
                    now,
                )
                .await?;
                report.due_soon += 1;
            }
            continue;
        }
        if key.kind == ESCALATION && !upcoming {
            continue;
        }
        let Some(user) = recipients.get(&key.recipient) else {
            continue;
        };
        if !claim(txn, renewal.workspace_id, key, now).await? {
            continue;
        }
        let locale = user.mail_locale();
        let is_customer = user.role.parse::<Role>().is_ok_and(|r| r.is_portal());
        let letter = if key.kind == ESCALATION {
            escalation_letter(
                &account.name,
                &contract,
                days_left,
                &user.name,
                locale,
                state,
            )
        } else if is_customer {
            customer_letter(&account.name, &contract, days_left, &user.name, locale)
        } else {
            reminder_letter(
                &account.name,
                &contract,
                days_left,
                &user.name,
                locale,
                state,
            )
        };
        let mail = letter.into_mail(
            Some(renewal.workspace_id),
            user.email.clone(),
            Some(key.dedupe_key()),
        );
        let queued = if is_customer {
            let to = CustomerMail {
                account_id: renewal.account_id,
                actor_id: None,
                about: Some(("renewal", renewal.id)),
            };
            mail_customer(txn, &state.mailer, mail, None, to, now).await?
        } else {
            state.mailer.enqueue(txn, mail, now).await?
        };
        if queued {
            if key.kind == ESCALATION {
                report.escalations += 1;
            } else {
                report.reminders += 1;
            }
        }
    }
    Ok(())
}

/// Writes the `reminder_log` row of `key` unless it exists: whether this
/// call claimed it (and so queues its mail or event).
async fn claim<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    key: &Key,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    match reminder_log::Entity::insert(reminder_log::ActiveModel {
        workspace_id: Set(workspace_id),
        contract_id: Set(key.contract_id),
        kind: Set(key.kind.to_string()),
        offset_days: Set(key.offset),
        recipient_id: Set(key.recipient),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            reminder_log::Column::ContractId,
            reminder_log::Column::Kind,
            reminder_log::Column::OffsetDays,
            reminder_log::Column::RecipientId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await
    {
        Ok(rows) => Ok(rows > 0),
        Err(sea_orm::DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_due_offset_is_the_latest_one_reached() {
        let offsets = [90, 60, 30, 7];
        let end = d(2027, 6, 30);
        assert_eq!(due_offset(&offsets, end, end - Duration::days(91)), None);
        assert_eq!(
            due_offset(&offsets, end, end - Duration::days(90)),
            Some(90)
        );
        assert_eq!(
            due_offset(&offsets, end, end - Duration::days(61)),
            Some(90)
        );
        // Back after a gap: only the most recent missed offset.
        assert_eq!(
            due_offset(&offsets, end, end - Duration::days(20)),
            Some(30)
        );
        assert_eq!(due_offset(&offsets, end, end), Some(7));
        assert_eq!(due_offset(&offsets, end, end + Duration::days(1)), None);
    }
}
