//! Tasks and "my work" (issue 15): making, changing, completing (with the
//! activity logged on the timeline in the same step), skipping with a
//! reason and snoozing; who may change whose task; "my work" by the
//! workspace's days; the "my book" panel; the daily digest sent once per
//! user and day across two application instances; workspaces kept apart
//! and bad input answered in the error shape, changing nothing.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::{email_outbox, tasks};

use crate::helpers::*;

/// 10:00 in Shanghai (the workspace's default zone) on 10 March 2027.
fn ten_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, 2, 0, 0).unwrap()
}

async fn new_task(app: &TestApp, token: &str, task: Value) -> Value {
    let response = app.post("/api/v1/tasks", token, task).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn due(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

async fn task_count(app: &TestApp) -> u64 {
    tasks::Entity::find()
        .count(&app.app_state.db.write)
        .await
        .unwrap()
}

async fn timeline_kinds(app: &TestApp, token: &str, account: &Value) -> Vec<String> {
    let page = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", account["id"]),
            token,
        )
        .await,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_task_is_made_changed_and_completed_with_its_activity_on_the_timeline() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "tasks-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "tasks-csm@x.cn").await;
    let account = app.create_account(&csm.token, "华强电子", "100201").await;

    let task = new_task(
        &app,
        &csm.token,
        json!({"account_id": account["id"], "title": "回访月结情况", "task_type": "call",
               "priority": "high", "due_at": due(ten_am() + Duration::hours(3))}),
    )
    .await;
    assert_eq!(task["assignee_id"], csm.id(), "the maker by default");
    assert_eq!(task["account_name"], "华强电子");
    assert_eq!(task["status"], "open");
    assert_eq!(task["source"], "manual");

    // A change needs the current version.
    let path = format!("/api/v1/tasks/{}", task["id"]);
    let stale = app
        .request(
            reqwest::Method::PATCH,
            &path,
            Some(&csm.token),
            Some(json!({"title": "回访"})),
        )
        .await;
    assert_eq!(stale.status(), StatusCode::OK, "no If-Match is allowed");
    let changed: Value = stale.json().await.unwrap();
    assert_eq!(changed["version"], 2);

    // Completing logs the call and the completion on the timeline at once.
    let done = body(
        app.post(
            &format!("{path}/complete"),
            &csm.token,
            json!({"activity": {"summary": "客户确认月结已顺利完成", "body": "下月再跟进"}}),
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["completed_by"], csm.id());
    assert!(done["activity_event_id"].is_i64());
    let kinds = timeline_kinds(&app, &csm.token, &account).await;
    assert_eq!(kinds[..2], ["task_completed", "call"], "{kinds:?}");
    let timeline = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", account["id"]),
            &csm.token,
        )
        .await,
    )
    .await;
    assert!(
        timeline["last_touchpoint_at"].is_string(),
        "the logged call is a touchpoint"
    );

    // Done is done: a second completion, a skip or a snooze is refused.
    for (action, body) in [
        ("complete", json!({})),
        ("skip", json!({"reason": "不需要"})),
        (
            "snooze",
            json!({"until": due(ten_am() + Duration::days(1))}),
        ),
    ] {
        let response = app
            .post(&format!("{path}/{action}"), &csm.token, body)
            .await;
        assert_error(response, StatusCode::CONFLICT, "conflict").await;
    }
    assert_eq!(
        timeline_kinds(&app, &csm.token, &account).await.len(),
        2,
        "nothing more on the timeline"
    );
}

#[actix_web::test]
async fn skipping_needs_a_reason_and_snoozing_a_later_time() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "skip-admin@x.cn").await;
    let account = app.create_account(&admin.token, "华强电子", "100202").await;
    let task = new_task(
        &app,
        &admin.token,
        json!({"account_id": account["id"], "title": "季度业务回顾", "task_type": "review",
               "due_at": due(ten_am())}),
    )
    .await;
    let path = format!("/api/v1/tasks/{}", task["id"]);

    let response = app
        .post(
            &format!("{path}/skip"),
            &admin.token,
            json!({"reason": "  "}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["reason"].is_string());

    let response = app
        .post(
            &format!("{path}/snooze"),
            &admin.token,
            json!({"until": due(ten_am() - Duration::minutes(1))}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["until"].is_string());
    let unchanged = body(app.get(&path, &admin.token).await).await;
    assert_eq!(unchanged["version"], 1, "refusals change nothing");

    let later = ten_am() + Duration::days(2);
    let snoozed = body(
        app.post(
            &format!("{path}/snooze"),
            &admin.token,
            json!({"until": due(later)}),
        )
        .await,
    )
    .await;
    assert_eq!(
        snoozed["due_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        later
    );

    let skipped = body(
        app.post(
            &format!("{path}/skip"),
            &admin.token,
            json!({"reason": "客户已在电话中确认，无需回顾"}),
        )
        .await,
    )
    .await;
    assert_eq!(skipped["status"], "skipped");
    assert_eq!(skipped["skip_reason"], "客户已在电话中确认，无需回顾");
    let timeline = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", account["id"]),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(timeline["items"][0]["kind"], "task_skipped");
    assert_eq!(timeline["items"][0]["body"], "客户已在电话中确认，无需回顾");
}

#[actix_web::test]
async fn bad_tasks_are_refused_and_change_nothing() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "bad-admin@x.cn").await;
    let account = app.create_account(&admin.token, "华强电子", "100203").await;
    let other = app.signup("Other", "bad-other@x.cn").await;
    let foreign = app.create_account(&other.token, "别家", "100204").await;
    let other_ticket = body(
        app.post(
            "/api/v1/tickets",
            &other.token,
            json!({"account_id": foreign["id"], "module": "finance", "category": "bug",
                   "priority": "p3", "subject": "别家的工单"}),
        )
        .await,
    )
    .await;

    let cases = [
        (
            json!({"account_id": account["id"], "title": " ", "due_at": due(ten_am())}),
            "title",
        ),
        (
            json!({"account_id": foreign["id"], "title": "任务", "due_at": due(ten_am())}),
            "account_id",
        ),
        (
            json!({"account_id": account["id"], "title": "任务", "due_at": due(ten_am()),
                "assignee_id": other.id()}),
            "assignee_id",
        ),
        (
            json!({"account_id": account["id"], "title": "任务", "due_at": due(ten_am()),
                "link": {"kind": "ticket", "id": other_ticket["id"]}}),
            "link",
        ),
        (
            json!({"account_id": account["id"], "title": "任务", "due_at": due(ten_am()),
                "link": {"kind": "renewal", "id": 999_999}}),
            "link",
        ),
        (
            json!({"account_id": account["id"], "title": "任务", "due_at": "+20000-01-01T00:00:00Z"}),
            "due_at",
        ),
        (
            json!({"account_id": account["id"], "title": "任务", "due_at": "0479-03-01T00:00:00Z"}),
            "due_at",
        ),
    ];
    for (request, field) in cases {
        let response = app
            .post("/api/v1/tasks", &admin.token, request.clone())
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{request}: {error}");
    }
    for request in [
        json!({"account_id": account["id"], "title": "任务"}),
        json!({"account_id": account["id"], "title": "任务", "due_at": "tomorrow"}),
        json!({"account_id": account["id"], "title": "任务", "due_at": due(ten_am()), "task_type": "visit"}),
        json!({"account_id": account["id"], "title": "任务", "due_at": due(ten_am()), "colour": "red"}),
    ] {
        let response = app
            .post("/api/v1/tasks", &admin.token, request.clone())
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{request}"
        );
    }
    assert_eq!(task_count(&app).await, 0);

    let bad_filter = app.get("/api/v1/tasks?status=later", &admin.token).await;
    assert_eq!(bad_filter.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let far = app
        .get(
            "/api/v1/tasks?due_before=%2B20000-01-01T00:00:00Z",
            &admin.token,
        )
        .await;
    assert_error(far, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad_cursor = app.get("/api/v1/tasks?cursor=xyz", &admin.token).await;
    assert_eq!(bad_cursor.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn the_assignee_the_maker_admins_and_managers_change_a_task_and_no_one_else() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "who-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "who-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "who-eng@x.cn").await;
    let other_csm = app.staff(&admin, "csm", "who-csm2@x.cn").await;
    let manager = app.staff(&admin, "manager", "who-mgr@x.cn").await;
    let account = app.create_account(&csm.token, "华强电子", "100205").await;

    // The CSM asks the engineer for an on-site visit.
    let task = new_task(
        &app,
        &csm.token,
        json!({"account_id": account["id"], "title": "上门检查仓存模块", "task_type": "onsite",
               "assignee_id": engineer.id(), "due_at": due(ten_am() + Duration::days(1))}),
    )
    .await;
    let path = format!("/api/v1/tasks/{}", task["id"]);

    // Everyone on the staff reads it; another CSM may not change it.
    assert_eq!(
        app.get(&path, &other_csm.token).await.status(),
        StatusCode::OK
    );
    let response = app
        .patch(&path, &other_csm.token, json!({"priority": "low"}))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(&format!("{path}/complete"), &other_csm.token, json!({}))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // The maker, the assignee and a manager may.
    for who in [&csm, &engineer, &manager] {
        let response = app
            .patch(&path, &who.token, json!({"note": "带上加密狗"}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Reassigning to someone outside the staff is refused.
    let (_, customer) = app.portal_user(&admin, "who-cust@x.cn", "100299").await;
    let response = app
        .patch(&path, &manager.token, json!({"assignee_id": customer.id()}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // The portal never reaches tasks.
    for route in [
        "/api/v1/tasks",
        &path,
        "/api/v1/my-work",
        "/api/v1/my-work/book",
    ] {
        let response = app.get(route, &customer.token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{route}");
    }
    let done = body(
        app.post(&format!("{path}/complete"), &engineer.token, json!({}))
            .await,
    )
    .await;
    assert_eq!(done["status"], "done");
    assert!(done["activity_event_id"].is_null(), "no activity asked for");
}

#[actix_web::test]
async fn another_workspace_neither_sees_nor_touches_a_task() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "iso-admin@x.cn").await;
    let account = app.create_account(&admin.token, "华强电子", "100206").await;
    let task = new_task(
        &app,
        &admin.token,
        json!({"account_id": account["id"], "title": "回访", "due_at": due(ten_am())}),
    )
    .await;
    let other = app.signup("Other", "iso-other@x.cn").await;
    let path = format!("/api/v1/tasks/{}", task["id"]);
    assert_error(
        app.get(&path, &other.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for (action, request) in [
        ("complete", json!({})),
        ("skip", json!({"reason": "x"})),
        (
            "snooze",
            json!({"until": due(ten_am() + Duration::days(1))}),
        ),
    ] {
        let response = app
            .post(&format!("{path}/{action}"), &other.token, request)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app.patch(&path, &other.token, json!({"title": "x"})).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let list = body(app.get("/api/v1/tasks", &other.token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let mine = body(app.get("/api/v1/my-work", &other.token).await).await;
    assert_eq!(mine["counts"]["today"], 0);
    let unchanged = body(app.get(&path, &admin.token).await).await;
    assert_eq!(unchanged["version"], 1);
}

#[actix_web::test]
async fn my_work_sorts_open_tasks_by_the_workspace_s_days() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "mine-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "mine-csm@x.cn").await;
    let account = app.create_account(&csm.token, "华强电子", "100207").await;
    let make = |title: &'static str, at: DateTime<Utc>, who: i64| json!({"account_id": account["id"], "title": title, "due_at": due(at), "assignee_id": who});
    // 01:00 in Shanghai today is still yesterday in UTC: it is due today.
    let early_today = Utc.with_ymd_and_hms(2027, 3, 9, 17, 0, 0).unwrap();
    let late_today = Utc.with_ymd_and_hms(2027, 3, 10, 15, 30, 0).unwrap();
    let yesterday = Utc.with_ymd_and_hms(2027, 3, 9, 10, 0, 0).unwrap();
    let in_two_days = ten_am() + Duration::days(2);
    let in_a_week = Utc.with_ymd_and_hms(2027, 3, 17, 15, 0, 0).unwrap();
    let in_ten_days = ten_am() + Duration::days(10);
    for (title, at) in [
        ("晚上的任务", late_today),
        ("清晨的任务", early_today),
        ("昨天的任务", yesterday),
        ("两天后", in_two_days),
        ("七天后", in_a_week),
        ("十天后", in_ten_days),
    ] {
        new_task(&app, &admin.token, make(title, at, csm.id())).await;
    }
    // Someone else's task and a done one are not the CSM's work.
    new_task(
        &app,
        &admin.token,
        make("管理员的任务", late_today, admin.id()),
    )
    .await;
    let done = new_task(
        &app,
        &admin.token,
        make("做完的任务", early_today, csm.id()),
    )
    .await;
    body(
        app.post(
            &format!("/api/v1/tasks/{}/complete", done["id"]),
            &csm.token,
            json!({}),
        )
        .await,
    )
    .await;

    let mine = body(app.get("/api/v1/my-work", &csm.token).await).await;
    let titles = |section: &str| -> Vec<String> {
        mine[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(mine["today"], "2027-03-10");
    assert_eq!(titles("overdue"), ["昨天的任务"]);
    assert_eq!(titles("today_tasks"), ["清晨的任务", "晚上的任务"]);
    assert_eq!(titles("upcoming"), ["两天后", "七天后"]);
    assert_eq!(
        mine["counts"],
        json!({"overdue": 1, "today": 2, "upcoming": 2})
    );
    let counts = body(app.get("/api/v1/my-work/counts", &csm.token).await).await;
    assert_eq!(counts, mine["counts"]);

    // The workspace's list filters by assignee and status, soonest first,
    // page by page without losing or repeating a task.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("&cursor={c}"),
            None => String::new(),
        };
        let page = body(
            app.get(
                &format!(
                    "/api/v1/tasks?assignee_id={}&status=open&limit=2{query}",
                    csm.id()
                ),
                &csm.token,
            )
            .await,
        )
        .await;
        for t in page["items"].as_array().unwrap() {
            seen.push(t["title"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "昨天的任务",
            "清晨的任务",
            "晚上的任务",
            "两天后",
            "七天后",
            "十天后"
        ]
    );
}

#[actix_web::test]
async fn my_book_lists_renewals_and_tickets_of_my_accounts() {
    let app = spawn_app_at(ten_am()).await;
    let admin = app.signup("W", "book-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "book-csm@x.cn").await;
    let mine = app.create_account(&admin.token, "我的客户", "100208").await;
    let theirs = app
        .create_account(&admin.token, "别人的客户", "100209")
        .await;
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", mine["id"]),
            &admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await,
    )
    .await;
    for account in [&mine, &theirs] {
        let response = app
            .post(
                "/api/v1/contracts",
                &admin.token,
                json!({"account_id": account["id"], "starts_on": "2026-05-01",
                       "ends_on": "2027-04-30", "annual_value": "12000.00"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        // A P1 ticket is due within a day.
        body(
            app.post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": account["id"], "module": "finance", "category": "bug",
                       "priority": "p1", "subject": format!("{} 月结报错", account["name"])}),
            )
            .await,
        )
        .await;
    }

    let book = body(app.get("/api/v1/my-work/book", &csm.token).await).await;
    let names = |section: &str| -> Vec<String> {
        book[section]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["account_name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("renewals"), ["我的客户"], "{book}");
    assert_eq!(names("tickets"), ["我的客户"], "{book}");
    assert_eq!(book["tickets"]["items"][0]["state"], "new");
    assert_eq!(book["renewals"]["more"], false);
    assert_eq!(names("at_risk").len(), 0, "no health scores yet");

    // The admin owns no account: an empty book, not the workspace's.
    let admins = body(app.get("/api/v1/my-work/book", &admin.token).await).await;
    assert_eq!(admins["renewals"]["items"].as_array().unwrap().len(), 0);
    assert_eq!(admins["tickets"]["items"].as_array().unwrap().len(), 0);

    // Assigned to them, a ticket of another's account is theirs too; one
    // theirs both ways is listed once; soonest deadline first (a P2 after
    // the P1s), and "more" past five.
    let queue = body(app.get("/api/v1/tickets?limit=50", &admin.token).await).await;
    for ticket in queue["items"].as_array().unwrap() {
        let r = app
            .patch(
                &format!("/api/v1/tickets/{}", ticket["id"]),
                &admin.token,
                json!({"assignee_id": csm.id()}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let p2 = body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": mine["id"], "module": "finance", "category": "bug",
                   "priority": "p2", "subject": "报表慢"}),
        )
        .await,
    )
    .await;
    let book = body(app.get("/api/v1/my-work/book", &csm.token).await).await;
    let items = book["tickets"]["items"].as_array().unwrap();
    let subjects: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(subjects.len(), 3, "{book}");
    assert_eq!(subjects[2], "报表慢", "{book}");
    assert!(
        subjects[..2].iter().all(|s| s.contains("月结报错")),
        "{book}"
    );
    let due: Vec<&str> = items
        .iter()
        .map(|i| i["due_at"].as_str().unwrap())
        .collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "{due:?}");
    assert_eq!(book["tickets"]["more"], false);
    for n in 0..4 {
        body(
            app.post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": theirs["id"], "module": "finance", "category": "bug",
                       "priority": "p1", "subject": format!("更多 {n}")}),
            )
            .await,
        )
        .await;
    }
    let theirs_now = body(app.get("/api/v1/tickets?limit=50", &admin.token).await).await;
    for ticket in theirs_now["items"].as_array().unwrap() {
        if ticket["assignee_id"] != json!(csm.id()) {
            let r = app
                .patch(
                    &format!("/api/v1/tickets/{}", ticket["id"]),
                    &admin.token,
                    json!({"assignee_id": csm.id()}),
                )
                .await;
            assert!(r.status().is_success());
        }
    }
    let book = body(app.get("/api/v1/my-work/book", &csm.token).await).await;
    assert_eq!(
        book["tickets"]["items"].as_array().unwrap().len(),
        5,
        "{book}"
    );
    assert_eq!(book["tickets"]["more"], true, "{book}");
    assert!(p2["id"].is_i64());
}

async fn digests(app: &TestApp) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.like("digest:%"))
        .all(&app.app_state.db.write)
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_daily_digest_goes_out_once_per_user_and_day_across_two_instances() {
    // 08:00 in Shanghai: too early.
    let eight = Utc.with_ymd_and_hms(2027, 3, 10, 0, 0, 0).unwrap();
    let app = spawn_app_at(eight).await;
    let admin = app.signup("W", "digest-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "digest-csm@x.cn").await;
    let idle = app.staff(&admin, "csm", "digest-idle@x.cn").await;
    let quiet = app.staff(&admin, "engineer", "digest-quiet@x.cn").await;
    let account = app.create_account(&admin.token, "华强电子", "100210").await;
    for (who, title) in [(&csm, "回访月结"), (&quiet, "检查库存")] {
        new_task(
            &app,
            &admin.token,
            json!({"account_id": account["id"], "title": title, "assignee_id": who.id(),
                   "due_at": due(eight + Duration::hours(4))}),
        )
        .await;
    }
    // The CSM and the idle CSM opt in; the engineer does not.
    for who in [&csm, &idle] {
        let me = body(
            app.patch("/api/v1/me", &who.token, json!({"digest_opt_in": true}))
                .await,
        )
        .await;
        assert_eq!(me["user"]["digest_opt_in"], true, "{me}");
    }
    let (_, customer) = app.portal_user(&admin, "digest-cust@x.cn", "100298").await;
    let response = app
        .patch(
            "/api/v1/me",
            &customer.token,
            json!({"digest_opt_in": true}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let report = server::jobs::run(&app.app_state, "daily-digest")
        .await
        .unwrap();
    assert_eq!(report.summary["sent"], 0, "before 08:30");
    assert!(digests(&app).await.is_empty());

    // 08:31: a second instance on the same database runs at the same time.
    let clock = app.clock.as_ref().unwrap();
    clock.set(eight + Duration::minutes(31));
    let url = app.app_state.config.database_url();
    let second = spawn_app_at_with(eight + Duration::minutes(31), |c| {
        c.database_url = Some(url)
    })
    .await;
    let (a, b) = tokio::join!(
        server::jobs::run(&app.app_state, "daily-digest"),
        server::jobs::run(&second.app_state, "daily-digest"),
    );
    let sent =
        a.unwrap().summary["sent"].as_u64().unwrap() + b.unwrap().summary["sent"].as_u64().unwrap();
    assert_eq!(
        sent, 1,
        "one digest: the CSM's (the idle CSM has nothing due)"
    );
    // And again later the same day: nothing more.
    clock.set(eight + Duration::hours(5));
    let again = server::jobs::run(&app.app_state, "daily-digest")
        .await
        .unwrap();
    assert_eq!(again.summary["sent"], 0);
    let queued = digests(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].to_addr, "digest-csm@x.cn");
    assert!(
        queued[0].body_text.contains("回访月结"),
        "{}",
        queued[0].body_text
    );
    assert!(queued[0].subject.contains("今日待办"), "Chinese by default");

    // The next day it goes out again.
    clock.set(eight + Duration::days(1) + Duration::minutes(40));
    let next = server::jobs::run(&app.app_state, "daily-digest")
        .await
        .unwrap();
    assert_eq!(next.summary["sent"], 1);
}
