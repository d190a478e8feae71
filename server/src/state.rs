//! What every request handler can reach.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::auth::rate_limit::Throttle;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub throttle: Arc<Throttle>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    pub integrations: crate::domain::integrations::Dispatcher,
    /// Seals stored credentials (`STEWARD_SECRET_KEY`).
    pub secrets: crate::secret_box::SecretBox,
    /// TLS of mail channels' IMAP connections (`STEWARD_IMAP_EXTRA_CA_FILE`).
    pub imap_tls: crate::domain::mail_in::imap_tls::ImapTls,
    /// Stored files: local disk or S3 (`STEWARD_STORAGE_URL`).
    pub storage: crate::storage::Storage,
}
