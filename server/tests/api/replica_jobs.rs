//! Jobs on every replica (issue 17): three app instances on one database
//! run every job at once, again and again, over a workload of renewal
//! reminders, webhook events, chat notifications, mail to fetch from a
//! real IMAP server, playbook triggers and a digest; afterwards each
//! e-mail, delivery, ticket and task exists (and went out) exactly once.
//! And the daily jobs follow each workspace's time zone.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::integrations::deliveries;
use server::entity::{email_outbox, inbound_messages, playbook_runs, tasks, tickets};

use crate::helpers::workload::{playbook_step as step, raw_mail, CONTACT};
use crate::helpers::*;
use crate::mail_in::dovecot::{self, Dovecot};
use crate::receiver::Receiver;

/// Rounds of "every job on every instance at once".
const ROUNDS: usize = 4;
/// Accounts, each with a contract to remind of and a playbook to fire.
const ACCOUNTS: usize = 4;
async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {answer}");
    answer
}

/// Runs a job as the scheduler does. On SQLite the three instances share
/// one file, and one instance's write can find another's background work
/// (an outbox send after a kick) holding the lock: the run fails as
/// "database is locked", and the scheduler's next tick runs it again, as
/// here. (On PostgreSQL, and on SQLite with one process, nothing is
/// retried.)
async fn as_scheduled<F, Fut>(name: &str, run: F) -> server::jobs::JobReport
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = server::error::AppResult<server::jobs::JobReport>>,
{
    let mut tries = 0;
    loop {
        match run().await {
            Ok(report) => return report,
            Err(e)
                if !backend_is_postgres()
                    && tries < 10
                    && e.to_string().contains("database is locked") =>
            {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{name} failed: {e}"),
        }
    }
}

/// Every registered job, as the scheduler runs it, on `app`; the daily
/// ones also over the whole platform (their items' own claims). Returns,
/// per daily job, the workspaces whose slot this instance ran.
async fn every_job(app: &TestApp) -> HashMap<String, usize> {
    let mut runs = Vec::new();
    for spec in server::jobs::REGISTRY {
        let state = app.app_state.clone();
        runs.push(tokio::spawn(async move {
            let due = as_scheduled(spec.name, || server::jobs::run_due(&state, spec.name)).await;
            if matches!(spec.schedule, server::jobs::Schedule::Daily(_)) {
                as_scheduled(spec.name, || server::jobs::run(&state, spec.name)).await;
                let ran = due.summary["ran"].as_array().map_or(0, Vec::len);
                Some((spec.name.to_string(), ran))
            } else {
                None
            }
        }));
    }
    let mut slots = HashMap::new();
    for run in runs {
        if let Some((name, ran)) = run.await.expect("the job task") {
            *slots.entry(name).or_default() += ran;
        }
    }
    slots
}

#[actix_web::test]
async fn every_job_on_three_instances_does_each_unit_of_work_once() {
    let imap = Dovecot::start();
    // 09:00 in Shanghai, 30 days before the contracts end: the 30-day
    // renewal reminders are due, the digest's hour has passed.
    let at = Utc.from_utc_datetime(
        &(crate::reminders::end() - Duration::days(30))
            .and_hms_opt(1, 0, 0)
            .unwrap(),
    );
    // Replicas share the database and the secret key (mail channels'
    // passwords are sealed with it).
    let key = "replica-secret-0123456789-abcdefghijklmnopqrstuvwxyz".to_string();
    let shared = key.clone();
    let first = spawn_app_at_with(at, move |c| {
        c.webhooks_allow_private = true;
        c.secret_key = Some(shared);
    })
    .await;
    let url = first.app_state.config.database_url();
    let mut apps = vec![first];
    for _ in 0..2 {
        let (url, key) = (url.clone(), key.clone());
        apps.push(
            spawn_app_at_with(at, move |c| {
                c.database_url = Some(url);
                c.webhooks_allow_private = true;
                c.secret_key = Some(key);
            })
            .await,
        );
    }
    let app = &apps[0];
    let admin = app.signup("Replicas", "replicas-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "replicas-csm@x.cn").await;
    ok(app
        .patch("/api/v1/me", &csm.token, json!({"digest_opt_in": true}))
        .await)
    .await;

    let hooks = Receiver::start(200, "").await;
    ok(app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"url": hooks.url, "events": ["renewal.due_soon", "ticket.created"]}),
        )
        .await)
    .await;
    let chat = Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    ok(app
        .post(
            "/api/v1/settings/chat-bots",
            &admin.token,
            json!({"name": "支持群", "kind": "wecom", "webhook_url": format!("{}?key=k", chat.url),
                   "rules": [{"events": ["ticket.created"]}]}),
        )
        .await)
    .await;
    ok(app
        .post(
            "/api/v1/playbooks",
            &admin.token,
            json!({"name": "续费前90天", "trigger": "renewal_due", "threshold": 90,
                   "steps": [step("回顾使用情况", "Review usage", 0),
                             step("约续约会议", "Book the meeting", 7)]}),
        )
        .await)
    .await;
    let mut accounts = Vec::new();
    for i in 0..ACCOUNTS {
        let account = app
            .create_account(
                &admin.token,
                &format!("续约客户{i}"),
                &format!("1007{i:02}"),
            )
            .await;
        ok(app
            .patch(
                &format!("/api/v1/accounts/{}", account["id"]),
                &admin.token,
                json!({"owner_id": csm.id()}),
            )
            .await)
        .await;
        crate::reminders::add_contract(app, &admin.token, &account, "50000.00").await;
        accounts.push(account);
    }
    app.create_contact(
        &admin.token,
        accounts[0]["id"].as_i64().unwrap(),
        "王芳",
        CONTACT,
    )
    .await;
    ok(app
        .post(
            "/api/v1/settings/mail-channels",
            &admin.token,
            json!({"name": "IMAP", "address": "replicas@vendor.cn", "kind": "imap",
                   "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_tls": false,
                   "imap_username": dovecot::USER, "imap_password": dovecot::PASSWORD}),
        )
        .await)
    .await;
    // A task due today, so the CSM's digest has something to say.
    ok(app
        .post(
            "/api/v1/tasks",
            &admin.token,
            json!({"account_id": accounts[0]["id"], "title": "回访", "assignee_id": csm.id(),
                   "due_at": (at + Duration::hours(3)).to_rfc3339()}),
        )
        .await)
    .await;
    let outbox_before = email_outbox::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .max()
        .unwrap_or(0);

    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut mails = 0;
    let mut p1s = 0;
    for round in 0..ROUNDS {
        // More work arrives between and during the rounds: mail into the
        // mailbox, a P1 ticket through another instance each time.
        for n in 0..2 {
            imap.deliver(&raw_mail(
                &format!("replica-{round}-{n}@kehu.cn"),
                &format!("第{round}轮第{n}封"),
            ));
            mails += 1;
        }
        let through = &apps[round % apps.len()];
        let ticket = json!({"account_id": accounts[round % ACCOUNTS]["id"], "module": "finance",
                            "category": "bug", "priority": "p1",
                            "subject": format!("P1 第{round}轮")});
        let ran = if backend_is_postgres() {
            let (a, b, c, created) = tokio::join!(
                every_job(&apps[0]),
                every_job(&apps[1]),
                every_job(&apps[2]),
                through.post("/api/v1/tickets", &admin.token, ticket),
            );
            ok(created).await;
            let (d, e, f) = tokio::join!(
                every_job(&apps[0]),
                every_job(&apps[1]),
                every_job(&apps[2])
            );
            vec![a, b, c, d, e, f]
        } else {
            // SQLite is one process's database: a second process's write
            // transaction that read first fails with SQLITE_BUSY_SNAPSHOT
            // rather than waiting. The instances take turns (each runs
            // every job at once, on its one writer).
            ok(through.post("/api/v1/tickets", &admin.token, ticket).await).await;
            let mut ran = Vec::new();
            for _ in 0..2 {
                for app in &apps {
                    ran.push(every_job(app).await);
                }
            }
            ran
        };
        p1s += 1;
        for ran in ran {
            for (name, n) in ran {
                *slots.entry(name).or_default() += n;
            }
        }
    }

    // Drain: every instance delivers until nothing is left (bounded).
    let db = &app.app_state.db.read;
    let mut drained = false;
    for _ in 0..200 {
        let drain = |app: &TestApp| {
            let state = app.app_state.clone();
            async move {
                server::jobs::run(&state, "email-outbox").await.unwrap();
                server::jobs::run(&state, "integrations-outbox")
                    .await
                    .unwrap();
            }
        };
        if backend_is_postgres() {
            tokio::join!(drain(&apps[0]), drain(&apps[1]), drain(&apps[2]));
        } else {
            drain(&apps[0]).await;
        }
        let mail_left = email_outbox::Entity::find()
            .filter(email_outbox::Column::Status.is_in(["pending", "sending"]))
            .all(db)
            .await
            .unwrap();
        let deliveries_left = deliveries::Entity::find()
            .filter(deliveries::Column::Status.is_in(["pending", "sending"]))
            .all(db)
            .await
            .unwrap();
        if mail_left.is_empty() && deliveries_left.is_empty() {
            drained = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(drained, "the outboxes never emptied");

    // Each daily slot ran once in all (one workspace), however many
    // instances and rounds tried.
    for name in [
        "renewal-reminders",
        "expiry-reminders",
        "health-scores",
        "certification-reminders",
    ] {
        assert_eq!(slots.get(name), Some(&1), "{name}: {slots:?}");
    }

    // Every e-mail queued went out once: its Message-ID reached the SMTP
    // sinks (one per instance) exactly once.
    let mut received: HashMap<String, usize> = HashMap::new();
    for app in &apps {
        for (id, n) in app.mail.message_id_counts() {
            *received.entry(id).or_default() += n;
        }
    }
    let queued: Vec<email_outbox::Model> = email_outbox::Entity::find()
        .filter(email_outbox::Column::Id.gt(outbox_before))
        .all(db)
        .await
        .unwrap();
    let sent = crate::helpers::workload::each_sent_once(&received, &queued);
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for mail in &queued {
        if let Some(key) = mail.dedupe_key.as_deref() {
            *keys.entry(key).or_default() += 1;
        }
    }
    assert!(keys.values().all(|n| *n == 1), "{keys:?}");
    let digests = keys.keys().filter(|k| k.starts_with("digest:")).count();
    assert_eq!(digests, 1, "one digest: {keys:?}");
    let to_csm = sent
        .iter()
        .filter(|m| m.to_addr == "replicas-csm@x.cn")
        .count();
    assert!(
        to_csm > ACCOUNTS,
        "the CSM's reminders and digest: {to_csm}"
    );

    // Mail fetched by three instances: one ticket per message.
    let inbound = inbound_messages::Entity::find().all(db).await.unwrap();
    assert_eq!(inbound.len(), mails, "each message stored once");
    let mut opened: Vec<i64> = inbound.iter().filter_map(|m| m.ticket_id).collect();
    assert_eq!(opened.len(), mails, "{inbound:?}");
    opened.sort_unstable();
    opened.dedup();
    assert_eq!(opened.len(), mails, "one ticket per message");
    assert_eq!(imap.in_inbox(), mails);
    assert_eq!(imap.seen(), mails, "each flagged once fetched");
    let all_tickets = tickets::Entity::find().all(db).await.unwrap();
    assert_eq!(all_tickets.len(), mails + p1s);

    // Webhooks and chat: each delivery row reached its receiver once.
    let rows = deliveries::Entity::find().all(db).await.unwrap();
    assert!(rows.iter().all(|d| d.status == "delivered"), "{rows:?}");
    let hook_rows = rows.iter().filter(|d| d.target_kind == "webhook").count();
    let chat_rows = rows.iter().filter(|d| d.target_kind == "chat_bot").count();
    let mut by_delivery: HashMap<String, usize> = HashMap::new();
    let mut by_event: HashMap<String, usize> = HashMap::new();
    for request in hooks.requests() {
        *by_delivery
            .entry(request.headers["steward-delivery"].clone())
            .or_default() += 1;
        *by_event
            .entry(request.headers["steward-event-id"].clone())
            .or_default() += 1;
    }
    assert_eq!(by_delivery.len(), hook_rows);
    assert!(by_delivery.values().all(|n| *n == 1), "{by_delivery:?}");
    assert!(by_event.values().all(|n| *n == 1), "{by_event:?}");
    // ticket.created for every ticket, renewal.due_soon once per renewal.
    assert_eq!(hook_rows, mails + p1s + ACCOUNTS);
    assert_eq!(chat_rows, mails + p1s);
    assert_eq!(chat.requests().len(), chat_rows);

    // Playbooks: one run per account, its two tasks once.
    let runs = playbook_runs::Entity::find().all(db).await.unwrap();
    assert_eq!(runs.len(), ACCOUNTS, "{runs:?}");
    for run in &runs {
        let made = tasks::Entity::find()
            .filter(tasks::Column::PlaybookRunId.eq(run.id))
            .all(db)
            .await
            .unwrap();
        assert_eq!(made.len(), 2, "run {}", run.id);
    }
}

/// A time at `hh:mm` UTC on 2027-03-10.
fn utc(hh: u32, mm: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, hh, mm, 0).unwrap()
}

async fn due_run(app: &TestApp, name: &str) -> Vec<i64> {
    let report = server::jobs::run_due(&app.app_state, name).await.unwrap();
    report.summary["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn daily_jobs_run_at_each_workspaces_local_hour_once_a_day() {
    // Reminders at 08:00 local, health scores at 02:30 local (defaults).
    let app = spawn_app_at(utc(0, 0)).await;
    let shanghai = app.signup("上海", "tz-sh@x.cn").await;
    let berlin = app.signup("Berlin", "tz-be@x.cn").await;
    let ws = |s: &Session| s.user["workspace_id"].as_i64().unwrap();
    let (sh, be) = (ws(&shanghai), ws(&berlin));
    let calendar = body(app.get("/api/v1/calendar", &berlin.token).await).await;
    let mut calendar = calendar;
    calendar["time_zone"] = json!("Europe/Berlin");
    ok(app.put("/api/v1/calendar", &berlin.token, calendar).await).await;
    let clock = app.clock.as_ref().unwrap();
    // A minute before: the slots that have come by then are taken (the
    // catch-up of a server that starts), so what follows is the day's.
    clock.set(utc(0, 0) - Duration::minutes(1));
    due_run(&app, "renewal-reminders").await;
    due_run(&app, "health-scores").await;

    // 00:00 UTC = 08:00 Shanghai (+8) = 01:00 Berlin (+1 in March).
    clock.set(utc(0, 0));
    assert_eq!(due_run(&app, "renewal-reminders").await, vec![sh]);
    assert!(due_run(&app, "renewal-reminders").await.is_empty());
    // Health scores at 02:30 local: Berlin's comes at 01:30 UTC.
    assert!(due_run(&app, "health-scores").await.is_empty());
    clock.set(utc(1, 30));
    assert_eq!(due_run(&app, "health-scores").await, vec![be]);
    // 07:00 UTC = 08:00 Berlin.
    clock.set(utc(6, 55));
    assert!(due_run(&app, "renewal-reminders").await.is_empty());
    clock.set(utc(7, 0));
    assert_eq!(due_run(&app, "renewal-reminders").await, vec![be]);
    assert!(due_run(&app, "renewal-reminders").await.is_empty());
    // 18:30 UTC = 02:30 the next day in Shanghai.
    clock.set(utc(18, 29));
    assert!(due_run(&app, "health-scores").await.is_empty());
    clock.set(utc(18, 30));
    assert_eq!(due_run(&app, "health-scores").await, vec![sh]);
    // The next day's 08:00 Shanghai, once; a second instance finds it done.
    clock.set(utc(0, 1) + Duration::days(1));
    let url = app.app_state.config.database_url();
    let second = spawn_app_at_with(utc(0, 1) + Duration::days(1), |c| {
        c.database_url = Some(url)
    })
    .await;
    let (a, b) = tokio::join!(
        due_run(&app, "renewal-reminders"),
        due_run(&second, "renewal-reminders")
    );
    let mut both = [a, b].concat();
    both.sort_unstable();
    assert_eq!(both, vec![sh]);
}
