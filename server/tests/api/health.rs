//! Health scores: the model, each component measured through the API with
//! an injected clock, redistribution of missing weights, band edges,
//! overrides through approval and their expiry, one snapshot per day, API
//! keys and usage events, tenant isolation and portal exclusion.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// 2027-06-01 10:00 in Shanghai.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, 1, 2, 0, 0).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn component<'a>(health: &'a Value, name: &str) -> &'a Value {
    health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == name)
        .unwrap_or_else(|| panic!("no component {name} in {health}"))
}

fn sub(health: &Value, name: &str) -> Value {
    component(health, name)["sub_score"].clone()
}

async fn health(app: &TestApp, token: &str, account: i64) -> Value {
    let r = app
        .get(&format!("/api/v1/accounts/{account}/health"), token)
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Only the named components weigh; the rest are switched off.
async fn weights(app: &TestApp, token: &str, only: &[(&str, i32)], green: i32, yellow: i32) {
    let all = [
        "usage",
        "support",
        "onboarding",
        "training",
        "satisfaction",
        "engagement",
        "renewal",
    ];
    let components: Vec<Value> = all
        .iter()
        .map(|c| {
            let w = only.iter().find(|(k, _)| k == c).map_or(0, |(_, w)| *w);
            json!({"component": c, "weight": w})
        })
        .collect();
    let r = app
        .put(
            "/api/v1/health-model",
            token,
            json!({"components": components, "green_min": green, "yellow_min": yellow}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn ticket(app: &TestApp, token: &str, account: i64, priority: &str) -> Value {
    let r = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": priority, "subject": "月末结账报错", "description": "凭证无法过账"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn new_key(app: &TestApp, token: &str) -> String {
    let r = app
        .post("/api/v1/api-keys", token, json!({"name": "ERP 服务器"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("stw_"));
    assert!(secret.starts_with(body["prefix"].as_str().unwrap()));
    secret
}

async fn push(app: &TestApp, key: Option<&str>, events: Vec<Value>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/usage-events"))
        .json(&json!({ "events": events }));
    if let Some(key) = key {
        req = req.header("X-Api-Key", key);
    }
    req.send().await.unwrap()
}

fn event(account: i64, user: &str, module: &str, at: DateTime<Utc>) -> Value {
    json!({"account_id": account, "user_ref": user, "module": module, "occurred_at": at})
}

async fn run_job(app: &TestApp, token: &str) -> Value {
    let r = app
        .post("/api/v1/admin/jobs/health-scores/run", token, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[actix_web::test]
async fn the_model_is_read_by_staff_and_changed_by_admins() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hm@x.cn").await;
    let csm = app.staff(&admin, "csm", "hm-c@x.cn").await;
    let model: Value = app
        .get("/api/v1/health-model", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(model["green_min"], 70);
    assert_eq!(model["yellow_min"], 40);
    let names: Vec<&str> = model["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "usage",
            "support",
            "onboarding",
            "training",
            "satisfaction",
            "engagement",
            "renewal",
            "plan_progress"
        ]
    );
    let body = json!({"components": [{"component": "usage", "weight": 40}], "green_min": 75, "yellow_min": 45});
    assert_error(
        app.put("/api/v1/health-model", &csm.token, body.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for bad in [
        json!({"components": [], "green_min": 50, "yellow_min": 50}),
        json!({"components": [{"component": "usage", "weight": 101}], "green_min": 70, "yellow_min": 40}),
        json!({"components": [{"component": "usage", "weight": 1}, {"component": "usage", "weight": 2}], "green_min": 70, "yellow_min": 40}),
    ] {
        assert_error(
            app.put("/api/v1/health-model", &admin.token, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let updated: Value = app
        .put("/api/v1/health-model", &admin.token, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["components"][0]["weight"], 40);
    assert_eq!(updated["components"][1]["weight"], 20); // unchanged
    assert_eq!(updated["green_min"], 75);
    let again: Value = app
        .get("/api/v1/health-model", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["yellow_min"], 45);
}

#[actix_web::test]
async fn each_component_is_measured_at_the_clock_time() {
    let app = spawn_app_at(t0()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "hc@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);

    // A fresh account: only support and engagement have data.
    let h = health(&app, &admin.token, account).await;
    assert_eq!(h["score"], 100);
    assert_eq!(h["band"], "green");
    assert_eq!(h["weakest"], Value::Null);
    for missing in ["usage", "onboarding", "training", "satisfaction", "renewal"] {
        assert_eq!(sub(&h, missing), Value::Null, "{missing}");
        assert_eq!(component(&h, missing)["effective_weight"], 0.0);
    }
    // Support (20) and engagement (15) share the whole weight.
    assert_eq!(component(&h, "support")["effective_weight"], 57.14);
    assert_eq!(component(&h, "engagement")["effective_weight"], 42.86);

    // Support: 15 points per open p1, 5 per open p2.
    ticket(&app, &admin.token, account, "p1").await;
    ticket(&app, &admin.token, account, "p2").await;
    ticket(&app, &admin.token, account, "p4").await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "support")["raw_value"], 20.0);
    assert_eq!(sub(&h, "support"), 80.0);
    assert_eq!(h["weakest"], "support");

    // Engagement: 52 days without a touchpoint halves it.
    clock.set(t0() + Duration::days(52));
    let admin = app.login_ok("hc@x.cn").await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "engagement")["raw_value"], 52.0);
    assert_eq!(sub(&h, "engagement"), 50.0);
    assert_eq!(h["weakest"], "engagement");
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/activities"),
            &admin.token,
            json!({"kind": "call", "occurred_at": t0() + Duration::days(51), "summary": "电话回访"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "engagement")["raw_value"], 1.0);
    assert_eq!(sub(&h, "engagement"), 100.0);
    let now = t0() + Duration::days(52);

    // Usage: distinct users in 30 days against the seats (10), per module.
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/licenses"),
            &admin.token,
            json!({"edition": "K/3 WISE 标准版", "modules": ["sales", "finance"], "seats": 10,
                   "dongle_serial": "KD-1", "expires_on": "2028-02-28"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let h = health(&app, &admin.token, account).await;
    assert_eq!(sub(&h, "usage"), Value::Null, "no events yet");
    let key = new_key(&app, &admin.token).await;
    let mut events = vec![];
    for user in ["u1", "u2", "u3", "u4"] {
        events.push(event(account, user, "sales", now - Duration::days(3)));
        events.push(event(account, user, "sales", now - Duration::days(2)));
    }
    events.push(event(account, "u1", "finance", now - Duration::days(1)));
    events.push(event(account, "u9", "finance", now - Duration::days(40)));
    let r = push(&app, Some(&key), events).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "usage")["raw_value"], 40.0);
    assert_eq!(sub(&h, "usage"), 50.0);
    let by_module = h["usage_by_module"].as_array().unwrap();
    assert_eq!(
        by_module[0],
        json!({"module": "sales", "active_users": 4, "seats": 10})
    );
    assert_eq!(
        by_module[1],
        json!({"module": "finance", "active_users": 1, "seats": 10})
    );

    // Renewal: a contract in force far from its end scores 100; onboarding
    // on track scores 100.
    let r = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({"account_id": account, "starts_on": "2027-07-01", "ends_on": "2028-06-30",
                   "annual_value": "10000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/onboarding"),
            &admin.token,
            json!({"starts_on": "2027-07-23"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let h = health(&app, &admin.token, account).await;
    assert_eq!(sub(&h, "renewal"), 100.0);
    assert_eq!(sub(&h, "onboarding"), 100.0);
    // The contact of the account's finance module has had no training: 0.
    app.create_contact(&admin.token, account, "李会计", "li@kh.cn")
        .await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(sub(&h, "training"), 0.0);
    // Weighted: usage 20×50, support 20×80, onboarding 10×100, training
    // 10×0, engagement 15×100, renewal 10×100 over 85 (satisfaction has no data).
    let expected: f64 = (20.0 * 50.0 + 20.0 * 80.0 + 1000.0 + 0.0 + 1500.0 + 1000.0) / 85.0;
    assert_eq!(h["score"], expected.round() as i64);
    assert_eq!(h["computed_score"], h["score"]);
    assert_eq!(h["weakest"], "usage");
    let total: f64 = h["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["effective_weight"].as_f64().unwrap())
        .sum();
    assert!((total - 100.0).abs() < 0.05, "{total}");
}

#[actix_web::test]
async fn missing_weights_spread_and_bands_follow_the_thresholds() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hb@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);
    // Usage has no data: support carries the whole score.
    weights(
        &app,
        &admin.token,
        &[("usage", 50), ("support", 50)],
        85,
        80,
    )
    .await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "support")["effective_weight"], 100.0);
    assert_eq!(component(&h, "usage")["effective_weight"], 0.0);
    ticket(&app, &admin.token, account, "p1").await; // 85: the green edge
    let h = health(&app, &admin.token, account).await;
    assert_eq!(
        (h["score"].clone(), h["band"].clone()),
        (json!(85), json!("green"))
    );
    assert_eq!(component(&h, "support")["contribution"], 85.0);
    ticket(&app, &admin.token, account, "p2").await; // 80: the yellow edge
    let h = health(&app, &admin.token, account).await;
    assert_eq!(
        (h["score"].clone(), h["band"].clone()),
        (json!(80), json!("yellow"))
    );
    ticket(&app, &admin.token, account, "p2").await; // 75: red
    let h = health(&app, &admin.token, account).await;
    assert_eq!(
        (h["score"].clone(), h["band"].clone()),
        (json!(75), json!("red"))
    );
}

#[actix_web::test]
async fn an_override_applies_once_another_manager_approves_until_it_expires() {
    let app = spawn_app_at(t0()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "ho@x.cn").await;
    let manager = app.staff(&admin, "manager", "ho-m@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "ho-e@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);
    let path = format!("/api/v1/accounts/{account}/health/override");
    let good =
        json!({"score": 30, "reason": "客户即将被收购，续约存疑", "expires_on": "2027-06-11"});

    for bad in [
        json!({"score": 101, "reason": "x", "expires_on": "2027-06-11"}),
        json!({"score": 30, "reason": "  ", "expires_on": "2027-06-11"}),
        json!({"score": 30, "reason": "x", "expires_on": "2027-06-01"}),
    ] {
        assert_error(
            app.post(&path, &manager.token, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert_error(
        app.post(&path, &engineer.token, good.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let r = app.post(&path, &manager.token, good).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let approval: Value = r.json().await.unwrap();
    assert_eq!(approval["kind"], "health_override");
    assert_eq!(approval["status"], "pending");
    assert_eq!(approval["subject_id"], account);
    // Pending: nothing changes.
    let h = health(&app, &admin.token, account).await;
    assert_eq!(h["score"], 100);
    assert_eq!(h["override"], Value::Null);
    // The maker cannot approve their own request.
    let approve = format!("/api/v1/approvals/{}/approve", approval["id"]);
    assert_error(
        app.post(&approve, &manager.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let r = app.post(&approve, &admin.token, json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = health(&app, &admin.token, account).await;
    assert_eq!(h["score"], 30);
    assert_eq!(h["band"], "red");
    assert_eq!(h["computed_score"], 100);
    assert_eq!(h["computed_band"], "green");
    assert_eq!(h["override"]["score"], 30);
    assert_eq!(h["override"]["approved_by"], admin.id());
    // The snapshot keeps both.
    run_job(&app, &admin.token).await;
    let history: Value = app
        .get(
            &format!("/api/v1/accounts/{account}/health/history"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history[0]["score"], 30);
    assert_eq!(history[0]["computed_score"], 100);
    assert_eq!(history[0]["overridden"], true);

    // The day before expiry it still applies; on the expiry day it stops.
    clock.set(Utc.with_ymd_and_hms(2027, 6, 10, 15, 0, 0).unwrap());
    let admin = app.login_ok("ho@x.cn").await;
    assert_eq!(health(&app, &admin.token, account).await["score"], 30);
    clock.set(Utc.with_ymd_and_hms(2027, 6, 10, 16, 0, 0).unwrap()); // 06-11 00:00 Shanghai
    let admin = app.login_ok("ho@x.cn").await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(h["score"], 100);
    assert_eq!(h["override"], Value::Null);

    // A rejected override never applies.
    let manager = app.login_ok("ho-m@x.cn").await;
    let r = app
        .post(
            &path,
            &manager.token,
            json!({"score": 10, "reason": "试试", "expires_on": "2027-07-01"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let rejected: Value = r.json().await.unwrap();
    let r = app
        .post(
            &format!("/api/v1/approvals/{}/reject", rejected["id"]),
            &admin.token,
            json!({"comment": "证据不足"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(health(&app, &manager.token, account).await["score"], 100);
}

#[actix_web::test]
async fn the_job_keeps_one_snapshot_per_account_and_day() {
    let app = spawn_app_at(t0()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "hs@x.cn").await;
    let a = id(&app.create_account(&admin.token, "甲公司", "100").await);
    let b = id(&app.create_account(&admin.token, "乙公司", "101").await);
    for _ in 0..3 {
        let report = run_job(&app, &admin.token).await;
        assert_eq!(report["summary"]["accounts"], 2);
    }
    ticket(&app, &admin.token, a, "p1").await;
    run_job(&app, &admin.token).await;
    let history: Value = app
        .get(
            &format!("/api/v1/accounts/{a}/health/history"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let days = history.as_array().unwrap();
    assert_eq!(days.len(), 1, "{history}");
    assert_eq!(days[0]["day"], "2027-06-01");
    assert_eq!(days[0]["score"], 91); // the latest run's score: (85×20 + 100×15) / 35
    assert_eq!(days[0]["weakest"], "support");

    clock.set(t0() + Duration::days(1));
    let admin = app.login_ok("hs@x.cn").await;
    run_job(&app, &admin.token).await;
    run_job(&app, &admin.token).await;
    for (account, n) in [(a, 2), (b, 2)] {
        let history: Value = app
            .get(
                &format!("/api/v1/accounts/{account}/health/history"),
                &admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(history.as_array().unwrap().len(), n);
    }
    let h = health(&app, &admin.token, a).await;
    assert_eq!(h["trend"].as_array().unwrap().len(), 2);
    assert_eq!(h["trend"][0]["day"], "2027-06-01");
    assert_eq!(h["trend_change"], 0);
    // Only admins run jobs.
    let csm = app.staff(&admin, "csm", "hs-c@x.cn").await;
    assert_error(
        app.post(
            "/api/v1/admin/jobs/health-scores/run",
            &csm.token,
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[actix_web::test]
async fn usage_events_need_a_live_key_of_the_accounts_workspace() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hk@x.cn").await;
    let csm = app.staff(&admin, "csm", "hk-c@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);
    let other = app.signup("Other", "hk-o@x.cn").await;
    let foreign = id(&app.create_account(&other.token, "外部", "900").await);
    let now = t0();

    // Only admins manage keys.
    assert_error(
        app.post("/api/v1/api-keys", &csm.token, json!({"name": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/api-keys", &csm.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post("/api/v1/api-keys", &admin.token, json!({"name": " "}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let key = new_key(&app, &admin.token).await;
    let other_key = new_key(&app, &other.token).await;
    let listed: Value = app
        .get("/api/v1/api-keys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&key),
        "the secret is shown once"
    );
    assert!(listed["items"][0]["secret"].is_null());

    let one = || vec![event(account, "u1", "sales", now - Duration::hours(1))];
    // Missing, unknown: 401.
    assert_error(
        push(&app, None, one()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        push(&app, Some("stw_nope"), one()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // A session token is not an API key.
    let r = app
        .client
        .post(app.url("/api/v1/usage-events"))
        .bearer_auth(&admin.token)
        .json(&json!({"events": one()}))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // The other workspace's key cannot push for this account, nor this key
    // for the other workspace's account (by id or by code).
    assert_error(
        push(&app, Some(&other_key), one()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut mixed = one();
    mixed.push(event(foreign, "u2", "sales", now));
    let err = assert_error(
        push(&app, Some(&key), mixed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(err["fields"]["events[1].account_id"].is_string(), "{err}");
    let by_code = vec![
        json!({"account_code": "900", "user_ref": "u", "module": "sales", "occurred_at": now}),
    ];
    assert_error(
        push(&app, Some(&key), by_code).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Nothing of a refused batch was kept.
    let h = health(&app, &admin.token, account).await;
    assert!(h["usage_by_module"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["active_users"] == 0));

    // By code, in this workspace: accepted.
    let by_code = vec![
        json!({"account_code": "100", "user_ref": "u", "module": "sales", "occurred_at": now}),
    ];
    let r = push(&app, Some(&key), by_code).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap()["accepted"], 1);

    // At most 1,000 events a batch.
    let batch = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                event(
                    account,
                    &format!("u{i}"),
                    "finance",
                    now - Duration::minutes(5),
                )
            })
            .collect()
    };
    assert_error(
        push(&app, Some(&key), batch(1001)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let r = push(&app, Some(&key), batch(1000)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap()["accepted"], 1000);

    // Revoked: 401 at once. Another workspace's key cannot be revoked here.
    let key_id = listed["items"][0]["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/api-keys/{key_id}/revoke"),
            &other.token,
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/api-keys/{key_id}/revoke"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["revoked_at"].is_string());
    assert_error(
        push(&app, Some(&key), one()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn health_is_for_the_workspace_staff_only() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hp@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "kh@kh.cn", "100").await;
    let account = id(&account);
    let other = app.signup("Other", "hp-o@x.cn").await;
    run_job(&app, &admin.token).await;

    let reads = [
        format!("/api/v1/accounts/{account}/health"),
        format!("/api/v1/accounts/{account}/health/history"),
        "/api/v1/health-model".to_string(),
        "/api/v1/api-keys".to_string(),
    ];
    for path in &reads {
        assert_error(
            app.get(path, &portal.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let override_path = format!("/api/v1/accounts/{account}/health/override");
    let body = json!({"score": 1, "reason": "x", "expires_on": "2027-06-05"});
    assert_error(
        app.post(&override_path, &portal.token, body.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.put(
            "/api/v1/health-model",
            &portal.token,
            json!({"components": [], "green_min": 70, "yellow_min": 40}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post("/api/v1/api-keys", &portal.token, json!({"name": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Another workspace: as if the account did not exist.
    for path in &reads[..2] {
        assert_error(
            app.get(path, &other.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_error(
        app.post(&override_path, &other.token, body).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // No health data on the portal's own routes.
    for path in [
        "/api/v1/portal/account",
        "/api/v1/portal/tickets",
        "/api/v1/portal/onboarding",
    ] {
        let r = app.get(path, &portal.token).await;
        let text = r.text().await.unwrap().to_lowercase();
        for word in ["health", "computed_score", "weakest", "override"] {
            assert!(!text.contains(word), "{path} shows {word}: {text}");
        }
    }
}

#[actix_web::test]
async fn sla_breaches_weigh_for_thirty_days() {
    let app = spawn_app_at(t0()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "hsla@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);
    ticket(&app, &admin.token, account, "p1").await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "support")["raw_value"], 15.0);

    // Ten days on, the monitor has marked the p1's targets missed.
    clock.set(t0() + Duration::days(10));
    let admin = app.login_ok("hsla@x.cn").await;
    let r = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = health(&app, &admin.token, account).await;
    let support = component(&h, "support");
    let raw = support["raw_value"].as_f64().unwrap();
    assert!(raw == 25.0 || raw == 35.0, "{support}");
    let breaches = (raw - 15.0) / 10.0;
    assert!(
        support["explanation"]
            .as_str()
            .unwrap()
            .contains(&format!("{breaches} SLA breaches in 30 days")),
        "{support}"
    );

    // Breaches older than 30 days no longer count; the open p1 still does.
    clock.set(t0() + Duration::days(45));
    let admin = app.login_ok("hsla@x.cn").await;
    let h = health(&app, &admin.token, account).await;
    assert_eq!(component(&h, "support")["raw_value"], 15.0);
}

/// The account page measures one account with one statement; the nightly
/// job measures the whole workspace with grouped queries. Over the demo's
/// story (licences, usage, tickets, plans, training, surveys, timelines,
/// renewals renewed and churned) both must find the same inputs.
#[actix_web::test]
async fn one_accounts_health_is_measured_as_the_job_measures_every_account() {
    use server::seed;
    let now = Utc.with_ymd_and_hms(2027, 3, 17, 2, 0, 0).unwrap();
    let today = "2027-03-17";
    let app = spawn_app_at(now).await;
    seed::demo_story(&app.app_state).await.unwrap();
    let admin = session_of(app.login(seed::DEMO_ADMIN, seed::DEMO_PASSWORD).await).await;
    run_job(&app, &admin.token).await;
    let accounts: Value = app
        .get("/api/v1/accounts?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let accounts = accounts["items"].as_array().unwrap();
    assert_eq!(accounts.len(), 30);
    let key = |c: &Value| {
        (
            c["component"].clone(),
            c["raw_value"].clone(),
            c["sub_score"].clone(),
            c["weight"].clone(),
        )
    };
    let mut with_data = 0;
    for account in accounts {
        let a = id(account);
        let now_health = health(&app, &admin.token, a).await;
        let history: Value = app
            .get(
                &format!("/api/v1/accounts/{a}/health/history"),
                &admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        let snapshot = history
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["day"] == today)
            .unwrap_or_else(|| panic!("no snapshot of today for {a}: {history}"));
        assert_eq!(
            now_health["computed_score"], snapshot["computed_score"],
            "account {a}: {now_health} vs {snapshot}"
        );
        let ours: Vec<_> = now_health["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let job: Vec<_> = snapshot["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        assert_eq!(ours, job, "account {a}");
        with_data += ours.iter().filter(|c| !c.2.is_null()).count();
    }
    assert!(
        with_data > 100,
        "the demo measures most components: {with_data}"
    );
}

#[actix_web::test]
async fn usage_events_check_the_key_before_the_body_and_bound_the_date() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hb@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华星电子", "100").await);
    let key = new_key(&app, &admin.token).await;

    // No key, or a wrong one, with a body that is not a batch at all: 401,
    // not a 422 that tells a stranger how the body should look.
    for key in [None, Some("stw_nope")] {
        let mut req = app
            .client
            .post(app.url("/api/v1/usage-events"))
            .header("Content-Type", "application/json")
            .body("{\"nonsense\": [1, 2, 3]}");
        if let Some(key) = key {
            req = req.header("X-Api-Key", key);
        }
        assert_error(
            req.send().await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }

    // More than a year back is a mistake, not usage: refused by field.
    let body = assert_error(
        push(
            &app,
            Some(&key),
            vec![event(account, "u1", "sales", t0() - Duration::days(400))],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        body["field_keys"]["events[0].occurred_at"]["key"] == "field.too_long_ago",
        "{body}"
    );
    // A typo in an event's field names the field.
    let body = assert_error(
        push(
            &app,
            Some(&key),
            vec![
                json!({"account_id": account, "user_ref": "u1", "module": "sales",
                        "occurred_at": t0(), "acount_code": "100"}),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(body.to_string().contains("acount_code"), "{body}");
    // A year ago is still fine.
    let r = push(
        &app,
        Some(&key),
        vec![event(account, "u1", "sales", t0() - Duration::days(300))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}
