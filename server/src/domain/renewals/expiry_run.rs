//! The `expiry-reminders` job: service agreements and licences ending in
//! 60, 30 and 7 days remind the account's owner (the managers when it has
//! no active owner) and the customer's admins, each exactly once.
//!
//! As with renewal reminders, the reminder due is the latest offset whose
//! day has come, so a server that was down sends the one it missed most
//! recently, once. An agreement another agreement of the account already
//! follows (renewed) reminds nobody. Exactly once: each (subject, end date,
//! offset, recipient) is a row of `expiry_reminder_log` under a unique
//! index, inserted with `ON CONFLICT DO NOTHING` in the same transaction as
//! the outbox row, whose dedupe key is the same tuple; the subject is
//! re-read under a row lock first, so a moved end date or a concurrent
//! run on another replica queues nothing twice. The end date is part of
//! the key: an agreement renewed by extending it is reminded again before
//! its new end.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use shared::Role;

use crate::domain::accounts::contacts::owner_and_customer_admins;
use crate::domain::accounts::timeline::{mail_customer, CustomerMail};
use crate::entity::{accounts, expiry_reminder_log, licenses, service_agreements};
use crate::error::AppResult;
use crate::mail::letters::expiry::{customer_letter, staff_letter, Ending, Expiry};
use crate::state::AppState;

/// Days before the end at which each reminder goes out.
pub const OFFSETS_DAYS: [i32; 3] = [60, 30, 7];

pub const AGREEMENT: &str = "agreement";
pub const LICENSE: &str = "license";

#[derive(Debug, Default, Serialize)]
pub struct ExpiryRemindersReport {
    pub workspaces: u64,
    /// Agreement reminders queued by this run (staff and customers).
    pub agreements: u64,
    /// Licence reminders queued by this run (staff and customers).
    pub licenses: u64,
}

/// One subject ending: what, whose, when.
#[derive(Debug, Clone)]
struct Subject {
    kind: &'static str,
    id: i64,
    account_id: i64,
    ends_on: NaiveDate,
}

/// The latest offset whose day has come, if the end is not past.
fn due_offset(ends_on: NaiveDate, today: NaiveDate) -> Option<i32> {
    if ends_on < today {
        return None;
    }
    OFFSETS_DAYS
        .iter()
        .copied()
        .filter(|o| ends_on - Duration::days(i64::from(*o)) <= today)
        .min()
}

fn dedupe_key(s: &Subject, offset: i32, recipient: i64) -> String {
    format!(
        "expiry:{}:{}:{}:{offset}:{recipient}",
        s.kind, s.id, s.ends_on
    )
}

/// Runs over every workspace with agreements or licences, or only
/// `workspace` when given.
pub async fn run(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<ExpiryRemindersReport> {
    let mut report = ExpiryRemindersReport::default();
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    let mut q1 = service_agreements::Entity::find()
        .select_only()
        .column(service_agreements::Column::WorkspaceId)
        .distinct();
    let mut q2 = licenses::Entity::find()
        .select_only()
        .column(licenses::Column::WorkspaceId)
        .filter(licenses::Column::ExpiresOn.is_not_null())
        .distinct();
    if let Some(id) = workspace {
        q1 = q1.filter(service_agreements::Column::WorkspaceId.eq(id));
        q2 = q2.filter(licenses::Column::WorkspaceId.eq(id));
    }
    ids.extend(q1.into_tuple::<i64>().all(&state.db.read).await?);
    ids.extend(q2.into_tuple::<i64>().all(&state.db.read).await?);
    for workspace_id in ids {
        report.workspaces += 1;
        run_workspace(state, workspace_id, now, &mut report).await?;
    }
    if report.agreements + report.licenses > 0 {
        state.mailer.kick();
    }
    Ok(report)
}

async fn run_workspace(
    state: &AppState,
    workspace_id: i64,
    now: DateTime<Utc>,
    report: &mut ExpiryRemindersReport,
) -> AppResult<()> {
    let db = &state.db;
    let today = crate::domain::common::calendar::today(&db.read, workspace_id, now).await?;
    let reach = today + Duration::days(i64::from(OFFSETS_DAYS[0]));
    let mut subjects: Vec<Subject> = Vec::new();
    let agreements = service_agreements::Entity::find()
        .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
        .filter(service_agreements::Column::EndsOn.gte(today))
        .filter(service_agreements::Column::EndsOn.lte(reach))
        .all(&db.read)
        .await?;
    // An agreement another one of its account follows (renewed) reminds
    // nobody; the accounts' agreements are read in one query.
    let account_ids: Vec<i64> = agreements
        .iter()
        .map(|a| a.account_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_account: HashMap<i64, Vec<service_agreements::Model>> = HashMap::new();
    for chunk in account_ids.chunks(500) {
        for a in service_agreements::Entity::find()
            .filter(service_agreements::Column::WorkspaceId.eq(workspace_id))
            .filter(service_agreements::Column::AccountId.is_in(chunk.to_vec()))
            .all(&db.read)
            .await?
        {
            by_account.entry(a.account_id).or_default().push(a);
        }
    }
    for a in &agreements {
        let followed = by_account.get(&a.account_id).is_some_and(|list| {
            list.iter().any(|n| {
                n.id != a.id
                    && n.starts_on <= a.ends_on + Duration::days(1)
                    && n.ends_on > a.ends_on
            })
        });
        if !followed {
            subjects.push(Subject {
                kind: AGREEMENT,
                id: a.id,
                account_id: a.account_id,
                ends_on: a.ends_on,
            });
        }
    }
    for l in licenses::Entity::find()
        .filter(licenses::Column::WorkspaceId.eq(workspace_id))
        .filter(licenses::Column::ExpiresOn.gte(today))
        .filter(licenses::Column::ExpiresOn.lte(reach))
        .all(&db.read)
        .await?
    {
        if let Some(ends_on) = l.expires_on {
            subjects.push(Subject {
                kind: LICENSE,
                id: l.id,
                account_id: l.account_id,
                ends_on,
            });
        }
    }
    subjects.retain(|s| due_offset(s.ends_on, today).is_some());
    if subjects.is_empty() {
        return Ok(());
    }
    for subject in subjects {
        let Some(offset) = due_offset(subject.ends_on, today) else {
            continue;
        };
        let txn = db.write.begin().await?;
        let queued = queue(state, &txn, &subject, offset, today, now).await?;
        txn.commit().await?;
        match subject.kind {
            AGREEMENT => report.agreements += queued,
            _ => report.licenses += queued,
        }
    }
    Ok(())
}

/// Claims and queues one subject's reminders at `offset`, in `txn`:
/// re-reads the subject under a row lock (its end may have moved), then
/// each recipient's claim and mail commit together.
async fn queue<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    subject: &Subject,
    offset: i32,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    // What ends, re-read under the lock.
    let (ends_on, ending_text): (Option<NaiveDate>, (String, Option<String>)) = match subject.kind {
        AGREEMENT => {
            let row = service_agreements::Entity::find_by_id(subject.id)
                .lock_exclusive()
                .one(txn)
                .await?;
            (
                row.as_ref().map(|a| a.ends_on),
                (row.map(|a| a.level).unwrap_or_default(), None),
            )
        }
        _ => {
            let row = licenses::Entity::find_by_id(subject.id)
                .lock_exclusive()
                .one(txn)
                .await?;
            (
                row.as_ref().and_then(|l| l.expires_on),
                row.map(|l| (l.edition, Some(l.dongle_serial)))
                    .unwrap_or_default(),
            )
        }
    };
    if ends_on != Some(subject.ends_on) {
        return Ok(0);
    }
    let ending = match &ending_text {
        (level, None) => Ending::Agreement { level },
        (edition, Some(serial)) => Ending::License { edition, serial },
    };
    let Some(account) = accounts::Entity::find_by_id(subject.account_id)
        .one(txn)
        .await?
    else {
        return Ok(0);
    };
    let people = owner_and_customer_admins(txn, &account).await?;
    let days_left = (subject.ends_on - today).num_days();
    let mut queued = 0;
    for user in &people {
        let recipient = user.id;
        if !claim(txn, account.workspace_id, subject, offset, recipient, now).await? {
            continue;
        }
        let locale = user.mail_locale();
        let is_customer = user.role.parse::<Role>().is_ok_and(|r| r.is_portal());
        let expiry = Expiry {
            ending,
            account: &account.name,
            ends_on: subject.ends_on,
            days_left,
        };
        let letter = if is_customer {
            customer_letter(expiry, &user.name, locale)
        } else {
            staff_letter(expiry, account.id, &user.name, locale, state)
        };
        let mail = letter.into_mail(
            Some(account.workspace_id),
            user.email.clone(),
            Some(dedupe_key(subject, offset, recipient)),
        );
        let sent = if is_customer {
            let to = CustomerMail {
                account_id: account.id,
                actor_id: None,
                about: Some((subject.kind, subject.id)),
            };
            mail_customer(txn, &state.mailer, mail, None, to, now).await?
        } else {
            state.mailer.enqueue(txn, mail, now).await?
        };
        if sent {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Writes the log row of this reminder unless it exists: whether this call
/// claimed it (and so queues its mail).
async fn claim<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    subject: &Subject,
    offset: i32,
    recipient: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    match expiry_reminder_log::Entity::insert(expiry_reminder_log::ActiveModel {
        workspace_id: Set(workspace_id),
        account_id: Set(subject.account_id),
        subject_type: Set(subject.kind.to_string()),
        subject_id: Set(subject.id),
        due_on: Set(subject.ends_on),
        offset_days: Set(offset),
        recipient_id: Set(recipient),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            expiry_reminder_log::Column::SubjectType,
            expiry_reminder_log::Column::SubjectId,
            expiry_reminder_log::Column::DueOn,
            expiry_reminder_log::Column::OffsetDays,
            expiry_reminder_log::Column::RecipientId,
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

    #[test]
    fn the_due_offset_is_the_latest_reached() {
        let end = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        assert_eq!(due_offset(end, end - Duration::days(61)), None);
        assert_eq!(due_offset(end, end - Duration::days(60)), Some(60));
        assert_eq!(due_offset(end, end - Duration::days(31)), Some(60));
        assert_eq!(due_offset(end, end - Duration::days(8)), Some(30));
        assert_eq!(due_offset(end, end), Some(7));
        assert_eq!(due_offset(end, end + Duration::days(1)), None);
    }
}
