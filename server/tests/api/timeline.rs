//! The account timeline (events written by onboarding, licences, training
//! and stage changes, and activities logged by staff), its order and
//! pagination, the last touchpoint; the onboarding portfolio and the
//! portal's onboarding view.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 5, 12, 2, 0, 0).unwrap()
}

pub(crate) fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

pub(crate) async fn timeline(app: &TestApp, token: &str, account: i64, query: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/accounts/{account}/timeline{query}"),
            token,
        )
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The ids of every page of the timeline under `query` (`limit=…` and
/// filters), following `next_cursor`; and how many pages there were.
pub(crate) async fn walk(
    app: &TestApp,
    token: &str,
    account: i64,
    query: &str,
) -> (Vec<i64>, usize) {
    let mut walked = Vec::new();
    let mut pages = 0;
    let mut next = format!("?{query}");
    loop {
        let page = timeline(app, token, account, &next).await;
        pages += 1;
        walked.extend(page["items"].as_array().unwrap().iter().map(id));
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("?{query}&cursor={cursor}"),
            None => return (walked, pages),
        }
    }
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn log(app: &TestApp, token: &str, account: i64, body: Value) -> StatusCode {
    app.post(
        &format!("/api/v1/accounts/{account}/activities"),
        token,
        body,
    )
    .await
    .status()
}

#[actix_web::test]
async fn activities_are_logged_validated_and_read_newest_first_in_pages() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "tl@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "tl-e@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星", "100").await);
    // Logged out of order: the timeline follows when things happened.
    let entries = [
        ("note", 3, "首次拜访纪要"),
        ("call", 1, "电话回访：月结问题"),
        ("meeting", 2, "上线评审会"),
    ];
    for (kind, days_ago, summary) in entries {
        let r = app
            .post(
                &format!("/api/v1/accounts/{account}/activities"),
                &engineer.token,
                json!({"kind": kind, "occurred_at": t0() - Duration::days(days_ago),
                       "summary": summary, "body": "详细内容"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let event: Value = r.json().await.unwrap();
        assert_eq!(event["kind"], kind);
        assert_eq!(event["actor_id"], engineer.id());
        assert_eq!(event["actor_name"], "engineer 用户");
    }
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(kinds(&page), vec!["call", "meeting", "note"]);
    assert_eq!(page["items"][0]["summary"], "电话回访：月结问题");
    assert_eq!(page["items"][0]["body"], "详细内容");
    assert_eq!(
        page["last_touchpoint_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        t0() - Duration::days(1)
    );

    // Refused: blank summary, the future, an unknown kind.
    assert_eq!(
        log(
            &app,
            &admin.token,
            account,
            json!({"kind": "note", "summary": " "})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        log(
            &app,
            &admin.token,
            account,
            json!({"kind": "note", "summary": "x", "occurred_at": t0() + Duration::days(1)})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        log(
            &app,
            &admin.token,
            account,
            json!({"kind": "fax", "summary": "x"})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Several at the same instant: pages of two follow the cursor without
    // losing or repeating one.
    for n in 0..5 {
        let status = log(
            &app,
            &admin.token,
            account,
            json!({"kind": "note", "summary": format!("同时 {n}")}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let full = timeline(&app, &admin.token, account, "?limit=200").await;
    let all: Vec<i64> = full["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(all.len(), 8);
    // Same instant: the later entry first.
    assert!(all[0] > all[1]);
    let (walked, _) = walk(&app, &admin.token, account, "limit=2").await;
    assert_eq!(walked, all);
    let bad = app
        .get(
            &format!("/api/v1/accounts/{account}/timeline?cursor=bm9wZQ"),
            &admin.token,
        )
        .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[actix_web::test]
async fn licence_onboarding_training_and_stage_events_are_on_the_timeline() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ev@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星", "200").await);
    let licence: Value = app
        .post(
            &format!("/api/v1/accounts/{account}/licenses"),
            &admin.token,
            json!({"edition": "K/3 标准版", "modules": ["sales", "finance"], "seats": 10, "dongle_serial": "DG-1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!(
                "/api/v1/accounts/{account}/licenses/{}/register",
                id(&licence)
            ),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let plan: Value = app
        .post(
            &format!("/api/v1/accounts/{account}/onboarding"),
            &admin.token,
            json!({"starts_on": "2031-05-12"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let tasks = plan["tasks"].as_array().unwrap();
    let first = &tasks[0];
    let r = app
        .patch(
            &format!("/api/v1/onboarding/tasks/{}", id(first)),
            &admin.token,
            json!({"status": "done"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let general = tasks
        .iter()
        .find(|t| t["kind"] == "general" && id(t) != id(first))
        .unwrap();
    let r = app
        .patch(
            &format!("/api/v1/onboarding/tasks/{}", id(general)),
            &admin.token,
            json!({"status": "skipped", "skip_reason": "客户自行完成"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Going live (every go-live task done) moves the account to adoption.
    for task in tasks.iter().filter(|t| t["kind"] == "go_live") {
        let r = app
            .patch(
                &format!("/api/v1/onboarding/tasks/{}", id(task)),
                &admin.token,
                json!({"status": "done"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let session: Value = app
        .post(
            "/api/v1/trainings",
            &admin.token,
            json!({"account_id": account, "module": "sales", "topic": "报价单",
                   "trainer_id": admin.id(), "starts_at": t0() - Duration::hours(3), "duration_minutes": 60}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .patch(
            &format!("/api/v1/trainings/{}", id(&session)),
            &admin.token,
            json!({"starts_at": t0() - Duration::hours(2)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = timeline(&app, &admin.token, account, "?limit=200").await;
    let ks = kinds(&page);
    for expected in [
        "license_created",
        "license_registered",
        "onboarding_started",
        "task_completed",
        "task_skipped",
        "go_live",
        "stage_changed",
        "training_scheduled",
        "training_rescheduled",
    ] {
        assert!(
            ks.contains(&expected.to_string()),
            "{expected} missing from {ks:?}"
        );
    }
    let find = |kind: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap()
            .clone()
    };
    assert_eq!(find("stage_changed")["summary"], "onboarding → adoption");
    assert_eq!(find("task_skipped")["body"], "客户自行完成");
    assert_eq!(find("license_registered")["entity_id"], id(&licence));
    assert_eq!(find("training_scheduled")["entity_type"], "training");
    // A held training is the latest touchpoint; a cancelled one is not.
    assert_eq!(
        page["last_touchpoint_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        t0() - Duration::hours(2)
    );
    app.post(
        &format!("/api/v1/trainings/{}/cancel", id(&session)),
        &admin.token,
        json!({}),
    )
    .await;
    let page = timeline(&app, &admin.token, account, "?limit=1").await;
    assert_eq!(kinds(&page), vec!["training_cancelled"]);
    assert!(page["last_touchpoint_at"].is_null());

    // A stage changed by hand is on the timeline too.
    let r = app
        .patch(
            &format!("/api/v1/accounts/{account}"),
            &admin.token,
            json!({"stage": "renewal"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = timeline(&app, &admin.token, account, "?limit=1").await;
    assert_eq!(page["items"][0]["summary"], "adoption → renewal");
}

#[actix_web::test]
async fn the_portfolio_lists_accounts_in_onboarding_by_status() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "pf@x.cn").await;
    let csm = app.staff(&admin, "csm", "pf-csm@x.cn").await;
    let fresh = id(&app.create_account(&csm.token, "新客户", "300").await);
    let late = id(&app.create_account(&admin.token, "滞后客户", "301").await);
    let none = id(&app.create_account(&admin.token, "未开始", "302").await);
    let adopted = id(&app.create_account(&admin.token, "已上线", "303").await);
    app.patch(
        &format!("/api/v1/accounts/{adopted}"),
        &admin.token,
        json!({"stage": "adoption"}),
    )
    .await;
    for (account, starts) in [(fresh, "2031-05-12"), (late, "2031-01-05")] {
        let r = app
            .post(
                &format!("/api/v1/accounts/{account}/onboarding"),
                &admin.token,
                json!({"starts_on": starts}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let list = |q: &str| {
        let app = &app;
        let token = admin.token.clone();
        let q = q.to_string();
        async move {
            let r = app.get(&format!("/api/v1/onboarding{q}"), &token).await;
            let status = r.status();
            let text = r.text().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let accounts = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["account_id"].as_i64().unwrap())
            .collect()
    };
    let page = list("").await;
    // Default: worst first, accounts without a plan last, adoption not at all.
    assert_eq!(accounts(&page), vec![late, fresh, none]);
    let behind = &page["items"][0];
    assert_eq!(behind["status"], "behind");
    assert!(behind["overdue_tasks"].as_i64().unwrap() > 0);
    assert_eq!(behind["progress"], 0);
    assert!(behind["tasks_total"].as_i64().unwrap() > 0);
    assert_eq!(page["items"][1]["status"], "on_track");
    assert_eq!(page["items"][1]["owner_name"], "csm 用户");
    assert!(page["items"][2]["plan_id"].is_null());
    assert_eq!(accounts(&list("?status=behind").await), vec![late]);
    assert_eq!(
        accounts(&list(&format!("?owner_id={}", csm.id())).await),
        vec![fresh]
    );
    assert_eq!(accounts(&list("?sort=name").await).len(), 3);
    assert_eq!(accounts(&list("?sort=go_live").await)[2], none);
    let first = list("?limit=2").await;
    assert_eq!(accounts(&first), vec![late, fresh]);
    let next = list(&format!(
        "?limit=2&cursor={}",
        first["next_cursor"].as_str().unwrap()
    ))
    .await;
    assert_eq!(accounts(&next), vec![none]);
    assert!(next["next_cursor"].is_null());
    let bad = app.get("/api/v1/onboarding?sort=size", &admin.token).await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Two weeks on, both plans are late; the one nobody touched is stuck.
    app.clock.as_ref().unwrap().advance(Duration::days(15));
    let plan: Value = app
        .get(
            &format!("/api/v1/accounts/{fresh}/onboarding"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .patch(
            &format!("/api/v1/onboarding/tasks/{}", id(&plan["tasks"][0])),
            &admin.token,
            json!({"status": "in_progress"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(accounts(&list("?status=stuck").await), vec![late]);
    assert_eq!(accounts(&list("?status=behind").await), vec![fresh]);
}

#[actix_web::test]
async fn the_portal_sees_its_plan_without_internal_fields_and_no_staff_routes() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "po@x.cn").await;
    let (account, alice) = app.portal_user(&admin, "alice@po.cn", "400").await;
    let account = id(&account);
    let r = app.get("/api/v1/portal/onboarding", &alice.token).await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let plan: Value = app
        .post(
            &format!("/api/v1/accounts/{account}/onboarding"),
            &admin.token,
            json!({"starts_on": "2031-05-12"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let task = id(&plan["tasks"][0]);
    app.patch(
        &format!("/api/v1/onboarding/tasks/{task}"),
        &admin.token,
        json!({"status": "done", "notes": "内部：客户库房钥匙在王工处", "owner_id": admin.id()}),
    )
    .await;
    let r = app.get("/api/v1/portal/onboarding", &alice.token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(!text.contains("内部"), "{text}");
    let mine: Value = serde_json::from_str(&text).unwrap();
    assert!(mine["progress"].as_i64().unwrap() > 0);
    assert_eq!(mine["tasks"][0]["status"], "done");
    assert_eq!(
        mine["tasks"].as_array().unwrap().len(),
        plan["tasks"].as_array().unwrap().len()
    );
    for internal in ["notes", "owner_id", "completed_by", "id"] {
        assert!(mine["tasks"][0].get(internal).is_none(), "{internal} leaks");
    }
    let r = app.get("/api/v1/portal/onboarding", &admin.token).await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    for (method, path) in [
        ("GET", format!("/api/v1/accounts/{account}/timeline")),
        ("POST", format!("/api/v1/accounts/{account}/activities")),
        ("GET", "/api/v1/onboarding".to_string()),
    ] {
        let r = app
            .request(
                method.parse().unwrap(),
                &path,
                Some(&alice.token),
                Some(json!({"kind": "note", "summary": "x"})),
            )
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[actix_web::test]
async fn another_workspace_sees_no_timeline_and_no_portfolio_entry() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W1", "ti1@x.cn").await;
    let intruder = app.signup("W2", "ti2@x.cn").await;
    let account = id(&app.create_account(&admin.token, "甲", "500").await);
    app.post(
        &format!("/api/v1/accounts/{account}/onboarding"),
        &admin.token,
        json!({"starts_on": "2031-05-12"}),
    )
    .await;
    assert_eq!(
        log(
            &app,
            &admin.token,
            account,
            json!({"kind": "call", "summary": "回访"})
        )
        .await,
        StatusCode::CREATED
    );
    let r = app
        .get(
            &format!("/api/v1/accounts/{account}/timeline"),
            &intruder.token,
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/activities"),
            &intruder.token,
            json!({"kind": "note", "summary": "x"}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let page: Value = app
        .get("/api/v1/onboarding", &intruder.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
    // W1's timeline is unchanged: the call and the plan, nothing of W2.
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(kinds(&page), vec!["call", "onboarding_started"]);
}
