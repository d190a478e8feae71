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
use crate::entity::{accounts, contacts, trainings, users};
use crate::error::{AppError, AppResult};
use crate::mail::letter::greeting;
use crate::mail::{Letter, MailAttachment, Mailer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Invite,
    Update,
    Cancel,
}

/// The iCalendar UID of a session: the same for every version of it.
pub fn uid(training_id: i64, host: &str) -> String {
    format!("training-{training_id}@{host}")
}

pub(crate) use crate::domain::settings::time_zone;

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

fn letter(
    notice: Notice,
    t: &trainings::Model,
    account: &str,
    trainer: &str,
    name: &str,
    tz: Tz,
    locale: Locale,
) -> Letter {
    let topic = &t.topic;
    let time = when(t, tz);
    let place = t.location.clone().or_else(|| t.online_url.clone());
    let mut paragraphs = Vec::new();
    let (greeting, subject) = if locale == Locale::ZhCn {
        let (subject, lead) = match notice {
            Notice::Invite => (format!("培训邀请：{topic}"), "诚邀您参加以下培训："),
            Notice::Update => (format!("培训已更新：{topic}"), "以下培训的安排已更新："),
            Notice::Cancel => (format!("培训已取消：{topic}"), "以下培训已取消："),
        };
        paragraphs.push(format!("{lead}{account}「{topic}」"));
        paragraphs.push(format!("时间：{time}"));
        if let Some(place) = &place {
            paragraphs.push(format!("地点：{place}"));
        }
        paragraphs.push(format!("讲师：{trainer}"));
        if notice == Notice::Cancel {
            if let Some(reason) = &t.cancel_reason {
                paragraphs.push(format!("原因：{reason}"));
            }
        } else {
            paragraphs.push("附件中的日历文件（.ics）可将培训加入您的日历。".into());
        }
        (greeting(name, locale), subject)
    } else {
        let (subject, lead) = match notice {
            Notice::Invite => (
                format!("Training invitation: {topic}"),
                "You are invited to this training:",
            ),
            Notice::Update => (
                format!("Training updated: {topic}"),
                "This training has changed:",
            ),
            Notice::Cancel => (
                format!("Training cancelled: {topic}"),
                "This training is cancelled:",
            ),
        };
        paragraphs.push(format!("{lead} {account} \"{topic}\""));
        paragraphs.push(format!("When: {time}"));
        if let Some(place) = &place {
            paragraphs.push(format!("Where: {place}"));
        }
        paragraphs.push(format!("Trainer: {trainer}"));
        if notice == Notice::Cancel {
            if let Some(reason) = &t.cancel_reason {
                paragraphs.push(format!("Reason: {reason}"));
            }
        } else {
            paragraphs.push("The attached calendar file (.ics) adds it to your calendar.".into());
        }
        (greeting(name, locale), subject)
    };
    Letter {
        subject,
        greeting,
        paragraphs,
        ..Letter::default()
    }
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
        let letter = letter(
            notice,
            t,
            &account.name,
            &trainer.name,
            &contact.name,
            tz,
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
        if mailer.enqueue(conn, mail, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
