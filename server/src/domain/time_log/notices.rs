//! The 80 % and 100 % notices of a package: to the account's owner (the
//! managers when it has no active owner) and to the account's customer
//! admins, each once per package and threshold, in the recipient's
//! language.
//!
//! Exactly once: each (package, threshold, recipient) is a row of
//! `package_notices` under a unique index, inserted with `ON CONFLICT DO
//! NOTHING` in the transaction of the change that crossed the threshold,
//! together with the queued mail (whose outbox dedupe key is the same
//! tuple). The change holds the account's lock, so a second writer waits
//! and then finds the claim. A package that falls back below a threshold
//! (an entry deleted) and crosses it again is not announced again.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::time_log::{Package, NOTICE_THRESHOLDS};
use shared::Role;

use crate::domain::accounts::timeline::{mail_customer, CustomerMail};
use crate::entity::{accounts, package_notices, time_packages};
use crate::error::AppResult;
use crate::mail::letters::time_log::{
    customer_package_letter, staff_package_letter, PackageFigures,
};
use crate::state::AppState;

/// The thresholds `used` of `capacity` has reached.
pub fn reached(used: i64, capacity: i64) -> Vec<i32> {
    if capacity <= 0 {
        return Vec::new();
    }
    NOTICE_THRESHOLDS
        .into_iter()
        .filter(|t| used * 100 >= capacity * i64::from(*t))
        .collect()
}

fn dedupe_key(package_id: i64, threshold: i32, recipient: i64) -> String {
    format!("package:{package_id}:{threshold}:{recipient}")
}

/// Claims and queues, in the caller's transaction, the notices the
/// account's packages (as [`super::consumption::recompute`] left them)
/// have reached and nobody was sent yet. Returns how many mails it queued.
pub async fn notify_reached<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    account: &accounts::Model,
    packages: &[time_packages::Model],
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let due: Vec<(&time_packages::Model, i32)> = packages
        .iter()
        .flat_map(|p| {
            reached(p.used_minutes, Package::capacity(p.days))
                .into_iter()
                .map(move |t| (p, t))
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = due.iter().map(|(p, _)| p.id).collect();
    let done: HashSet<(i64, i32, i64)> = package_notices::Entity::find()
        .filter(package_notices::Column::PackageId.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|n| (n.package_id, n.threshold, n.recipient_id))
        .collect();
    let people = crate::domain::accounts::contacts::owner_and_customer_admins(txn, account).await?;
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let mut queued = 0;
    for (package, threshold) in due {
        for user in &people {
            if done.contains(&(package.id, threshold, user.id)) {
                continue;
            }
            if !claim(
                txn,
                account.workspace_id,
                package.id,
                threshold,
                user.id,
                now,
            )
            .await?
            {
                continue;
            }
            let figures = PackageFigures {
                account: &account.name,
                package: &package.name,
                threshold,
                used_minutes: package.used_minutes,
                capacity_minutes: Package::capacity(package.days),
            };
            let locale = user.mail_locale();
            let is_customer = user.role.parse::<Role>().is_ok_and(|r| r.is_portal());
            let key = Some(dedupe_key(package.id, threshold, user.id));
            let sent = if is_customer {
                let letter = customer_package_letter(
                    &figures,
                    &user.name,
                    locale,
                    format!("{base}/portal/time"),
                );
                let mail = letter.into_mail(Some(account.workspace_id), user.email.clone(), key);
                let to = CustomerMail {
                    account_id: account.id,
                    actor_id: None,
                    about: Some(("time_package", package.id)),
                };
                mail_customer(txn, &state.mailer, mail, None, to, now).await?
            } else {
                let url = format!("{base}/accounts/{}", account.id);
                let letter = staff_package_letter(&figures, &user.name, locale, url);
                let mail = letter.into_mail(Some(account.workspace_id), user.email.clone(), key);
                state.mailer.enqueue(txn, mail, now).await?
            };
            if sent {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Writes the claim unless it exists: whether this call claimed it.
async fn claim<C: ConnectionTrait>(
    txn: &C,
    workspace_id: i64,
    package_id: i64,
    threshold: i32,
    recipient_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    match package_notices::Entity::insert(package_notices::ActiveModel {
        workspace_id: Set(workspace_id),
        package_id: Set(package_id),
        threshold: Set(threshold),
        recipient_id: Set(recipient_id),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            package_notices::Column::PackageId,
            package_notices::Column::Threshold,
            package_notices::Column::RecipientId,
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
    fn thresholds_are_reached_at_80_and_100_percent() {
        assert!(reached(383, 480).is_empty());
        assert_eq!(reached(384, 480), vec![80]);
        assert_eq!(reached(480, 480), vec![80, 100]);
        assert_eq!(reached(900, 480), vec![80, 100]);
        assert!(reached(0, 0).is_empty());
    }
}
