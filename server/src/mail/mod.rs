//! Outgoing e-mail. Mail is first written to the `email_outbox` table in the
//! same transaction as the change that causes it, then delivered by a worker
//! (woken at once, and by the `email-outbox` job) through SMTP when
//! `STEWARD_SMTP_URL` is set, or as .eml files under `data/outbox` otherwise.
//! A row is claimed with a conditional update before sending, so two workers
//! or replicas never send the same row twice.

pub mod letter;
pub mod templates;

pub use letter::Letter;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::Notify;

use crate::config::Config;
use crate::db::Db;
use crate::entity::email_outbox;

/// A message to be queued.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub workspace_id: Option<i64>,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    /// The same content as HTML; with it the mail is multipart/alternative.
    pub body_html: Option<String>,
    /// A key that makes the message go out at most once.
    pub dedupe_key: Option<String>,
    /// One attached file; with it the mail is multipart/mixed.
    pub attachment: Option<MailAttachment>,
}

/// A text file sent with a mail, e.g. a training's `invite.ics`.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub name: String,
    /// The full MIME type, e.g. `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    pub body: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    from: Mailbox,
    message_id_domain: String,
    notify: Notify,
}

const MAX_ATTEMPTS: i32 = 8;
/// Back-off after the `attempts`-th failure: 30 s, 1 min, 2 min, … up to 1 h.
pub fn retry_delay(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 8) - 1;
    chrono::Duration::seconds((30i64 << exponent).min(3600))
}

/// A row left `sending` this long (a crash mid-send) is tried again.
const STALE_CLAIM: chrono::Duration = chrono::Duration::minutes(10);

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Mailer> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| "invalid STEWARD_SMTP_URL (expected smtp://host:port)")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                let dir = config.data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Transport::File(AsyncFileTransport::new(dir))
            }
        };
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("invalid mail_from '{}'", config.mail_from))?;
        let message_id_domain = config
            .public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or("steward.local")
            .to_string();
        Ok(Mailer {
            inner: Arc::new(Inner {
                transport,
                from,
                message_id_domain,
                notify: Notify::new(),
            }),
        })
    }

    /// Queues a message inside the caller's transaction. Returns `false` when
    /// a message with the same dedupe key was queued before.
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        conn: &C,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let row = email_outbox::ActiveModel {
            workspace_id: Set(mail.workspace_id),
            dedupe_key: Set(mail.dedupe_key.clone()),
            message_id: Set(format!(
                "<{}@{}>",
                uuid::Uuid::new_v4(),
                self.inner.message_id_domain
            )),
            to_addr: Set(mail.to),
            subject: Set(mail.subject),
            body_text: Set(mail.body_text),
            body_html: Set(mail.body_html),
            attachment_name: Set(mail.attachment.as_ref().map(|a| a.name.clone())),
            attachment_type: Set(mail.attachment.as_ref().map(|a| a.content_type.clone())),
            attachment_body: Set(mail.attachment.map(|a| a.body)),
            status: Set("pending".into()),
            attempts: Set(0),
            created_at: Set(now),
            ..Default::default()
        };
        let mut insert = email_outbox::Entity::insert(row);
        if mail.dedupe_key.is_some() {
            insert = insert.on_conflict(
                sea_orm::sea_query::OnConflict::column(email_outbox::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            );
        }
        match insert.exec_without_returning(conn).await {
            Ok(rows) => Ok(rows > 0),
            Err(sea_orm::DbErr::RecordNotInserted) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The host name of our public URL (message ids, iCalendar UIDs).
    pub fn host(&self) -> &str {
        &self.inner.message_id_domain
    }

    /// Wakes the delivery worker (call after the transaction commits).
    pub fn kick(&self) {
        self.inner.notify.notify_one();
    }

    /// Delivers every pending message; returns how many were sent. The time
    /// is read from `clock` at each step, never held across a long run: a
    /// claim stamped with a stale time could look abandoned to another
    /// worker and be sent twice.
    pub async fn deliver_pending(
        &self,
        db: &Db,
        clock: &dyn crate::clock::Clock,
    ) -> anyhow::Result<usize> {
        let now = clock.now();
        // Messages stuck in `sending` after a crash get another chance.
        email_outbox::Entity::update_many()
            .col_expr(email_outbox::Column::Status, Expr::value("pending"))
            .filter(email_outbox::Column::Status.eq("sending"))
            .filter(email_outbox::Column::ClaimedAt.lt(now - STALE_CLAIM))
            .exec(&db.write)
            .await?;

        let mut sent = 0;
        loop {
            let now = clock.now();
            let batch = email_outbox::Entity::find()
                .filter(email_outbox::Column::Status.eq("pending"))
                .filter(
                    sea_orm::Condition::any()
                        .add(email_outbox::Column::NextAttemptAt.is_null())
                        .add(email_outbox::Column::NextAttemptAt.lte(now)),
                )
                .order_by_asc(email_outbox::Column::Id)
                .limit(50)
                .all(&db.write)
                .await?;
            if batch.is_empty() {
                break;
            }
            let mut progressed = false;
            for row in batch {
                let now = clock.now();
                // Claim: only one worker flips pending → sending.
                let claimed = email_outbox::Entity::update_many()
                    .col_expr(email_outbox::Column::Status, Expr::value("sending"))
                    .col_expr(email_outbox::Column::ClaimedAt, Expr::value(now))
                    .filter(email_outbox::Column::Id.eq(row.id))
                    .filter(email_outbox::Column::Status.eq("pending"))
                    .exec(&db.write)
                    .await?;
                if claimed.rows_affected != 1 {
                    continue;
                }
                progressed = true;
                let result = self.send(&row).await;
                let now = clock.now();
                let attempts = row.attempts + 1;
                let update = match &result {
                    Ok(()) => email_outbox::ActiveModel {
                        id: Set(row.id),
                        status: Set("sent".into()),
                        attempts: Set(attempts),
                        sent_at: Set(Some(now)),
                        last_error: Set(None),
                        ..Default::default()
                    },
                    Err(e) => {
                        tracing::warn!(outbox_id = row.id, error = %e, "sending mail failed");
                        email_outbox::ActiveModel {
                            id: Set(row.id),
                            status: Set(if attempts >= MAX_ATTEMPTS {
                                "failed".into()
                            } else {
                                "pending".into()
                            }),
                            attempts: Set(attempts),
                            last_error: Set(Some(format!("{e:#}"))),
                            next_attempt_at: Set(Some(now + retry_delay(attempts))),
                            ..Default::default()
                        }
                    }
                };
                email_outbox::Entity::update(update).exec(&db.write).await?;
                if result.is_ok() {
                    sent += 1;
                } else {
                    // Leave the rest for the next run rather than hammering a broken server.
                    return Ok(sent);
                }
            }
            if !progressed {
                break;
            }
        }
        Ok(sent)
    }

    async fn send(&self, row: &email_outbox::Model) -> anyhow::Result<()> {
        let to: Mailbox = row
            .to_addr
            .parse()
            .with_context(|| format!("invalid recipient {}", row.to_addr))?;
        let builder = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        let attachment = match (
            &row.attachment_name,
            &row.attachment_type,
            &row.attachment_body,
        ) {
            (Some(name), Some(content_type), Some(body)) => Some(
                Attachment::new(name.clone()).body(
                    body.clone(),
                    ContentType::parse(content_type)
                        .with_context(|| format!("invalid attachment type {content_type}"))?,
                ),
            ),
            _ => None,
        };
        let message = match (&row.body_html, attachment) {
            (Some(html), None) => builder.multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                html.clone(),
            )),
            (None, None) => builder
                .header(ContentType::TEXT_PLAIN)
                .body(row.body_text.clone()),
            (Some(html), Some(file)) => builder.multipart(
                MultiPart::mixed()
                    .multipart(MultiPart::alternative_plain_html(
                        row.body_text.clone(),
                        html.clone(),
                    ))
                    .singlepart(file),
            ),
            (None, Some(file)) => builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(row.body_text.clone()))
                    .singlepart(file),
            ),
        }
        .context("building the message failed")?;
        match &self.inner.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery failed")?;
            }
            Transport::File(file) => {
                file.send(message)
                    .await
                    .context("writing the .eml failed")?;
            }
        }
        Ok(())
    }

    /// Delivers queued mail whenever kicked, and every 30 s regardless.
    pub fn spawn_worker(&self, db: Db, clock: Arc<dyn crate::clock::Clock>) {
        let mailer = self.clone();
        tokio::spawn(async move {
            loop {
                let _ =
                    tokio::time::timeout(Duration::from_secs(30), mailer.inner.notify.notified())
                        .await;
                if let Err(e) = mailer.deliver_pending(&db, clock.as_ref()).await {
                    tracing::warn!(error = %e, "outbox delivery run failed");
                }
            }
        });
    }
}
