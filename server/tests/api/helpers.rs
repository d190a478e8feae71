//! `spawn_app()` and the small vocabulary the tests speak.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use server::config::Config;
use server::startup::Application;

pub const PASSWORD: &str = "correct horse battery";

#[path = "../support/smtp.rs"]
mod smtp;
pub use smtp::{start_smtp_on, Mail, MailSink};
#[path = "../support/workload.rs"]
pub mod workload;

fn start_smtp() -> (u16, MailSink) {
    start_smtp_on(0)
}

pub fn backend_is_postgres() -> bool {
    std::env::var("STEWARD_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The server URL of the PostgreSQL that tests create databases on:
/// `STEWARD_TEST_POSTGRES_URL`, or a throwaway cluster started here.
fn postgres_admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("STEWARD_TEST_POSTGRES_URL") {
            return url.trim_end_matches('/').to_string();
        }
        start_throwaway_cluster()
    })
}

/// initdb + pg_ctl with the installed PostgreSQL binaries, as user postgres
/// when running as root (PostgreSQL refuses to run as root).
fn start_throwaway_cluster() -> String {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).max())
        .map(|p| p.join("bin"))
        .expect("PostgreSQL binaries not found under /usr/lib/postgresql; set STEWARD_TEST_POSTGRES_URL");
    let dir = PathBuf::from("/tmp/steward-test-pg");
    let port = 55432;
    let as_postgres = |args: &[&str]| {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
        let mut cmd = if is_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]);
            c.args(args);
            c
        } else {
            let mut c = Command::new(args[0]);
            c.args(&args[1..]);
            c
        };
        cmd.output().expect("running a PostgreSQL command")
    };
    let pg_ctl = bin.join("pg_ctl");
    let pg_ctl = pg_ctl.to_str().unwrap();
    let dir_s = dir.to_str().unwrap();
    let running = as_postgres(&[pg_ctl, "-D", dir_s, "status"])
        .status
        .success();
    if !running {
        if !dir.join("PG_VERSION").exists() {
            std::fs::create_dir_all(&dir).unwrap();
            let _ = Command::new("chown")
                .args(["postgres:postgres", dir_s])
                .status();
            let initdb = bin.join("initdb");
            let out = as_postgres(&[
                initdb.to_str().unwrap(),
                "-D",
                dir_s,
                "-U",
                "postgres",
                "--auth=trust",
            ]);
            assert!(
                out.status.success(),
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let opts = format!("-p {port} -k {dir_s} -c listen_addresses=127.0.0.1 -c fsync=off");
        let log = format!("{dir_s}/log.txt");
        let out = as_postgres(&[pg_ctl, "-D", dir_s, "-o", &opts, "-l", &log, "-w", "start"]);
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    format!("postgres://postgres@127.0.0.1:{port}")
}

pub async fn fresh_database_url() -> String {
    if backend_is_postgres() {
        let admin = postgres_admin_url();
        let name = format!("steward_t_{}", uuid::Uuid::new_v4().simple());
        let conn = sea_orm::Database::connect(format!("{admin}/postgres"))
            .await
            .expect("connecting to PostgreSQL");
        use sea_orm::ConnectionTrait;
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating a test database");
        conn.close().await.ok();
        format!("{admin}/{name}")
    } else {
        let dir = std::env::temp_dir().join(format!("steward-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        format!("sqlite://{}/steward.db?mode=rwc", dir.display())
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub mail: MailSink,
    pub app_state: server::state::AppState,
    /// What `/readyz` checks (a test may add a check or start draining).
    pub readiness: std::sync::Arc<server::readiness::Readiness>,
    /// The application's clock (real time unless started with `spawn_app_at`).
    pub clock: Option<server::clock::FixedClock>,
}

pub struct Session {
    pub token: String,
    pub user: Value,
    pub refresh_cookie: Option<String>,
}

impl Session {
    pub fn id(&self) -> i64 {
        self.user["id"].as_i64().unwrap()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose clock stands at `at` until the test moves it. Choose a
/// future date: access tokens are checked against the real time too.
pub async fn spawn_app_at(at: chrono::DateTime<chrono::Utc>) -> TestApp {
    let clock = server::clock::FixedClock::new(at);
    start(|_| {}, Some(clock)).await
}

/// [`spawn_app_at`] with a changed configuration.
pub async fn spawn_app_at_with(
    at: chrono::DateTime<chrono::Utc>,
    customize: impl FnOnce(&mut Config),
) -> TestApp {
    let clock = server::clock::FixedClock::new(at);
    start(customize, Some(clock)).await
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    start(customize, None).await
}

async fn start(
    customize: impl FnOnce(&mut Config),
    clock: Option<server::clock::FixedClock>,
) -> TestApp {
    let (smtp_port, mail) = start_smtp();
    let data_dir = std::env::temp_dir().join(format!("steward-data-{}", uuid::Uuid::new_v4()));
    let mut config = Config {
        database_url: Some(fresh_database_url().await),
        bind: "127.0.0.1:0".into(),
        data_dir,
        smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
        jwt_secret: Some("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()),
        public_url: "http://steward.test".into(),
        db_max_connections: 4,
        // Tests run jobs explicitly, at the time they choose.
        scheduler: false,
        ..Config::default()
    };
    customize(&mut config);
    let app = match &clock {
        Some(clock) => {
            Application::build_with_clock(config, std::sync::Arc::new(clock.clone())).await
        }
        None => Application::build(config).await,
    }
    .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let app_state = app.state.clone();
    let readiness = app.readiness.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        mail,
        app_state,
        readiness,
        clock,
    }
}

pub fn refresh_cookie_of(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("steward_refresh="))
        .map(|v| {
            v.trim_start_matches("steward_refresh=")
                .split(';')
                .next()
                .unwrap_or_default()
                .to_string()
        })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// Signs up a new workspace and confirms its address with the e-mailed
    /// link (the mail is taken out of the sink); returns its admin's session.
    pub async fn signup(&self, workspace: &str, email: &str) -> Session {
        let session = self.signup_unconfirmed(workspace, email).await;
        self.confirm_address(email).await;
        session
    }

    /// Opens the address-confirming link mailed to `email`.
    pub async fn confirm_address(&self, email: &str) {
        let token = self.mail.take_link(email, "/verify-email").await;
        let response = self
            .request(
                Method::POST,
                "/api/v1/auth/verify-email",
                None,
                Some(json!({ "token": token })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "verify {email}");
    }

    /// Signs up a new workspace without confirming its address.
    pub async fn signup_unconfirmed(&self, workspace: &str, email: &str) -> Session {
        let response = self
            .request(
                Method::POST,
                "/api/v1/signup",
                None,
                Some(json!({
                    "workspace_name": workspace,
                    "name": "Admin 管理员",
                    "email": email,
                    "password": PASSWORD,
                })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        session_of(response).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    pub async fn login_ok(&self, email: &str) -> Session {
        self.login_ok_with(email, PASSWORD).await
    }

    pub async fn login_ok_with(&self, email: &str, password: &str) -> Session {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        session_of(response).await
    }

    /// Invites a staff user (as `admin`); they accept with [`PASSWORD`]
    /// through the e-mailed link (taken out of the sink). Returns their
    /// session.
    pub async fn staff(&self, admin: &Session, role: &str, email: &str) -> Session {
        let response = self
            .post(
                "/api/v1/users",
                &admin.token,
                json!({"name": format!("{role} 用户"), "email": email, "role": role}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {role}");
        self.accept_invitation(email).await
    }

    /// Accepts the invitation mailed to `email` with [`PASSWORD`].
    pub async fn accept_invitation(&self, email: &str) -> Session {
        let token = self.mail.take_link(email, "/accept-invite").await;
        let response = self
            .request(
                Method::POST,
                "/api/v1/auth/accept-invite",
                None,
                Some(json!({"token": token, "password": PASSWORD})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "accept {email}");
        session_of(response).await
    }

    pub async fn create_account(&self, token: &str, name: &str, code: &str) -> Value {
        let response = self
            .post(
                "/api/v1/accounts",
                token,
                json!({"name": name, "code": code, "modules": ["sales", "finance"]}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create account {code}"
        );
        response.json().await.unwrap()
    }

    pub async fn create_contact(
        &self,
        token: &str,
        account_id: i64,
        name: &str,
        email: &str,
    ) -> Value {
        let response = self
            .post(
                &format!("/api/v1/accounts/{account_id}/contacts"),
                token,
                json!({"name": name, "email": email, "title": "财务主管", "modules": ["finance"]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create contact");
        response.json().await.unwrap()
    }

    /// An account with a contact who has a portal login; returns (account, portal session).
    pub async fn portal_user(&self, admin: &Session, email: &str, code: &str) -> (Value, Session) {
        let account = self.create_account(&admin.token, "客户公司", code).await;
        let contact = self
            .create_contact(&admin.token, account["id"].as_i64().unwrap(), "张伟", email)
            .await;
        let response = self
            .post(
                &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
                &admin.token,
                json!({"role": "customer"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "portal access");
        (account, self.accept_invitation(email).await)
    }
}

/// Confirms a sign-up address through the link in the outbox, for tests
/// that run without a mail server at sign-up; the mail is then removed
/// from the outbox, so it does not count among what the test sends.
pub async fn confirm_via_outbox(db: &sea_orm::DatabaseConnection, base: &str, email: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::email_outbox;
    let mail = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddr.eq(email))
        .filter(email_outbox::Column::BodyText.contains("/verify-email?token="))
        .one(db)
        .await
        .unwrap()
        .expect("a confirmation mail in the outbox");
    let token = smtp::link_token(&mail.body_text, "/verify-email?token=");
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/verify-email"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    email_outbox::Entity::delete_by_id(mail.id)
        .exec(db)
        .await
        .unwrap();
}

pub async fn session_of(response: Response) -> Session {
    let cookie = refresh_cookie_of(&response);
    let body: Value = response.json().await.unwrap();
    Session {
        token: body["access_token"].as_str().unwrap().to_string(),
        user: body["user"].clone(),
        refresh_cookie: cookie,
    }
}

/// The JSON of a successful answer (the test fails with the status and
/// the text otherwise).
pub async fn body(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Asserts the SPEC's error shape and code; returns the error object.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["error"]["code"], code, "body: {text}");
    assert!(body["error"]["message"].is_string(), "body: {text}");
    body["error"].clone()
}
