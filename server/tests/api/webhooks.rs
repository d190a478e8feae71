//! Outgoing webhooks: signed deliveries to a real local receiver, retries
//! with back-off, redelivery, auto-disable with the admins' mail, the SSRF
//! guard, event filters, tenancy and roles.

use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{assert_error, spawn_app_at_with, spawn_app_with, Session, TestApp};
use crate::receiver::{Receiver, Request};

async fn app() -> TestApp {
    spawn_app_with(|c| c.webhooks_allow_private = true).await
}

async fn create_hook(app: &TestApp, admin: &Session, url: &str, events: Value) -> Value {
    let response = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Checks `Steward-Signature` as a receiver would: HMAC-SHA256 of
/// `"<t>.<body>"` with the secret, hex.
fn assert_signed(request: &Request, secret: &str) {
    let header = request.headers.get("steward-signature").expect("signed");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_string()),
            Some(("v1", value)) => v1 = Some(value.to_string()),
            _ => {}
        }
    }
    let (t, v1) = (t.expect("t="), v1.expect("v1="));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", request.body).as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(v1, expected, "signature of {}", request.body);
    // A tampered body does not verify.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{} ", request.body).as_bytes());
    assert_ne!(v1, hex::encode(mac.finalize().into_bytes()));
}

async fn deliveries(app: &TestApp, admin: &Session, hook: i64) -> Vec<Value> {
    let response = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &admin.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Waits (up to 30 s) until the hook's newest delivery satisfies `done`.
async fn wait_delivery(
    app: &TestApp,
    admin: &Session,
    hook: i64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..600 {
        if let Some(d) = deliveries(app, admin, hook).await.first() {
            if done(d) {
                return d.clone();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the delivery never got there: {:?}",
        deliveries(app, admin, hook).await
    );
}

#[actix_web::test]
async fn an_event_is_delivered_signed_in_a_versioned_envelope() {
    let app = app().await;
    let admin = app.signup("Hooks", "hooks@x.cn").await;
    let receiver = Receiver::start(200, "{}").await;
    let created = create_hook(&app, &admin, &receiver.url, json!(["account.created"])).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{created}");
    let hook = created["id"].as_i64().unwrap();
    // The secret is shown once.
    let read: Value = app
        .get(&format!("/api/v1/webhooks/{hook}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(read.get("secret").is_none(), "{read}");

    app.create_account(&admin.token, "华东机械", "1001").await;
    let got = receiver.wait_for(1).await;
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.headers["content-type"], "application/json");
    assert_signed(request, &secret);
    let envelope = request.json();
    assert_eq!(envelope["type"], "account.created");
    assert_eq!(envelope["version"], 1);
    assert!(envelope["id"].as_str().unwrap().starts_with("evt_"));
    assert!(envelope["created_at"].is_string());
    assert_eq!(envelope["workspace_id"], admin.user["workspace_id"]);
    assert_eq!(envelope["data"]["account"]["code"], "1001");
    assert_eq!(request.headers["steward-event"], "account.created");

    let log = wait_delivery(&app, &admin, hook, |d| d["status"] == "delivered").await;
    assert_eq!(log["attempt"], 1);
    assert_eq!(log["http_status"], 200);
    assert_eq!(log["event_id"], envelope["id"]);
    assert!(log["latency_ms"].as_i64().is_some());
    assert_eq!(log["response_excerpt"], "{}");
}

#[actix_web::test]
async fn only_the_chosen_events_are_sent() {
    let app = app().await;
    let admin = app.signup("Filter", "filter@x.cn").await;
    let accounts = Receiver::start(200, "").await;
    let contracts = Receiver::start(200, "").await;
    let a = create_hook(&app, &admin, &accounts.url, json!(["account.created"])).await;
    let c = create_hook(&app, &admin, &contracts.url, json!(["contract.created"])).await;
    let disabled = create_hook(&app, &admin, &accounts.url, json!(["account.created"])).await;
    let disabled_id = disabled["id"].as_i64().unwrap();
    let response = app
        .patch(
            &format!("/api/v1/webhooks/{disabled_id}"),
            &admin.token,
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    app.create_account(&admin.token, "客户", "2001").await;
    let got = accounts.wait_for(1).await;
    assert_eq!(got[0].json()["type"], "account.created");
    // Each event's deliveries are written with it: none for the others.
    assert!(deliveries(&app, &admin, c["id"].as_i64().unwrap())
        .await
        .is_empty());
    assert!(deliveries(&app, &admin, disabled_id).await.is_empty());
    assert_eq!(
        deliveries(&app, &admin, a["id"].as_i64().unwrap())
            .await
            .len(),
        1
    );
    assert!(contracts.requests().is_empty());
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_after_its_back_off_and_succeeds_once() {
    let start = Utc.with_ymd_and_hms(2031, 3, 3, 2, 0, 0).unwrap();
    let app = spawn_app_at_with(start, |c| c.webhooks_allow_private = true).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("Retry", "retry@x.cn").await;
    let receiver = Receiver::start(200, "ok").await;
    receiver.then(500, "boom");
    let hook = create_hook(&app, &admin, &receiver.url, json!(["account.created"])).await;
    let hook = hook["id"].as_i64().unwrap();

    app.create_account(&admin.token, "重试客户", "3001").await;
    receiver.wait_for(1).await;
    let failed = wait_delivery(&app, &admin, hook, |d| {
        d["status"] == "pending" && d["attempt"] == 1
    })
    .await;
    assert_eq!(failed["http_status"], 500);
    assert_eq!(failed["response_excerpt"], "boom");
    assert!(
        failed["error"].as_str().unwrap().contains("500"),
        "{failed}"
    );
    let next: chrono::DateTime<Utc> = failed["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next, start + chrono::Duration::seconds(30));

    // Not due yet: a run sends nothing.
    let run = app
        .post(
            "/api/v1/admin/jobs/integrations-outbox/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    assert_eq!(receiver.requests().len(), 1);

    clock.advance(chrono::Duration::seconds(31));
    let run = app
        .post(
            "/api/v1/admin/jobs/integrations-outbox/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].json()["id"], got[1].json()["id"], "the same event");
    let done = wait_delivery(&app, &admin, hook, |d| d["status"] == "delivered").await;
    assert_eq!(done["attempt"], 2);
    assert_eq!(done["http_status"], 200);
    assert!(done["next_attempt_at"].is_null());

    // Delivered once: later runs, even much later, send nothing more.
    clock.advance(chrono::Duration::hours(2));
    for _ in 0..2 {
        app.post(
            "/api/v1/admin/jobs/integrations-outbox/run",
            &admin.token,
            json!({}),
        )
        .await;
    }
    assert_eq!(receiver.requests().len(), 2);
    assert_eq!(deliveries(&app, &admin, hook).await.len(), 1);
}

#[actix_web::test]
async fn a_delivery_is_redelivered_by_hand_and_a_ping_tests_the_hook() {
    let app = app().await;
    let admin = app.signup("Redeliver", "redeliver@x.cn").await;
    let receiver = Receiver::start(200, "thanks").await;
    let created = create_hook(&app, &admin, &receiver.url, json!(["account.created"])).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let hook = created["id"].as_i64().unwrap();
    app.create_account(&admin.token, "客户", "4001").await;
    receiver.wait_for(1).await;
    let first = wait_delivery(&app, &admin, hook, |d| d["status"] == "delivered").await;

    let response = app
        .post(
            &format!(
                "/api/v1/webhooks/{hook}/deliveries/{}/redeliver",
                first["id"]
            ),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["status"], "delivered");
    assert_eq!(again["event_id"], first["event_id"]);
    assert_ne!(again["id"], first["id"]);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].json()["id"], got[0].json()["id"]);
    assert_signed(&got[1], &secret);
    assert_eq!(deliveries(&app, &admin, hook).await.len(), 2);

    let response = app
        .post(
            &format!("/api/v1/webhooks/{hook}/test"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ping: Value = response.json().await.unwrap();
    assert_eq!(ping["status"], "delivered");
    assert_eq!(ping["event_type"], "ping");
    let got = receiver.wait_for(3).await;
    assert_eq!(got[2].json()["type"], "ping");
    assert_signed(&got[2], &secret);

    // A delivery of another hook is not this hook's.
    let other = create_hook(&app, &admin, &receiver.url, json!(["ticket.created"])).await;
    let response = app
        .post(
            &format!(
                "/api/v1/webhooks/{}/deliveries/{}/redeliver",
                other["id"], first["id"]
            ),
            &admin.token,
            json!({}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn a_hook_failing_again_and_again_is_disabled_and_the_admins_are_told() {
    let app = app().await;
    let admin = app.signup("Disable", "disable@x.cn").await;
    let receiver = Receiver::start(503, "down").await;
    let created = create_hook(&app, &admin, &receiver.url, json!(["account.created"])).await;
    let hook = created["id"].as_i64().unwrap();
    for i in 0..20 {
        app.create_account(&admin.token, &format!("客户{i}"), &format!("50{i:02}"))
            .await;
    }
    receiver.wait_for(20).await;
    let mut state = Value::Null;
    for _ in 0..600 {
        state = app
            .get(&format!("/api/v1/webhooks/{hook}"), &admin.token)
            .await
            .json()
            .await
            .unwrap();
        if state["enabled"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state["enabled"], false, "{state}");
    assert_eq!(state["consecutive_failures"], 20);
    assert!(state["disabled_reason"].as_str().unwrap().contains("20"));
    let mail = app.mail.wait_for("disable@x.cn").await;
    let subject = mail.header("Subject").unwrap();
    assert!(subject.contains(&receiver.url), "{subject}");
    assert!(
        subject.contains("停用"),
        "in the admin's language: {subject}"
    );
    // Nothing is left to retry, and new events skip it.
    let log = deliveries(&app, &admin, hook).await;
    assert_eq!(log.len(), 20);
    assert!(log.iter().all(|d| d["status"] == "failed"), "{log:?}");
    app.create_account(&admin.token, "之后", "5099").await;
    assert_eq!(deliveries(&app, &admin, hook).await.len(), 20);

    // Enabled again, it starts afresh.
    let response = app
        .patch(
            &format!("/api/v1/webhooks/{hook}"),
            &admin.token,
            json!({"enabled": true}),
        )
        .await;
    let enabled: Value = response.json().await.unwrap();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["consecutive_failures"], 0);
    assert!(enabled["disabled_reason"].is_null());
}

#[actix_web::test]
async fn private_targets_are_refused_unless_the_server_allows_them() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.signup("Ssrf", "ssrf@x.cn").await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
    ] {
        let response = app
            .post(
                "/api/v1/webhooks",
                &admin.token,
                json!({"url": url, "events": ["ticket.created"]}),
            )
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"]["url"].is_string(), "{url}: {error}");
        let response = app
            .post(
                "/api/v1/settings/chat-bots",
                &admin.token,
                json!({"name": "x", "kind": "wecom", "webhook_url": url}),
            )
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"]["webhook_url"].is_string(), "{url}: {error}");
    }
    for body in [
        json!({"url": "ftp://example.com/x", "events": ["ticket.created"]}),
        json!({"url": "https://example.com/x", "events": []}),
        json!({"url": "https://example.com/x", "events": ["ticket.exploded"]}),
        json!({"url": "https://example.com/x", "events": ["ticket.created"], "extra": 1}),
    ] {
        let response = app
            .post("/api/v1/webhooks", &admin.token, body.clone())
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let list: Vec<Value> = app
        .get("/api/v1/webhooks", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.is_empty());
}

#[actix_web::test]
async fn webhooks_are_for_admins_and_stay_in_their_workspace() {
    let app = app().await;
    let admin = app.signup("Mine", "mine@x.cn").await;
    let receiver = Receiver::start(200, "").await;
    let hook = create_hook(&app, &admin, &receiver.url, json!(["ticket.created"])).await;
    let id = hook["id"].as_i64().unwrap();

    let other = app.signup("Theirs", "theirs@x.cn").await;
    let list: Vec<Value> = app
        .get("/api/v1/webhooks", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.is_empty());
    for (method, path) in [
        (Method::GET, format!("/api/v1/webhooks/{id}")),
        (Method::PATCH, format!("/api/v1/webhooks/{id}")),
        (Method::DELETE, format!("/api/v1/webhooks/{id}")),
        (Method::GET, format!("/api/v1/webhooks/{id}/deliveries")),
        (Method::POST, format!("/api/v1/webhooks/{id}/test")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"enabled": false}));
        let response = app
            .request(method.clone(), &path, Some(&other.token), body)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(receiver.requests().is_empty());
    let still: Value = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["enabled"], true);

    let manager = app.staff(&admin, "manager", "manager@x.cn").await;
    let response = app.get("/api/v1/webhooks", &manager.token).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(
            "/api/v1/webhooks",
            &manager.token,
            json!({"url": receiver.url, "events": ["ticket.created"]}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.get("/api/v1/settings/chat-bots", &manager.token).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin.token)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn each_area_sends_its_events_and_internal_comments_stay_inside() {
    // 2027-10-01: a contract ending 2027-12-31 opens its renewal at once.
    let start = Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap();
    let app = spawn_app_at_with(start, |c| c.webhooks_allow_private = true).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("Events", "events@x.cn").await;
    let receiver = Receiver::start(200, "").await;
    let every = json!([
        "ticket.created",
        "ticket.updated",
        "ticket.commented",
        "ticket.sla_breached",
        "account.created",
        "account.stage_changed",
        "account.health_band_changed",
        "renewal.stage_changed",
        "renewal.due_soon",
        "contract.created",
        "survey.answered",
        "import.finished"
    ]);
    create_hook(&app, &admin, &receiver.url, every).await;

    let account = app.create_account(&admin.token, "全事件客户", "8001").await;
    let account_id = account["id"].as_i64().unwrap();
    let response = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({"account_id": account_id, "starts_on": "2027-01-01", "ends_on": "2027-12-31",
                   "annual_value": "120000"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .patch(
            &format!("/api/v1/accounts/{account_id}"),
            &admin.token,
            json!({"stage": "adoption"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewals: Value = app
        .get("/api/v1/renewals", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let renewal = renewals["items"][0]["id"].as_i64().unwrap();
    let response = app
        .patch(
            &format!("/api/v1/renewals/{renewal}"),
            &admin.token,
            json!({"stage": "in_negotiation"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account_id, "module": "finance", "category": "bug",
                   "priority": "p1", "subject": "总账结账失败", "description": "月末无法结账"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: Value = response.json().await.unwrap();
    let path = format!("/api/v1/tickets/{}", ticket["id"]);
    let response = app
        .patch(&path, &admin.token, json!({"priority": "p2"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .patch(&path, &admin.token, json!({"subject": "只改标题"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for internal in [true, false] {
        let response = app
            .post(
                &format!("{path}/comments"),
                &admin.token,
                json!({"body": if internal { "内部备注" } else { "请检查凭证" }, "internal": internal}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    clock.advance(chrono::Duration::days(10));
    let response = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let expected = [
        "account.created",
        "contract.created",
        "account.stage_changed",
        "renewal.stage_changed",
        "ticket.created",
        "ticket.updated",
        "ticket.commented",
        "ticket.sla_breached",
    ];
    let mut seen: Vec<Value> = Vec::new();
    for _ in 0..600 {
        seen = receiver.requests().iter().map(|r| r.json()).collect();
        if expected
            .iter()
            .all(|t| seen.iter().any(|e| e["type"] == *t))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let of = |t: &str| -> Vec<&Value> { seen.iter().filter(|e| e["type"] == t).collect() };
    for t in expected {
        assert!(!of(t).is_empty(), "no {t} among {seen:?}");
    }
    let stage = of("account.stage_changed");
    // The renewal opening moves the account to `renewal`; then the CSM's change.
    let moves: Vec<&Value> = stage
        .iter()
        .map(|e| &e["data"]["changes"]["stage"])
        .collect();
    assert!(
        moves.contains(&&json!({"from": "onboarding", "to": "renewal"})),
        "{moves:?}"
    );
    assert!(
        moves.contains(&&json!({"from": "renewal", "to": "adoption"})),
        "{moves:?}"
    );
    let renewal_stage = of("renewal.stage_changed");
    assert_eq!(
        renewal_stage[0]["data"]["changes"]["stage"]["to"],
        "in_negotiation"
    );
    assert_eq!(
        of("contract.created")[0]["data"]["contract"]["annual_value"],
        "120000.00"
    );
    let updated = of("ticket.updated");
    assert_eq!(
        updated[0]["data"]["changes"]["priority"],
        json!({"from": "p1", "to": "p2"})
    );
    // The subject-only change is no ticket.updated of its own.
    assert!(updated
        .iter()
        .all(|e| !e["data"]["changes"].as_object().unwrap().is_empty()));
    let commented = of("ticket.commented");
    assert_eq!(commented.len(), 1, "public comments only: {commented:?}");
    assert_eq!(commented[0]["data"]["comment"]["excerpt"], "请检查凭证");
    assert!(!seen.iter().any(|e| e.to_string().contains("内部备注")));
    let breach = of("ticket.sla_breached");
    assert_eq!(breach[0]["data"]["ticket"]["number"], ticket["number"]);
    assert!(breach[0]["data"]["sla"]["target"].is_string());
}

/// A measurement, not a check (`cargo test -p server --test api --
/// --ignored webhook_latency --nocapture`): 200 events, one every 20 ms,
/// with the delivery worker running; prints the time from each event to
/// its arrival at the receiver (p50, p95, max).
#[actix_web::test]
#[ignore]
async fn webhook_latency() {
    let app = app().await;
    let admin = app.signup("Latency", "latency@x.cn").await;
    let receiver = Receiver::start(200, "").await;
    create_hook(&app, &admin, &receiver.url, json!(["account.created"])).await;
    for i in 0..200 {
        app.create_account(&admin.token, &format!("客户{i}"), &format!("9{i:04}"))
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let got = receiver.wait_for(200).await;
    let mut ms: Vec<i64> = got
        .iter()
        .map(|r| {
            let created: chrono::DateTime<Utc> =
                r.json()["created_at"].as_str().unwrap().parse().unwrap();
            (r.received_at - created).num_milliseconds()
        })
        .collect();
    ms.sort();
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).min(ms.len()) - 1];
    println!(
        "webhook latency over {} events: p50 {} ms, p95 {} ms, max {} ms",
        ms.len(),
        at(0.50),
        at(0.95),
        ms[ms.len() - 1]
    );
}

#[actix_web::test]
async fn a_health_band_change_is_sent_once() {
    let app = app().await;
    let admin = app.signup("Bands", "bands@x.cn").await;
    let receiver = Receiver::start(200, "").await;
    let created = create_hook(
        &app,
        &admin,
        &receiver.url,
        json!(["account.health_band_changed"]),
    )
    .await;
    let hook = created["id"].as_i64().unwrap();
    let account = app.create_account(&admin.token, "健康客户", "6001").await;
    let id = account["id"].as_i64().unwrap();
    // Open P1 tickets pull the support component below full marks.
    for _ in 0..2 {
        let response = app
            .post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": id, "module": "finance", "category": "bug",
                       "priority": "p1", "subject": "结账失败", "description": "月末"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let run = || async {
        let response = app
            .post(
                "/api/v1/admin/jobs/health-scores/run",
                &admin.token,
                json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()
    };
    // The first snapshot has nothing to differ from.
    assert_eq!(run().await["summary"]["band_changes"], 0);
    let health: Value = app
        .get(&format!("/api/v1/accounts/{id}/health"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let score = health["score"].as_i64().unwrap();
    assert!(score <= 97, "{health}");
    let before = health["band"].as_str().unwrap().to_string();
    assert_ne!(before, "red");

    // Thresholds above the score turn the account red.
    let mut model: Value = app
        .get("/api/v1/health-model", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    model["yellow_min"] = json!(score + 1);
    model["green_min"] = json!(score + 2);
    let model = json!({"components": model["components"], "green_min": model["green_min"],
                       "yellow_min": model["yellow_min"]});
    let response = app.put("/api/v1/health-model", &admin.token, model).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(run().await["summary"]["band_changes"], 1);
    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["type"], "account.health_band_changed");
    assert_eq!(event["data"]["account"]["id"], id);
    assert_eq!(event["data"]["health"]["band"], "red");
    assert_eq!(event["data"]["health"]["previous_band"], before.as_str());
    assert_eq!(event["data"]["health"]["score"], score);

    // Run again the same day: the band stays red, nothing more is sent.
    assert_eq!(run().await["summary"]["band_changes"], 0);
    assert_eq!(deliveries(&app, &admin, hook).await.len(), 1);
}

/// A workspace (admin `{p}-admin@x.cn`) whose account `续约客户` (code
/// `code`) has a contract ending on the reminder
/// tests' `end()`, the clock 100 days before it: `renewal.due_soon` comes
/// at the default offsets 90, 60, 30 and 7.
pub(crate) async fn due_soon_world(p: &str, code: &str) -> (TestApp, Session, Value) {
    let app = spawn_app_at_with(Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap(), |c| {
        c.webhooks_allow_private = true
    })
    .await;
    crate::reminders::set_day(&app, 100);
    let admin = app.signup("Due soon", &format!("{p}-admin@x.cn")).await;
    let account = app.create_account(&admin.token, "续约客户", code).await;
    crate::reminders::add_contract(&app, &admin.token, &account, "128000.00").await;
    (app, admin, account)
}

/// Runs the reminder job twice at once, `days_before` the contract's end
/// (as two replicas would), then waits until every delivery queued is
/// delivered, so that moving the clock never meets a send in flight.
/// Returns how many `renewal.due_soon` the two runs emitted together.
pub(crate) async fn remind_twice(app: &TestApp, days_before: i64) -> u64 {
    use sea_orm::EntityTrait;
    use server::entity::integrations::deliveries;
    crate::reminders::set_day(app, days_before);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let state = app.app_state.clone();
            tokio::spawn(async move {
                server::jobs::run(&state, "renewal-reminders")
                    .await
                    .expect("the job runs")
                    .summary
            })
        })
        .collect();
    let mut emitted = 0;
    for run in runs {
        emitted += run.await.unwrap()["due_soon"].as_u64().unwrap();
    }
    for _ in 0..600 {
        let rows = deliveries::Entity::find()
            .all(&app.app_state.db.read)
            .await
            .unwrap();
        if rows.iter().all(|d| d.status == "delivered") {
            return emitted;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the deliveries of day -{days_before} were not delivered");
}

#[actix_web::test]
async fn a_renewal_reaching_each_reminder_offset_is_sent_once_per_offset() {
    let (app, admin, account) = due_soon_world("ds", "7101").await;
    let receiver = Receiver::start(200, "").await;
    let created = create_hook(&app, &admin, &receiver.url, json!(["renewal.due_soon"])).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    // A hook for other events hears nothing of it.
    let others = Receiver::start(200, "").await;
    create_hook(&app, &admin, &others.url, json!(["renewal.stage_changed"])).await;

    // Two runs at once each day; 7 days before the end the server was
    // down, so the 7-day offset is reached late, 5 days before.
    let mut reached = Vec::new();
    for days_before in [100, 91, 90, 89, 61, 60, 31, 30, 29, 8, 5, 4, 0] {
        match remind_twice(&app, days_before).await {
            0 => {}
            1 => reached.push(days_before),
            n => panic!("{n} events on day -{days_before}"),
        }
    }
    assert_eq!(reached, [90, 60, 30, 5]);

    let got = receiver.wait_for(4).await;
    assert_eq!(got.len(), 4, "one delivery per offset");
    let events: Vec<Value> = got.iter().map(|r| r.json()).collect();
    let of = |e: &Value| {
        (
            e["data"]["offset_days"].clone(),
            e["data"]["days_left"].clone(),
        )
    };
    assert_eq!(
        events.iter().map(of).collect::<Vec<_>>(),
        [
            (json!(90), json!(90)),
            (json!(60), json!(60)),
            (json!(30), json!(30)),
            (json!(7), json!(5)),
        ]
    );
    let ids: std::collections::HashSet<&str> =
        events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "four events, not one sent four times");
    for (request, event) in got.iter().zip(&events) {
        assert_signed(request, &secret);
        assert_eq!(event["type"], "renewal.due_soon");
        assert_eq!(request.headers["steward-event"], "renewal.due_soon");
        let data = &event["data"];
        assert_eq!(data["due_on"], "2027-06-30");
        assert_eq!(data["account"]["id"], account["id"]);
        assert_eq!(data["account"]["code"], "7101");
        assert_eq!(data["renewal"]["account_id"], account["id"]);
        assert_eq!(data["renewal"]["due_on"], "2027-06-30");
        assert_eq!(data["renewal"]["stage"], "upcoming");
        assert_eq!(data["contract"]["id"], data["renewal"]["contract_id"]);
        assert_eq!(data["contract"]["annual_value"], "128000.00");
        assert_eq!(data["contract"]["ends_on"], "2027-06-30");
    }
    assert!(others.requests().is_empty());
}

#[actix_web::test]
async fn an_answered_survey_is_sent_once_with_its_score_and_no_secret() {
    let app = app().await;
    let admin = app.signup("Survey", "sa-admin@x.cn").await;
    let receiver = Receiver::start(200, "").await;
    let created = create_hook(&app, &admin, &receiver.url, json!(["survey.answered"])).await;
    let hook = created["id"].as_i64().unwrap();
    let account = app.create_account(&admin.token, "调查客户", "7201").await;
    let account_id = account["id"].as_i64().unwrap();
    let contact = app
        .create_contact(&admin.token, account_id, "张伟", "sa-c@x.cn")
        .await;
    let response = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "年度 NPS", "question_zh": "推荐吗？", "question_en": "Recommend?",
                   "contact_ids": [contact["id"]]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let survey: Value = response.json().await.unwrap();
    let token = crate::surveys::token_in(&app.mail.wait_for("sa-c@x.cn").await);
    // Nothing is sent for the campaign itself.
    assert!(deliveries(&app, &admin, hook).await.is_empty());

    let response =
        crate::surveys::answer(&app, &token, json!({"score": 9, "comment": "响应很快"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The customer's answer tells them nothing about the workspace.
    let answered: Value = response.json().await.unwrap();
    let mut keys: Vec<&String> = answered.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["answered", "question_en", "question_zh"],
        "{answered}"
    );
    // A second answer is refused and sends nothing.
    let again = crate::surveys::answer(&app, &token, json!({"score": 0})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["type"], "survey.answered");
    let data = &event["data"];
    assert_eq!(data["survey"]["id"], survey["id"]);
    assert_eq!(data["survey"]["name"], "年度 NPS");
    assert_eq!(data["response"]["score"], 9);
    assert_eq!(data["response"]["comment"], "响应很快");
    assert_eq!(data["response"]["contact_id"], contact["id"]);
    assert_eq!(data["account"]["id"], account_id);
    assert_eq!(data["account"]["code"], "7201");
    // The one-time link (and its stored hash) stay inside: whoever holds
    // the event cannot answer in the customer's name.
    let row = {
        use sea_orm::EntityTrait;
        server::entity::survey_recipients::Entity::find()
            .all(&app.app_state.db.read)
            .await
            .unwrap()
            .remove(0)
    };
    let body = &got[0].body;
    assert!(!body.contains(&token), "{body}");
    assert!(!body.contains(&row.token_hash), "{body}");
    assert!(!body.contains("token"), "{body}");
    wait_delivery(&app, &admin, hook, |d| d["status"] == "delivered").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), 1);
    assert_eq!(deliveries(&app, &admin, hook).await.len(), 1);
}
