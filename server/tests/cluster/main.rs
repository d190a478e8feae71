//! Cluster drills (issue 17): three `steward` replicas on one PostgreSQL
//! database behind nginx, started by `scripts/cluster.sh` on loopback.
//! They need PostgreSQL (`STEWARD_TEST_POSTGRES_URL`) and nginx
//! (`scripts/install-tools.sh`), so this target is not run by a plain
//! `cargo test` (`test = false` in Cargo.toml): `scripts/test.sh` runs it in
//! its PostgreSQL step, `cargo test -p server --test cluster`. Each drill
//! is bounded (well under two minutes) and stops its processes and drops
//! its database when it ends, failed or not. They check what clients saw
//! against what the database holds; none of them times anything.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{json, Value};
use server::entity::integrations::deliveries;
use server::entity::{
    accounts, email_outbox, inbound_messages, job_claims, playbook_runs, tasks, tickets,
};

#[path = "../support/moto.rs"]
mod moto;
use moto::Moto;
#[allow(dead_code)]
#[path = "../api/mail_in/dovecot.rs"]
mod dovecot;
#[allow(dead_code)]
#[path = "../api/receiver.rs"]
mod receiver;
#[allow(dead_code)]
#[path = "../support/smtp.rs"]
mod smtp;
#[path = "../support/workload.rs"]
mod workload;
use workload::{playbook_step, raw_mail, CONTACT};

const PASSWORD: &str = "correct horse battery staple";
const REPLICAS: usize = 3;

fn postgres_url() -> String {
    std::env::var("STEWARD_TEST_POSTGRES_URL").expect(
        "the cluster drills need PostgreSQL: set STEWARD_TEST_POSTGRES_URL \
         (e.g. postgres://postgres@127.0.0.1:5432); scripts/test.sh does",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Three replicas and nginx, from `scripts/cluster.sh`; stopped, and their
/// database dropped, when dropped.
struct Cluster {
    dir: PathBuf,
    database: String,
    admin_url: String,
    ports: Vec<u16>,
    listen: String,
    env: Vec<(String, String)>,
}

impl Cluster {
    async fn start() -> Cluster {
        Cluster::start_with(&[]).await
    }

    /// Started with `extra` environment (e.g. `STEWARD_STORAGE_URL`).
    async fn start_with(extra: &[(&str, String)]) -> Cluster {
        let admin_url = postgres_url();
        let database = format!("steward_t_cluster_{}", uuid::Uuid::new_v4().simple());
        let conn = sea_orm::Database::connect(format!("{admin_url}/postgres"))
            .await
            .expect("connecting to PostgreSQL");
        conn.execute_unprepared(&format!("CREATE DATABASE {database}"))
            .await
            .expect("creating the drill's database");
        conn.close().await.ok();
        let dir = std::env::temp_dir().join(format!("steward-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let ports: Vec<u16> = (0..REPLICAS).map(|_| free_port()).collect();
        let listen = format!("127.0.0.1:{}", free_port());
        let env = vec![
            ("STEWARD_BIN", env!("CARGO_BIN_EXE_steward").to_string()),
            ("STEWARD_CLUSTER_DIR", dir.display().to_string()),
            ("STEWARD_CLUSTER_LISTEN", listen.clone()),
            (
                "STEWARD_CLUSTER_PORTS",
                ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            ("STEWARD_DATABASE_URL", format!("{admin_url}/{database}")),
            (
                "STEWARD_STATIC_DIR",
                dir.join("no-spa").display().to_string(),
            ),
            ("STEWARD_SHUTDOWN_GRACE_SECONDS", "10".to_string()),
            (
                "STEWARD_JWT_SECRET",
                "cluster-drill-secret-0123456789-abcdefghijklmnop".to_string(),
            ),
            (
                "STEWARD_SECRET_KEY",
                "cluster-drill-key-0123456789-abcdefghijklmnopqrs".to_string(),
            ),
            ("STEWARD_LOG", "info".to_string()),
        ]
        .into_iter()
        .chain(extra.iter().cloned())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let cluster = Cluster {
            dir,
            database,
            admin_url,
            ports,
            listen,
            env,
        };
        cluster.script(&["start"]).await;
        cluster
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/cluster.sh"
        ));
        command.args(args).envs(self.env.iter().cloned());
        command
    }

    /// Runs `scripts/cluster.sh ARGS` to its end; panics if it fails.
    async fn script(&self, args: &[&str]) {
        let mut command = self.command(args);
        let label = args.join(" ");
        let out = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .expect("scripts/cluster.sh runs");
        assert!(
            out.status.success(),
            "cluster.sh {label} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn base(&self) -> String {
        format!("http://{}", self.listen)
    }

    fn replica(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[n])
    }

    async fn db(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(format!("{}/{}", self.admin_url, self.database))
            .await
            .unwrap()
    }

    /// Signs a workspace up through the balancer and confirms its e-mail
    /// address; the owner's access token.
    async fn owner(&self, client: &reqwest::Client, email: &str) -> String {
        let response = client
            .post(format!("{}/api/v1/signup", self.base()))
            .json(&json!({"workspace_name": "W", "name": "管理员", "email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        let db = self.db().await;
        let mail = email_outbox::Entity::find()
            .filter(email_outbox::Column::ToAddr.eq(email))
            .filter(email_outbox::Column::BodyText.contains("/verify-email?token="))
            .one(&db)
            .await
            .unwrap()
            .expect("a confirmation mail in the outbox");
        let token = smtp::link_token(&mail.body_text, "/verify-email?token=");
        let response = client
            .post(format!("{}/api/v1/auth/verify-email", self.base()))
            .json(&json!({ "token": token }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        db.close().await.ok();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// The codes of every account in the database.
    async fn account_codes(&self) -> HashSet<String> {
        let db = self.db().await;
        let codes: Vec<String> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Code)
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        db.close().await.ok();
        codes.into_iter().collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command(&["stop"]).output();
        if std::thread::panicking() {
            // Keep the logs of a failed drill.
            eprintln!("cluster drill logs: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let _ = Command::new("psql")
            .arg(format!("{}/postgres", self.admin_url))
            .args([
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
            ])
            .output();
    }
}

/// One request of a load, as the client saw it.
#[derive(Debug, Clone)]
struct Outcome {
    started: Instant,
    ok: bool,
    what: String,
    replica: Option<String>,
    /// The account code of an acknowledged write.
    written: Option<String>,
}

/// `workers` clients, each alternating a new account (POST) and the
/// accounts list (GET) through the balancer, until `stop`.
async fn load(
    client: reqwest::Client,
    base: String,
    token: String,
    workers: usize,
    tag: u8,
    stop: Arc<AtomicBool>,
) -> Vec<Outcome> {
    let tasks = (0..workers).map(|w| {
        let (client, base, token, stop) =
            (client.clone(), base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let write = n % 2 == 0;
                let code = format!("{tag}{}{:05}", w + 1, n);
                let request = if write {
                    client
                        .post(format!("{base}/api/v1/accounts"))
                        .json(&json!({"name": format!("客户 {code}"), "code": code}))
                } else {
                    client.get(format!("{base}/api/v1/accounts?limit=5"))
                };
                let outcome = match request.bearer_auth(&token).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let replica = r
                            .headers()
                            .get("x-steward-replica")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        let ok = status
                            == if write {
                                StatusCode::CREATED
                            } else {
                                StatusCode::OK
                            };
                        Outcome {
                            started,
                            ok,
                            what: format!("{} {status}", if write { "POST" } else { "GET" }),
                            replica,
                            written: (write && ok).then_some(code),
                        }
                    }
                    Err(e) => Outcome {
                        started,
                        ok: false,
                        what: format!("{e}"),
                        replica: None,
                        written: None,
                    },
                };
                outcomes.push(outcome);
                n += 1;
            }
            outcomes
        })
    });
    futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect()
}

/// Runs one drill at a time (each starts three servers and nginx), on a
/// runtime of its own.
fn drill(body: impl std::future::Future<Output = ()>) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(body);
}

/// The first few of `failed`, and how many.
fn summary(failed: &[&Outcome]) -> String {
    format!(
        "{} failed, first: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A client works through the balancer while its requests are spread over
/// all replicas; a logout through one replica stops the token on every
/// replica at once (PostgreSQL NOTIFY, not the cache's one-second life).
#[test]
fn spread_load_reaches_every_replica_and_a_logout_applies_on_all() {
    drill(spread_load_reaches_every_replica_and_a_logout_applies_on_all_drill());
}

async fn spread_load_reaches_every_replica_and_a_logout_applies_on_all_drill() {
    // The replicas keep files in an S3 API server (moto), as a cluster must:
    // nothing a user uploads stays on the disk of the replica that took it.
    let moto = Moto::start().await;
    let storage = moto.bucket("steward-cluster").await;
    let cluster = Cluster::start_with(&[("STEWARD_STORAGE_URL", storage)]).await;
    let client = client();
    let token = cluster.owner(&client, "spread@x.cn").await;

    // An attachment uploaded through one replica downloads, the same bytes,
    // through each of the others.
    let r = client
        .post(format!("{}/api/v1/accounts", cluster.replica(0)))
        .bearer_auth(&token)
        .json(&json!({"name": "附件客户", "code": "9001", "modules": ["finance"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let account: Value = r.json().await.unwrap();
    let r = client
        .post(format!("{}/api/v1/tickets", cluster.replica(0)))
        .bearer_auth(&token)
        .json(
            &json!({"account_id": account["id"], "module": "finance", "category": "bug",
                      "priority": "p2", "subject": "凭证过账报错"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let ticket: Value = r.json().await.unwrap();
    let bytes: Vec<u8> = "月末结账报错日志 E1024\n".repeat(2000).into_bytes();
    let r = client
        .post(format!(
            "{}/api/v1/tickets/{}/attachments?file_name=log.txt",
            cluster.replica(0),
            ticket["id"]
        ))
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let attachment: Value = r.json().await.unwrap();
    for n in 1..REPLICAS {
        let r = client
            .get(format!(
                "{}/api/v1/attachments/{}",
                cluster.replica(n),
                attachment["id"]
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "replica-{}", n + 1);
        assert_eq!(
            r.bytes().await.unwrap().to_vec(),
            bytes,
            "replica-{}",
            n + 1
        );
    }
    assert!(
        moto.keys("steward-cluster")
            .await
            .iter()
            .any(|k| k.starts_with("attachments/")),
        "the attachment is in the bucket"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let work = tokio::spawn(load(
        client.clone(),
        cluster.base(),
        token.clone(),
        4,
        1,
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    let outcomes = work.await.unwrap();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok).collect();
    assert!(failed.is_empty(), "{}", summary(&failed));
    let mut per_replica: BTreeMap<String, usize> = BTreeMap::new();
    for o in &outcomes {
        *per_replica
            .entry(o.replica.clone().unwrap_or_default())
            .or_default() += 1;
    }
    eprintln!("requests per replica: {per_replica:?}");
    assert_eq!(
        per_replica.keys().cloned().collect::<Vec<_>>(),
        (1..=REPLICAS)
            .map(|n| format!("replica-{n}"))
            .collect::<Vec<_>>(),
        "every replica answered"
    );
    let written: HashSet<String> = outcomes.iter().filter_map(|o| o.written.clone()).collect();
    assert!(written.is_subset(&cluster.account_codes().await));

    // Every replica has the token cached (read just now), then a logout
    // through the balancer ends it everywhere.
    for n in 0..REPLICAS {
        for _ in 0..2 {
            let r = client
                .get(format!("{}/api/v1/me", cluster.replica(n)))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    let r = client
        .post(format!("{}/api/v1/auth/logout", cluster.base()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let logged_out_on = r.headers()["x-steward-replica"]
        .to_str()
        .unwrap()
        .to_string();
    let after = Instant::now();
    for n in 0..REPLICAS {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let r = client
                .get(format!("{}/api/v1/me", cluster.replica(n)))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if r.status() == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "replica-{} still takes the token",
                n + 1
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    eprintln!(
        "logged out on {logged_out_on}; the token failed on all {REPLICAS} replicas within {:?}",
        after.elapsed()
    );
}

/// `kill -9` of one replica during a write load through the balancer: the
/// only failures are requests that were in flight on it at the kill (none
/// begun after), every acknowledged write is in the database, and the job
/// lease it held (a mail channel it was fetching) is taken by another
/// replica's scheduler once it lapses.
#[test]
fn a_killed_replica_fails_only_its_requests_in_flight() {
    drill(a_killed_replica_fails_only_its_requests_in_flight_drill());
}

async fn a_killed_replica_fails_only_its_requests_in_flight_drill() {
    let cluster = Cluster::start_with(&[("STEWARD_JOB_LEASE_SECONDS", "6".to_string())]).await;
    let client = client();
    let token = cluster.owner(&client, "kill@x.cn").await;
    // A mail server that accepts connections and never answers: whoever
    // fetches it holds the channel's lease for the 30 s IMAP timeout.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tarpit_port = tarpit.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = tarpit.accept().await {
            held.push(socket);
        }
    });
    let channel = ok(client
        .post(format!("{}/api/v1/settings/mail-channels", cluster.base()))
        .bearer_auth(&token)
        .json(
            &json!({"name": "慢", "address": "slow@vendor.cn", "kind": "imap",
                       "imap_host": "127.0.0.1", "imap_port": tarpit_port, "imap_tls": false,
                       "imap_username": "u", "imap_password": "p"}),
        ))
    .await;
    let lease_key = format!(
        "mail-fetch:channel:{}",
        channel["channel"]["id"].as_i64().expect("the channel's id")
    );
    let db = cluster.db().await;
    let holder = |db: &sea_orm::DatabaseConnection| {
        let (db, key) = (db.clone(), lease_key.clone());
        async move {
            job_claims::Entity::find()
                .filter(job_claims::Column::Key.eq(key))
                .one(&db)
                .await
                .unwrap()
                .filter(|c| c.lease_until > chrono::Utc::now())
                .map(|c| c.owner.split(':').next().unwrap_or_default().to_string())
        }
    };
    // Replica 2 fetches it now (an admin's "run now"), and so holds it.
    let deadline = Instant::now() + Duration::from_secs(75);
    loop {
        let run = client
            .post(format!(
                "{}/api/v1/admin/jobs/mail-fetch/run",
                cluster.replica(1)
            ))
            .bearer_auth(&token)
            .json(&json!({}))
            .send();
        let run = tokio::spawn(run);
        let mut held_by = None;
        for _ in 0..30 {
            held_by = holder(&db).await;
            if held_by.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if held_by.as_deref() == Some("replica-2") {
            break;
        }
        // Another replica's scheduled fetch took it first: try again.
        if run.is_finished() {
            let answer = run.await.unwrap().expect("an answer");
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            assert!(status.is_success(), "run now: {status} {body}");
        } else {
            run.abort();
        }
        assert!(Instant::now() < deadline, "replica-2 never took the lease");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let workers = 8;
    let stop = Arc::new(AtomicBool::new(false));
    let work = tokio::spawn(load(
        client.clone(),
        cluster.base(),
        token,
        workers,
        2,
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.script(&["kill", "2"]).await;
    // The process is gone once its port refuses connections (a dying
    // process still holds its sockets for a moment after the signal).
    let dead = format!("127.0.0.1:{}", cluster.ports[1]);
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(&dead).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed = Instant::now();
    // Past nginx's fail_timeout (3 s), so it tries the dead replica again.
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, Ordering::SeqCst);
    let outcomes = work.await.unwrap();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok).collect();
    eprintln!(
        "{} requests, {} failed at the kill: {:?}",
        outcomes.len(),
        failed.len(),
        failed.iter().map(|o| &o.what).collect::<Vec<_>>()
    );
    assert!(
        failed.iter().all(|o| o.started < killed),
        "only requests begun before the kill fail: {}",
        summary(&failed)
    );
    assert!(
        failed.len() <= workers,
        "at most one in flight per client: {}",
        summary(&failed)
    );
    let after_kill = outcomes
        .iter()
        .filter(|o| o.started > killed && o.ok)
        .count();
    assert!(after_kill > 0, "the load went on after the kill");
    assert!(
        outcomes
            .iter()
            .filter(|o| o.started > killed)
            .all(|o| o.replica.as_deref() != Some("replica-2")),
        "nothing answered by the dead replica"
    );
    let written: HashSet<String> = outcomes.iter().filter_map(|o| o.written.clone()).collect();
    let stored = cluster.account_codes().await;
    let lost: Vec<_> = written.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but missing: {lost:?}");

    // The dead replica's lease lapses (6 s) and the next scheduled
    // mail-fetch (every minute) of another replica takes the channel.
    let deadline = Instant::now() + Duration::from_secs(80);
    let taken_by = loop {
        if let Some(by) = holder(&db).await.filter(|by| by != "replica-2") {
            break by;
        }
        assert!(
            Instant::now() < deadline,
            "nobody took over the dead replica's lease on {lease_key}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!(
        "the dead replica-2's lease on {lease_key} was taken by {taken_by} {:?} after the kill",
        killed.elapsed()
    );
    db.close().await.ok();
}

/// Every replica in turn gets SIGTERM and is started again, under load:
/// not one request fails (the replica stops accepting, nginx sends the
/// next connection elsewhere, the requests in flight finish), and every
/// acknowledged write is in the database.
#[test]
fn a_rolling_restart_under_load_fails_no_request() {
    drill(a_rolling_restart_under_load_fails_no_request_drill());
}

async fn a_rolling_restart_under_load_fails_no_request_drill() {
    let cluster = Cluster::start().await;
    let client = client();
    let token = cluster.owner(&client, "rolling@x.cn").await;
    let stop = Arc::new(AtomicBool::new(false));
    let work = tokio::spawn(load(
        client.clone(),
        cluster.base(),
        token,
        6,
        3,
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    for n in 1..=REPLICAS {
        cluster.script(&["restart", &n.to_string()]).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let outcomes = work.await.unwrap();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok).collect();
    eprintln!(
        "{} requests during the rolling restart, {} failed",
        outcomes.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{}", summary(&failed));
    let written: HashSet<String> = outcomes.iter().filter_map(|o| o.written.clone()).collect();
    let stored = cluster.account_codes().await;
    let lost: Vec<_> = written.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but missing: {lost:?}");
}

/// A request through the balancer that must succeed; its JSON answer.
async fn ok(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the request is answered");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A zone (`Etc/GMT±h`) where it is now between noon and 1 pm, so the
/// digest's 08:30 has passed and the rest of the day is still "today".
fn zone_at_noon() -> String {
    use chrono::Timelike;
    let hour = chrono::Utc::now().hour() as i32;
    let mut offset = 12 - hour; // local = UTC + offset
    if offset > 14 {
        offset -= 24;
    }
    if offset < -12 {
        offset += 24;
    }
    // Etc/GMT-8 is UTC+8: the sign is the other way round.
    match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// Jobs on every replica: the three replicas run their own schedulers
/// (every job, the daily ones ticking every 10 s on a slot a minute) for
/// two minutes against a workload fed through the balancer: renewal
/// reminders, playbook triggers, webhook and chat-bot events, mail to
/// fetch from a real IMAP server (Dovecot), a digest. Afterwards every
/// replica has run every job, and each e-mail (at a real SMTP server),
/// webhook and chat delivery, ticket and task exists exactly once.
#[test]
fn every_job_on_every_replica_for_two_minutes_does_each_unit_once() {
    drill(every_job_on_every_replica_for_two_minutes_does_each_unit_once_drill());
}

async fn every_job_on_every_replica_for_two_minutes_does_each_unit_once_drill() {
    const MINUTES: u64 = 2;
    let imap = dovecot::Dovecot::start();
    let (smtp_port, sink) = smtp::start_smtp_on(0);
    let cluster = Cluster::start_with(&[
        ("STEWARD_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("STEWARD_WEBHOOKS_ALLOW_PRIVATE", "true".to_string()),
        // Daily jobs: a slot every minute, looked for every 10 s.
        ("STEWARD_RENEWAL_REMINDERS_CRON", "0 * * * * *".to_string()),
        ("STEWARD_HEALTH_SCORES_CRON", "30 * * * * *".to_string()),
        ("STEWARD_DAILY_TICK_CRON", "*/10 * * * * *".to_string()),
        ("STEWARD_JOB_LEASE_SECONDS", "6".to_string()),
    ])
    .await;
    let client = client();
    let base = cluster.base();
    let admin_email = "jobs-admin@x.cn";
    let token = cluster.owner(&client, admin_email).await;
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(&token)
            .json(&body)
    };
    let me = ok(client.get(format!("{base}/api/v1/me")).bearer_auth(&token)).await;
    let admin_id = me["user"]["id"].as_i64().unwrap();
    ok(client
        .patch(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .json(&json!({"digest_opt_in": true})))
    .await;
    let mut calendar = ok(client
        .get(format!("{base}/api/v1/calendar"))
        .bearer_auth(&token))
    .await;
    calendar["time_zone"] = json!(zone_at_noon());
    ok(client
        .put(format!("{base}/api/v1/calendar"))
        .bearer_auth(&token)
        .json(&calendar))
    .await;

    let hooks = receiver::Receiver::start(200, "").await;
    ok(post(
        "/webhooks",
        json!({"url": hooks.url, "events": ["renewal.due_soon", "ticket.created"]}),
    ))
    .await;
    let chat = receiver::Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    ok(post(
        "/settings/chat-bots",
        json!({"name": "支持群", "kind": "wecom", "webhook_url": format!("{}?key=k", chat.url),
               "rules": [{"events": ["ticket.created"]}]}),
    ))
    .await;
    ok(post(
        "/playbooks",
        json!({"name": "续费前90天", "trigger": "renewal_due", "threshold": 90,
               "steps": [playbook_step("回顾使用情况", "Review usage", 0),
                         playbook_step("约续约会议", "Book the meeting", 7)]}),
    ))
    .await;
    // Contracts ending in 30 days: their renewals are due, the 30-day
    // reminder with them.
    let ends_on = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    let new_account = |n: usize| {
        let post = &post;
        async move {
            let account = ok(post(
                "/accounts",
                json!({"name": format!("续约客户{n}"), "code": format!("7{n:03}"),
                       "modules": ["finance"], "owner_id": admin_id}),
            ))
            .await;
            ok(post(
                "/contracts",
                json!({"account_id": account["id"], "starts_on": ends_on - chrono::Duration::days(365),
                       "ends_on": ends_on, "annual_value": "50000.00"}),
            ))
            .await;
            account
        }
    };
    let first = new_account(0).await;
    ok(post(
        &format!("/accounts/{}/contacts", first["id"]),
        json!({"name": "王芳", "email": CONTACT, "title": "财务主管", "modules": ["finance"]}),
    ))
    .await;
    ok(post(
        "/settings/mail-channels",
        json!({"name": "IMAP", "address": "replicas@vendor.cn", "kind": "imap",
               "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_tls": false,
               "imap_username": dovecot::USER, "imap_password": dovecot::PASSWORD}),
    ))
    .await;
    ok(post(
        "/tasks",
        json!({"account_id": first["id"], "title": "回访", "assignee_id": admin_id,
               "due_at": (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339()}),
    ))
    .await;

    // Two minutes of work arriving while every replica's scheduler runs.
    let started = Instant::now();
    let mut accounts = 1;
    let mut mails = 0;
    let mut p1s = 0;
    let mut round = 0;
    while started.elapsed() < Duration::from_secs(MINUTES * 60) {
        imap.deliver(&raw_mail(
            &format!("replica-drill-{round}@kehu.cn"),
            &format!("第{round}封"),
        ));
        mails += 1;
        ok(post(
            "/tickets",
            json!({"account_id": first["id"], "module": "finance", "category": "bug",
                   "priority": "p1", "subject": format!("P1 第{round}轮")}),
        ))
        .await;
        p1s += 1;
        if round % 3 == 2 {
            new_account(accounts).await;
            accounts += 1;
        }
        round += 1;
        tokio::time::sleep(Duration::from_secs(10)).await;
    }

    // Then the replicas finish what is left: the last mail is fetched
    // within a minute, the outboxes drain.
    let db = cluster.db().await;
    let deadline = Instant::now() + Duration::from_secs(100);
    loop {
        let inbound = inbound_messages::Entity::find().all(&db).await.unwrap();
        let fetched = inbound.len() == mails && inbound.iter().all(|m| m.ticket_id.is_some());
        let mail_left = email_outbox::Entity::find()
            .filter(email_outbox::Column::Status.is_in(["pending", "sending"]))
            .all(&db)
            .await
            .unwrap();
        let deliveries_left = deliveries::Entity::find()
            .filter(deliveries::Column::Status.is_in(["pending", "sending"]))
            .all(&db)
            .await
            .unwrap();
        let runs = playbook_runs::Entity::find().all(&db).await.unwrap();
        if fetched && mail_left.is_empty() && deliveries_left.is_empty() && runs.len() == accounts {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the work was not done: {} of {mails} messages fetched, {} mails and {} deliveries \
             left, {} of {accounts} playbook runs",
            inbound.len(),
            mail_left.len(),
            deliveries_left.len(),
            runs.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Wait for the in-flight sends' last answers to land at the sinks.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Every replica ran every job on its own schedule.
    for n in 1..=REPLICAS {
        let log = std::fs::read_to_string(cluster.dir.join(format!("replica-{n}.log"))).unwrap();
        for job in server::jobs::REGISTRY {
            if job.name == "renewals-open" || job.name == "mail-retention" {
                continue; // hourly
            }
            assert!(
                log.lines()
                    .any(|l| l.contains("job ran") && l.contains(&format!("\"{}\"", job.name))),
                "replica-{n} never ran {}",
                job.name
            );
        }
    }

    // Each e-mail queued went out, and reached the SMTP server once.
    let queued = email_outbox::Entity::find().all(&db).await.unwrap();
    let sent = workload::each_sent_once(&sink.message_id_counts(), &queued);
    let mut keys: std::collections::HashMap<&str, usize> = Default::default();
    for mail in &queued {
        if let Some(key) = mail.dedupe_key.as_deref() {
            *keys.entry(key).or_default() += 1;
        }
    }
    assert!(keys.values().all(|n| *n == 1), "{keys:?}");
    // The digest job looks every five minutes (at :00, :05 …): within the
    // drill's minutes it may come once, never twice.
    let digests = keys.keys().filter(|k| k.starts_with("digest:")).count();
    assert!(digests <= 1, "one digest at most: {keys:?}");
    let reminders = keys.keys().filter(|k| k.starts_with("renewal")).count();
    let to_admin = sent.iter().filter(|m| m.to_addr == admin_email).count();
    assert!(
        to_admin >= accounts,
        "the owner's renewal reminders: {to_admin} mails for {accounts} accounts ({keys:?})"
    );

    // Mail fetched by three replicas: one ticket per message, each
    // message flagged once.
    let inbound = inbound_messages::Entity::find().all(&db).await.unwrap();
    let mut opened: Vec<i64> = inbound.iter().filter_map(|m| m.ticket_id).collect();
    opened.sort_unstable();
    opened.dedup();
    assert_eq!(opened.len(), mails, "one ticket per message");
    assert_eq!(imap.seen(), mails, "each message flagged once fetched");
    let all_tickets = tickets::Entity::find().all(&db).await.unwrap();
    assert_eq!(all_tickets.len(), mails + p1s);

    // Webhooks and chat: each delivery reached its receiver once.
    let rows = deliveries::Entity::find().all(&db).await.unwrap();
    assert!(rows.iter().all(|d| d.status == "delivered"), "{rows:?}");
    let hook_rows = rows.iter().filter(|d| d.target_kind == "webhook").count();
    let chat_rows = rows.iter().filter(|d| d.target_kind == "chat_bot").count();
    let mut by_delivery: std::collections::HashMap<String, usize> = Default::default();
    for request in hooks.requests() {
        *by_delivery
            .entry(request.headers["steward-delivery"].clone())
            .or_default() += 1;
    }
    assert_eq!(by_delivery.len(), hook_rows);
    assert!(by_delivery.values().all(|n| *n == 1), "{by_delivery:?}");
    // ticket.created for every ticket, renewal.due_soon once per renewal.
    assert_eq!(hook_rows, mails + p1s + accounts, "webhook deliveries");
    assert_eq!(chat_rows, mails + p1s);
    assert_eq!(chat.requests().len(), chat_rows);

    // Playbooks: one run per account, its two tasks once each.
    let runs = playbook_runs::Entity::find().all(&db).await.unwrap();
    assert_eq!(runs.len(), accounts, "{runs:?}");
    for run in &runs {
        let made = tasks::Entity::find()
            .filter(tasks::Column::PlaybookRunId.eq(run.id))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(made.len(), 2, "run {}", run.id);
    }
    // The daily slots: one per workspace and minute, each done once (the
    // key is unique), by whichever replica took it.
    let slots = job_claims::Entity::find()
        .filter(job_claims::Column::Key.starts_with("renewal-reminders:ws:"))
        .all(&db)
        .await
        .unwrap();
    assert!(slots.len() >= MINUTES as usize, "{slots:?}");
    eprintln!(
        "{mails} mails fetched, {p1s} tickets, {accounts} renewals, {} e-mails ({reminders} reminders, \
         {digests} digest), {hook_rows} webhook and {chat_rows} chat deliveries, {} daily slots; held by {:?}",
        sent.len(),
        slots.len(),
        slots
            .iter()
            .map(|s| s.owner.split(':').next().unwrap_or_default().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    );
    db.close().await.ok();
}
