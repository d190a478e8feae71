//! Configuration, layered: built-in defaults → optional TOML file
//! (`--config`) → `STEWARD_*` environment variables.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// How strictly start-up treats missing secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A laptop or a demo: a missing secret is generated and kept under the data dir.
    Local,
    /// A real deployment: every secret must be given, strong enough.
    Production,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    pub mode: Mode,
    /// `sqlite://…` or `postgres://…`; default an SQLite file under `data_dir`.
    pub database_url: Option<String>,
    pub bind: String,
    pub data_dir: PathBuf,
    /// The built SPA; served at `/` when present.
    pub static_dir: PathBuf,
    /// `smtp://host:port` (or `smtps://`); unset: mail goes to `data_dir/outbox` as .eml.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// E-mails a workspace may send in 24 hours; surveys and invitations
    /// past it are refused (429). 0: no limit.
    pub mail_per_workspace_per_day: u64,
    /// Seconds after which a message left `sending` by a worker that died
    /// is sent again (at least 30; the SMTP timeout is 20).
    pub mail_claim_lease_secs: u64,
    /// Days after which a sent (or finally failed) message's text, with the
    /// one-time links in it, is removed from the outbox; 0 keeps it.
    pub mail_retention_days: u32,
    /// The address users reach Steward at, for links in e-mails.
    pub public_url: String,
    pub jwt_secret: Option<String>,
    /// Seals stored credentials (mail channels' IMAP passwords);
    /// generated and kept under `data_dir` when unset, like the JWT secret.
    pub secret_key: Option<String>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: i64,
    pub invite_ttl_hours: i64,
    /// Survey links stop working this many days after they were sent.
    pub survey_link_ttl_days: i64,
    /// Password reset links expire after this.
    pub password_reset_ttl_minutes: i64,
    /// A session ends this many days after sign-in, however active it is
    /// (on top of `refresh_token_ttl_days` without activity).
    pub session_max_days: i64,
    /// Failed logins per account, and per client address, before each
    /// further failure doubles the wait for the next attempt (1 s, 2 s, 4 s…
    /// up to `login_backoff_max_secs`). A successful login clears the
    /// account's count; `login_window_secs` without an attempt forgets it.
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_ip: u32,
    pub login_backoff_max_secs: u64,
    pub login_window_secs: u64,
    /// Sign-ups per client address and hour.
    pub signups_per_ip_per_hour: u32,
    /// Invitation acceptances and survey-link requests per client address
    /// and hour.
    pub token_links_per_ip_per_hour: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client: addresses
    /// or networks, comma-separated (`10.0.0.0/8,127.0.0.1`). Empty: the
    /// header is ignored and the connection's peer is the client.
    pub trusted_proxies: String,
    /// Attachments a workspace may store in all, in MiB.
    pub attachment_quota_mb: u32,
    /// Connections of the read pool (SQLite) or the pool (PostgreSQL).
    pub db_max_connections: u32,
    /// Knowledge-base words the server keeps in memory for ranking, all
    /// workspaces together (about 8 bytes each); a workspace holding more
    /// is ranked in the database, more slowly. 0: always the database.
    pub kb_index_max_terms: u64,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Run the job schedule (SLA monitor, outbox) inside `serve`.
    pub scheduler: bool,
    /// When the reminder jobs (`renewal-reminders`, `expiry-reminders`,
    /// `certification-reminders`) run: a 6-field cron read in each
    /// workspace's time zone (`jobs::run_due`); default daily at 08:00.
    pub renewal_reminders_cron: String,
    /// When `health-scores` runs: a 6-field cron read in each workspace's
    /// time zone; default nightly at 02:30.
    pub health_scores_cron: String,
    /// How often the scheduler looks for workspaces whose daily slot (of
    /// the two crons above) has come: a 6-field cron; default every five
    /// minutes (`STEWARD_DAILY_TICK_CRON`).
    pub daily_tick_cron: String,
    /// How long a job's lease (a mail channel being fetched, a
    /// workspace's daily slot being run) lasts without renewal; its holder
    /// renews it every third of this while it works, so a replica that
    /// dies gives its leases up to the others after at most this long
    /// (`STEWARD_JOB_LEASE_SECONDS`, default 120, at least 3).
    pub job_lease_seconds: u64,
    /// When set, `/metrics` answers only requests that carry
    /// `Authorization: Bearer <this token>`; unset, it is open (bind it to a
    /// private address, or set this).
    pub metrics_token: Option<String>,
    /// Let webhooks and chat bots reach private, loopback and link-local
    /// addresses (refused by default against SSRF; tests and on-premises
    /// receivers set it).
    pub webhooks_allow_private: bool,
    /// A PEM file of CA certificates that IMAP over TLS trusts besides the
    /// Mozilla roots: the company CA that signed a mail server's
    /// certificate. Read at start-up; unset: the Mozilla roots only.
    pub imap_extra_ca_file: Option<PathBuf>,
    /// The CJK font signed visit reports are written with (a .ttf, .otf or
    /// .ttc); unset: the first of Debian's Noto CJK and WenQuanYi fonts
    /// found (`domain::visits::pdf::FONT_CANDIDATES`).
    pub report_font: Option<PathBuf>,
    /// The face of `report_font` when it is a collection (.ttc).
    pub report_font_index: u32,
    /// Where stored files (attachments, signed visit reports, import
    /// files) are kept: `file:///path` or
    /// `s3://bucket[/prefix]?endpoint=…&region=…` (see `storage`); unset:
    /// `file://<data_dir>`, today's layout (`attachments/`, `imports/`).
    pub storage_url: Option<String>,
    /// On SIGTERM: `/readyz` answers 503 at once, the scheduler takes no
    /// new work, the listener closes, and requests in flight get this many
    /// seconds to finish before the process exits
    /// (`STEWARD_SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace_seconds: u64,
    /// Names this process in an `X-Steward-Replica` header on every answer
    /// (`STEWARD_REPLICA_NAME`), so a load balancer's spread can be seen.
    pub replica_name: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("public_url", &self.public_url)
            .field("imap_extra_ca_file", &self.imap_extra_ca_file)
            .field(
                "storage_url",
                &self.storage_url.as_deref().map(crate::storage::redact),
            )
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Hides the password of `scheme://user:password@host`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Local,
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            static_dir: PathBuf::from("./frontend/dist"),
            smtp_url: None,
            mail_from: "Steward <steward@localhost>".into(),
            mail_retention_days: 30,
            mail_claim_lease_secs: 600,
            mail_per_workspace_per_day: 2000,
            public_url: "http://127.0.0.1:8080".into(),
            jwt_secret: None,
            secret_key: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            invite_ttl_hours: 72,
            password_reset_ttl_minutes: 60,
            survey_link_ttl_days: 60,
            session_max_days: 30,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 30,
            login_backoff_max_secs: 5 * 60,
            login_window_secs: 15 * 60,
            signups_per_ip_per_hour: 20,
            token_links_per_ip_per_hour: 120,
            trusted_proxies: String::new(),
            attachment_quota_mb: 10 * 1024,
            db_max_connections: 8,
            kb_index_max_terms: crate::domain::kb::index::DEFAULT_MAX_TERMS,
            log_format: "text".into(),
            scheduler: true,
            renewal_reminders_cron: "0 0 8 * * *".into(),
            health_scores_cron: "0 30 2 * * *".into(),
            daily_tick_cron: "0 */5 * * * *".into(),
            job_lease_seconds: 120,
            metrics_token: None,
            webhooks_allow_private: false,
            imap_extra_ca_file: None,
            report_font: None,
            report_font_index: 0,
            storage_url: None,
            shutdown_grace_seconds: 30,
            replica_name: None,
        }
    }
}

pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// [`Config::job_lease_seconds`], at least three seconds.
    pub fn job_lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.job_lease_seconds.max(3) as i64)
    }

    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                bail!("configuration file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("STEWARD_"));
        let config: Config = figment.extract().context("invalid configuration")?;
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("steward.db").display()
            ),
        }
    }

    /// The JWT signing secret. In production it must be configured and
    /// strong; locally it is generated once and kept in `data_dir`.
    pub fn resolve_jwt_secret(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < MIN_SECRET_LEN || is_weak_secret(secret) {
                bail!(
                    "STEWARD_JWT_SECRET is too weak: use at least {MIN_SECRET_LEN} random characters \
                     (e.g. `openssl rand -base64 48`)"
                );
            }
            return Ok(secret.clone());
        }
        if self.mode == Mode::Production {
            bail!(
                "STEWARD_JWT_SECRET is not set. In production mode Steward needs a signing secret of \
                 at least {MIN_SECRET_LEN} random characters: set STEWARD_JWT_SECRET \
                 (e.g. `openssl rand -base64 48`), or jwt_secret in the config file"
            );
        }
        let path = self.data_dir.join("jwt_secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_string();
            if existing.len() >= MIN_SECRET_LEN {
                return Ok(existing);
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        let secret = crate::auth::tokens::random_token(48);
        write_private(&path, &secret)?;
        tracing::info!(path = %path.display(), "generated a JWT secret for local mode");
        Ok(secret)
    }
}

impl Config {
    /// The key that seals stored credentials. In production it must be
    /// configured (`STEWARD_SECRET_KEY`); locally it is generated once and
    /// kept in `data_dir`. Changing it makes stored IMAP passwords
    /// unreadable (they must be entered again).
    pub fn resolve_secret_key(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.secret_key {
            if secret.len() < MIN_SECRET_LEN || is_weak_secret(secret) {
                bail!(
                    "STEWARD_SECRET_KEY is too weak: use at least {MIN_SECRET_LEN} random characters \
                     (e.g. `openssl rand -base64 48`)"
                );
            }
            return Ok(secret.clone());
        }
        if self.mode == Mode::Production {
            bail!(
                "STEWARD_SECRET_KEY is not set. In production mode Steward needs a key of at least \
                 {MIN_SECRET_LEN} random characters to seal stored credentials: set \
                 STEWARD_SECRET_KEY (e.g. `openssl rand -base64 48`), or secret_key in the config file"
            );
        }
        let path = self.data_dir.join("secret_key");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_string();
            if existing.len() >= MIN_SECRET_LEN {
                return Ok(existing);
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        let secret = crate::auth::tokens::random_token(48);
        write_private(&path, &secret)?;
        tracing::info!(path = %path.display(), "generated a secret key for local mode");
        Ok(secret)
    }

    /// What production mode insists on beyond secrets: an `https://` public
    /// URL (links in e-mail, `Secure` cookies, HSTS), and mail that is not
    /// sent in clear unless the operator wrote `?tls=none` out.
    pub fn check_transport(&self) -> anyhow::Result<()> {
        if self.mode != Mode::Production {
            return Ok(());
        }
        if !self.public_url.starts_with("https://") {
            bail!(
                "STEWARD_PUBLIC_URL must be an https:// address in production mode (it is {}): \
                 links in e-mails and the session cookie would travel unencrypted",
                self.public_url
            );
        }
        if let Some(url) = &self.smtp_url {
            let plain = url.starts_with("smtp://") && !url.contains("tls=");
            if plain {
                bail!(
                    "STEWARD_SMTP_URL would send mail unencrypted: use smtps://…, \
                     smtp://…?tls=required, or write smtp://…?tls=none to accept that"
                );
            }
        }
        Ok(())
    }
}

/// Creates `dir` (and its parents) readable by this user only (0700 on
/// Unix); an existing directory is narrowed to that too.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot make the directory private");
        }
    }
    Ok(())
}

/// The file of an `sqlite://` URL (none for PostgreSQL or `:memory:`).
pub fn sqlite_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Makes sure the SQLite file of `database_url` exists and is readable by
/// this user only (0600 on Unix). SQLite gives its -wal and -shm files the
/// database file's permissions, so they follow.
pub fn private_sqlite_file(database_url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_path(database_url) else {
        return Ok(());
    };
    let path = path.as_path();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    Ok(())
}

fn is_weak_secret(secret: &str) -> bool {
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    distinct.len() < 10
        || ["secret", "changeme", "password", "steward"]
            .iter()
            .any(|w| secret.to_lowercase().contains(w) && distinct.len() < 16)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_insists_on_https_and_encrypted_mail_unless_written_out() {
        let strong = Config {
            mode: Mode::Production,
            public_url: "https://cs.example.com".into(),
            smtp_url: Some("smtps://mail.example.com".into()),
            ..Config::default()
        };
        assert!(strong.check_transport().is_ok());
        let http = Config {
            public_url: "http://cs.example.com".into(),
            ..strong.clone()
        };
        assert!(http
            .check_transport()
            .unwrap_err()
            .to_string()
            .contains("https://"));
        let plain = Config {
            smtp_url: Some("smtp://mail.example.com:25".into()),
            ..strong.clone()
        };
        assert!(plain.check_transport().is_err());
        for accepted in [
            "smtp://mail.example.com:25?tls=none",
            "smtp://mail.example.com:587?tls=required",
        ] {
            let c = Config {
                smtp_url: Some(accepted.into()),
                ..strong.clone()
            };
            assert!(c.check_transport().is_ok(), "{accepted}");
        }
        // Local mode asks none of this.
        assert!(Config::default().check_transport().is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_database_file_and_directories_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("steward-private-{}", uuid::Uuid::new_v4()));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        private_dir(&dir.join("data")).unwrap();
        assert_eq!(mode(&dir.join("data")), 0o700);
        let db = dir.join("data/steward.db");
        private_sqlite_file(&format!("sqlite://{}?mode=rwc", db.display())).unwrap();
        assert_eq!(mode(&db), 0o600);
        // An existing file that was too open is narrowed.
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_sqlite_file(&format!("sqlite://{}", db.display())).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert!(private_sqlite_file("postgres://x@y/z").is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn production_without_secret_refuses_to_start() {
        let config = Config {
            mode: Mode::Production,
            ..Config::default()
        };
        let err = config.resolve_jwt_secret().unwrap_err().to_string();
        assert!(err.contains("STEWARD_JWT_SECRET"), "{err}");
    }

    #[test]
    fn weak_secrets_are_refused() {
        let config = Config {
            jwt_secret: Some("secretsecretsecretsecretsecretsecret".into()),
            ..Config::default()
        };
        assert!(config.resolve_jwt_secret().is_err());
        let config = Config {
            jwt_secret: Some("short".into()),
            ..Config::default()
        };
        assert!(config.resolve_jwt_secret().is_err());
    }

    #[test]
    fn local_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("steward-cfg-{}", uuid::Uuid::new_v4()));
        let config = Config {
            data_dir: dir.clone(),
            ..Config::default()
        };
        let first = config.resolve_jwt_secret().unwrap();
        let second = config.resolve_jwt_secret().unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= MIN_SECRET_LEN);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn layers_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "steward.toml",
                "bind = \"0.0.0.0:9000\"\nmail_from = \"a@b.c\"",
            )?;
            jail.set_env("STEWARD_BIND", "127.0.0.1:9999");
            let config = Config::load(Some(Path::new("steward.toml"))).unwrap();
            assert_eq!(config.bind, "127.0.0.1:9999");
            assert_eq!(config.mail_from, "a@b.c");
            assert_eq!(config.access_token_ttl_secs, 900);
            Ok(())
        });
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = Config {
            jwt_secret: Some("x".repeat(40)),
            database_url: Some("postgres://u:hunter2@db/steward".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(&"x".repeat(40)));
    }
}
