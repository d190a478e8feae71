//! The `mail-fetch` job: every minute each enabled IMAP channel is polled
//! for unseen mail, each message goes through [`process::receive`] and is
//! then flagged `\Seen`, or moved to the channel's processed folder
//! ([`imap_folders`]). A message whose processing failed on our side
//! (the database was away) stays unseen and is fetched again next time;
//! fetching one twice (two replicas, a crash before the flag) does no
//! harm, since each Message-ID is processed once.
//!
//! On several replicas, each channel is polled by one at a time: a run
//! takes the channel's lease (`mail-fetch:channel:<id>` in `job_claims`,
//! [`crate::domain::common::leases`]) for `job_lease_seconds`, renews it
//! every third of that while it fetches (and stops before the next batch
//! once a renewal finds it taken) and
//! gives it back when done; a replica that finds the lease held skips the
//! channel (`busy`). So two replicas never fetch, move or flag the same
//! folder at once, and a replica killed mid-fetch holds the channel up
//! for `job_lease_seconds` at most, after which another takes it and fetches what is
//! still unseen (the Message-ID claim keeps what was done from being done
//! again).
//!
//! TLS goes through rustls ([`super::imap_tls`]); no OpenSSL.

use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use shared::mail_in::{MailChannelKind, DEFAULT_FOLDER, MAX_RAW_MESSAGE_BYTES};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::imap_folders::{self, mailbox_name, ProcessedFolder};
use super::{imap_tls, process};
use crate::domain::common::leases::{self, Lease};
use crate::entity::mail_channels;
use crate::error::AppResult;
use crate::state::AppState;

/// Messages taken from one channel per run; the rest wait for the next.
const MAX_PER_RUN: usize = 500;
/// Messages fetched per IMAP command.
const BATCH: usize = 50;
const TIMEOUT: Duration = Duration::from_secs(30);

pub(super) trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

pub(super) type Session = async_imap::Session<Box<dyn Stream>>;

pub(super) async fn timed<T>(
    what: &str,
    f: impl std::future::Future<Output = T>,
) -> anyhow::Result<T> {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .map_err(|_| anyhow::anyhow!("{what} timed out after {} s", TIMEOUT.as_secs()))
}

/// Connects, logs in and selects the folder; returns the session and how
/// many messages the folder holds.
async fn open(state: &AppState, channel: &mail_channels::Model) -> anyhow::Result<(Session, u32)> {
    let host = channel
        .imap_host
        .clone()
        .context("the channel has no IMAP host")?;
    let port = u16::try_from(channel.imap_port.unwrap_or(993)).context("bad IMAP port")?;
    let user = channel
        .imap_username
        .clone()
        .context("the channel has no IMAP user")?;
    let password = state.secrets.open(
        channel
            .imap_password_enc
            .as_deref()
            .context("the channel has no IMAP password")?,
    )?;
    let tcp = timed("connecting", TcpStream::connect((host.as_str(), port)))
        .await?
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    let stream: Box<dyn Stream> = if channel.imap_tls {
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .with_context(|| format!("{host} is not a valid TLS server name"))?;
        let tls = timed(
            "the TLS handshake",
            state.imap_tls.connector().connect(name, tcp),
        )
        .await?
        .map_err(|e| imap_tls::handshake_failed(e, &host, port))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let mut client = async_imap::Client::new(stream);
    timed("the IMAP greeting", client.read_response())
        .await?
        .context("reading the IMAP greeting failed")?
        .context("the server closed the connection without a greeting")?;
    let mut session = timed("logging in", client.login(&user, &password))
        .await?
        .map_err(|(e, _)| anyhow::anyhow!("login as {user} refused: {e}"))?;
    let folder = channel.imap_folder.as_deref().unwrap_or(DEFAULT_FOLDER);
    let mailbox = timed("selecting the folder", session.select(mailbox_name(folder)))
        .await?
        .with_context(|| format!("cannot open the folder {folder}"))?;
    Ok((session, mailbox.exists))
}

/// The connection test: log in and select the folder.
pub(super) async fn check(
    state: &AppState,
    channel: &mail_channels::Model,
) -> anyhow::Result<String> {
    let (mut session, exists) = open(state, channel).await?;
    let _ = timed("logging out", session.logout()).await;
    Ok(format!(
        "logged in as {} and opened {} ({exists} messages)",
        channel.imap_username.as_deref().unwrap_or_default(),
        channel.imap_folder.as_deref().unwrap_or(DEFAULT_FOLDER)
    ))
}

#[derive(Debug, Default, Serialize)]
pub struct FetchReport {
    pub channels: usize,
    pub fetched: usize,
    /// Messages seen before (already processed): flagged, nothing else.
    pub duplicates: usize,
    pub failed_channels: usize,
    /// Channels another run (another replica) was fetching: skipped.
    pub busy: usize,
    /// Stored messages whose processing had stopped half-way (a replica
    /// died), processed again ([`process::resume_stalled`]).
    pub resumed: usize,
}

/// Polls one channel, counting into `report` as it goes (what was
/// processed counts even when the channel fails later).
async fn fetch_channel(
    state: &AppState,
    channel: &mail_channels::Model,
    lease: &Lease,
    report: &mut FetchReport,
) -> anyhow::Result<()> {
    let (mut session, _) = open(state, channel).await?;
    let mut uids: Vec<u32> = timed("searching unseen mail", session.uid_search("UNSEEN"))
        .await??
        .into_iter()
        .collect();
    uids.sort_unstable();
    uids.truncate(MAX_PER_RUN);
    // A processed folder that cannot be made is reported, and the mail
    // is flagged read instead: customers' mail still becomes tickets.
    let mut problem = None;
    let processed = match channel.processed_folder.as_deref() {
        Some(folder) if !uids.is_empty() => {
            match ProcessedFolder::open(&mut session, folder).await {
                Ok(processed) => Some(processed),
                Err(e) => {
                    problem = Some(
                        e.context(format!("mail is flagged read instead of moved to {folder}")),
                    );
                    None
                }
            }
        }
        _ => None,
    };
    for chunk in uids.chunks(BATCH) {
        // `Lease::hold` renews it; stop if a renewal found it taken.
        if lease.is_lost() {
            anyhow::bail!("the channel's lease was lost (another replica took it over)");
        }
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut messages: Vec<(u32, Vec<u8>)> = Vec::new();
        {
            let mut stream =
                timed("fetching", session.uid_fetch(&set, "(UID BODY.PEEK[])")).await??;
            while let Some(item) = timed("fetching", stream.next()).await? {
                let fetch = item?;
                if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                    messages.push((uid, body.to_vec()));
                }
            }
        }
        let mut done = Vec::new();
        for (uid, raw) in messages {
            if raw.len() > MAX_RAW_MESSAGE_BYTES {
                tracing::warn!(
                    channel = channel.id,
                    uid,
                    "a mail over the size limit is left unread"
                );
                continue;
            }
            match process::receive(state, channel, raw).await {
                Ok(result) => {
                    report.fetched += 1;
                    if result.duplicate {
                        report.duplicates += 1;
                    }
                    done.push(uid);
                }
                // Not a mail message: flag it too, or it is fetched forever.
                Err(crate::error::AppError::Validation { .. }) => done.push(uid),
                Err(e) => {
                    tracing::warn!(channel = channel.id, uid, error = %e, "processing fetched mail failed");
                }
            }
        }
        if done.is_empty() {
            continue;
        }
        let set = done
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        match &processed {
            Some(folder) => folder.take(&mut session, &set).await?,
            None => imap_folders::flag_seen(&mut session, &set).await?,
        }
    }
    let _ = timed("logging out", session.logout()).await;
    problem.map_or(Ok(()), Err)
}

/// The job: every enabled IMAP channel (of one workspace, when given).
pub async fn run(state: &AppState, workspace: Option<i64>) -> AppResult<FetchReport> {
    let mut query = mail_channels::Entity::find()
        .filter(mail_channels::Column::Kind.eq(MailChannelKind::Imap.as_str()))
        .filter(mail_channels::Column::Enabled.eq(true))
        .order_by_asc(mail_channels::Column::Id);
    if let Some(ws) = workspace {
        query = query.filter(mail_channels::Column::WorkspaceId.eq(ws));
    }
    let channels = query.all(&state.db.read).await?;
    let mut report = FetchReport {
        channels: channels.len(),
        resumed: process::resume_stalled(state, workspace).await?.resumed,
        ..FetchReport::default()
    };
    for channel in channels {
        let key = format!("mail-fetch:channel:{}", channel.id);
        let holder = leases::holder(&state.config);
        let ttl = state.config.job_lease();
        let now = state.clock.now();
        let Some(lease) = Lease::acquire(&state.db, &holder, &key, now, ttl).await? else {
            report.busy += 1;
            continue;
        };
        let outcome = lease
            .hold(
                &state.db,
                state.clock.as_ref(),
                ttl,
                fetch_channel(state, &channel, &lease, &mut report),
            )
            .await;
        let error = match outcome {
            Ok(()) => None,
            Err(e) => {
                report.failed_channels += 1;
                tracing::warn!(channel = channel.id, error = %format!("{e:#}"), "fetching mail failed");
                Some(format!("{e:#}"))
            }
        };
        mail_channels::Entity::update_many()
            .col_expr(
                mail_channels::Column::LastFetchAt,
                Expr::value(state.clock.now()),
            )
            .col_expr(mail_channels::Column::LastFetchError, Expr::value(error))
            .filter(mail_channels::Column::Id.eq(channel.id))
            .exec(&state.db.write)
            .await?;
        lease.release(&state.db).await?;
    }
    Ok(report)
}
