//! Service tickets: routing, SLA due times on the business calendar,
//! transitions, pauses, escalation, comments and portal visibility.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Friday 2027-01-08 17:00 in Shanghai.
fn friday_five_pm() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 8, 9, 0, 0).unwrap()
}

fn at(v: &Value, field: &str) -> DateTime<Utc> {
    v[field].as_str().unwrap().parse().unwrap()
}

fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() - Duration::hours(8)
}

async fn ticket(
    app: &TestApp,
    token: &str,
    account_id: i64,
    module: &str,
    priority: &str,
) -> Value {
    let response = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account_id, "module": module, "category": "how_to",
                   "priority": priority, "subject": "月末结账报错", "description": "凭证无法过账"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn due_times_follow_the_agreement_level_and_skip_the_weekend() {
    let app = spawn_app_at(friday_five_pm()).await;
    let admin = app.signup("W", "sla@x.cn").await;
    let gold = app.create_account(&admin.token, "金牌客户", "1").await;
    let gold_id = gold["id"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/api/v1/accounts/{gold_id}/agreements"),
            &admin.token,
            json!({"level": "gold", "starts_on": "2027-01-01", "ends_on": "2027-12-31",
                   "signed_on": "2026-12-20", "service_content": "远程支持", "complaint_procedure": "致电客户部经理"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let t = ticket(&app, &admin.token, gold_id, "finance", "p1").await;
    assert_eq!(t["service_level"], "gold");
    assert_eq!(t["status"], "new");
    assert_eq!(t["number"], 1);
    // Gold p1: first response 30 min, resolution 240 business minutes.
    assert_eq!(
        at(&t, "first_response_due_at"),
        shanghai(2027, 1, 8, 17, 30)
    );
    assert_eq!(at(&t, "resolution_due_at"), shanghai(2027, 1, 11, 12, 0));

    // No agreement: the workspace's default level (bronze p1: 120 / 1080).
    let plain = app.create_account(&admin.token, "普通客户", "2").await;
    let t = ticket(
        &app,
        &admin.token,
        plain["id"].as_i64().unwrap(),
        "sales",
        "p1",
    )
    .await;
    assert_eq!(t["service_level"], "bronze");
    assert_eq!(t["number"], 2);
    assert_eq!(
        at(&t, "first_response_due_at"),
        shanghai(2027, 1, 11, 10, 0)
    );
    assert_eq!(at(&t, "resolution_due_at"), shanghai(2027, 1, 12, 17, 0));

    // An agreement that has ended does not count, and does not fall back
    // to the default level either (issue 16): the ticket staff log is
    // outside agreement, without SLA targets.
    app.post(
        &format!("/api/v1/accounts/{}/agreements", plain["id"]),
        &admin.token,
        json!({"level": "gold", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    )
    .await;
    let t = ticket(
        &app,
        &admin.token,
        plain["id"].as_i64().unwrap(),
        "sales",
        "p1",
    )
    .await;
    assert_eq!(t["outside_agreement"], true);
    assert_eq!(t["service_level"], "");
    assert!(at(&t, "first_response_due_at").year() >= 2200);

    // Unknown levels and reversed dates are refused.
    let response = app
        .post(
            &format!("/api/v1/accounts/{gold_id}/agreements"),
            &admin.token,
            json!({"level": "platinum", "starts_on": "2027-02-01", "ends_on": "2027-01-01"}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["level"].is_string() && error["fields"]["ends_on"].is_string());
    let list: Value = app
        .get(
            &format!("/api/v1/accounts/{gold_id}/agreements"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn holidays_and_make_up_working_days_move_due_times() {
    let app = spawn_app_at(friday_five_pm()).await;
    let admin = app.signup("W", "cal@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let calendar: Value = app
        .get("/api/v1/calendar", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(calendar["time_zone"], "Asia/Shanghai");
    // Saturday 9 January is a make-up working day; Monday 11 January a holiday.
    let mut calendar = calendar;
    calendar["holidays"] = json!(["2027-01-11"]);
    calendar["working_days"] = json!(["2027-01-09"]);
    let response = app.put("/api/v1/calendar", &admin.token, calendar).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Bronze p1 resolution, 1080 minutes: Fri 60 + Sat 540 + Tue 480.
    let t = ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "finance",
        "p1",
    )
    .await;
    assert_eq!(at(&t, "resolution_due_at"), shanghai(2027, 1, 12, 17, 0));
    // First response, 120 minutes: Fri 60 + Sat 60.
    assert_eq!(at(&t, "first_response_due_at"), shanghai(2027, 1, 9, 10, 0));

    let response = app
        .put(
            "/api/v1/calendar",
            &admin.token,
            json!({"time_zone": "Mars/Olympus"}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["time_zone"].is_string());
}

#[actix_web::test]
async fn tickets_are_routed_to_the_module_owner() {
    let app = spawn_app().await;
    let admin = app.signup("W", "route@x.cn").await;
    let csm = app.staff(&admin, "csm", "route-csm@x.cn").await;
    let response = app
        .put(
            "/api/v1/settings/module-owners",
            &admin.token,
            json!({"finance": csm.id()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let owners: Value = app
        .get("/api/v1/settings/module-owners", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(owners["finance"], csm.id());
    let account = app.create_account(&admin.token, "客户", "1").await;
    let id = account["id"].as_i64().unwrap();
    let finance = ticket(&app, &admin.token, id, "finance", "p3").await;
    assert_eq!(finance["assignee_id"], csm.id());
    assert_eq!(finance["tier"], 1);
    let sales = ticket(&app, &admin.token, id, "sales", "p3").await;
    assert!(sales["assignee_id"].is_null());

    let mine: Value = app
        .get(
            &format!("/api/v1/tickets?assignee_id={}", csm.id()),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let queue: Value = app
        .get("/api/v1/tickets?status=new&module=sales", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["id"], sales["id"]);
    let unassigned: Value = app
        .get("/api/v1/tickets?unassigned=true", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unassigned["items"].as_array().unwrap().len(), 1);

    let response = app
        .put(
            "/api/v1/settings/module-owners",
            &admin.token,
            json!({"sales": 999999}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .put(
            "/api/v1/settings/module-owners",
            &csm.token,
            json!({"sales": csm.id()}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[actix_web::test]
async fn illegal_transitions_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let admin = app.signup("W", "tr@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let t = ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "inventory",
        "p2",
    )
    .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);

    let response = app
        .patch(&path, &admin.token, json!({"status": "blocked"}))
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["status"]
        .as_str()
        .unwrap()
        .contains("blocker"));

    for (to, code) in [
        ("open", 200),
        ("pending_customer", 200),
        ("resolved", 200),
        ("closed", 200),
    ] {
        let response = app.patch(&path, &admin.token, json!({"status": to})).await;
        assert_eq!(response.status().as_u16(), code, "→ {to}");
    }
    let response = app
        .patch(&path, &admin.token, json!({"status": "open"}))
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["status"]
        .as_str()
        .unwrap()
        .contains("final"));
    let response = app
        .patch(&path, &admin.token, json!({"status": "sleeping"}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let timeline: Value = app
        .get(&format!("{path}/timeline"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["created", "status", "status", "status", "status"]
    );
    let closed: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert!(closed["closed_at"].is_string() && closed["resolved_at"].is_string());
}

#[actix_web::test]
async fn a_stale_if_match_on_a_ticket_is_refused() {
    let app = spawn_app().await;
    let admin = app.signup("W", "tetag@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let t = ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "sales",
        "p2",
    )
    .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let etag = app.get(&path, &admin.token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    app.patch(&path, &admin.token, json!({"priority": "p1"}))
        .await;
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", etag)
        .json(&json!({"priority": "p4"}))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
}

#[actix_web::test]
async fn the_sla_clock_pauses_while_pending_on_the_customer() {
    let app = spawn_app_at(friday_five_pm()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "pause@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let t = ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "finance",
        "p1",
    )
    .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let due = at(&t, "resolution_due_at");
    assert_eq!(due, shanghai(2027, 1, 12, 17, 0));

    clock.set(shanghai(2027, 1, 8, 17, 30));
    let paused: Value = app
        .patch(&path, &admin.token, json!({"status": "pending_customer"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paused["sla_paused"], true);
    // Monday 11:00: 30 minutes on Friday and 120 on Monday passed while paused.
    clock.set(shanghai(2027, 1, 11, 11, 0));
    let resumed: Value = app
        .patch(&path, &admin.token, json!({"status": "open"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resumed["sla_paused"], false);
    // The due time moves 150 business minutes later: Tue 17:00 → Wed 10:30.
    assert_eq!(
        at(&resumed, "resolution_due_at"),
        shanghai(2027, 1, 13, 10, 30)
    );
}

#[actix_web::test]
async fn escalation_climbs_from_owner_to_engineers_to_the_manager() {
    let app = spawn_app().await;
    let admin = app.signup("W", "esc@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "esc-e@x.cn").await;
    let manager = app.staff(&admin, "manager", "esc-m@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let t = ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "production",
        "p2",
    )
    .await;
    let path = format!("/api/v1/tickets/{}/escalate", t["id"]);

    let response = app.post(&path, &admin.token, json!({"reason": "  "})).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let second: Value = app
        .post(
            &path,
            &admin.token,
            json!({"reason": "BOM 计算错误，需要系统工程师"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (second["tier"].as_i64(), second["assignee_id"].as_i64()),
        (Some(2), Some(engineer.id()))
    );
    let third: Value = app
        .post(&path, &engineer.token, json!({"reason": "涉及二次开发"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (third["tier"].as_i64(), third["assignee_id"].as_i64()),
        (Some(3), Some(manager.id()))
    );
    let response = app
        .post(&path, &manager.token, json!({"reason": "again"}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let timeline: Value = app
        .get(
            &format!("/api/v1/tickets/{}/timeline", t["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let escalations: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .collect();
    assert_eq!(escalations.len(), 2);
    assert_eq!(
        escalations[0]["detail"]["reason"],
        "BOM 计算错误，需要系统工程师"
    );
    assert_eq!(escalations[1]["actor_id"], engineer.id());
}

#[actix_web::test]
async fn portal_users_see_their_own_tickets_and_never_internal_notes() {
    let app = spawn_app().await;
    let admin = app.signup("W", "pv@x.cn").await;
    let (account, alice) = app.portal_user(&admin, "alice@kehu.cn", "10").await;
    let account_id = account["id"].as_i64().unwrap();
    // A colleague at the same customer, and their customer_admin.
    let bob_contact = app
        .create_contact(&admin.token, account_id, "Bob", "bob@kehu.cn")
        .await;
    app.post(
        &format!("/api/v1/contacts/{}/portal-access", bob_contact["id"]),
        &admin.token,
        json!({"role": "customer"}),
    )
    .await;
    let bob = app.accept_invitation("bob@kehu.cn").await;
    let boss_contact = app
        .create_contact(&admin.token, account_id, "Boss", "boss@kehu.cn")
        .await;
    app.post(
        &format!("/api/v1/contacts/{}/portal-access", boss_contact["id"]),
        &admin.token,
        json!({"role": "customer_admin"}),
    )
    .await;
    let boss = app.accept_invitation("boss@kehu.cn").await;
    let (_, stranger) = app.portal_user(&admin, "stranger@other.cn", "20").await;

    let response = app
        .post(
            "/api/v1/portal/tickets",
            &alice.token,
            json!({"module": "sales", "category": "question", "priority": "p3",
                   "subject": "销货单无法审核", "description": "提示权限不足", "kb_suggestions_shown": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert!(created.get("assignee_id").is_none() && created.get("tier").is_none());
    let id = created["id"].as_i64().unwrap();
    let staff_view: Value = app
        .get(&format!("/api/v1/tickets/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff_view["account_id"], account_id);
    assert_eq!(staff_view["requester_user_id"], alice.id());
    assert_eq!(staff_view["kb_suggestions_shown"], true);

    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &admin.token,
        json!({"body": "请检查销售主管的审核权限", "internal": false}),
    )
    .await;
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &admin.token,
        json!({"body": "内部：客户欠费中", "internal": true}),
    )
    .await;
    let staff_comments: Value = app
        .get(&format!("/api/v1/tickets/{id}/comments"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff_comments.as_array().unwrap().len(), 2);
    let after_reply: Value = app
        .get(&format!("/api/v1/tickets/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after_reply["status"], "open",
        "a public staff reply opens a new ticket"
    );
    assert!(after_reply["first_responded_at"].is_string());

    let path = format!("/api/v1/portal/tickets/{id}");
    for who in [&alice, &boss] {
        assert_eq!(app.get(&path, &who.token).await.status(), StatusCode::OK);
        let comments: Value = app
            .get(&format!("{path}/comments"), &who.token)
            .await
            .json()
            .await
            .unwrap();
        let bodies: Vec<&str> = comments
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, vec!["请检查销售主管的审核权限"]);
    }
    for who in [&bob, &stranger] {
        assert_error(
            app.get(&path, &who.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_error(
            app.get(&format!("{path}/comments"), &who.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let response = app
            .post(
                &format!("{path}/comments"),
                &who.token,
                json!({"body": "hi"}),
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let lists = [(&alice, 1), (&bob, 0), (&boss, 1), (&stranger, 0)];
    for (who, count) in lists {
        let page: Value = app
            .get("/api/v1/portal/tickets", &who.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), count);
    }
    // A customer's "internal" flag is ignored: portal comments are public.
    let c: Value = app
        .post(
            &format!("{path}/comments"),
            &alice.token,
            json!({"body": "谢谢", "internal": true}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["internal"], false);
    // Portal users reach no staff ticket route.
    assert_error(
        app.get("/api/v1/tickets", &alice.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/portal/tickets", &admin.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[actix_web::test]
async fn a_customer_reply_reopens_a_resolved_ticket_within_seven_days_only() {
    let app = spawn_app_at(friday_five_pm()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "reopen@x.cn").await;
    let (_, alice) = app.portal_user(&admin, "re@kehu.cn", "30").await;
    let new = |subject: &'static str| {
        let app = &app;
        let token = alice.token.clone();
        async move {
            let t: Value = app
                .post("/api/v1/portal/tickets", &token, json!({"module": "finance", "category": "bug", "priority": "p2", "subject": subject}))
                .await
                .json()
                .await
                .unwrap();
            t["id"].as_i64().unwrap()
        }
    };
    let first = new("一").await;
    let second = new("二").await;
    for id in [first, second] {
        app.patch(
            &format!("/api/v1/tickets/{id}"),
            &admin.token,
            json!({"status": "resolved"}),
        )
        .await;
    }
    clock.advance(Duration::days(3));
    let response = app
        .post(
            &format!("/api/v1/portal/tickets/{first}/comments"),
            &alice.token,
            json!({"body": "问题又出现了"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let t: Value = app
        .get(&format!("/api/v1/tickets/{first}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["status"], "open");
    assert!(t["resolved_at"].is_null());
    clock.advance(Duration::days(5));
    let response = app
        .post(
            &format!("/api/v1/portal/tickets/{second}/comments"),
            &alice.token,
            json!({"body": "还有问题"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn ticket_numbers_are_per_workspace_and_ids_of_others_are_404() {
    let app = spawn_app().await;
    let alice = app.signup("A", "ta@x.cn").await;
    let bob = app.signup("B", "tb@x.cn").await;
    let a_account = app.create_account(&alice.token, "A 客户", "1").await;
    let b_account = app.create_account(&bob.token, "B 客户", "1").await;
    let a1 = ticket(
        &app,
        &alice.token,
        a_account["id"].as_i64().unwrap(),
        "sales",
        "p3",
    )
    .await;
    let a2 = ticket(
        &app,
        &alice.token,
        a_account["id"].as_i64().unwrap(),
        "sales",
        "p3",
    )
    .await;
    let b1 = ticket(
        &app,
        &bob.token,
        b_account["id"].as_i64().unwrap(),
        "sales",
        "p3",
    )
    .await;
    assert_eq!(
        (
            a1["number"].as_i64(),
            a2["number"].as_i64(),
            b1["number"].as_i64()
        ),
        (Some(1), Some(2), Some(1))
    );

    let id = a1["id"].as_i64().unwrap();
    let account_id = a_account["id"].as_i64().unwrap();
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/tickets/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}"),
            Some(json!({"status": "open"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/escalate"),
            Some(json!({"reason": "x"})),
        ),
        (Method::GET, format!("/api/v1/tickets/{id}/comments"), None),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/comments"),
            Some(json!({"body": "x"})),
        ),
        (Method::GET, format!("/api/v1/tickets/{id}/timeline"), None),
        (
            Method::GET,
            format!("/api/v1/accounts/{account_id}/agreements"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account_id}/agreements"),
            Some(json!({"level": "gold", "starts_on": "2027-01-01", "ends_on": "2027-12-31"})),
        ),
    ];
    for (method, path, body) in routes {
        let response = app
            .request(method.clone(), &path, Some(&bob.token), body)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app
        .post("/api/v1/tickets", &bob.token, json!({"account_id": account_id, "module": "sales", "category": "bug", "priority": "p1", "subject": "x"}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let queue: Value = app
        .get("/api/v1/tickets", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    let still: Value = app
        .get(&format!("/api/v1/tickets/{id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "new");
}

#[actix_web::test]
async fn sla_settings_are_read_by_staff_and_changed_by_admins() {
    let app = spawn_app().await;
    let admin = app.signup("W", "pol@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "pol-e@x.cn").await;
    let manager = app.staff(&admin, "manager", "pol-m@x.cn").await;
    let policies: Value = app
        .get("/api/v1/sla-policies", &engineer.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policies["policies"].as_array().unwrap().len(), 12);
    assert_eq!(policies["default_level"], "bronze");

    let mut custom = policies.clone();
    custom["policies"] = json!([
        {"level": "vip", "priority": "p1", "first_response_minutes": 15, "resolution_minutes": 120},
        {"level": "vip", "priority": "p2", "first_response_minutes": 30, "resolution_minutes": 240},
        {"level": "vip", "priority": "p3", "first_response_minutes": 60, "resolution_minutes": 480},
        {"level": "vip", "priority": "p4", "first_response_minutes": 120, "resolution_minutes": 960},
    ]);
    custom["default_level"] = json!("vip");
    assert_error(
        app.put("/api/v1/sla-policies", &manager.token, custom.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.put("/api/v1/calendar", &manager.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let saved: Value = app
        .put("/api/v1/sla-policies", &admin.token, custom)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["default_level"], "vip");
    assert_eq!(saved["policies"].as_array().unwrap().len(), 4);

    let bad = json!({"default_level": "vip", "policies": [
        {"level": "vip", "priority": "p1", "first_response_minutes": 300, "resolution_minutes": 120}
    ]});
    let error = assert_error(
        app.put("/api/v1/sla-policies", &admin.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"].as_object().unwrap().len() >= 2, "{error}");
}

/// The queue's page (which SQLite writes itself, ticket by ticket) shows
/// every ticket exactly as the ticket's own page does, whatever its state,
/// across every page of the default order and of filtered tabs.
#[actix_web::test]
async fn the_queue_shows_each_ticket_as_its_own_page_does() {
    use server::seed;
    // A month after the demo was seeded: its open tickets are overdue.
    let app = spawn_app_at(Utc::now() + Duration::days(30)).await;
    seed::demo(&app.app_state.db).await.unwrap();
    let admin = session_of(app.login(seed::DEMO_ADMIN, seed::DEMO_PASSWORD).await).await;
    // The overdue tickets become breached.
    let run = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    let mut statuses = std::collections::BTreeSet::new();
    let (mut breached, mut resolved) = (0, 0);
    for query in [
        "limit=7",
        "status=resolved&limit=3",
        "breached=true&limit=4",
        "module=finance&limit=5",
    ] {
        let mut cursor: Option<String> = None;
        let mut ids = Vec::new();
        loop {
            let url = match &cursor {
                Some(c) => format!("/api/v1/tickets?{query}&cursor={c}"),
                None => format!("/api/v1/tickets?{query}"),
            };
            let response = app.get(&url, &admin.token).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "{url}"
            );
            let page: Value = response.json().await.unwrap();
            for item in page["items"].as_array().unwrap() {
                let own: Value = app
                    .get(&format!("/api/v1/tickets/{}", item["id"]), &admin.token)
                    .await
                    .json()
                    .await
                    .unwrap();
                assert_eq!(item, &own, "{url}");
                statuses.insert(item["status"].as_str().unwrap().to_string());
                breached += usize::from(!item["resolution_breached_at"].is_null());
                resolved += usize::from(!item["resolved_at"].is_null());
                ids.push(item["id"].as_i64().unwrap());
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert!(!ids.is_empty(), "{query}");
        assert_eq!(distinct.len(), ids.len(), "no ticket twice: {query}");
    }
    assert!(statuses.len() >= 3, "{statuses:?}");
    assert!(breached > 0 && resolved > 0, "{breached} {resolved}");
}
