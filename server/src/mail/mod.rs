//! Outgoing e-mail. Mail is first written to the `email_outbox` table in the
//! same transaction as the change that causes it, then delivered by a worker
//! (woken at once, and by the `email-outbox` job) through SMTP when
//! `STEWARD_SMTP_URL` is set, or as .eml files under `data/outbox` otherwise.
//! A row is claimed with a conditional update before sending, so two workers
//! or replicas never send the same row twice. A claim is a lease: a worker
//! that dies between claiming and sending leaves the row `sending`, and once
//! the lease (`CLAIM_LEASE`) has expired the next run claims it again and
//! sends it, with the Message-ID it was given when queued. The claim's
//! attempt number fences the outcome, so a worker that outlived its lease
//! cannot overwrite what the next claim recorded. (A crash after the SMTP
//! server accepted a message but before `sent` was recorded sends it again:
//! SMTP has no two-phase commit. The unchanged Message-ID lets mail systems
//! drop the duplicate.)

pub mod letters;
pub mod quota;
pub mod retention;
pub mod threading;

pub use letters::Letter;

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
    /// Mail about the recipient's own login (confirming the address,
    /// resetting the password): it goes out even from a workspace whose
    /// sign-up address is not confirmed yet.
    pub to_own_address: bool,
}

/// A file sent with a mail, e.g. a training's `invite.ics` or a signed
/// visit report's PDF. A `text/*` file's body is its text; any other
/// type's body is its bytes in base64 (the outbox keeps bodies as text).
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub name: String,
    /// The full MIME type, e.g. `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    pub body: String,
}

impl MailAttachment {
    /// A binary file (a PDF), kept in base64 until it is sent.
    pub fn binary(name: &str, content_type: &str, bytes: &[u8]) -> Self {
        use base64::Engine;
        MailAttachment {
            name: name.to_string(),
            content_type: content_type.to_string(),
            body: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// An outbox row's attachment as lettre takes it: text as it is, other
/// types decoded from base64.
fn attachment_body(name: &str, content_type: &str, body: &str) -> anyhow::Result<SinglePart> {
    use base64::Engine;
    let parsed = ContentType::parse(content_type)
        .with_context(|| format!("invalid attachment type {content_type}"))?;
    let file = Attachment::new(name.to_string());
    if content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("text/")
    {
        Ok(file.body(body.to_string(), parsed))
    } else {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .context("the attachment's base64 is invalid")?;
        Ok(file.body(bytes, parsed))
    }
}

/// What ties a mail to a ticket's thread: replies to it come back to the
/// ticket (its Message-ID is kept with the ticket id, and it names
/// [`ticket_thread_root`] in `In-Reply-To`/`References`), and they go to
/// the workspace's support address when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketThread {
    pub ticket_id: i64,
    pub reply_to: Option<String>,
}

/// The Message-ID every mail about a ticket refers to: `<ticket-ID@host>`.
pub fn ticket_thread_root(ticket_id: i64, host: &str) -> String {
    format!("<ticket-{ticket_id}@{host}>")
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
    /// How long a claim holds (see [`CLAIM_LEASE`]).
    lease: chrono::Duration,
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

/// A row left `sending` this long (its worker died mid-send) may be
/// claimed again. Far longer than a send can take (the SMTP timeout is
/// 20 s), so a live worker never loses its claim. The default of
/// `STEWARD_MAIL_CLAIM_LEASE_SECS`; never less than [`MIN_CLAIM_LEASE`].
pub const CLAIM_LEASE: chrono::Duration = chrono::Duration::minutes(10);
pub const MIN_CLAIM_LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// A message being sent: which row, and the attempt that fences it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub attempts: i32,
}

/// Rows a worker may claim at `now`: `pending` and due, or `sending` under
/// an expired lease (and attempts left).
fn deliverable(now: DateTime<Utc>, lease: chrono::Duration) -> sea_orm::Condition {
    use sea_orm::Condition;
    Condition::any()
        .add(
            Condition::all()
                .add(email_outbox::Column::Status.eq("pending"))
                .add(
                    Condition::any()
                        .add(email_outbox::Column::NextAttemptAt.is_null())
                        .add(email_outbox::Column::NextAttemptAt.lte(now)),
                ),
        )
        .add(
            Condition::all()
                .add(email_outbox::Column::Status.eq("sending"))
                .add(email_outbox::Column::ClaimedAt.lt(now - lease))
                .add(email_outbox::Column::Attempts.lt(MAX_ATTEMPTS)),
        )
}

/// Whether a workspace may send mail: its sign-up address is confirmed.
pub async fn workspace_may_send<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> Result<bool, sea_orm::DbErr> {
    use crate::entity::workspaces;
    let verified: Option<Option<DateTime<Utc>>> = workspaces::Entity::find_by_id(workspace_id)
        .select_only()
        .column(workspaces::Column::VerifiedAt)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(matches!(verified, Some(Some(_))))
}

/// Lets the mail a workspace queued before its address was confirmed go
/// out (call after the transaction commits: [`Mailer::kick`]).
pub async fn release_held<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> Result<u64, sea_orm::DbErr> {
    let released = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value("pending"))
        .filter(email_outbox::Column::WorkspaceId.eq(workspace_id))
        .filter(email_outbox::Column::Status.eq("held"))
        .exec(conn)
        .await?;
    Ok(released.rows_affected)
}

/// `?tls=none` says plain SMTP was chosen on purpose (production mode
/// insists on it being written out); lettre knows no such value, and plain
/// is what it does without `tls`.
fn without_tls_none(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let rest: Vec<&str> = query.split('&').filter(|p| *p != "tls=none").collect();
    if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    }
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Mailer> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&without_tls_none(url))
                    .with_context(|| "invalid STEWARD_SMTP_URL (expected smtp://host:port)")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                let dir = config.data_dir.join("outbox");
                crate::config::private_dir(&dir)?;
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
                lease: chrono::Duration::seconds(
                    i64::try_from(config.mail_claim_lease_secs).unwrap_or(i64::MAX / 1000),
                )
                .max(MIN_CLAIM_LEASE),
                transport,
                from,
                message_id_domain,
                notify: Notify::new(),
            }),
        })
    }

    /// Queues a message inside the caller's transaction. Returns `false` when
    /// a message with the same dedupe key was queued before. A workspace
    /// whose sign-up address is not confirmed sends only mail about the
    /// recipient's own login; the rest is kept `held` and goes out once the
    /// address is confirmed ([`release_held`]).
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        conn: &C,
        mail: OutgoingMail,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        self.enqueue_in_thread(conn, mail, None, now).await
    }

    /// [`Mailer::enqueue`] of a mail about a ticket (see [`TicketThread`]).
    pub async fn enqueue_in_thread<C: ConnectionTrait>(
        &self,
        conn: &C,
        mail: OutgoingMail,
        thread: Option<&TicketThread>,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let held = match mail.workspace_id {
            Some(ws) if !mail.to_own_address => !workspace_may_send(conn, ws).await?,
            _ => false,
        };
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
            status: Set(if held { "held" } else { "pending" }.into()),
            ticket_id: Set(thread.map(|t| t.ticket_id)),
            reply_to: Set(thread.and_then(|t| t.reply_to.clone())),
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

    /// Delivers every message that is due; returns how many were sent.
    /// The time is read from `clock` at each step, never held across a
    /// long run: a claim stamped with a stale time could look abandoned to
    /// another worker and be sent twice.
    pub async fn deliver_pending(
        &self,
        db: &Db,
        clock: &dyn crate::clock::Clock,
    ) -> anyhow::Result<usize> {
        self.deliver_pending_of(db, clock, None).await
    }

    /// [`Mailer::deliver_pending`], limited to one workspace's messages
    /// when `workspace` is given (a workspace admin's run of the outbox job
    /// never touches another tenant's mail, nor the platform's own).
    pub async fn deliver_pending_of(
        &self,
        db: &Db,
        clock: &dyn crate::clock::Clock,
        workspace: Option<i64>,
    ) -> anyhow::Result<usize> {
        let in_scope = || match workspace {
            Some(id) => sea_orm::Condition::all().add(email_outbox::Column::WorkspaceId.eq(id)),
            None => sea_orm::Condition::all(),
        };
        // Claims abandoned too often (a message that crashes its sender)
        // stop being retried.
        let now = clock.now();
        email_outbox::Entity::update_many()
            .col_expr(email_outbox::Column::Status, Expr::value("failed"))
            .col_expr(
                email_outbox::Column::LastError,
                Expr::value(format!("abandoned mid-send {MAX_ATTEMPTS} times")),
            )
            .filter(email_outbox::Column::Status.eq("sending"))
            .filter(email_outbox::Column::ClaimedAt.lt(now - self.inner.lease))
            .filter(email_outbox::Column::Attempts.gte(MAX_ATTEMPTS))
            .filter(in_scope())
            .exec(&db.write)
            .await?;

        let mut sent = 0;
        loop {
            let now = clock.now();
            let batch = email_outbox::Entity::find()
                .filter(deliverable(now, self.inner.lease))
                .filter(in_scope())
                .order_by_asc(email_outbox::Column::Id)
                .limit(50)
                .all(&db.write)
                .await?;
            if batch.is_empty() {
                break;
            }
            let mut progressed = false;
            for row in batch {
                let Some(claim) = self.claim(&db.write, &row, clock.now()).await? else {
                    continue;
                };
                progressed = true;
                let result = self.send(&row).await;
                if let Err(e) = &result {
                    tracing::warn!(outbox_id = row.id, error = %e, "sending mail failed");
                }
                self.finish(&db.write, &claim, &result, clock.now()).await?;
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

    /// Takes `row` (as read) for sending: flips it to `sending` with the
    /// time and one more attempt, on condition that it is still as read
    /// (same attempt count) and still deliverable — due and `pending`, or
    /// `sending` under a lease that expired (its worker died). Of several
    /// workers or replicas exactly one gets it. `None`: someone else did.
    ///
    /// The attempt count is the claim's fencing token: [`Mailer::finish`]
    /// records an outcome only while the row still carries it, so a worker
    /// that outlived its lease cannot undo a later claim's result.
    pub async fn claim<C: ConnectionTrait>(
        &self,
        conn: &C,
        row: &email_outbox::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<Claim>, sea_orm::DbErr> {
        let attempts = row.attempts + 1;
        let claimed = email_outbox::Entity::update_many()
            .col_expr(email_outbox::Column::Status, Expr::value("sending"))
            .col_expr(email_outbox::Column::ClaimedAt, Expr::value(now))
            .col_expr(email_outbox::Column::Attempts, Expr::value(attempts))
            .filter(email_outbox::Column::Id.eq(row.id))
            .filter(email_outbox::Column::Attempts.eq(row.attempts))
            .filter(deliverable(now, self.inner.lease))
            .exec(conn)
            .await?;
        Ok((claimed.rows_affected == 1).then_some(Claim {
            id: row.id,
            attempts,
        }))
    }

    /// Records how a claimed send went: `sent`, or back to `pending` with
    /// a back-off (`failed` after the last attempt). Returns `false` when
    /// the claim had been lost (its lease expired and another worker took
    /// the row); then nothing is written.
    pub async fn finish<C: ConnectionTrait>(
        &self,
        conn: &C,
        claim: &Claim,
        result: &anyhow::Result<()>,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let mut update = email_outbox::Entity::update_many();
        update = match result {
            Ok(()) => update
                .col_expr(email_outbox::Column::Status, Expr::value("sent"))
                .col_expr(email_outbox::Column::SentAt, Expr::value(now))
                .col_expr(email_outbox::Column::LastError, Expr::value(None::<String>)),
            Err(e) => update
                .col_expr(
                    email_outbox::Column::Status,
                    Expr::value(if claim.attempts >= MAX_ATTEMPTS {
                        "failed"
                    } else {
                        "pending"
                    }),
                )
                .col_expr(
                    email_outbox::Column::LastError,
                    Expr::value(format!("{e:#}")),
                )
                .col_expr(
                    email_outbox::Column::NextAttemptAt,
                    Expr::value(now + retry_delay(claim.attempts)),
                ),
        };
        let recorded = update
            .filter(email_outbox::Column::Id.eq(claim.id))
            .filter(email_outbox::Column::Status.eq("sending"))
            .filter(email_outbox::Column::Attempts.eq(claim.attempts))
            .exec(conn)
            .await?;
        if recorded.rows_affected != 1 {
            tracing::warn!(
                outbox_id = claim.id,
                "an outbox claim outlived its lease; another worker owns the message"
            );
        }
        Ok(recorded.rows_affected == 1)
    }

    async fn send(&self, row: &email_outbox::Model) -> anyhow::Result<()> {
        let to: Mailbox = row
            .to_addr
            .parse()
            .with_context(|| format!("invalid recipient {}", row.to_addr))?;
        let mut builder = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        if let Some(ticket_id) = row.ticket_id {
            let root = ticket_thread_root(ticket_id, &self.inner.message_id_domain);
            builder = builder.in_reply_to(root.clone()).references(root);
        }
        if let Some(reply_to) = row
            .reply_to
            .as_deref()
            .and_then(|a| a.parse::<Mailbox>().ok())
        {
            builder = builder.reply_to(reply_to);
        }
        let attachment = match (
            &row.attachment_name,
            &row.attachment_type,
            &row.attachment_body,
        ) {
            (Some(name), Some(content_type), Some(body)) => {
                Some(attachment_body(name, content_type, body)?)
            }
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

#[cfg(test)]
mod tests {
    use super::without_tls_none;

    #[test]
    fn tls_none_is_said_to_us_not_to_lettre() {
        assert_eq!(without_tls_none("smtp://h:25?tls=none"), "smtp://h:25");
        assert_eq!(
            without_tls_none("smtp://h:25?tls=none&x=1"),
            "smtp://h:25?x=1"
        );
        assert_eq!(
            without_tls_none("smtp://h:587?tls=required"),
            "smtp://h:587?tls=required"
        );
        assert_eq!(without_tls_none("smtps://h"), "smtps://h");
    }
}
