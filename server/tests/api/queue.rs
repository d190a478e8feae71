//! The staff ticket queue's urgency order: open tickets that missed a
//! target first, then the nearest SLA deadline, then priority; resolved
//! and closed tickets last. Every filter keeps that order, and pages follow
//! it with a keyset cursor.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_at, TestApp};

async fn ticket(app: &TestApp, token: &str, account: &Value, module: &str, priority: &str) -> i64 {
    let response = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account["id"], "module": module, "category": "bug",
                   "priority": priority, "subject": format!("{module} {priority}")}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Every id of the queue under `query`, following cursors `limit` at a time.
async fn walk(app: &TestApp, token: &str, query: &str, limit: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut url = format!("/api/v1/tickets?limit={limit}");
        if !query.is_empty() {
            url.push('&');
            url.push_str(query);
        }
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let response = app.get(&url, token).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        ids.extend(items.iter().map(|t| t["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
    panic!("the queue under {query:?} never ended");
}

#[actix_web::test]
async fn the_queue_runs_by_urgency_under_every_filter_and_page_size() {
    // Monday 2027-01-11 09:00 in Shanghai; bronze first-response targets:
    // p1 120 business minutes, p2 240, p3 480, p4 960.
    let start = Utc.with_ymd_and_hms(2027, 1, 11, 1, 0, 0).unwrap();
    let app = spawn_app_at(start).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "queue@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let token = admin.token.as_str();

    let calm = ticket(&app, token, &account, "finance", "p4").await; // due next day
    let missed = ticket(&app, token, &account, "finance", "p1").await; // due 11:00
    let p2 = ticket(&app, token, &account, "finance", "p2").await; // due 13:00
    let done = ticket(&app, token, &account, "sales", "p3").await;
    let waiting = ticket(&app, token, &account, "finance", "p1").await; // paused
    let response = app
        .patch(
            &format!("/api/v1/tickets/{waiting}"),
            token,
            json!({"status": "pending_customer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .patch(
            &format!("/api/v1/tickets/{done}"),
            token,
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    clock.advance(Duration::minutes(10));
    let next = ticket(&app, token, &account, "finance", "p1").await; // due 11:10

    // 11:01: the first p1 missed its first response.
    clock.advance(Duration::minutes(111));
    let run = app
        .post("/api/v1/admin/jobs/sla-monitor/run", token, json!({}))
        .await;
    assert_eq!(run.status(), StatusCode::OK);

    // The one waiting on the customer was due at 11:00 too, but its clock
    // is paused: it follows the running ones.
    let everything = vec![missed, next, p2, calm, waiting, done];
    for limit in [1, 2, 3, 50] {
        assert_eq!(
            walk(&app, token, "", limit).await,
            everything,
            "limit {limit}"
        );
    }
    let cases: [(&str, Vec<i64>); 8] = [
        ("priority=p1", vec![missed, next, waiting]),
        ("breached=true", vec![missed]),
        ("breached=false", vec![next, p2, calm, waiting, done]),
        ("status=resolved", vec![done]),
        ("status=new", vec![missed, next, p2, calm]),
        ("module=finance", vec![missed, next, p2, calm, waiting]),
        // Not yet missed, next target before 14:01.
        ("due_within=180", vec![next, p2]),
        ("unassigned=true", everything.clone()),
    ];
    for (query, expected) in cases {
        for limit in [1, 2, 50] {
            assert_eq!(
                walk(&app, token, query, limit).await,
                expected,
                "{query}, limit {limit}"
            );
        }
    }
    let account_query = format!("account_id={}", account["id"]);
    assert_eq!(walk(&app, token, &account_query, 2).await, everything);

    // A first response moves the ticket's deadline to its resolution target.
    let response = app
        .post(
            &format!("/api/v1/tickets/{next}/comments"),
            token,
            json!({"body": "正在处理", "internal": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let order = walk(&app, token, "", 50).await;
    let position = |id: i64| order.iter().position(|t| *t == id).unwrap();
    assert!(position(next) > position(p2), "{order:?}");
}

#[actix_web::test]
async fn queue_cursors_from_elsewhere_or_garbage_are_refused() {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 1, 11, 1, 0, 0).unwrap()).await;
    let admin = app.signup("W", "cursor@x.cn").await;
    for bad in [
        // An id cursor, as other lists write them.
        "aWQ6NQ",
        "%%%",
        // The urgency prefix with an unknown priority or bucket.
        "dXwxfDE3MDAwMDAwMDAwMDAwMDAwMDB8cDl8Nw",
        "dXw5fDE3MDAwMDAwMDAwMDAwMDAwMDB8cDF8Nw",
    ] {
        let response = app
            .get(&format!("/api/v1/tickets?cursor={bad}"), &admin.token)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}
