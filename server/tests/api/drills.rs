//! Reliability drills (issue 13): many writers at once, optimistic-locking
//! races, a crash in the middle of a write load, and backup and restore
//! under writes. They check what clients saw acknowledged against what the
//! database holds afterwards; none of them times anything.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::{accounts, ticket_comments, tickets};

use crate::helpers::*;

#[actix_web::test]
async fn twenty_clients_with_one_etag_one_wins_the_rest_get_412() {
    let app = spawn_app().await;
    let admin = app.signup("W", "etag@x.cn").await;
    let account = app.create_account(&admin.token, "并发测试", "1").await;
    let id = account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}");
    let etag = app.get(&path, &admin.token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let requests = (0..20).map(|i| {
        let (app, path, etag, token) = (&app, path.clone(), etag.clone(), admin.token.clone());
        async move {
            app.client
                .patch(app.url(&path))
                .bearer_auth(token)
                .header("If-Match", etag)
                .json(&json!({"industry": format!("行业 {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = join_all(requests).await;
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, stale), (1, 19), "{statuses:?}");
    let now: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(now["version"], 2, "exactly one update landed");
}

/// What the writers saw acknowledged.
#[derive(Default)]
struct Acknowledged {
    tickets: HashMap<i64, i64>,
    comments: HashMap<i64, usize>,
    account_updates: usize,
    failures: Vec<String>,
}

/// 50 writers for 30 s (`STEWARD_DRILL_SECS`): ticket creates from staff and
/// the portal, comments on those tickets, account updates. Afterwards every
/// acknowledged write is in the database, nothing else is, no ticket number
/// repeats, and no request answered 5xx (or anything but success).
#[actix_web::test]
async fn fifty_writers_for_thirty_seconds_lose_nothing() {
    let secs: u64 = std::env::var("STEWARD_DRILL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let app = spawn_app().await;
    let admin = app.signup("W", "drill@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "drill-c@x.cn", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let counter = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);

    let writer = |w: usize| {
        let (app, ack, counter) = (&app, ack.clone(), counter.clone());
        let (staff, portal) = (admin.token.clone(), customer.token.clone());
        async move {
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let known: Vec<i64> = ack.lock().unwrap().tickets.keys().copied().collect();
                let (what, response) = match n % 4 {
                    0 => (
                        "staff ticket",
                        app.post(
                            "/api/v1/tickets",
                            &staff,
                            json!({"account_id": account_id, "module": "finance", "category": "bug",
                                   "priority": "p3", "subject": format!("凭证过账报错 {w}-{n}")}),
                        )
                        .await,
                    ),
                    1 => (
                        "portal ticket",
                        app.post(
                            "/api/v1/portal/tickets",
                            &portal,
                            json!({"module": "inventory", "category": "question", "priority": "p3",
                                   "subject": format!("仓存数量不对 {w}-{n}")}),
                        )
                        .await,
                    ),
                    2 if !known.is_empty() => {
                        let ticket = known[n % known.len()];
                        let r = app
                            .post(
                                &format!("/api/v1/tickets/{ticket}/comments"),
                                &staff,
                                json!({"body": format!("已处理 {w}-{n}"), "internal": n % 8 == 2}),
                            )
                            .await;
                        if r.status().is_success() {
                            *ack.lock().unwrap().comments.entry(ticket).or_default() += 1;
                        }
                        ("comment", r)
                    }
                    _ => (
                        "account update",
                        app.patch(
                            &format!("/api/v1/accounts/{account_id}"),
                            &staff,
                            json!({"industry": format!("制造业 {w}-{n}")}),
                        )
                        .await,
                    ),
                };
                let status = response.status();
                if !status.is_success() {
                    let body = response.text().await.unwrap_or_default();
                    ack.lock()
                        .unwrap()
                        .failures
                        .push(format!("{what}: {status} {body}"));
                    continue;
                }
                match what {
                    "staff ticket" | "portal ticket" => {
                        let t: Value = response.json().await.unwrap();
                        ack.lock()
                            .unwrap()
                            .tickets
                            .insert(t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
                    }
                    "account update" => ack.lock().unwrap().account_updates += 1,
                    _ => {}
                }
            }
        }
    };
    join_all((0..50).map(writer)).await;

    let ack = std::mem::take(&mut *ack.lock().unwrap());
    assert!(
        ack.failures.is_empty(),
        "{} writes failed, e.g. {:?}",
        ack.failures.len(),
        &ack.failures[..ack.failures.len().min(5)]
    );
    assert!(
        ack.tickets.len() > 50,
        "the drill did work: {}",
        ack.tickets.len()
    );
    let db = &app.app_state.db.read;
    let account_row = accounts::Entity::find_by_id(account_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let stored = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(account_row.workspace_id))
        .all(db)
        .await
        .unwrap();
    let stored_ids: HashSet<i64> = stored.iter().map(|t| t.id).collect();
    let acked_ids: HashSet<i64> = ack.tickets.keys().copied().collect();
    assert_eq!(stored_ids, acked_ids, "tickets: stored = acknowledged");
    let numbers: HashSet<i64> = stored.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), stored.len(), "no ticket number twice");
    for t in &stored {
        assert_eq!(
            ack.tickets[&t.id], t.number,
            "the number the client was told"
        );
    }
    for (ticket, count) in &ack.comments {
        let stored = ticket_comments::Entity::find()
            .filter(ticket_comments::Column::TicketId.eq(*ticket))
            .count(db)
            .await
            .unwrap();
        assert_eq!(stored as usize, *count, "comments of ticket {ticket}");
    }
    let all_comments = ticket_comments::Entity::find().count(db).await.unwrap();
    assert_eq!(
        all_comments as usize,
        ack.comments.values().sum::<usize>(),
        "no comment the clients were not told of"
    );
    assert_eq!(
        account_row.version as usize,
        1 + ack.account_updates,
        "every acknowledged account update counted once"
    );
}

/// `steward backup` while writers keep writing, then `steward restore` into
/// a fresh database: the restored server serves every account acknowledged
/// before the backup began, and none that was never acknowledged.
#[actix_web::test]
async fn a_backup_during_writes_restores_into_a_fresh_database() {
    let app = spawn_app().await;
    let admin = app.signup("W", "bak@x.cn").await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers = (0..5).map(|w| {
        let (app, acked, stop, token) = (&app, acked.clone(), stop.clone(), admin.token.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let code = format!("{}{:04}", w + 1, n);
                n += 1;
                let r = app
                    .post(
                        "/api/v1/accounts",
                        &token,
                        json!({"name": format!("备份客户 {code}"), "code": code}),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::CREATED);
                acked.lock().unwrap().push(code);
            }
        }
    });
    let backup = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
        let file = std::env::temp_dir().join(format!("steward-backup-{}", uuid::Uuid::new_v4()));
        server::backup::backup(&app.app_state.config, &file)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        (before, file)
    };
    let (_, (before, file)) = futures_util::join!(join_all(writers), backup);
    assert!(before.len() > 5, "writes were under way: {}", before.len());
    let all: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();

    // Restore into a fresh, empty database and serve it.
    let target = fresh_database_url().await;
    let mut config = (*app.app_state.config).clone();
    config.database_url = Some(target.clone());
    server::backup::restore(&config, &file).await.unwrap();
    // A second restore into what is no longer empty is refused.
    assert!(server::backup::restore(&config, &file).await.is_err());
    let restored = spawn_app_with(|c| c.database_url = Some(target)).await;
    let admin = restored.login_ok("bak@x.cn").await;
    let mut codes = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/accounts?limit=200&cursor={c}"),
            None => "/api/v1/accounts?limit=200".to_string(),
        };
        let page: Value = restored
            .get(&path, &admin.token)
            .await
            .json()
            .await
            .unwrap();
        for a in page["items"].as_array().unwrap() {
            codes.insert(a["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert!(
        before.is_subset(&codes),
        "{} acknowledged before the backup are missing",
        before.difference(&codes).count()
    );
    assert!(
        codes.is_subset(&all),
        "the backup holds only acknowledged accounts"
    );
    let _ = std::fs::remove_file(&file);
}

/// The `steward` binary as a child process, killed (SIGKILL) when dropped.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_server(data_dir: &std::path::Path, database_url: &str, smtp_port: u16) -> Server {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("serve")
        .env("STEWARD_DATA_DIR", data_dir)
        .env("STEWARD_DATABASE_URL", database_url)
        .env("STEWARD_BIND", format!("127.0.0.1:{port}"))
        .env("STEWARD_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env(
            "STEWARD_JWT_SECRET",
            "drill-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        )
        .env("STEWARD_STATIC_DIR", data_dir.join("no-spa"))
        .env("STEWARD_LOG", "warn")
        // A send cut off by the kill is retried after 30 s, not 10 min.
        .env("STEWARD_MAIL_CLAIM_LEASE_SECS", "30")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the steward binary starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not come up");
}

/// `kill -9` in the middle of a write load: after a restart the database is
/// whole (`PRAGMA integrity_check` on SQLite), every acknowledged write is
/// there, and the outbox sends each mail that was pending exactly once.
#[actix_web::test]
async fn a_kill_9_mid_write_keeps_every_acknowledged_write_and_mails_each_once() {
    let data_dir = std::env::temp_dir().join(format!("steward-crash-{}", uuid::Uuid::new_v4()));
    let database_url = if backend_is_postgres() {
        fresh_database_url().await
    } else {
        format!("sqlite://{}/steward.db?mode=rwc", data_dir.display())
    };
    // No mail server yet: every send fails, so all mail is still pending at
    // the crash (a mail accepted by SMTP an instant before the kill would
    // be the one duplicate SMTP cannot rule out).
    let nowhere = free_port();
    let server = start_server(&data_dir, &database_url, nowhere).await;
    let client = reqwest::Client::new();
    let signup: Value = client
        .post(format!("{}/api/v1/signup", server.base))
        .json(&json!({"workspace_name": "W", "name": "管理员", "email": "crash@x.cn", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["access_token"].as_str().unwrap().to_string();
    {
        let url = if backend_is_postgres() {
            database_url.clone()
        } else {
            format!("sqlite://{}/steward.db?mode=rw", data_dir.display())
        };
        let db = sea_orm::Database::connect(url).await.unwrap();
        confirm_via_outbox(&db, &server.base, "crash@x.cn").await;
        db.close().await.unwrap();
    }

    let accounts: Arc<Mutex<Vec<String>>> = Arc::default();
    let invited: Arc<Mutex<Vec<String>>> = Arc::default();
    let first_base = server.base.clone();
    let writers = (0..10).map(|w| {
        let (client, base, token) = (client.clone(), first_base.clone(), token.clone());
        let (accounts, invited) = (accounts.clone(), invited.clone());
        async move {
            for n in 0.. {
                let (path, body, email) = if n % 3 == 2 {
                    let email = format!("csm{w}-{n}@x.cn");
                    (
                        "/api/v1/users",
                        json!({"name": "新同事", "email": email, "role": "csm"}),
                        Some(email),
                    )
                } else {
                    let code = format!("{}{:05}", w + 1, n);
                    (
                        "/api/v1/accounts",
                        json!({"name": format!("客户 {code}"), "code": code}),
                        None,
                    )
                };
                let Ok(r) = client
                    .post(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                else {
                    return; // the server is gone
                };
                if r.status() != StatusCode::CREATED {
                    return;
                }
                match email {
                    Some(email) => invited.lock().unwrap().push(email),
                    None => accounts
                        .lock()
                        .unwrap()
                        .push(body["code"].as_str().unwrap().to_string()),
                }
            }
        }
    });
    let crash = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        drop(server); // SIGKILL, mid-write
    };
    futures_util::join!(join_all(writers), crash);
    let accounts = std::mem::take(&mut *accounts.lock().unwrap());
    let invited = std::mem::take(&mut *invited.lock().unwrap());
    assert!(accounts.len() > 10 && !invited.is_empty(), "the load ran");

    if !backend_is_postgres() {
        let db = sea_orm::Database::connect(format!(
            "sqlite://{}/steward.db?mode=ro",
            data_dir.display()
        ))
        .await
        .unwrap();
        use sea_orm::ConnectionTrait;
        let verdict: String = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        assert_eq!(verdict, "ok");
        db.close().await.unwrap();
    }

    // Restart with a mail server.
    let (smtp_port, mail) = start_smtp_on(0);
    let server = start_server(&data_dir, &database_url, smtp_port).await;
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": "crash@x.cn", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let mut codes = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/api/v1/accounts?limit=200", server.base);
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for a in page["items"].as_array().unwrap() {
            codes.insert(a["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let missing: Vec<&String> = accounts.iter().filter(|c| !codes.contains(*c)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");

    // Every invitation acknowledged before the crash arrives, once. Failed
    // sends wait out their 30 s back-off first, and sends the kill cut off
    // their 30 s lease.
    let received = |to: &str| {
        mail.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(to)))
            .count()
    };
    let started = Instant::now();
    while invited.iter().any(|e| received(e) == 0) && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(12)).await; // a scheduler pass more
    for email in &invited {
        assert_eq!(received(email), 1, "mail to {email}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A ticket's conversation is read whole, so it is bounded: the 1,001st
/// comment is refused (the list can never grow past what one answer holds).
#[actix_web::test]
async fn a_ticket_holds_at_most_a_thousand_comments() {
    use sea_orm::ActiveValue::Set;
    let app = spawn_app().await;
    let admin = app.signup("W", "cap@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "cap-c@x.cn", "1").await;
    let t: Value = app
        .post(
            "/api/v1/portal/tickets",
            &customer.token,
            json!({"module": "finance", "category": "bug", "priority": "p3", "subject": "长对话"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let ticket = tickets::Entity::find_by_id(id)
        .one(&app.app_state.db.read)
        .await
        .unwrap()
        .unwrap();
    let rows = (0..999).map(|i| ticket_comments::ActiveModel {
        workspace_id: Set(ticket.workspace_id),
        ticket_id: Set(id),
        author_user_id: Set(admin.id()),
        body: Set(format!("第 {i} 条")),
        internal: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    });
    ticket_comments::Entity::insert_many(rows)
        .exec(&app.app_state.db.write)
        .await
        .unwrap();
    let path = format!("/api/v1/tickets/{id}/comments");
    let r = app
        .post(&path, &admin.token, json!({"body": "第 1000 条"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e = assert_error(
        app.post(&path, &admin.token, json!({"body": "第 1001 条"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["body"].as_str().unwrap().contains("1000"),
        "{e}"
    );
    let list: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1000);
}
