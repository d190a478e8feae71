//! The e-mails a session causes: an invitation (or update) with a
//! `METHOD:REQUEST` .ics, or a cancellation with `METHOD:CANCEL`, to each
//! attendee contact that has an e-mail address, in the language of the
//! contact's portal login (Chinese by default). Queued in the caller's
//! transaction; the dedupe key names session, SEQUENCE and contact.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::Locale;

use super::ends_at;
use super::ics::{self, Event, Method, Person};
use crate::domain::accounts::timeline::{mail_customer, CustomerMail};
use crate::entity::{accounts, contacts, trainings, users};
use crate::error::{AppError, AppResult};
use crate::mail::letters::training as training_letters;
use crate::mail::{MailAttachment, Mailer};

pub use crate::mail::letters::training::Notice;

/// The iCalendar UID of a session: the same for every version of it.
pub fn uid(training_id: i64, host: &str) -> String {
    format!("training-{training_id}@{host}")
}

pub(crate) use crate::domain::common::calendar::time_zone;

fn when(t: &trainings::Model, tz: Tz) -> String {
    let start = t.starts_at.with_timezone(&tz);
    let end = ends_at(t).with_timezone(&tz);
    let end_format = if start.date_naive() == end.date_naive() {
        "%H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    format!(
        "{}–{} ({})",
        start.format("%Y-%m-%d %H:%M"),
        end.format(end_format),
        tz.name()
    )
}

/// Queues the notice for each of `contact_ids` with an e-mail address;
/// returns how many mails were queued.
pub async fn send<C: ConnectionTrait>(
    conn: &C,
    mailer: &Mailer,
    t: &trainings::Model,
    notice: Notice,
    contact_ids: &[i64],
    now: DateTime<Utc>,
) -> AppResult<u64> {
    if contact_ids.is_empty() {
        return Ok(0);
    }
    let recipients = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(t.workspace_id))
        .filter(contacts::Column::Id.is_in(contact_ids.to_vec()))
        .filter(contacts::Column::Email.is_not_null())
        .all(conn)
        .await?;
    if recipients.is_empty() {
        return Ok(0);
    }
    let tz = time_zone(conn, t.workspace_id).await?;
    let trainer = users::Entity::find_by_id(t.trainer_id)
        .filter(users::Column::WorkspaceId.eq(t.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = accounts::Entity::find_by_id(t.account_id)
        .filter(accounts::Column::WorkspaceId.eq(t.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let portal_ids: Vec<i64> = recipients.iter().filter_map(|c| c.portal_user_id).collect();
    let locales: std::collections::HashMap<i64, Locale> = if portal_ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(t.workspace_id))
            .filter(users::Column::Id.is_in(portal_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.mail_locale()))
            .collect()
    };
    let method = match notice {
        Notice::Invite | Notice::Update => Method::Request,
        Notice::Cancel => Method::Cancel,
    };
    let uid = uid(t.id, mailer.host());
    let summary = format!("{} · {}", t.topic, account.name);
    let mut queued = 0;
    for contact in recipients {
        let Some(email) = contact
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        else {
            continue;
        };
        let locale = contact
            .portal_user_id
            .and_then(|id| locales.get(&id).copied())
            .unwrap_or(Locale::DEFAULT);
        let letter = training_letters::letter(
            notice,
            &training_letters::Session {
                topic: &t.topic,
                account: &account.name,
                trainer: &trainer.name,
                time: &when(t, tz),
                place: t.location.as_deref().or(t.online_url.as_deref()),
                cancel_reason: t.cancel_reason.as_deref(),
            },
            &contact.name,
            locale,
        );
        let description = letter.paragraphs.join("\n");
        let calendar = ics::calendar(
            method,
            &Event {
                uid: &uid,
                sequence: t.sequence,
                starts_at: t.starts_at,
                ends_at: ends_at(t),
                summary: &summary,
                description: &description,
                location: t.location.as_deref(),
                url: t.online_url.as_deref(),
                organizer: Person {
                    name: &trainer.name,
                    email: &trainer.email,
                },
                attendee: Person {
                    name: &contact.name,
                    email,
                },
                stamp: now,
            },
            tz,
        );
        let key = match notice {
            Notice::Invite | Notice::Update => {
                format!("training:{}:{}:{}", t.id, t.sequence, contact.id)
            }
            Notice::Cancel => format!("training:{}:{}:cancel:{}", t.id, t.sequence, contact.id),
        };
        let mut mail = letter.into_mail(Some(t.workspace_id), email.to_string(), Some(key));
        mail.attachment = Some(MailAttachment {
            name: if method == Method::Cancel {
                "cancel.ics".into()
            } else {
                "invite.ics".into()
            },
            content_type: method.content_type(),
            body: calendar,
        });
        let to = CustomerMail {
            account_id: t.account_id,
            actor_id: None,
            about: Some(("training", t.id)),
        };
        if mail_customer(conn, mailer, mail, None, to, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
