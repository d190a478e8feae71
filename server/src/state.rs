//! What every request handler can reach.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::auth::rate_limit::LoginLimiter;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub limiter: Arc<LoginLimiter>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
}
