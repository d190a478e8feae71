//! The SLA monitor job: breaches are marked, announced and escalated once.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn a_breach_is_recorded_announced_and_escalated_exactly_once() {
    // Monday 2027-01-11 09:00 in Shanghai.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 1, 11, 1, 0, 0).unwrap()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "mon@x.cn").await;
    let csm = app.staff(&admin, "csm", "mon-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "mon-eng@x.cn").await;
    let manager = app.staff(&admin, "manager", "mon-mgr@x.cn").await;
    app.put(
        "/api/v1/settings/module-owners",
        &admin.token,
        json!({"finance": csm.id()}),
    )
    .await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let ticket: Value = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "finance", "category": "bug", "priority": "p1", "subject": "总账无法结账"}),
        )
        .await
        .json()
        .await
        .unwrap();
    // A paused ticket is not breached while paused.
    let paused: Value = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "sales", "category": "bug", "priority": "p1", "subject": "等待客户"}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.patch(
        &format!("/api/v1/tickets/{}", paused["id"]),
        &admin.token,
        json!({"status": "pending_customer"}),
    )
    .await;

    let run = |token: String| {
        let app = &app;
        async move {
            let response = app
                .post("/api/v1/admin/jobs/sla-monitor/run", &token, json!({}))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    // Nothing is due yet.
    let report = run(admin.token.clone()).await;
    assert_eq!(report["summary"]["first_response_breaches"], 0);

    // Bronze p1: first response due after 120 business minutes.
    clock.advance(Duration::minutes(121));
    let report = run(admin.token.clone()).await;
    assert_eq!(report["job"], "sla-monitor");
    assert_eq!(report["summary"]["first_response_breaches"], 1);
    assert_eq!(report["summary"]["escalated"], 1);
    let t: Value = app
        .get(&format!("/api/v1/tickets/{}", ticket["id"]), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(t["first_response_breached_at"].is_string());
    assert_eq!(
        (t["tier"].as_i64(), t["assignee_id"].as_i64()),
        (Some(2), Some(engineer.id()))
    );
    // The assignee at the time of the breach (the CSM) and the manager hear of it.
    app.mail.wait_for("mon-csm@x.cn").await;
    app.mail.wait_for("mon-mgr@x.cn").await;

    // Running again (or concurrently) changes nothing and sends nothing more.
    let (a, b) = futures_util::join!(run(admin.token.clone()), run(admin.token.clone()));
    assert_eq!(
        a["summary"]["first_response_breaches"].as_u64().unwrap()
            + b["summary"]["first_response_breaches"].as_u64().unwrap(),
        0
    );
    app.post(
        "/api/v1/admin/jobs/email-outbox/run",
        &admin.token,
        json!({}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let breach_mails: Vec<(Vec<String>, String, String)> = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m.to.clone(),
                m.header("Subject").unwrap_or_default(),
                m.header("Message-ID").unwrap_or_default(),
            )
        })
        .filter(|(_, s, _)| s.contains("SLA"))
        .collect();
    use sea_orm::EntityTrait;
    let rows = server::entity::email_outbox::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.id,
                r.to_addr.clone(),
                r.dedupe_key.clone(),
                r.status.clone(),
                r.attempts,
                r.last_error.clone(),
            )
        })
        .collect();
    assert_eq!(breach_mails.len(), 2, "{breach_mails:?} {rows:#?}");
    let t2: Value = app
        .get(&format!("/api/v1/tickets/{}", ticket["id"]), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t2["tier"], 2);
    let p: Value = app
        .get(&format!("/api/v1/tickets/{}", paused["id"]), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(p["first_response_breached_at"].is_null());
    let _ = manager;
}

#[actix_web::test]
async fn jobs_are_for_admins_and_unknown_jobs_are_404() {
    let app = spawn_app().await;
    let admin = app.signup("W", "jobs@x.cn").await;
    let manager = app.staff(&admin, "manager", "jobs-m@x.cn").await;
    let response = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &manager.token,
            json!({}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(
            "/api/v1/admin/jobs/launch-rockets/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let report: Value = app
        .post(
            "/api/v1/admin/jobs/email-outbox/run",
            &admin.token,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["job"], "email-outbox");
}

#[actix_web::test]
async fn the_queue_filters_breached_and_breaching_soon_tickets() {
    // Monday 2027-01-11 09:00 in Shanghai; no agreement, so bronze targets:
    // p1 first response in 120 business minutes, p4 in 960.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 1, 11, 1, 0, 0).unwrap()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "soon@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let open = |priority: &'static str, subject: &'static str| {
        let app = &app;
        let token = admin.token.clone();
        let account_id = account["id"].clone();
        async move {
            let response = app
                .post(
                    "/api/v1/tickets",
                    &token,
                    json!({"account_id": account_id, "module": "finance", "category": "bug",
                           "priority": priority, "subject": subject}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let urgent = open("p1", "总账无法结账").await;
    let calm = open("p4", "报表格式").await;
    let waiting = open("p1", "等待客户数据").await;
    app.patch(
        &format!("/api/v1/tickets/{waiting}"),
        &admin.token,
        json!({"status": "pending_customer"}),
    )
    .await;

    let ids = |query: &'static str| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let response = app.get(&format!("/api/v1/tickets?{query}"), &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            let page: Value = response.json().await.unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    // Only the running p1 ticket answers within three hours; the paused one
    // does not count, whatever its due time.
    assert_eq!(ids("due_within=180").await, vec![urgent]);
    // Most urgent first; the paused one after those whose clock runs.
    assert_eq!(ids("due_within=10080").await, vec![urgent, calm]);
    assert!(ids("breached=true").await.is_empty());
    assert_eq!(ids("breached=false").await, vec![urgent, calm, waiting]);

    clock.advance(Duration::minutes(121));
    let run = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    assert_eq!(ids("breached=true").await, vec![urgent]);
    assert_eq!(ids("breached=false").await, vec![calm, waiting]);
    // A missed ticket is no longer "breaching soon": it has breached.
    assert!(ids("due_within=180").await.is_empty());
    assert_eq!(
        ids("breached=true&module=finance&priority=p1").await,
        vec![urgent]
    );

    for bad in [
        "due_within=0",
        "due_within=10081",
        "due_within=soon",
        "breached=maybe",
    ] {
        let response = app
            .get(&format!("/api/v1/tickets?{bad}"), &admin.token)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}
