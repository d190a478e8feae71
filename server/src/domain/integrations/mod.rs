//! Ways out (issue 14): outgoing webhooks and chat-bot notifications
//! (企业微信, 钉钉, 飞书). The domain code calls [`events::emit`] inside its
//! own transaction; emit writes the event and one delivery row per webhook
//! or chat-bot rule that wants it, so an event exists exactly when the
//! change that caused it was committed. The [`outbox`] delivers the rows:
//! each is claimed with a conditional update and a lease (as the mail
//! outbox does), so of several workers or replicas exactly one sends an
//! attempt. Delivery is at least once, with exponential back-off for 24 h.
//!
//! This area sits below every area that emits events (tickets, accounts,
//! health, renewals, surveys) and imports none of them.
//!
//! - [`events`]: the event vocabulary's payloads and `emit`
//! - [`net`]: the HTTP client and the SSRF guard (private targets refused)
//! - [`sign`]: `Steward-Signature`, DingTalk's and Feishu's signatures
//! - [`chat`]: each platform's message body, in the bot's language
//! - [`outbox`]: claiming, sending, back-off, auto-disable and its mail
//! - [`webhooks`], [`chat_bots`]: the settings admins manage

pub mod chat;
pub mod chat_bots;
pub mod events;
pub mod net;
pub mod outbox;
pub mod sign;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::Config;
use crate::state::AppState;

/// What delivering needs at hand: the HTTP client and the worker's bell.
/// Holds nothing correctness depends on: every replica has its own, and
/// the database decides who sends what.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    notify: Notify,
    client: reqwest::Client,
    allow_private: bool,
}

/// How often the worker looks for due deliveries when nobody wakes it.
const WORKER_PERIOD: Duration = Duration::from_secs(10);

impl Dispatcher {
    pub fn new(config: &Config) -> anyhow::Result<Dispatcher> {
        Ok(Dispatcher {
            inner: Arc::new(Inner {
                notify: Notify::new(),
                client: net::client(config.webhooks_allow_private)?,
                allow_private: config.webhooks_allow_private,
            }),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// Whether targets on private, loopback or link-local addresses are
    /// allowed (`STEWARD_WEBHOOKS_ALLOW_PRIVATE`).
    pub fn allow_private(&self) -> bool {
        self.inner.allow_private
    }

    /// Wakes the delivery worker (call after the transaction that emitted
    /// commits). Only a shortcut: the worker also looks every 10 s.
    pub fn kick(&self) {
        self.inner.notify.notify_one();
    }

    /// Delivers due rows whenever kicked, and every 10 s regardless.
    pub fn spawn_worker(&self, state: AppState) {
        let dispatcher = self.clone();
        tokio::spawn(async move {
            loop {
                let _ =
                    tokio::time::timeout(WORKER_PERIOD, dispatcher.inner.notify.notified()).await;
                if let Err(e) = outbox::run(&state, None).await {
                    tracing::warn!(error = %e, "integration delivery run failed");
                }
            }
        });
    }
}
